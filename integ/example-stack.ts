import {
  CfnOutput, Duration, RemovalPolicy, Stack, StackProps, aws_apigateway as apigw, aws_kinesis as kinesis, aws_kinesisfirehose as firehose,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ApiToFirehose, BatchMode, EnvelopeField, IngestTarget, Input, RecordEnvelope, TextPlainMode } from '../src';

/** Options of the example stack. */
export interface ExampleStackProps extends StackProps {
  /** Prefix of the delivery stream names (LocalStack needs explicit, unused names). */
  readonly namePrefix?: string;
  /** Empty the buckets on stack deletion (a Lambda-backed custom resource: real AWS only). */
  readonly autoDeleteObjects?: boolean;
  /** The web origin allowed by CORS (the browser end-to-end test serves its page from a local port). @default 'https://app.example.com' */
  readonly corsOrigin?: string;
  /**
   * Serve the senders' inputs on the `/` instance: OpenTelemetry logs (`/v1/logs`), Snowplow
   * (`/com.snowplowanalytics.snowplow/tp2`) and log shippers (`/logs`). Off by default so the integ snapshot stays
   * as it is; the inputs end-to-end test turns it on.
   * @default false
   */
  readonly senderInputs?: boolean;
  /**
   * The write key of the example's Segment source, `example`. A literal here so the local demo and tests know it;
   * in an app, take it from a parameter or a secret (docs/senders/segment.md).
   * @default EXAMPLE_SEGMENT_WRITE_KEY
   */
  readonly segmentWriteKey?: string;
  /**
   * The curated Iceberg tables on the `/` instance (`query.curated`): the local demo ends with a query on one. Off by
   * default so the integ snapshot stays as it is.
   * @default false
   */
  readonly curated?: boolean;
}

/** The example's Segment write key (source `example`): Segment SDKs send it, configured with the host only. */
export const EXAMPLE_SEGMENT_WRITE_KEY = 'wkExampleSource0000aaaa1111bbbb';

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

const T = apigw.JsonSchemaType;

/** The event schema of the typed instance: its properties become the body's struct type in the Glue table. */
export const TYPED_EVENT_SCHEMA: apigw.JsonSchema = {
  type: T.OBJECT,
  required: ['type'],
  properties: {
    type: { type: T.STRING },
    value: { type: T.NUMBER },
    count: { type: T.INTEGER },
    ok: { type: T.BOOLEAN },
    tags: { type: T.ARRAY, items: { type: T.STRING } },
    page: { type: T.OBJECT, properties: { url: { type: T.STRING }, ms: { type: T.INTEGER } } },
    extra: { type: T.OBJECT },
  },
};

/**
 * The example stack: one REST API with five ApiToFirehose instances.
 * - `/` and `/batch`: the example envelope, packed batches (one record per request), CORS for one web origin; what
 *   cdk-api-to-firehose-client posts to (JSON, `x-api-key`, `fetch` with `keepalive` on page hide); and Segment's
 *   routes (`/v1/batch`, `/v1/track`, ..., `/v1/t`, `/v1/b`, ...) for Segment's SDKs, into the same stream, by the
 *   write key of the declared source `example` (no x-api-key there);
 * - `/per-event` and `/per-event/batch`: the body alone (raw), one Firehose record per event (PutRecordBatch),
 *   text/plain bodies stored as JSON strings, CORS;
 * - `/beacon` and `/beacon/batch`: no API key (`navigator.sendBeacon` cannot send headers; the stage throttle
 *   bounds it), text/plain bodies parsed as JSON, the default envelope, CORS;
 * - `/typed` and `/typed/batch`: events that must match TYPED_EVENT_SCHEMA;
 * - `/stream` and `/stream/batch`: a one-shard Kinesis data stream in front of Firehose, with every input under
 *   `/stream` (Segment's `/stream/v1/...`, OTLP's `/stream/v1/logs`, Snowplow's tp2, the shippers' `/stream/logs`).
 * `/` and `/typed` have a Glue table and an Athena workgroup (`query`; LocalStack community serves neither, the
 * end-to-end test builds the same table in Trino from this template). Objects are uncompressed and buffered briefly
 * so tests can read them soon after a POST.
 */
export class ExampleStack extends Stack {
  public readonly ingest: ApiToFirehose;
  public readonly perEvent: ApiToFirehose;
  public readonly beacon: ApiToFirehose;
  public readonly typed: ApiToFirehose;
  /** `/stream` and `/stream/batch`: a one-shard Kinesis data stream in front of Firehose (IngestTarget.kinesisStream). */
  public readonly stream: ApiToFirehose;

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
      query: props.curated ? { curated: {} } : {},
      // Segment's SDKs post to /v1/batch, /v1/track, ... and the browser SDK to /v1/t, /v1/b, ...; the OTLP, Snowplow and
      // shipper inputs only where a test asks for them (senderInputs).
      inputs: [Input.segment({ sources: [{ name: 'example', writeKeys: [props.segmentWriteKey ?? EXAMPLE_SEGMENT_WRITE_KEY] }] }),
        ...(props.senderInputs ? [Input.otlp(), Input.snowplow(), Input.logShippers()] : [])],
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
    this.typed = new ApiToFirehose(this, 'Typed', {
      restApi: this.ingest.restApi,
      resourcePath: 'typed',
      bucket: bucket('TypedBucket'),
      deliveryStreamName: `${prefix}-typed`,
      bufferingInterval: Duration.seconds(0),
      compression: firehose.Compression.UNCOMPRESSED,
      eventSchema: TYPED_EVENT_SCHEMA,
      query: { tableName: 'typed_events' },
    });

    // Kinesis in front of Firehose: one provisioned shard (1 MiB/s, 1,000 records/s of writes), so it is cheap to keep
    // and easy to drive past its limit; on-demand is the default. Same envelope and S3 layout as /, and, where a test
    // asks for the sender inputs, every input (under /stream: Segment's /stream/v1/..., OTLP's /stream/v1/logs,
    // Snowplow's tp2, the shippers' /stream/logs). The integ test's stack leaves them out: their templates would take
    // the stack past CloudFormation's 1 MB template limit.
    this.stream = new ApiToFirehose(this, 'Stream', {
      restApi: this.ingest.restApi,
      resourcePath: 'stream',
      bucket: bucket('StreamBucket'),
      deliveryStreamName: `${prefix}-stream`,
      bufferingInterval: Duration.seconds(0),
      compression: firehose.Compression.UNCOMPRESSED,
      envelope: EXAMPLE_ENVELOPE,
      target: IngestTarget.kinesisStream({ streamName: `${prefix}-stream`, streamMode: kinesis.StreamMode.PROVISIONED, shardCount: 1 }),
      inputs: props.senderInputs ? [Input.segment(), Input.otlpLogs(), Input.snowplow(), Input.logShippers()] : [],
    });

    const out = (name: string, value: string) => new CfnOutput(this, name, { value });
    out('ApiId', this.ingest.restApi.restApiId);
    out('StageName', this.ingest.restApi.deploymentStage.stageName);
    out('Url', this.ingest.url!);
    // What each sender is configured with (README: "Point a sender at it"), and the key id to read the key value with.
    const e = this.ingest.endpoints;
    const senders: [string, string | undefined][] = [
      ['BatchUrl', e.batchUrl], ['SegmentHost', e.segment?.host], ['SegmentPath', e.segment?.path], ['SegmentApiHost', e.segment?.apiHost],
      ['SegmentBaseUrl', e.segment?.baseUrl], ['OtlpEndpoint', e.otlp?.endpoint], ['SnowplowCollectorUrl', e.snowplowCollectorUrl],
      ['LogShippersUrl', e.logShippersUrl],
    ];
    senders.forEach(([name, value]) => value && out(name, value));
    out('ApiKeyId', this.ingest.apiKey!.keyId);
    out('EventsBucketName', this.ingest.bucket!.bucketName);
    out('EventsStreamName', this.ingest.deliveryStreamName);
    out('PerEventApiKeyId', this.perEvent.apiKey!.keyId);
    out('RawBucketName', this.perEvent.bucket!.bucketName);
    out('BeaconBucketName', this.beacon.bucket!.bucketName);
    out('TypedApiKeyId', this.typed.apiKey!.keyId);
    out('TypedBucketName', this.typed.bucket!.bucketName);
    out('StreamApiKeyId', this.stream.apiKey!.keyId);
    out('StreamBucketName', this.stream.bucket!.bucketName);
    out('KinesisStreamName', this.stream.stream!.streamName);
  }
}
