import {
  Duration,
  Size,
  TimeZone,
  aws_apigateway as apigw,
  aws_athena as athena,
  aws_cloudwatch as cloudwatch,
  aws_glue as glue,
  aws_iam as iam,
  aws_kinesisfirehose as firehose,
  aws_kms as kms,
  aws_logs as logs,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { TenantOptions, createAccess, createTenant } from './access';
import { MonitoringOptions, createMonitoring } from './alarms';
import { addJsonGatewayResponses, createApi } from './api';
import { BatchMode, BatchOptions, resolveBatchOptions } from './batch';
import { checkPartitioning, createBucket, createDelivery } from './delivery';
import { RecordEnvelope } from './envelope';
import { CorsSettings, TextPlainMode, acknowledgeMethodFindings, createMethods } from './methods';
import { Catalog, Query, QueryOptions, QuerySettings, checkQueryOptions, createCatalog, createQuery, grantQuery } from './query';
import {
  checkBufferingInterval,
  checkBufferingSize,
  checkCors,
  checkDeliveryStreamName,
  checkIntegerRange,
  checkPrefix,
  checkPrefixPair,
  normalizeResourcePath,
} from './validation';

/**
 * Properties of `ApiToFirehose`. Every prop is optional: with none, the
 * construct deploys a keyed, throttled, validated ingestion endpoint
 * (`POST /` and `POST /batch`) that writes GZIP JSON Lines under `events/`
 * in a new encrypted bucket.
 */
export interface ApiToFirehoseProps {
  // ---------------------------------------------------------------- delivery

  /**
   * The bucket that receives the events.
   * @default - a new bucket: S3-managed encryption, public access blocked, SSL only, retained on stack deletion
   */
  readonly bucket?: s3.IBucket;

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
   * S3 key prefix of delivered objects. May use `!{timestamp:...}` and `!{firehose:random-string}`.
   * @default 'events/', or 'events/<field>=!{partitionKeyFromQuery:<field>}/' with `partitionByField`
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

  // --------------------------------------------------------------------- api

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

  // ------------------------------------------------------------------ access

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

  // ----------------------------------------------------------------- records

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

  // ------------------------------------------------------------- production

  /**
   * CORS for browser clients: a preflight on each resource, the allowed origin on every method and gateway
   * response, and `Retry-After` exposed to scripts on method responses.
   * @default - no CORS
   */
  readonly cors?: CorsSettings;

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

  /**
   * Partition the S3 output by this envelope field (Firehose dynamic partitioning), e.g. 'apiKeyId' so each
   * key's events land under their own prefix. Needs buffering of at least 60 s and 64 MiB.
   * @default - no partitioning
   * @see https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html
   */
  readonly partitionByField?: string;

  /**
   * A customer-managed KMS key for the new bucket and the delivery stream. The Firehose role gets
   * kms:GenerateDataKey and kms:Decrypt on it, nothing more.
   * @default - S3-managed keys for the bucket, an AWS-owned key for the stream
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Lifecycle rules of the new bucket (transitions, expiry).
   * @default - none
   */
  readonly lifecycleRules?: s3.LifecycleRule[];

  /**
   * ARN of a WAFv2 web ACL (scope REGIONAL) to associate with the stage.
   * @default - none
   */
  readonly webAclArn?: string;

  /**
   * An existing Direct PUT delivery stream to write to. Then the delivery props (bucket, buffering, compression,
   * prefixes, partitioning, encryption key, lifecycle) are refused: configure them on that stream.
   * @default - a new delivery stream
   */
  readonly deliveryStream?: firehose.IDeliveryStream;

  // ------------------------------------------------------------------- query

  /**
   * A Glue table over the delivered events (partition projection, no crawler) and an Athena workgroup with
   * named queries; optionally Parquet output. See `QueryOptions` for why this is an opt-in prop.
   * @default - no query resources
   */
  readonly query?: QueryOptions;
}

/**
 * The event schema used when none is given: a JSON object with at least one property. It refuses an empty body
 * whether API Gateway validates it as `{}` or as no JSON (recorded on AWS: an empty body fails a required-fields model).
 */
const DEFAULT_EVENT_SCHEMA: apigw.JsonSchema = {
  type: apigw.JsonSchemaType.OBJECT,
  minProperties: 1,
};

/**
 * Usage plan and stage throttle when none is given. It counts requests, not bytes: 500 requests/s is half the
 * smallest per-stream Firehose quota (1,000 requests/s), and keeps single events up to about 2 KB within the smallest
 * byte quota (1 MiB/s). A batch request may carry up to 1,000 KiB (packed) or 4 MiB (record per event), so no request
 * rate that still admits small single events can bound batch traffic by bytes (1 MiB/s is one packed 1,000 KiB
 * request a second); Firehose bounds it instead and the API answers 503 with Retry-After. See README "Limits and
 * scale" (scripts/bench/limits.ts).
 */
const DEFAULT_THROTTLE: apigw.ThrottleSettings = { rateLimit: 500, burstLimit: 1000 };

/** Props that configure a new delivery stream, refused together with `deliveryStream`. */
const DELIVERY_PROPS: (keyof ApiToFirehoseProps)[] = [
  'bucket', 'deliveryStreamName', 'bufferingInterval', 'bufferingSize', 'compression', 'dataOutputPrefix',
  'errorOutputPrefix', 'errorLogRetention', 'partitionByField', 'encryptionKey', 'lifecycleRules', 'timeZone', 'query',
];

/**
 * An API Gateway REST API whose methods write events straight to Kinesis Data
 * Firehose (AWS service integration, VTL mapping templates, no Lambda), which
 * delivers them to S3 as JSON Lines.
 */
export class ApiToFirehose extends Construct {
  /** The bucket receiving the events (undefined when an existing `deliveryStream` was given). */
  public readonly bucket?: s3.IBucket;
  /** The delivery stream: the Firehose L2 this construct created, or the stream given. */
  public readonly deliveryStream: firehose.IDeliveryStream;
  /** The delivery stream's L1 resource, for settings this construct does not expose (undefined for an existing stream). */
  public readonly cfnDeliveryStream?: firehose.CfnDeliveryStream;
  /** The delivery stream's name. */
  public readonly deliveryStreamName: string;
  /**
   * The role Firehose assumes to write to the bucket (undefined for an existing stream). Grants made through
   * `deliveryStream.grantPrincipal` are dropped (the L2 holds this role behind `withoutPolicyUpdates()`, so its own
   * broad grants do not apply); add statements to this role instead.
   */
  public readonly deliveryStreamRole?: iam.IRole;
  /** The log group Firehose writes delivery errors to (undefined for an existing stream). */
  public readonly deliveryLogGroup?: logs.ILogGroup;
  /** The role API Gateway assumes to call Firehose. */
  public readonly apiGatewayRole: iam.IRole;
  /** The REST API. */
  public readonly restApi: apigw.IRestApi;
  /** The stage the usage plans are bound to, when known. */
  public readonly stage?: apigw.Stage;
  /** The single-event resource. */
  public readonly resource: apigw.IResource;
  /** The single-event method (`POST`). */
  public readonly method: apigw.Method;
  /** The batch method (`POST <path>/batch`), when batching is enabled. */
  public readonly batchMethod?: apigw.Method;
  /** The request validator of the methods. */
  public readonly requestValidator: apigw.IRequestValidator;
  /** The usage plan, when API keys are required. */
  public readonly usagePlan?: apigw.UsagePlan;
  /** The API key this construct created (none when `apiKeys` were given or keys are not required). */
  public readonly apiKey?: apigw.IApiKey;
  /** All API keys attached to the usage plan, and the tenants' keys. */
  public readonly apiKeys: apigw.IApiKey[];
  /** The URL of the single-event endpoint (new REST APIs and APIs with a known stage). */
  public readonly url?: string;
  /** The URL of the batch endpoint. */
  public readonly batchUrl?: string;
  /** The batch mode in use. */
  public readonly batchMode?: BatchMode;
  /** The CloudWatch alarms. */
  public readonly alarms: cloudwatch.Alarm[];
  /** The CloudWatch dashboard, when requested. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** The Glue database this construct created (with `query`, unless `query.databaseName` was given). */
  public readonly glueDatabase?: glue.CfnDatabase;
  /** The Glue table over the delivered events (with `query`). */
  public readonly glueTable?: glue.CfnTable;
  /** The Athena workgroup (with `query`). */
  public readonly workGroup?: athena.CfnWorkGroup;
  /** The bucket of Athena query results (with `query`). */
  public readonly queryResultsBucket?: s3.IBucket;
  /** The named queries: recent events, events per hour, and the deduplicated view when the envelope has a key for it. */
  public readonly namedQueries: athena.CfnNamedQuery[] = [];

  private readonly throttle: apigw.ThrottleSettings;
  private readonly catalog?: Catalog;
  private readonly query?: Query;

  constructor(scope: Construct, id: string, props: ApiToFirehoseProps = {}) {
    super(scope, id);
    const s = resolveProps(props);
    this.throttle = s.throttle;
    let querySettings: QuerySettings | undefined;

    // Delivery: the bucket, the Firehose role and log group, the stream (or the stream given).
    if (props.deliveryStream) {
      this.deliveryStream = props.deliveryStream;
      this.deliveryStreamName = props.deliveryStream.deliveryStreamName;
    } else {
      this.bucket = props.bucket ?? createBucket(this, props.encryptionKey, props.lifecycleRules);
      // The table comes before the stream: Parquet conversion reads its schema.
      if (s.query) {
        querySettings = s.query(this.bucket, () => this.apiKeys.map((k) => k.keyId));
        this.catalog = createCatalog(this, querySettings);
        this.glueDatabase = this.catalog.database;
        this.glueTable = this.catalog.table;
      }
      const d = createDelivery(this, {
        bucket: this.bucket,
        deliveryStreamName: props.deliveryStreamName,
        bufferingInterval: s.bufferingInterval,
        bufferingSize: s.bufferingSize,
        compression: props.compression ?? firehose.Compression.GZIP,
        dataOutputPrefix: s.dataOutputPrefix,
        errorOutputPrefix: s.errorOutputPrefix,
        errorLogRetention: props.errorLogRetention,
        encryptionKey: props.encryptionKey,
        partitionByField: props.partitionByField,
        multiLineRecords: s.batch.enabled && s.batch.mode === BatchMode.PACKED,
        timeZone: props.timeZone,
        parquet: props.query?.parquet && this.catalog ? {
          table: this.catalog.table,
          compression: props.query.parquetCompression ?? firehose.ParquetCompression.SNAPPY,
        } : undefined,
      });
      this.deliveryStreamRole = d.role;
      this.deliveryLogGroup = d.logGroup;
      this.cfnDeliveryStream = d.cfnDeliveryStream;
      this.deliveryStreamName = d.deliveryStreamName;
      this.deliveryStream = d.deliveryStream;
    }

    // API: the REST API and its stage (or the API given).
    const api = createApi(this, {
      restApi: props.restApi,
      stage: props.stage,
      stageName: props.stageName ?? 'prod',
      cloudWatchRole: props.cloudWatchRole ?? true,
      tracingEnabled: props.tracingEnabled ?? false,
      throttle: s.throttle,
    });
    this.restApi = api.restApi;
    this.stage = api.stage;

    // Methods: POST (single event) and POST batch, each integrated with Firehose through its own role.
    const methods = createMethods(this, {
      restApi: this.restApi,
      stage: this.stage,
      streamName: this.cfnDeliveryStream?.ref ?? this.deliveryStreamName,
      streamArn: this.cfnDeliveryStream?.attrArn ?? this.deliveryStream.deliveryStreamArn,
      envelope: s.envelope,
      eventSchema: s.eventSchema,
      batch: s.batch,
      resourceParts: s.resourceParts,
      batchParts: s.batchParts,
      textPlain: s.textPlain,
      cors: props.cors,
      apiKeyRequired: s.apiKeyRequired,
      authorizationType: props.authorizationType,
      authorizer: props.authorizer,
    });
    this.apiGatewayRole = methods.role;
    this.requestValidator = methods.requestValidator;
    this.resource = methods.resource;
    this.method = methods.method;
    this.batchMethod = methods.batchMethod;
    this.batchMode = methods.batchMode;
    this.url = methods.url;
    this.batchUrl = methods.batchUrl;
    // After the methods: the deployment's logical id hashes the API's parts in the order they are added.
    if (api.owned && (props.jsonGatewayResponses ?? true)) addJsonGatewayResponses(this.restApi as apigw.RestApi, props.cors);

    // Access: the usage plan and API keys, the WAF association.
    const access = createAccess(this, {
      restApi: this.restApi,
      stage: this.stage,
      ownsApi: api.owned,
      apiKeyRequired: s.apiKeyRequired,
      apiKeys: props.apiKeys,
      throttle: s.throttle,
      quota: props.quota,
      webAclArn: props.webAclArn,
    });
    this.usagePlan = access.usagePlan;
    this.apiKey = access.apiKey;
    this.apiKeys = access.apiKeys;

    // Query: the Athena workgroup, its encrypted results bucket and the named queries.
    if (this.catalog && querySettings) {
      this.query = createQuery(this, this.catalog, querySettings);
      this.workGroup = this.query.workGroup;
      this.queryResultsBucket = this.query.resultsBucket;
      this.namedQueries.push(...this.query.namedQueries);
    }

    // Monitoring: alarms and an optional dashboard.
    const monitoring = createMonitoring(this, {
      deliveryStreamName: this.deliveryStreamName,
      // API Gateway metrics are keyed by API name and stage; an imported API has neither, so it gets Firehose alarms only.
      restApiName: this.restApi instanceof apigw.RestApi && this.stage ? this.restApi.restApiName : undefined,
      stageName: this.stage?.stageName,
      bufferingInterval: s.bufferingInterval,
    }, props.monitoring);
    this.alarms = monitoring.alarms;
    this.dashboard = monitoring.dashboard;

    acknowledgeMethodFindings([this.method, ...(this.batchMethod ? [this.batchMethod] : [])], s.apiKeyRequired,
      props.authorizer?.authorizationType ?? props.authorizationType ?? apigw.AuthorizationType.NONE);
  }

  /**
   * Adds a tenant: an API key with its own usage plan (throttle, quota) on this API's stage.
   * Use with `partitionByField: 'apiKeyId'` to write each tenant's events under its own prefix.
   * Note that usage plans cover the whole stage: the key may call every keyed method of the stage.
   */
  public addTenant(id: string, options: TenantOptions = {}): apigw.IApiKey {
    const key = createTenant(this, id, {
      restApi: this.restApi, stage: this.stage, usagePlan: this.usagePlan, throttle: this.throttle,
    }, options);
    this.apiKeys.push(key);
    return key;
  }

  /**
   * Grants what querying the events takes: the Athena workgroup, the Glue database and table (and creating the
   * deduplicated view), read on the events bucket, read and write on the results bucket, and their keys.
   */
  public grantQuery(grantee: iam.IGrantable): iam.Grant {
    if (!this.catalog || !this.query) throw new Error('grantQuery needs the query resources: set the `query` prop.');
    return grantQuery(grantee, this, this.catalog, this.query, this.bucket!);
  }

  /**
   * Grants read access to the delivered events (the bucket, and its key if any).
   */
  public grantReadRecords(grantee: iam.IGrantable): iam.Grant {
    if (!this.bucket) throw new Error('grantReadRecords needs the bucket: it is unknown when an existing deliveryStream is used.');
    return this.bucket.grantRead(grantee);
  }
}

/** Props with their defaults applied, checked. */
interface ResolvedProps {
  readonly envelope: RecordEnvelope;
  readonly eventSchema: apigw.JsonSchema;
  readonly bufferingInterval: Duration;
  readonly bufferingSize: Size;
  readonly dataOutputPrefix: string;
  readonly errorOutputPrefix: string;
  readonly batch: Required<BatchOptions>;
  readonly resourceParts: string[];
  readonly batchParts: string[];
  readonly textPlain: TextPlainMode;
  readonly throttle: apigw.ThrottleSettings;
  readonly apiKeyRequired: boolean;
  /** The query settings for the events bucket, with `query`. */
  readonly query?: (bucket: s3.IBucket, apiKeyIds: () => string[]) => QuerySettings;
}

/** Applies the defaults and refuses props that are out of range or contradict each other. */
function resolveProps(props: ApiToFirehoseProps): ResolvedProps {
  if (props.deliveryStream) {
    const given = DELIVERY_PROPS.filter((k) => props[k] !== undefined);
    if (given.length > 0) {
      throw new Error(`${given.join(', ')} configure a new delivery stream and cannot be used with deliveryStream: configure the existing stream instead.`);
    }
  }
  const partitioning = props.partitionByField !== undefined;
  const bufferingInterval = props.bufferingInterval ?? Duration.seconds(60);
  const parquet = props.query?.parquet ?? false;
  const bufferingSize = props.bufferingSize ?? Size.mebibytes(partitioning || parquet ? 64 : 10);
  checkBufferingInterval(bufferingInterval);
  checkBufferingSize(bufferingSize);
  checkDeliveryStreamName(props.deliveryStreamName);
  const envelope = props.envelope ?? RecordEnvelope.DEFAULT;
  if (partitioning) checkPartitioning(props.partitionByField!, envelope, bufferingInterval, bufferingSize);
  const dataOutputPrefix = props.dataOutputPrefix
    ?? (partitioning ? `events/${props.partitionByField}=!{partitionKeyFromQuery:${props.partitionByField}}/` : 'events/');
  const errorOutputPrefix = props.errorOutputPrefix ?? 'errors/!{firehose:error-output-type}/';
  checkPrefix('dataOutputPrefix', dataOutputPrefix, { allowPartitionKeys: partitioning });
  checkPrefix('errorOutputPrefix', errorOutputPrefix, { allowPartitionKeys: false });
  checkPrefixPair(dataOutputPrefix, errorOutputPrefix);
  if (partitioning && !dataOutputPrefix.includes(`!{partitionKeyFromQuery:${props.partitionByField}}`)) {
    throw new Error(`dataOutputPrefix must contain !{partitionKeyFromQuery:${props.partitionByField}} when partitionByField is set, got '${dataOutputPrefix}'.`);
  }
  checkIntegerRange('throttle.rateLimit', props.throttle?.rateLimit, 0, 1_000_000);
  checkIntegerRange('throttle.burstLimit', props.throttle?.burstLimit, 0, 1_000_000);
  checkIntegerRange('quota.limit', props.quota?.limit, 1, 2_147_483_647);
  if (props.apiKeys && props.apiKeyRequired === false) {
    throw new Error('apiKeys were given but apiKeyRequired is false: the keys would not be enforced.');
  }
  if (props.quota && props.apiKeyRequired === false) {
    throw new Error('quota applies through a usage plan, which needs apiKeyRequired: true.');
  }
  if (props.restApi && props.stageName) {
    throw new Error('stageName applies only to a REST API this construct creates; the given restApi has its own stages.');
  }
  if (props.restApi && props.cloudWatchRole !== undefined) {
    throw new Error('cloudWatchRole applies only to a REST API this construct creates.');
  }
  if (props.restApi && props.tracingEnabled !== undefined) {
    throw new Error('tracingEnabled applies only to a REST API this construct creates: enable tracing on your stage.');
  }
  if (props.cors) checkCors(props.cors);
  if (props.lifecycleRules && props.bucket) {
    throw new Error('lifecycleRules apply to the bucket this construct creates: set them on the bucket you passed.');
  }
  if (props.encryptionKey && props.bucket) {
    throw new Error('encryptionKey encrypts the bucket this construct creates: the bucket you passed keeps its own encryption.');
  }
  if (props.query) {
    checkQueryOptions(props.query);
    if (parquet) checkParquet(props, bufferingSize);
  }
  const batch = resolveBatchOptions(props.batch);
  const resourceParts = normalizeResourcePath('resourcePath', props.resourcePath ?? '/');
  const batchParts = normalizeResourcePath('batch.path', batch.path);
  if (batch.enabled && batchParts.length === 0) {
    throw new Error('batch.path must not be empty: the batch method needs its own resource.');
  }
  return {
    envelope,
    eventSchema: props.eventSchema ?? DEFAULT_EVENT_SCHEMA,
    bufferingInterval,
    bufferingSize,
    dataOutputPrefix,
    errorOutputPrefix,
    batch,
    resourceParts,
    batchParts,
    textPlain: props.textPlain ?? TextPlainMode.REJECT,
    throttle: props.throttle ?? DEFAULT_THROTTLE,
    apiKeyRequired: props.apiKeyRequired ?? true,
    query: props.query ? (bucket, apiKeyIds) => ({
      options: props.query!,
      bucket,
      dataOutputPrefix,
      envelope,
      eventSchema: props.eventSchema ?? DEFAULT_EVENT_SCHEMA,
      bodyAsText: (props.textPlain ?? TextPlainMode.REJECT) === TextPlainMode.AS_STRING,
      timeZone: props.timeZone,
      encryptionKey: props.encryptionKey,
      apiKeyIds,
    }) : undefined,
  };
}

/** Parquet conversion: Firehose needs 64 MiB buffers and leaves compression to the Parquet writer. */
function checkParquet(props: ApiToFirehoseProps, bufferingSize: Size): void {
  if (!bufferingSize.isUnresolved() && bufferingSize.toMebibytes() < 64) {
    throw new Error(`bufferingSize must be at least 64 MiB with query.parquet (record format conversion), got ${bufferingSize.toMebibytes()} MiB.`);
  }
  if (props.compression && props.compression.value !== firehose.Compression.UNCOMPRESSED.value) {
    throw new Error(`compression must be UNCOMPRESSED or unset with query.parquet (the Parquet writer compresses: query.parquetCompression), got ${props.compression.value}.`);
  }
}
