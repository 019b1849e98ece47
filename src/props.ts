import {
  Duration, Size, TimeZone, aws_apigateway as apigw, aws_kinesisfirehose as firehose, aws_kms as kms, aws_logs as logs, aws_s3 as s3,
} from 'aws-cdk-lib';
import { BatchOptions } from './batch';
import { CorsSettings } from './cors';
import { ApiEndpoint, DomainOptions } from './endpoint-options';
import { IngestTarget } from './ingest-target';
import { Input } from './input';
import { MonitoringOptions } from './monitoring-options';
import { QueryOptions } from './query-options';
import { RecordEnvelope } from './record-envelope';
import { TextPlainMode } from './text-plain';

/** The delivery stream and the bucket it writes to. Refused together with `deliveryStream`, which brings its own. */
export interface DeliveryProps {
  /**
   * The bucket that receives the events. The props that configure the new bucket (`encryptionKey`, `lifecycleRules`,
   * `versioned`, `noncurrentVersionExpiration`, `serverAccessLogs*`) are refused with it: configure your bucket.
   * @default - a new bucket: encrypted (see `encryptionKey`), public access blocked, SSL only, versioned, retained
   * on stack deletion
   */
  readonly bucket?: s3.IBucket;

  /**
   * Whether the new bucket is versioned. Firehose writes every object once under a new key and never overwrites
   * one, so versioning keeps nothing extra until an object is deleted: then it keeps the deleted version for
   * `noncurrentVersionExpiration`, a window to recover events deleted by mistake or by a compromised principal.
   * Note that an `expiration` in `lifecycleRules` also makes objects noncurrent first: they are removed
   * `noncurrentVersionExpiration` later. S3 cannot turn versioning off once it was on, only suspend it.
   * @default true
   */
  readonly versioned?: boolean;

  /**
   * How long the versioned new bucket keeps a noncurrent (deleted) version before S3 expires it; delete markers
   * left without versions are removed too. Whole days.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * Whether S3 writes server access logs of the new bucket (one log object per few requests, best effort), to
   * `serverAccessLogsBucket` or else to a new bucket (S3-managed encryption, public access blocked, SSL only,
   * objects expire after 365 days, retained on stack deletion). Off by default: only Firehose writes to the bucket,
   * through its own role, and CloudTrail S3 data events audit reads with more detail and no delay.
   * @default false, or true when `serverAccessLogsBucket` is given
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html
   */
  readonly serverAccessLogs?: boolean;

  /**
   * The bucket that receives the new bucket's server access logs. It must allow `logging.s3.amazonaws.com` to put
   * objects: a policy statement is added to a bucket defined in the app; an imported bucket's policy cannot be
   * changed here. A target bucket must use S3-managed encryption (SSE-S3).
   * @default - a new bucket, when `serverAccessLogs` is true
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * Key prefix of the server access log objects.
   * @default - none (the root of the log bucket)
   */
  readonly serverAccessLogsPrefix?: string;

  /**
   * The delivery stream's name.
   * @default - a name unique to this construct's path in the app
   */
  readonly deliveryStreamName?: string;

  /**
   * How long Firehose buffers records before it writes an S3 object.
   * @default Duration.seconds(60)
   * @see https://docs.aws.amazon.com/firehose/latest/APIReference/API_BufferingHints.html
   */
  readonly bufferingInterval?: Duration;

  /**
   * How much Firehose buffers before it writes an S3 object (1-128 MiB).
   * @default Size.mebibytes(10), or 64 MiB with `partitionByField` (the dynamic partitioning minimum)
   */
  readonly bufferingSize?: Size;

  /**
   * Compression of the S3 objects.
   * @default Compression.GZIP
   */
  readonly compression?: firehose.Compression;

  /**
   * S3 key prefix of delivered objects. May use `!{timestamp:...}` and `!{firehose:random-string}` (not with
   * `query`), and `!{partitionKeyFromQuery:<field>}` with `partitionByField`. Firehose appends its
   * `YYYY/MM/dd/HH/` path only to a prefix without expressions.
   * @default 'events/' (Firehose appends `YYYY/MM/dd/HH/`), or with `partitionByField`
   * 'events/<field>=!{partitionKeyFromQuery:<field>}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/'
   * (the same hours, under each value of the field)
   * @see https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html
   */
  readonly dataOutputPrefix?: string;

  /**
   * S3 key prefix of records Firehose could not deliver. Must contain `!{firehose:error-output-type}`
   * when either prefix uses expressions.
   * @default 'errors/!{firehose:error-output-type}/'
   */
  readonly errorOutputPrefix?: string;

  /**
   * Retention of the Firehose error log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly errorLogRetention?: logs.RetentionDays;

  /**
   * Time zone of the `!{timestamp:...}` prefix expressions and of the default `YYYY/MM/dd/HH/` path.
   * @default TimeZone.ETC_UTC (Firehose's default)
   * @see https://docs.aws.amazon.com/firehose/latest/dev/s3-object-name.html
   */
  readonly timeZone?: TimeZone;

  /**
   * Partition the S3 output by this envelope field (Firehose dynamic partitioning), e.g. 'apiKeyId' so each
   * key's events land under their own prefix, each with its hours below it (see `dataOutputPrefix`). The field must
   * have few values: an API key id, a header, a query parameter, a constant, the stage, the source IP or the user
   * agent; never the request id, trace id, receipt time, event id or batch index. Needs buffering of at least 60 s
   * and 64 MiB.
   * @default - no partitioning
   * @see https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html
   */
  readonly partitionByField?: string;

  /**
   * A customer managed KMS key for the new bucket, the delivery stream, the log groups the construct creates
   * (Firehose delivery errors, API access logs) and, with `query`, the Athena results bucket. The Firehose role gets
   * kms:GenerateDataKey and kms:Decrypt on it, nothing more. The key policy gets a statement that lets CloudWatch
   * Logs use the key for this construct's log groups only (`kms:EncryptionContext:aws:logs:arn` under their name
   * prefix); the log groups are then named `/api-to-firehose/<construct path>/<log>-<id of the stack>`.
   *
   * An imported key (`Key.fromKeyArn`, `Key.fromLookup`) still encrypts the bucket, the stream and the results, but
   * its policy cannot be changed from the app: the log groups then keep CloudWatch Logs' own encryption, and the
   * construct warns (`cdk-api-to-firehose:logGroupsNotEncryptedWithImportedKey`).
   * @default - S3-managed keys (SSE-S3) for the buckets, an AWS owned key for the stream, CloudWatch Logs'
   * service-managed keys for the log groups
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Lifecycle rules of the new bucket (transitions, expiry).
   * @default - none
   */
  readonly lifecycleRules?: s3.LifecycleRule[];

  /**
   * An existing Direct PUT delivery stream to write to. Then the delivery props (bucket, buffering, compression,
   * prefixes, partitioning, encryption key, lifecycle) are refused: configure them on that stream.
   * @default - a new delivery stream
   */
  readonly deliveryStream?: firehose.IDeliveryStream;
}

/** The REST API the methods are added to, and where on it they live. */
export interface ApiProps {
  /**
   * An existing REST API to attach the methods to.
   * @default - a new REST API with a `prod` stage
   */
  readonly restApi?: apigw.IRestApi;

  /**
   * The stage the usage plan is bound to, when `restApi` is an imported API (an imported API has no known stage).
   * @default - the REST API's deployment stage
   */
  readonly stage?: apigw.Stage;

  /**
   * Stage name of the new REST API (ignored with `restApi`).
   * @default 'prod'
   */
  readonly stageName?: string;

  /**
   * Resource path of the single-event method, e.g. 'events' or 'v1/events'.
   * @default '/' (the API root)
   */
  readonly resourcePath?: string;

  /**
   * Whether the new REST API creates the account-wide role that lets API Gateway write execution and access logs
   * (`AWS::ApiGateway::Account`, one per account and region). Set false where the account already has it, and on
   * all but one instance when several `ApiToFirehose` in one stack create their own APIs.
   * @default true
   */
  readonly cloudWatchRole?: boolean;

  /**
   * Whether API Gateway's own errors (invalid key, throttled, quota, bad body, 415, 413, 5xx) answer with JSON bodies.
   * Gateway responses are API-wide, so this applies only to a REST API this construct creates.
   * @default true
   */
  readonly jsonGatewayResponses?: boolean;

  /**
   * CORS for browser clients: a preflight on each resource, the allowed origin on every method and gateway
   * response, and `Retry-After` exposed to scripts on method responses.
   * @default - no CORS
   */
  readonly cors?: CorsSettings;

  /**
   * Where the new REST API is reached: `ApiEndpoint.EDGE`, `ApiEndpoint.REGIONAL`, or
   * `ApiEndpoint.privateVia(vpcEndpoints)`. Refused with `restApi`, which has its own endpoint.
   * @default ApiEndpoint.EDGE (API Gateway's default)
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-endpoint-types.html
   */
  readonly endpoint?: ApiEndpoint;

  /**
   * A custom domain name for the new REST API (EDGE or REGIONAL): the domain with its ACM certificate, TLS 1.2,
   * a base path mapping to this construct's stage, and optionally an alias record. `url` and `batchUrl` then use it.
   * Refused with `restApi` (map your API's own domain) and with a private endpoint.
   * @default - none: the API is reached at its execute-api URL
   */
  readonly domain?: DomainOptions;
}

/** Who may call, and how fast. */
export interface AccessProps {
  /**
   * Whether callers must send an API key (`x-api-key`). API keys identify and throttle callers; they are not
   * authentication: combine them with `authorizationType`/`authorizer` for that.
   * @default true
   */
  readonly apiKeyRequired?: boolean;

  /**
   * API keys allowed to call. Each is attached to the usage plan.
   * @default - one new API key (its value is generated by API Gateway and never appears in the template)
   */
  readonly apiKeys?: apigw.IApiKey[];

  /**
   * Usage plan throttle for all keys. It counts requests, not bytes: with batches the stream's MiB/s quota binds
   * first (README "Limits and scale"); to keep batch traffic within it, set `rateLimit` to the stream's MiB/s
   * divided by your typical request size.
   * @default - rate 500 requests/s, burst 1000 (below Firehose's smallest per-stream quota of 1,000 requests/s)
   */
  readonly throttle?: apigw.ThrottleSettings;

  /**
   * Usage plan quota.
   * @default - no quota
   */
  readonly quota?: apigw.QuotaSettings;

  /**
   * Authorization type of the methods (e.g. `AWS_IAM`).
   * @default - NONE, or the authorizer's type when `authorizer` is set
   */
  readonly authorizationType?: apigw.AuthorizationType;

  /**
   * An authorizer (Cognito user pools, Lambda token/request) for the methods.
   * @default - none
   */
  readonly authorizer?: apigw.IAuthorizer;

  /**
   * ARN of a WAFv2 web ACL (scope REGIONAL) to associate with the stage.
   * @default - none
   */
  readonly webAclArn?: string;
}

/** What a request may hold and how each event is written. */
export interface RecordsProps {
  /**
   * Wire formats accepted besides the construct's own (`POST <resourcePath>` and its batch route), each at its
   * sender's own paths below `resourcePath`: e.g. `[Input.segment()]` for Segment's SDKs. Their events are written
   * with this construct's envelope, to the same stream, and carry an `input` member naming the input.
   * @default - none
   */
  readonly inputs?: Input[];

  /**
   * The JSON envelope written around each event.
   * @default RecordEnvelope.DEFAULT (apiKeyId, requestId, receivedAt, eventId, index for batches, body)
   */
  readonly envelope?: RecordEnvelope;

  /**
   * JSON Schema (draft-04) each event must match; API Gateway answers 400 with the validation message otherwise.
   * @default - any JSON object with at least one property
   */
  readonly eventSchema?: apigw.JsonSchema;

  /**
   * Batch ingestion (`POST <resourcePath>/batch` with `{"records": [...]}`).
   * @default - enabled, packed mode, at most 500 events per request
   */
  readonly batch?: BatchOptions;

  /**
   * How `text/plain` requests are handled. `navigator.sendBeacon` sends `text/plain` and no custom header, so a
   * beacon reaches only a method with `apiKeyRequired: false`; use `TextPlainMode.AS_JSON` there (the client's
   * `beacon` mode sends a Blob of type `text/plain`; a string is sent as `text/plain;charset=UTF-8`).
   * @default TextPlainMode.REJECT (415)
   */
  readonly textPlain?: TextPlainMode;
}

/** Watching the pipeline. */
export interface OperationsProps {
  /**
   * Alarms on delivery freshness and failures, throttled records, 5xx/4xx rates and latency; optional dashboard.
   * @default - the alarms, without actions or dashboard
   */
  readonly monitoring?: MonitoringOptions;

  /**
   * X-Ray tracing on the stage (a REST API this construct creates).
   * @default false
   */
  readonly tracingEnabled?: boolean;
}

/** Querying the delivered events. */
export interface QueryProps {
  /**
   * A Glue table over the delivered events (partition projection, no crawler) and an Athena workgroup with
   * named queries; optionally Parquet output. See `QueryOptions` for why this is an opt-in prop.
   * @default - no query resources
   */
  readonly query?: QueryOptions;
}

/** What the API writes to. */
export interface TargetProps {
  /**
   * Where the API writes: Firehose Direct PUT, or a Kinesis data stream in front of Firehose
   * (`IngestTarget.kinesisStream()`), for throughput past one delivery stream's quotas and for real-time consumers.
   * Either way the same JSON lines reach the same S3 layout. See README "Limits and scale".
   * @default IngestTarget.FIREHOSE
   */
  readonly target?: IngestTarget;
}

/**
 * Properties of `ApiToFirehose`. Every prop is optional: with none, the
 * construct deploys a keyed, throttled, validated ingestion endpoint
 * (`POST /` and `POST /batch`) that writes GZIP JSON Lines under `events/`
 * in a new encrypted bucket.
 */
export interface ApiToFirehoseProps extends DeliveryProps, ApiProps, AccessProps, RecordsProps, OperationsProps, QueryProps, TargetProps {}
