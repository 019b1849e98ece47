import {
  Aws,
  Duration,
  Names,
  RemovalPolicy,
  Size,
  aws_apigateway as apigw,
  aws_cloudwatch as cloudwatch,
  aws_iam as iam,
  aws_kinesisfirehose as firehose,
  aws_kms as kms,
  aws_logs as logs,
  aws_s3 as s3,
  aws_wafv2 as wafv2,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { MonitoringOptions, createMonitoring } from './alarms';
import { BATCH_RECORDS_PROPERTY, BatchMode, BatchOptions, batchRequestSchema, resolveBatchOptions } from './batch';
import { PARTITIONING_MIN_INTERVAL_SECONDS, PARTITIONING_MIN_SIZE_MIB, createDelivery } from './delivery';
import {
  BodyFormat,
  EnvelopeFieldSource,
  RecordEnvelope,
  packedBatchTemplate,
  putRecordBatchTemplate,
  putRecordTemplate,
} from './envelope';
import { acknowledge } from './nag';
import {
  IntegrationResponseSpec,
  METHOD_STATUS_CODES,
  badRequestBodyTemplate,
  gatewayResponseTemplate,
  putRecordBatchResponses,
  putRecordResponses,
} from './responses';
import {
  checkBufferingInterval,
  checkBufferingSize,
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
   * Usage plan throttle for all keys.
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
}

/**
 * How `text/plain` requests are handled.
 */
export enum TextPlainMode {
  /** Not accepted: 415, nothing is written. */
  REJECT = 'REJECT',
  /** The body is stored as a JSON string, escaped, whatever it contains. */
  AS_STRING = 'AS_STRING',
  /** The body must be JSON (validated against the event schema, 400 otherwise) and is stored as JSON. */
  AS_JSON = 'AS_JSON',
}

/**
 * CORS settings.
 */
export interface CorsSettings {
  /** The allowed origin: one origin such as 'https://app.example.com', or '*'. */
  readonly allowOrigin: string;
  /**
   * Request headers browsers may send. The default covers cdk-api-to-firehose-client (`Content-Type`, `X-Api-Key`);
   * add any header you pass in its `headers` option.
   * @default ['Content-Type', 'X-Api-Key', 'X-Amzn-Trace-Id']
   */
  readonly allowHeaders?: string[];
  /**
   * How long browsers may cache the preflight answer.
   * @default Duration.hours(1)
   */
  readonly maxAge?: Duration;
}

/**
 * A tenant: an API key with its own usage plan (throttle and quota).
 */
export interface TenantOptions {
  /**
   * The tenant's throttle.
   * @default - the construct's `throttle`
   */
  readonly throttle?: apigw.ThrottleSettings;
  /**
   * The tenant's quota.
   * @default - none
   */
  readonly quota?: apigw.QuotaSettings;
  /**
   * An existing key for the tenant.
   * @default - a new key
   */
  readonly apiKey?: apigw.IApiKey;
}

/** The event schema used when none is given: a JSON object with at least one property. */
const DEFAULT_EVENT_SCHEMA: apigw.JsonSchema = {
  type: apigw.JsonSchemaType.OBJECT,
  minProperties: 1,
};

/** Usage plan and stage throttle when none is given: below Firehose's smallest per-stream quota (1,000 requests/s). */
const DEFAULT_THROTTLE: apigw.ThrottleSettings = { rateLimit: 500, burstLimit: 1000 };

/** Props that configure a new delivery stream, refused together with `deliveryStream`. */
const DELIVERY_PROPS: (keyof ApiToFirehoseProps)[] = [
  'bucket', 'deliveryStreamName', 'bufferingInterval', 'bufferingSize', 'compression', 'dataOutputPrefix',
  'errorOutputPrefix', 'errorLogRetention', 'partitionByField', 'encryptionKey', 'lifecycleRules',
];

/**
 * An API Gateway REST API whose methods write events straight to Kinesis Data
 * Firehose (AWS service integration, VTL mapping templates, no Lambda), which
 * delivers them to S3 as JSON Lines.
 */
export class ApiToFirehose extends Construct {
  /** The bucket receiving the events (undefined when an existing `deliveryStream` was given). */
  public readonly bucket?: s3.IBucket;
  /** The delivery stream (an `IDeliveryStream` for grants and metrics). */
  public readonly deliveryStream: firehose.IDeliveryStream;
  /** The delivery stream's L1 resource, for settings this construct does not expose (undefined for an existing stream). */
  public readonly cfnDeliveryStream?: firehose.CfnDeliveryStream;
  /** The delivery stream's name. */
  public readonly deliveryStreamName: string;
  /** The role Firehose assumes to write to the bucket (undefined for an existing stream). */
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
  public readonly apiKeys: apigw.IApiKey[] = [];
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

  private readonly defaultThrottle: apigw.ThrottleSettings;

  constructor(scope: Construct, id: string, props: ApiToFirehoseProps = {}) {
    super(scope, id);

    // ---------------------------------------------------------- validation
    if (props.deliveryStream) {
      const given = DELIVERY_PROPS.filter((k) => props[k] !== undefined);
      if (given.length > 0) {
        throw new Error(`${given.join(', ')} configure a new delivery stream and cannot be used with deliveryStream: configure the existing stream instead.`);
      }
    }
    const partitioning = props.partitionByField !== undefined;
    const bufferingInterval = props.bufferingInterval ?? Duration.seconds(60);
    const bufferingSize = props.bufferingSize ?? Size.mebibytes(partitioning ? 64 : 10);
    checkBufferingInterval(bufferingInterval);
    checkBufferingSize(bufferingSize);
    checkDeliveryStreamName(props.deliveryStreamName);
    const envelope = props.envelope ?? RecordEnvelope.DEFAULT;
    if (partitioning) this.checkPartitioning(props.partitionByField!, envelope, bufferingInterval, bufferingSize);
    const dataPrefix = props.dataOutputPrefix
      ?? (partitioning ? `events/${props.partitionByField}=!{partitionKeyFromQuery:${props.partitionByField}}/` : 'events/');
    const errorPrefix = props.errorOutputPrefix ?? 'errors/!{firehose:error-output-type}/';
    checkPrefix('dataOutputPrefix', dataPrefix, { allowPartitionKeys: partitioning });
    checkPrefix('errorOutputPrefix', errorPrefix, { allowPartitionKeys: false });
    checkPrefixPair(dataPrefix, errorPrefix);
    if (partitioning && !dataPrefix.includes(`!{partitionKeyFromQuery:${props.partitionByField}}`)) {
      throw new Error(`dataOutputPrefix must contain !{partitionKeyFromQuery:${props.partitionByField}} when partitionByField is set, got '${dataPrefix}'.`);
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
    const batch = resolveBatchOptions(props.batch);
    const resourceParts = normalizeResourcePath('resourcePath', props.resourcePath ?? '/');
    const batchParts = normalizeResourcePath('batch.path', batch.path);
    if (batch.enabled && batchParts.length === 0) {
      throw new Error('batch.path must not be empty: the batch method needs its own resource.');
    }
    const textPlain = props.textPlain ?? TextPlainMode.REJECT;
    this.defaultThrottle = props.throttle ?? DEFAULT_THROTTLE;

    // ------------------------------------------------------------ delivery
    if (props.deliveryStream) {
      this.deliveryStream = props.deliveryStream;
      this.deliveryStreamName = props.deliveryStream.deliveryStreamName;
    } else {
      const d = createDelivery(this, {
        bucket: props.bucket,
        deliveryStreamName: props.deliveryStreamName,
        bufferingInterval,
        bufferingSize,
        compression: props.compression ?? firehose.Compression.GZIP,
        dataOutputPrefix: dataPrefix,
        errorOutputPrefix: errorPrefix,
        errorLogRetention: props.errorLogRetention,
        encryptionKey: props.encryptionKey,
        lifecycleRules: props.lifecycleRules,
        partitionByField: props.partitionByField,
        multiLineRecords: batch.enabled && batch.mode === BatchMode.PACKED,
      });
      this.bucket = d.bucket;
      this.deliveryStreamRole = d.role;
      this.deliveryLogGroup = d.logGroup;
      this.cfnDeliveryStream = d.cfnDeliveryStream;
      this.deliveryStreamName = d.deliveryStreamName;
      this.deliveryStream = firehose.DeliveryStream.fromDeliveryStreamAttributes(this, 'DeliveryStreamRef', {
        deliveryStreamArn: d.cfnDeliveryStream.attrArn,
        deliveryStreamName: d.cfnDeliveryStream.ref,
        role: d.role,
      });
    }
    const streamName = this.cfnDeliveryStream?.ref ?? this.deliveryStreamName;
    const streamArn = this.cfnDeliveryStream?.attrArn ?? this.deliveryStream.deliveryStreamArn;

    // ---------------------------------------------------------------- api
    const ownsApi = !props.restApi;
    this.restApi = props.restApi ?? this.createRestApi(props);
    this.stage = props.stage ?? knownStage(this.restApi);

    const apiRole = new iam.Role(this, 'ApiGatewayRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Lets API Gateway put records into this construct\'s delivery stream only',
    });
    this.apiGatewayRole = apiRole;
    const usesBatchCall = batch.enabled && batch.mode.firehoseAction === 'PutRecordBatch';
    apiRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: usesBatchCall ? ['firehose:PutRecord', 'firehose:PutRecordBatch'] : ['firehose:PutRecord'],
      resources: [streamArn],
    }));

    this.requestValidator = new apigw.RequestValidator(this, 'BodyValidator', {
      restApi: this.restApi,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const eventSchema = props.eventSchema ?? DEFAULT_EVENT_SCHEMA;
    const errorModel = this.model('ErrorModel', 'application/json', {
      type: apigw.JsonSchemaType.OBJECT,
      required: ['error', 'message'],
      properties: {
        error: { type: apigw.JsonSchemaType.STRING },
        message: { type: apigw.JsonSchemaType.STRING },
        requestId: { type: apigw.JsonSchemaType.STRING },
      },
    });

    const apiKeyRequired = props.apiKeyRequired ?? true;
    const methodOptions = {
      apiKeyRequired,
      authorizationType: props.authorizer ? undefined : props.authorizationType,
      authorizer: props.authorizer,
      requestValidator: this.requestValidator,
      methodResponses: this.methodResponses(errorModel, props.cors),
    };
    // Models for each accepted content type; text/plain only when asked for.
    const models = (modelId: string, schema: apigw.JsonSchema) => {
      const m: Record<string, apigw.IModel> = { 'application/json': this.model(modelId, 'application/json', schema) };
      if (textPlain === TextPlainMode.AS_JSON) m['text/plain'] = this.model(`${modelId}Text`, 'text/plain', schema);
      return m;
    };

    this.resource = resourceParts.reduce((r: apigw.IResource, part) => r.resourceForPath(part), this.restApi.root);
    const singleTemplates: Record<string, string> = {
      'application/json': putRecordTemplate({ streamName, envelope, bodyFormat: BodyFormat.JSON }),
    };
    if (textPlain !== TextPlainMode.REJECT) {
      singleTemplates['text/plain'] = putRecordTemplate({
        streamName, envelope, bodyFormat: textPlain === TextPlainMode.AS_JSON ? BodyFormat.JSON : BodyFormat.TEXT,
      });
    }
    this.method = this.resource.addMethod('POST',
      this.integration(apiRole, 'PutRecord', singleTemplates, putRecordResponses(), props.cors), {
        ...methodOptions,
        requestModels: models('EventModel', eventSchema),
      });
    if (props.cors) addPreflight(this.resource, props.cors);

    if (batch.enabled) {
      this.batchMode = batch.mode;
      const batchResource = batchParts.reduce((r: apigw.IResource, part) => r.resourceForPath(part), this.resource);
      const batchSchema = batchRequestSchema(batch.maxEvents, eventSchema as Record<string, unknown>) as apigw.JsonSchema;
      const templateOptions = { streamName, envelope, recordsProperty: BATCH_RECORDS_PROPERTY };
      const batchTemplate = usesBatchCall ? putRecordBatchTemplate(templateOptions) : packedBatchTemplate(templateOptions);
      const batchTemplates: Record<string, string> = { 'application/json': batchTemplate };
      if (textPlain === TextPlainMode.AS_JSON) batchTemplates['text/plain'] = batchTemplate;
      this.batchMethod = batchResource.addMethod('POST', this.integration(apiRole, batch.mode.firehoseAction, batchTemplates,
        usesBatchCall ? putRecordBatchResponses() : putRecordResponses(), props.cors), {
        ...methodOptions,
        requestModels: models('BatchModel', batchSchema),
      });
      if (props.cors) addPreflight(batchResource, props.cors);
      if (this.stage) this.batchUrl = this.stage.urlForPath(batchResource.path);
    }
    if (this.stage) this.url = this.stage.urlForPath(this.resource.path);

    if (ownsApi && (props.jsonGatewayResponses ?? true)) {
      this.addJsonGatewayResponses(props.cors);
    }
    if (props.webAclArn) {
      if (!this.stage) throw new Error('webAclArn needs a stage: pass `stage` when `restApi` is imported.');
      new wafv2.CfnWebACLAssociation(this, 'WebAcl', { resourceArn: this.stage.stageArn, webAclArn: props.webAclArn });
    }

    // ------------------------------------------------------------ api keys
    if (apiKeyRequired) {
      if (!this.stage) {
        throw new Error('apiKeyRequired needs a stage for the usage plan: pass `stage` when `restApi` is imported.');
      }
      this.usagePlan = new apigw.UsagePlan(this, 'UsagePlan', {
        description: 'Throttle and quota for callers of the ApiToFirehose endpoint',
        throttle: this.defaultThrottle,
        quota: props.quota,
        apiStages: [{ api: this.restApi, stage: this.stage }],
      });
      const keys = props.apiKeys ?? [new apigw.ApiKey(this, 'ApiKey', {
        description: 'API key for the ApiToFirehose endpoint (the value is generated by API Gateway)',
      })];
      if (!props.apiKeys) this.apiKey = keys[0];
      keys.forEach((k) => this.usagePlan!.addApiKey(k));
      this.apiKeys.push(...keys);
    }

    // ---------------------------------------------------------- monitoring
    const monitoring = createMonitoring(this, {
      deliveryStreamName: this.deliveryStreamName,
      // API Gateway metrics are keyed by API name and stage; an imported API has neither, so it gets Firehose alarms only.
      restApiName: this.restApi instanceof apigw.RestApi && this.stage ? this.restApi.restApiName : undefined,
      stageName: this.stage?.stageName,
      bufferingInterval,
    }, props.monitoring);
    this.alarms = monitoring.alarms;
    this.dashboard = monitoring.dashboard;

    this.acknowledgeMethodFindings(apiKeyRequired, props);
    if (ownsApi && !props.webAclArn) {
      acknowledge(this.restApi, 'AwsSolutions-APIG3',
        'WAF is optional (`webAclArn`): associate a web ACL where the endpoint faces untrusted traffic at scale.');
    }
  }

  /**
   * Adds a tenant: an API key with its own usage plan (throttle, quota) on this API's stage.
   * Use with `partitionByField: 'apiKeyId'` to write each tenant's events under its own prefix.
   * Note that usage plans cover the whole stage: the key may call every keyed method of the stage.
   */
  public addTenant(id: string, options: TenantOptions = {}): apigw.IApiKey {
    if (!this.usagePlan || !this.stage) {
      throw new Error('addTenant needs apiKeyRequired: true (tenants are API keys with usage plans).');
    }
    checkIntegerRange(`tenant ${id} quota.limit`, options.quota?.limit, 1, 2_147_483_647);
    const scope = new Construct(this, `Tenant${id}`);
    const key = options.apiKey ?? new apigw.ApiKey(scope, 'ApiKey', { description: `API key of tenant ${id}` });
    const plan = new apigw.UsagePlan(scope, 'UsagePlan', {
      description: `Throttle and quota of tenant ${id}`,
      throttle: options.throttle ?? this.defaultThrottle,
      quota: options.quota,
      apiStages: [{ api: this.restApi, stage: this.stage }],
    });
    plan.addApiKey(key);
    this.apiKeys.push(key);
    return key;
  }

  /**
   * Grants read access to the delivered events (the bucket, and its key if any).
   */
  public grantReadRecords(grantee: iam.IGrantable): iam.Grant {
    if (!this.bucket) throw new Error('grantReadRecords needs the bucket: it is unknown when an existing deliveryStream is used.');
    return this.bucket.grantRead(grantee);
  }

  private checkPartitioning(field: string, envelope: RecordEnvelope, interval: Duration, size: Size): void {
    const names = envelope.raw ? [] : envelope.fields.map((f) => f.name);
    if (!names.includes(field)) {
      throw new Error(`partitionByField '${field}' must name an envelope field (${names.join(', ') || 'the envelope is raw'}).`);
    }
    const f = envelope.fields.find((x) => x.name === field)!;
    const perEvent = [EnvelopeFieldSource.BATCH_INDEX, EnvelopeFieldSource.RECEIVED_AT, EnvelopeFieldSource.REQUEST_ID, EnvelopeFieldSource.EVENT_ID];
    if (perEvent.includes(f.source)) {
      throw new Error(`partitionByField '${field}' would create a prefix per ${f.source.toLowerCase()}: partition by a key, tenant or constant field.`);
    }
    if (!interval.isUnresolved() && interval.toSeconds() < PARTITIONING_MIN_INTERVAL_SECONDS) {
      throw new Error(`bufferingInterval must be at least ${PARTITIONING_MIN_INTERVAL_SECONDS} seconds with partitionByField, got ${interval.toSeconds()} seconds.`);
    }
    if (!size.isUnresolved() && size.toMebibytes() < PARTITIONING_MIN_SIZE_MIB) {
      throw new Error(`bufferingSize must be at least ${PARTITIONING_MIN_SIZE_MIB} MiB with partitionByField, got ${size.toMebibytes()} MiB.`);
    }
  }

  private createRestApi(props: ApiToFirehoseProps): apigw.RestApi {
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const throttle = this.defaultThrottle;
    const api = new apigw.RestApi(this, 'Api', {
      // Unique per construct path (the L2 default is the construct id, "Api", for every instance).
      restApiName: Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      description: 'Ingests events into Kinesis Data Firehose (cdk-api-to-firehose)',
      cloudWatchRole: props.cloudWatchRole ?? true,
      cloudWatchRoleRemovalPolicy: (props.cloudWatchRole ?? true) ? RemovalPolicy.RETAIN : undefined,
      deployOptions: {
        stageName: props.stageName ?? 'prod',
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: props.tracingEnabled ?? false,
        // Stage-wide throttle: also bounds callers without keys (e.g. sendBeacon clients).
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
      },
    });
    if (props.cloudWatchRole ?? true) {
      acknowledge(api, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'The API Gateway account role uses AWS\'s AmazonAPIGatewayPushToCloudWatchLogs, the policy AWS documents for it.');
    }
    return api;
  }

  private model(id: string, contentType: string, schema: apigw.JsonSchema): apigw.Model {
    return new apigw.Model(this, id, {
      restApi: this.restApi,
      contentType,
      schema: { schema: apigw.JsonSchemaVersion.DRAFT4, ...schema },
    });
  }

  private integration(role: iam.IRole, action: string, requestTemplates: Record<string, string>,
    responses: IntegrationResponseSpec[], cors?: CorsSettings): apigw.AwsIntegration {
    return new apigw.AwsIntegration({
      service: 'firehose',
      action,
      options: {
        credentialsRole: role,
        passthroughBehavior: apigw.PassthroughBehavior.NEVER,
        requestParameters: {
          'integration.request.header.Content-Type': "'application/x-amz-json-1.1'",
          // Firehose's JSON protocol header; LocalStack requires it and AWS accepts it.
          'integration.request.header.X-Amz-Target': `'Firehose_20150804.${action}'`,
        },
        requestTemplates,
        integrationResponses: responses.map((r) => {
          const headers = { ...r.headers, ...(cors ? corsResponseHeaders(cors) : {}) };
          return {
            selectionPattern: r.selectionPattern,
            statusCode: r.statusCode,
            responseTemplates: { 'application/json': r.template },
            responseParameters: Object.keys(headers).length > 0
              ? Object.fromEntries(Object.entries(headers).map(([h, v]) => [`method.response.header.${h}`, v]))
              : undefined,
          };
        }),
      },
    });
  }

  private methodResponses(errorModel: apigw.IModel, cors?: CorsSettings): apigw.MethodResponse[] {
    return METHOD_STATUS_CODES.map((statusCode) => {
      const params: Record<string, boolean> = {};
      if (statusCode === '503') params['method.response.header.Retry-After'] = true;
      if (cors) Object.keys(corsResponseHeaders(cors)).forEach((h) => params[`method.response.header.${h}`] = true);
      return {
        statusCode,
        responseModels: { 'application/json': statusCode === '200' ? apigw.Model.EMPTY_MODEL : errorModel },
        responseParameters: Object.keys(params).length > 0 ? params : undefined,
      };
    });
  }

  private addJsonGatewayResponses(cors?: CorsSettings): void {
    const api = this.restApi as apigw.RestApi;
    const json = { 'application/json': gatewayResponseTemplate() };
    const responseHeaders = cors ? { 'Access-Control-Allow-Origin': `'${cors.allowOrigin}'` } : undefined;
    api.addGatewayResponse('Default4xx', { type: apigw.ResponseType.DEFAULT_4XX, templates: json, responseHeaders });
    api.addGatewayResponse('Default5xx', { type: apigw.ResponseType.DEFAULT_5XX, templates: json, responseHeaders });
    api.addGatewayResponse('BadRequestBody', {
      type: apigw.ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: { 'application/json': badRequestBodyTemplate() },
      responseHeaders,
    });
  }

  private acknowledgeMethodFindings(apiKeyRequired: boolean, props: ApiToFirehoseProps): void {
    const authType = props.authorizer?.authorizationType ?? props.authorizationType ?? apigw.AuthorizationType.NONE;
    const methods = [this.method, ...(this.batchMethod ? [this.batchMethod] : [])];
    for (const m of methods) {
      if (authType === apigw.AuthorizationType.NONE && apiKeyRequired) {
        acknowledge(m, 'AwsSolutions-APIG4', 'The method requires an API key bound to a throttled usage plan; set `authorizer` or ' +
          '`authorizationType` for authentication beyond key identification.');
      }
      if (authType !== apigw.AuthorizationType.COGNITO) {
        acknowledge(m, 'AwsSolutions-COG4', authType === apigw.AuthorizationType.NONE
          ? 'No authorizer is configured; a Cognito authorizer is one option, set through `authorizer`.'
          : `The method is authorized with ${authType}, which is an alternative to a Cognito user pool authorizer.`);
      }
    }
  }
}

function knownStage(api: apigw.IRestApi): apigw.Stage | undefined {
  // An imported IRestApi throws when asked for its deployment stage.
  try {
    return api.deploymentStage;
  } catch {
    return undefined;
  }
}

const ORIGIN = /^(\*|https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?)$/;
const HEADER = /^[A-Za-z0-9-]+$/;

function checkCors(cors: CorsSettings): void {
  if (!ORIGIN.test(cors.allowOrigin)) {
    throw new Error(`cors.allowOrigin must be '*' or one origin like 'https://app.example.com', got '${cors.allowOrigin}'.`);
  }
  for (const h of cors.allowHeaders ?? []) {
    if (!HEADER.test(h)) throw new Error(`cors.allowHeaders entries must be header names, got '${h}'.`);
  }
}

/**
 * CORS headers of every method response. A cross-origin script can read only CORS-safelisted response headers,
 * so Retry-After (on 5xx) is exposed for clients that honour it (cdk-api-to-firehose-client does).
 */
function corsResponseHeaders(cors: CorsSettings): Record<string, string> {
  return { 'Access-Control-Allow-Origin': `'${cors.allowOrigin}'`, 'Access-Control-Expose-Headers': "'Retry-After'" };
}

function addPreflight(resource: apigw.IResource, cors: CorsSettings): void {
  resource.addCorsPreflight({
    allowOrigins: [cors.allowOrigin],
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: cors.allowHeaders ?? ['Content-Type', 'X-Api-Key', 'X-Amzn-Trace-Id'],
    maxAge: cors.maxAge ?? Duration.hours(1),
  });
}
