import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps, aws_kinesisfirehose as firehose, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ApiToFirehose, BatchMode, EnvelopeField, RecordEnvelope, TextPlainMode } from '../src';

/** Options of the example stack. */
export interface ExampleStackProps extends StackProps {
  /** Prefix of the delivery stream names (LocalStack needs explicit, unused names). */
  readonly namePrefix?: string;
  /** Empty the buckets on stack deletion (a Lambda-backed custom resource: real AWS only). */
  readonly autoDeleteObjects?: boolean;
  /** The web origin allowed by CORS (the browser end-to-end test serves its page from a local port). @default 'https://app.example.com' */
  readonly corsOrigin?: string;
}

/** The envelope the example (and the end-to-end tests) use: defaults plus caller-controlled fields. */
export const EXAMPLE_ENVELOPE = RecordEnvelope.withFields([
  EnvelopeField.apiKeyId(),
  EnvelopeField.requestId(),
  EnvelopeField.receivedAt(),
  EnvelopeField.eventId(),
  EnvelopeField.batchIndex(),
  EnvelopeField.userAgent(),
  EnvelopeField.traceId(),
  EnvelopeField.header('X-Tenant-Id', 'tenant'),
  EnvelopeField.queryParameter('source', 'source'),
  EnvelopeField.constant('pipeline', 'example'),
]);

/**
 * The example stack: one REST API with three ApiToFirehose instances, all with CORS for one web origin.
 * - `/` and `/batch`: the example envelope, packed batches (one record per request); what
 *   cdk-api-to-firehose-client posts to (JSON, `x-api-key`, `fetch` with `keepalive` on page hide);
 * - `/per-event` and `/per-event/batch`: the body alone (raw), one Firehose record per event (PutRecordBatch),
 *   text/plain bodies stored as JSON strings;
 * - `/beacon` and `/beacon/batch`: no API key (`navigator.sendBeacon` cannot send headers; the stage throttle
 *   bounds it), text/plain bodies parsed as JSON, the default envelope.
 * Objects are uncompressed and buffered briefly so tests can read them soon after a POST.
 */
export class ExampleStack extends Stack {
  public readonly ingest: ApiToFirehose;
  public readonly perEvent: ApiToFirehose;
  public readonly beacon: ApiToFirehose;

  constructor(scope: Construct, id: string, props: ExampleStackProps = {}) {
    super(scope, id, props);
    const prefix = props.namePrefix ?? id;
    const cors = { allowOrigin: props.corsOrigin ?? 'https://app.example.com' };
    const bucket = (name: string) => new s3.Bucket(this, name, {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: props.autoDeleteObjects ?? false,
    });

    this.ingest = new ApiToFirehose(this, 'Ingest', {
      bucket: bucket('EventsBucket'),
      deliveryStreamName: `${prefix}-events`,
      bufferingInterval: Duration.seconds(0),
      compression: firehose.Compression.UNCOMPRESSED,
      envelope: EXAMPLE_ENVELOPE,
      throttle: { rateLimit: 1000, burstLimit: 2000 },
      cors,
    });
    this.perEvent = new ApiToFirehose(this, 'PerEvent', {
      restApi: this.ingest.restApi,
      resourcePath: 'per-event',
      bucket: bucket('RawBucket'),
      deliveryStreamName: `${prefix}-raw`,
      bufferingInterval: Duration.seconds(0),
      compression: firehose.Compression.UNCOMPRESSED,
      envelope: RecordEnvelope.RAW,
      batch: { mode: BatchMode.RECORD_PER_EVENT, maxEvents: 500 },
      textPlain: TextPlainMode.AS_STRING,
      cors,
    });
    this.beacon = new ApiToFirehose(this, 'Beacon', {
      restApi: this.ingest.restApi,
      resourcePath: 'beacon',
      bucket: bucket('BeaconBucket'),
      deliveryStreamName: `${prefix}-beacon`,
      bufferingInterval: Duration.seconds(0),
      compression: firehose.Compression.UNCOMPRESSED,
      apiKeyRequired: false,
      textPlain: TextPlainMode.AS_JSON,
      cors,
    });

    const out = (name: string, value: string) => new CfnOutput(this, name, { value });
    out('ApiId', this.ingest.restApi.restApiId);
    out('StageName', this.ingest.restApi.deploymentStage.stageName);
    out('Url', this.ingest.url!);
    out('ApiKeyId', this.ingest.apiKey!.keyId);
    out('EventsBucketName', this.ingest.bucket!.bucketName);
    out('EventsStreamName', this.ingest.deliveryStreamName);
    out('PerEventApiKeyId', this.perEvent.apiKey!.keyId);
    out('RawBucketName', this.perEvent.bucket!.bucketName);
    out('BeaconBucketName', this.beacon.bucket!.bucketName);
  }
}
