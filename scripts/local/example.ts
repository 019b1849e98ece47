import { App, BootstraplessSynthesizer } from 'aws-cdk-lib';
import { DEFAULT_ENDPOINT, apiKeyValue, deployToLocalStack, invokeUrl, synthStack } from './deploy';
import { EXAMPLE_SEGMENT_WRITE_KEY, ExampleStack } from '../../integ/example-stack';

/** What a deployed example stack offers its callers. */
export interface DeployedExample {
  readonly stackName: string;
  readonly outputs: Record<string, string>;
  /** Base URL of the API stage (ends with '/'). */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** The write key of the `/` instance's Segment source `example` (Segment's routes take it instead of x-api-key). */
  readonly segmentWriteKey: string;
  readonly perEventApiKey: string;
  readonly eventsBucket: string;
  readonly rawBucket: string;
  readonly beaconBucket: string;
  readonly apiKeyId: string;
  readonly typedApiKey: string;
  readonly typedBucket: string;
  /** The Kinesis target's instance (`/stream`): its key, bucket and data stream. */
  readonly streamApiKey: string;
  readonly streamBucket: string;
  readonly kinesisStreamName: string;
  /** The template that was deployed (the query e2e builds its Trino tables from it). */
  readonly template: Record<string, any>;
}

/** Options of `deployExample`. */
export interface DeployExampleOptions {
  /** The web origin the stack's CORS allows (e.g. a local test page's `http://127.0.0.1:PORT`). */
  readonly corsOrigin?: string;
  /** Serve the OTLP, Snowplow and log shipper inputs on the `/` instance (see ExampleStackProps). */
  readonly senderInputs?: boolean;
  /** The curated Iceberg tables on the `/` instance (see ExampleStackProps). */
  readonly curated?: boolean;
}

/**
 * Synthesizes the example stack (integ/example-stack.ts) without bootstrap, creates it in LocalStack,
 * and reads what a client needs: URLs, the API keys' values, bucket names.
 * `namePrefix` makes the delivery stream names unique (LocalStack fails a stack whose stream name exists).
 */
export async function deployExample(stackName = 'ApiToFirehoseExample', endpoint = DEFAULT_ENDPOINT, quiet = false,
  options: DeployExampleOptions = {}): Promise<DeployedExample> {
  const app = new App();
  const suffix = Date.now().toString(36);
  const stack = new ExampleStack(app, stackName, {
    synthesizer: new BootstraplessSynthesizer(),
    namePrefix: `${stackName}-${suffix}`,
    corsOrigin: options.corsOrigin,
    senderInputs: options.senderInputs,
    curated: options.curated,
  });
  const template = synthStack(stack);
  const outputs = await deployToLocalStack({ stackName, template, endpoint, quiet });
  return {
    stackName,
    outputs,
    baseUrl: invokeUrl(outputs.ApiId, outputs.StageName, '', endpoint),
    apiKey: await apiKeyValue(outputs.ApiKeyId, endpoint),
    segmentWriteKey: EXAMPLE_SEGMENT_WRITE_KEY,
    perEventApiKey: await apiKeyValue(outputs.PerEventApiKeyId, endpoint),
    eventsBucket: outputs.EventsBucketName,
    rawBucket: outputs.RawBucketName,
    beaconBucket: outputs.BeaconBucketName,
    apiKeyId: outputs.ApiKeyId,
    typedApiKey: await apiKeyValue(outputs.TypedApiKeyId, endpoint),
    typedBucket: outputs.TypedBucketName,
    streamApiKey: await apiKeyValue(outputs.StreamApiKeyId, endpoint),
    streamBucket: outputs.StreamBucketName,
    kinesisStreamName: outputs.KinesisStreamName,
    template,
  };
}
