import {
  aws_apigateway as apigw,
  aws_athena as athena,
  aws_cloudwatch as cloudwatch,
  aws_glue as glue,
  aws_iam as iam,
  aws_kinesis as kinesis,
  aws_kinesisfirehose as firehose,
  aws_logs as logs,
  aws_s3 as s3,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BatchMode } from './batch';
import { createAccess, createTenant, throttleMethods } from './private/access';
import { addJsonGatewayResponses, createApi } from './private/api';
import { Catalog, createCatalog } from './private/catalog';
import { planCurated } from './private/curated/plan';
import { createCurated } from './private/curated/resources';
import { createBucket, createDelivery } from './private/delivery';
import { senderEndpoints } from './private/endpoints';
import { acknowledgeMethodFindings, acknowledgeWriteKeyMethodFindings, createMethods } from './private/methods';
import { createMonitoring } from './private/monitoring';
import { eventRoutes } from './private/request-shapes';
import { Settings, resolveProps } from './private/resolve';
import { createStream, createStreamAlarms, streamWriteStatements } from './private/stream';
import { FIREHOSE_TARGET } from './private/targets/firehose';
import { kinesisTarget } from './private/targets/kinesis';
import { Query, createQuery, grantQuery } from './private/workgroup';
import { ApiToFirehoseProps } from './props';
import { SenderEndpoints } from './sender-endpoints';
import { TenantOptions } from './tenant-options';

/**
 * An API Gateway REST API whose methods write events straight to Kinesis Data
 * Firehose (AWS service integration, VTL mapping templates, no Lambda), which
 * delivers them to S3 as JSON Lines.
 */
export class ApiToFirehose extends Construct {
  /** The bucket receiving the events (undefined when an existing `deliveryStream` was given). */
  public readonly bucket?: s3.IBucket;
  /**
   * The Kinesis data stream the API writes to (with `target: IngestTarget.kinesisStream()`): new or given. Grant
   * real-time consumers `stream.grantRead(consumer)`.
   */
  public readonly stream?: kinesis.IStream;
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
  /**
   * The URL of the single-event endpoint (new REST APIs and APIs with a known stage): on the custom domain and under
   * its base path when `domain` is set (`https://<domain>/<basePath>/`), else the stage's execute-api URL.
   */
  public readonly url?: string;
  /** The URL of the batch endpoint (on the custom domain when `domain` is set). */
  public readonly batchUrl?: string;
  /**
   * What each sender is configured with, on the custom domain when there is one: the single-event and batch URLs,
   * and each input's (Segment's host and path for analytics-node, apiHost for analytics-next, the OTLP endpoint,
   * the Snowplow collector URL, the log shippers' URL). Empty where the API's URL is unknown (an imported API
   * without its stage).
   */
  public readonly endpoints: SenderEndpoints;
  /** The custom domain name, when `domain` is set (its alias target for DNS: `domainNameAliasDomainName`). */
  public readonly domain?: apigw.DomainName;
  /** The base path mapping of the custom domain to this construct's stage, when `domain` is set. */
  public readonly basePathMapping?: apigw.BasePathMapping;
  /** The batch mode in use. */
  public readonly batchMode?: BatchMode;
  /** The CloudWatch alarms (with `query.curated`, its failed-runs alarm too). */
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
  /** The curated (Iceberg) tables, the erasure table last (with `query.curated`). */
  public readonly curatedTables?: glue.CfnTable[];
  /** The state machine that merges the newest raw lines into the curated tables (with `query.curated`). */
  public readonly curatedMergeStateMachine?: sfn.IStateMachine;
  /** The state machine that erases a user (input `{"userId": "..."}`) from the curated tables (with `query.curated`). */
  public readonly curatedErasureStateMachine?: sfn.IStateMachine;
  /** The named queries: recent events, events per hour, and the deduplicated view when the envelope has a key for it. */
  public readonly namedQueries: athena.CfnNamedQuery[] = [];

  private readonly settings: Settings;
  private readonly catalog?: Catalog;
  private readonly query?: Query;
  /** The ids of every key this construct knows, tenants included: a partition by API key projects them. */
  private readonly apiKeyIds: string[] = [];

  constructor(scope: Construct, id: string, props: ApiToFirehoseProps = {}) {
    super(scope, id);
    // Resolve: every default applied and every prop checked, before anything is built.
    const s = this.settings = resolveProps(this, props);

    // Stream: the Kinesis data stream in front of Firehose, when the target is one.
    if (s.stream) this.stream = createStream(this, s.stream);

    // Delivery: the bucket, the table (Parquet conversion reads its schema), the Firehose role and log group, the stream.
    if (s.delivery) {
      this.bucket = s.delivery.bucket ?? createBucket(this, s.delivery);
      if (s.query) {
        this.catalog = createCatalog(this, s.query, this.bucket, () => this.apiKeyIds);
        this.glueDatabase = this.catalog.database;
        this.glueTable = this.catalog.table;
      }
      const d = createDelivery(this, s.delivery, this.bucket, s.delivery.parquet ? this.catalog?.table : undefined, this.stream);
      this.deliveryStreamRole = d.role;
      this.deliveryLogGroup = d.logGroup;
      this.cfnDeliveryStream = d.cfnDeliveryStream;
      this.deliveryStream = d.deliveryStream;
    } else {
      this.deliveryStream = s.existingStream!;
    }
    this.deliveryStreamName = this.cfnDeliveryStream ? s.delivery!.deliveryStreamName : this.deliveryStream.deliveryStreamName;

    // API: the REST API, its stage and endpoint type, and its custom domain (or the API given).
    const api = createApi(this, s.api);
    this.restApi = api.restApi;
    this.stage = api.stage;
    this.domain = api.domain?.domainName;
    this.basePathMapping = api.domain?.mapping;

    // Methods: a POST per route (the single event, the batch), each integrated with Firehose (or the Kinesis stream)
    // through one role.
    const target = s.stream ? kinesisTarget(s.stream.partitionKey.field) : FIREHOSE_TARGET;
    const streamName = this.stream?.streamName ?? this.cfnDeliveryStream?.ref ?? this.deliveryStreamName;
    const routes = [
      ...eventRoutes(s.shapes, s.batch, streamName, target),
      ...s.inputs.flatMap((input) => input._routes({ streamName, target, envelope: s.shapes.envelope, resourceParts: s.shapes.resourceParts })),
    ];
    const methods = createMethods(this, {
      restApi: this.restApi,
      streamArn: this.stream?.streamArn ?? this.cfnDeliveryStream?.attrArn ?? this.deliveryStream.deliveryStreamArn,
      target,
      extraStatements: this.stream ? streamWriteStatements(this.stream) : undefined,
      routes,
      cors: s.cors,
      apiKeyRequired: s.access.apiKeyRequired,
      authorizationType: s.access.authorizationType,
      authorizer: s.access.authorizer,
    });
    this.apiGatewayRole = methods.role;
    this.requestValidator = methods.requestValidator;
    [this.resource] = methods.resources;
    this.method = methods.methods[0];
    this.batchMethod = s.batch ? methods.methods[1] : undefined;
    this.batchMode = s.batch?.mode;
    this.url = api.urlForPath(this.resource.path);
    this.batchUrl = s.batch ? api.urlForPath(methods.resources[1].path) : undefined;
    this.endpoints = senderEndpoints(api.location, s.shapes.resourceParts, s.inputs, { url: this.url, batchUrl: this.batchUrl });
    // After the methods: the deployment's logical id hashes the API's parts in the order they are added.
    if (api.owned && s.api.jsonGatewayResponses) addJsonGatewayResponses(this.restApi as apigw.RestApi, s.cors);

    // Access: the usage plan and API keys, the WAF association.
    const access = createAccess(this, { restApi: this.restApi, stage: this.stage, ownsApi: api.owned }, s.access);
    this.usagePlan = access.usagePlan;
    this.apiKey = access.apiKey;
    this.apiKeys = access.apiKeys;
    this.apiKeyIds.push(...this.apiKeys.map((k) => k.keyId));
    // Routes that check a write key (Segment sources) have no usage plan: each gets its own method throttle.
    throttleMethods(this.stage, methods.writeKeyMethods);

    // Query: the Athena workgroup, its encrypted results bucket and the named queries.
    const curatedAlarms: cloudwatch.Alarm[] = [];
    if (this.catalog && s.query) {
      this.query = createQuery(this, this.catalog, s.query);
      this.workGroup = this.query.workGroup;
      this.queryResultsBucket = this.query.resultsBucket;
      this.namedQueries.push(...this.query.namedQueries);
      // Curated tables: Iceberg tables kept by a scheduled MERGE, their statements, schedules and alarm.
      if (s.query.curated) {
        const curated = createCurated(this, {
          plan: planCurated(this.catalog.spec, s.query.curated, this.bucket!.bucketName),
          settings: s.query.curated,
          databaseName: this.catalog.databaseName,
          rawTable: this.catalog.table,
          rawTableName: this.catalog.tableName,
          rawPrefix: s.query.plan.layout.locationPrefix,
          bucket: this.bucket!,
          workGroupName: this.query.workGroupName,
          workGroup: this.query.workGroup,
          resultsBucket: this.query.resultsBucket,
          encryptionKey: s.query.encryptionKey,
          monitoring: s.monitoring,
        });
        if (s.query.curated.rawRetention) {
          (this.bucket as s3.Bucket).addLifecycleRule({ id: 'RawRetention', prefix: s.query.plan.layout.locationPrefix, expiration: s.query.curated.rawRetention });
        }
        this.namedQueries.push(...curated.namedQueries);
        this.curatedTables = curated.tables;
        this.curatedMergeStateMachine = curated.mergeStateMachine;
        this.curatedErasureStateMachine = curated.erasureStateMachine;
        if (curated.alarm) curatedAlarms.push(curated.alarm);
      }
    }

    // Monitoring: alarms and an optional dashboard.
    const monitoring = createMonitoring(this, {
      deliveryStreamName: this.deliveryStreamName,
      // API Gateway metrics are keyed by API name and stage; an imported API has neither, so it gets Firehose alarms only.
      restApiName: this.restApi instanceof apigw.RestApi && this.stage ? this.restApi.restApiName : undefined,
      stageName: this.stage?.stageName,
    }, s.monitoring);
    this.alarms = [...monitoring.alarms, ...(this.stream ? createStreamAlarms(this, this.stream, s.monitoring) : []), ...curatedAlarms];
    this.dashboard = monitoring.dashboard;

    const writeKeyMethods = methods.writeKeyMethods.map((w) => w.method);
    acknowledgeMethodFindings(methods.methods.filter((m) => !writeKeyMethods.includes(m)), s.access.apiKeyRequired,
      s.access.effectiveAuthorizationType);
    acknowledgeWriteKeyMethodFindings(writeKeyMethods);
  }

  /**
   * Adds a tenant: an API key with its own usage plan (throttle, quota) on this API's stage.
   * Use with `partitionByField: 'apiKeyId'` to write each tenant's events under its own prefix.
   * Note that usage plans cover the whole stage: the key may call every keyed method of the stage.
   */
  public addTenant(id: string, options: TenantOptions = {}): apigw.IApiKey {
    const key = createTenant(this, id, {
      restApi: this.restApi, stage: this.stage, usagePlan: this.usagePlan, throttle: this.settings.access.throttle,
    }, options);
    this.apiKeys.push(key);
    this.apiKeyIds.push(key.keyId);
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
