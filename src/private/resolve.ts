import {
  Aws, Duration, Fn, Names, Size, Stack, TimeZone, Token, aws_apigateway as apigw, aws_certificatemanager as acm,
  aws_kinesisfirehose as firehose, aws_kms as kms, aws_logs as logs, aws_route53 as route53, aws_s3 as s3, aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { QuerySettings } from './catalog';
import { CuratedSettings } from './curated/plan';
import { kindOf } from './field-kinds';
import { LogEncryption } from './log-groups';
import { BatchSettings, ShapeSettings } from './request-shapes';
import { StreamSettings, resolveStream } from './stream-settings';
import { planTable } from './table';
import {
  checkBufferingInterval, checkBufferingSize, checkCertificateRegion, checkCors, checkDeliveryStreamName, checkDomainName,
  checkHostedZone, checkIntegerRange, checkPrefix, checkPrefixPair, checkQueryOptions, checkRate, normalizeBasePath,
  normalizeResourcePath,
} from './validation';
import { BatchMode } from '../batch';
import { CorsSettings } from '../cors';
import { ApiEndpoint, DomainOptions } from '../endpoint-options';
import { EnvelopeFieldSource } from '../envelope-field';
import { Input } from '../input';
import { DEFAULT_MAX_EVENTS } from '../limits';
import { ApiToFirehoseProps } from '../props';
import { RecordEnvelope } from '../record-envelope';
import { TextPlainMode } from '../text-plain';

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
  'versioned', 'noncurrentVersionExpiration', 'serverAccessLogs', 'serverAccessLogsBucket', 'serverAccessLogsPrefix',
];

/** Props that configure the bucket this construct creates, refused together with `bucket`. */
const NEW_BUCKET_PROPS: (keyof ApiToFirehoseProps)[] = [
  'lifecycleRules', 'versioned', 'noncurrentVersionExpiration', 'serverAccessLogs', 'serverAccessLogsBucket', 'serverAccessLogsPrefix',
];

/** Dynamic partitioning needs at least this buffering. */
export const PARTITIONING_MIN_INTERVAL_SECONDS = 60;
export const PARTITIONING_MIN_SIZE_MIB = 64;

/** Resolved settings of a new delivery stream (and its bucket, unless one is given). */
export interface DeliverySettings {
  /** The bucket given, else a new one with the key, lifecycle rules, versioning and access logs below. */
  readonly bucket?: s3.IBucket;
  readonly lifecycleRules?: s3.LifecycleRule[];
  /** How long noncurrent versions are kept; undefined when the new bucket is not versioned. */
  readonly noncurrentVersionExpiration?: Duration;
  /** Server access logging of the new bucket: to the bucket given, else to a new one. */
  readonly serverAccessLogs?: { readonly bucket?: s3.IBucket; readonly prefix?: string };
  /** The Firehose error log group's encryption with `encryptionKey`. */
  readonly errorLogEncryption?: LogEncryption;
  readonly deliveryStreamName: string;
  readonly bufferingInterval: Duration;
  readonly bufferingSize: Size;
  readonly compression: firehose.Compression;
  readonly dataOutputPrefix: string;
  readonly errorOutputPrefix: string;
  readonly errorLogRetention: logs.RetentionDays;
  readonly encryptionKey?: kms.IKey;
  /** Envelope field to partition by (dynamic partitioning). */
  readonly partitionByField?: string;
  /** Whether a Firehose record may hold several JSON lines (packed batches): partitioning then splits them first. */
  readonly multiLineRecords: boolean;
  readonly timeZone?: TimeZone;
  /** Parquet output (record format conversion) and its compression. */
  readonly parquet?: firehose.ParquetCompression;
}

/** Resolved settings of the REST API. */
export interface ApiSettings {
  /** An existing REST API, and its stage when known. */
  readonly restApi?: apigw.IRestApi;
  readonly stage?: apigw.Stage;
  readonly stageName: string;
  readonly cloudWatchRole: boolean;
  readonly tracingEnabled: boolean;
  /** The access log group's encryption with `encryptionKey` (a new API only). */
  readonly accessLogEncryption?: LogEncryption;
  /** Stage-wide throttle of a new API. */
  readonly throttle: apigw.ThrottleSettings;
  /** Whether API Gateway's own errors answer JSON (only for a REST API this construct creates). */
  readonly jsonGatewayResponses: boolean;
  /** The endpoint type of a new API. */
  readonly endpoint: ApiEndpoint;
  /** The custom domain of a new API. */
  readonly domain?: DomainSettings;
}

/** Resolved custom domain: checked, the base path as one segment (undefined: the domain's root). */
export interface DomainSettings {
  readonly domainName: string;
  readonly certificate: acm.ICertificate;
  readonly basePath?: string;
  readonly hostedZone?: route53.IHostedZone;
  /** The domain's endpoint type (the API's: EDGE or REGIONAL). */
  readonly endpointType: apigw.EndpointType;
}

/** Resolved settings of the usage plan, keys and WAF. */
export interface AccessSettings {
  readonly apiKeyRequired: boolean;
  readonly apiKeys?: apigw.IApiKey[];
  readonly throttle: apigw.ThrottleSettings;
  readonly quota?: apigw.QuotaSettings;
  readonly webAclArn?: string;
  readonly authorizationType?: apigw.AuthorizationType;
  readonly authorizer?: apigw.IAuthorizer;
  /** The type the methods end up with, for the findings that depend on it. */
  readonly effectiveAuthorizationType: apigw.AuthorizationType;
}

/** Resolved monitoring settings. */
export interface MonitoringSettings {
  readonly alarms: boolean;
  readonly alarmTopic?: sns.ITopic;
  readonly freshnessThreshold: Duration;
  readonly serverErrorRate: number;
  readonly clientErrorRate: number;
  readonly latencyThreshold: Duration;
  readonly dashboard: boolean;
}

/** Every prop, with its default applied and checked: what the builders receive. */
export interface Settings {
  /** A new delivery stream, or the existing one given. */
  readonly delivery?: DeliverySettings;
  readonly existingStream?: firehose.IDeliveryStream;
  readonly bufferingInterval: Duration;
  readonly api: ApiSettings;
  readonly access: AccessSettings;
  readonly cors?: CorsSettings;
  /** The request shapes' settings, and the batch route's (none when batching is off). */
  readonly shapes: ShapeSettings;
  readonly batch?: BatchSettings;
  /** The inputs in other senders' formats. */
  readonly inputs: Input[];
  readonly monitoring: MonitoringSettings;
  readonly query?: QuerySettings;
  /** The Kinesis data stream the API writes to; undefined for Firehose Direct PUT. */
  readonly stream?: StreamSettings;
}

/**
 * Applies the defaults and refuses props that are out of range or contradict each other, in one pass, before
 * anything is built. `scope` is the construct: default names derive from its path.
 */
export function resolveProps(scope: Construct, props: ApiToFirehoseProps): Settings {
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
  const dataOutputPrefix = props.dataOutputPrefix ?? (partitioning ? partitionedPrefix(props.partitionByField!) : 'events/');
  const errorOutputPrefix = props.errorOutputPrefix ?? 'errors/!{firehose:error-output-type}/';
  checkPrefix('dataOutputPrefix', dataOutputPrefix, { allowPartitionKeys: partitioning, query: props.query !== undefined });
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
  if (props.restApi && props.endpoint) {
    throw new Error(`endpoint applies only to a REST API this construct creates; the given restApi has its own endpoint configuration, got endpoint ${props.endpoint.type}.`);
  }
  if (props.restApi && props.domain) {
    throw new Error('domain applies only to a REST API this construct creates: map the given restApi on its own domain name (apigw.DomainName addBasePathMapping).');
  }
  const endpoint = props.endpoint ?? ApiEndpoint.EDGE;
  checkEndpoint(endpoint);
  const domain = props.domain ? resolveDomain(scope, props.domain, endpoint) : undefined;
  if (props.cors) checkCors(props.cors);
  if (props.bucket) {
    const given = NEW_BUCKET_PROPS.filter((k) => props[k] !== undefined);
    if (given.length > 0) {
      throw new Error(`${given.join(', ')} configure the bucket this construct creates: set them on the bucket you passed.`);
    }
  }
  const versioned = props.versioned ?? true;
  if (!versioned && props.noncurrentVersionExpiration) {
    throw new Error('noncurrentVersionExpiration applies to a versioned bucket, but versioned is false.');
  }
  const noncurrentVersionExpiration = versioned ? props.noncurrentVersionExpiration ?? Duration.days(30) : undefined;
  checkWholeDays('noncurrentVersionExpiration', noncurrentVersionExpiration);
  const serverAccessLogs = props.serverAccessLogs ?? props.serverAccessLogsBucket !== undefined;
  if (!serverAccessLogs && (props.serverAccessLogsBucket || props.serverAccessLogsPrefix !== undefined)) {
    throw new Error('serverAccessLogsBucket and serverAccessLogsPrefix need server access logging, but serverAccessLogs is false.');
  }
  if (props.encryptionKey && props.bucket) {
    throw new Error('encryptionKey encrypts the bucket this construct creates: the bucket you passed keeps its own encryption.');
  }
  if (props.query) {
    checkQueryOptions(props.query);
    if (parquet) checkParquet(props, bufferingSize);
  }
  const batch = resolveBatch(props);
  const resourceParts = normalizeResourcePath('resourcePath', props.resourcePath ?? '/');
  const apiKeyRequired = props.apiKeyRequired ?? true;
  const throttle = props.throttle ?? DEFAULT_THROTTLE;
  const eventSchema = props.eventSchema ?? DEFAULT_EVENT_SCHEMA;
  const textPlain = props.textPlain ?? TextPlainMode.REJECT;

  // A usage plan and a WAF association bind to a stage: an imported API has none unless it is given.
  const stage = props.restApi ? props.stage ?? knownStage(props.restApi) : props.stage;
  if (props.restApi && !stage) {
    if (props.webAclArn) throw new Error('webAclArn needs a stage: pass `stage` when `restApi` is imported.');
    if (apiKeyRequired) throw new Error('apiKeyRequired needs a stage for the usage plan: pass `stage` when `restApi` is imported.');
  }
  const inputs = props.inputs ?? [];
  if (inputs.length > 0 && envelope.raw) {
    throw new Error(`inputs (${inputs.map((i) => i.name).join(', ')}) need an envelope: RecordEnvelope.RAW writes the bare event, `
      + 'with no field to tell an input\'s lines or carry its batch-level members.');
  }
  const names = inputs.map((i) => i.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated) throw new Error(`inputs must not repeat an input, got '${repeated}' twice.`);
  for (const input of inputs) {
    const taken = [...envelope.fields.map((f) => f.name), envelope.bodyField];
    const clash = input._members().find((m) => taken.includes(m));
    if (clash) {
      throw new Error(`the ${input.name} input writes a '${clash}' member beside the envelope's fields: rename the envelope field '${clash}'.`);
    }
  }
  const inputTables = inputs.map((i) => i._table());
  if (props.query && inputs.length > 0 && !envelope.raw && eventSchema.properties && textPlain !== TextPlainMode.AS_STRING) {
    throw new Error(`query with inputs (${names.join(', ')}) needs the body column as JSON text: an eventSchema with properties `
      + 'makes it a struct of those properties, which drops the fields of the inputs\' events. Leave eventSchema without properties.');
  }
  const credentialed = inputs.filter((i) => i._corsCredentials).map((i) => i.name);
  if (props.cors?.allowOrigin === '*' && credentialed.length > 0) {
    throw new Error(`cors.allowOrigin must be one origin, not '*', with inputs whose browsers send credentials (${credentialed.join(', ')}): `
      + 'browsers refuse a credentialed answer for any origin.');
  }
  checkRate('monitoring.serverErrorRate', props.monitoring?.serverErrorRate);
  checkRate('monitoring.clientErrorRate', props.monitoring?.clientErrorRate);

  const stream = resolveStream(scope, props);
  const deliveryStreamName = props.deliveryStreamName ?? Names.uniqueResourceName(scope, { maxLength: 64, separator: '-' });
  const logEncryption = (log: string) => props.encryptionKey ? logGroupEncryption(scope, props.encryptionKey, log) : undefined;

  const shapes = { envelope, eventSchema, textPlain, resourceParts };
  const bodyAsText = textPlain === TextPlainMode.AS_STRING;
  return {
    delivery: props.deliveryStream ? undefined : {
      bucket: props.bucket,
      lifecycleRules: props.lifecycleRules,
      noncurrentVersionExpiration,
      serverAccessLogs: serverAccessLogs ? { bucket: props.serverAccessLogsBucket, prefix: props.serverAccessLogsPrefix } : undefined,
      errorLogEncryption: logEncryption('delivery-errors'),
      deliveryStreamName,
      bufferingInterval,
      bufferingSize,
      compression: props.compression ?? firehose.Compression.GZIP,
      dataOutputPrefix,
      errorOutputPrefix,
      errorLogRetention: props.errorLogRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.encryptionKey,
      partitionByField: props.partitionByField,
      multiLineRecords: batch?.mode === BatchMode.PACKED,
      timeZone: props.timeZone,
      parquet: parquet ? props.query?.parquetCompression ?? firehose.ParquetCompression.SNAPPY : undefined,
    },
    existingStream: props.deliveryStream,
    bufferingInterval,
    api: {
      restApi: props.restApi,
      stage,
      stageName: props.stageName ?? 'prod',
      cloudWatchRole: props.cloudWatchRole ?? true,
      tracingEnabled: props.tracingEnabled ?? false,
      accessLogEncryption: logEncryption('access-logs'),
      throttle,
      jsonGatewayResponses: props.jsonGatewayResponses ?? true,
      endpoint,
      domain,
    },
    access: {
      apiKeyRequired,
      apiKeys: props.apiKeys,
      throttle,
      quota: props.quota,
      webAclArn: props.webAclArn,
      authorizationType: props.authorizationType,
      authorizer: props.authorizer,
      effectiveAuthorizationType: props.authorizer?.authorizationType ?? props.authorizationType ?? apigw.AuthorizationType.NONE,
    },
    cors: props.cors,
    shapes,
    batch,
    inputs,
    monitoring: {
      alarms: props.monitoring?.alarms ?? true,
      alarmTopic: props.monitoring?.alarmTopic,
      freshnessThreshold: props.monitoring?.freshnessThreshold ?? Duration.seconds(Math.max(300, 2 * bufferingInterval.toSeconds())),
      serverErrorRate: props.monitoring?.serverErrorRate ?? 0.01,
      clientErrorRate: props.monitoring?.clientErrorRate ?? 0.1,
      latencyThreshold: props.monitoring?.latencyThreshold ?? Duration.seconds(2),
      dashboard: props.monitoring?.dashboard ?? false,
    },
    query: props.query ? {
      databaseName: props.query.databaseName
        ?? Names.uniqueResourceName(scope, { maxLength: 128, separator: '_' }).toLowerCase().replace(/[^a-z0-9_]/g, '_'),
      createDatabase: props.query.databaseName === undefined,
      tableName: props.query.tableName ?? 'events',
      workGroupName: props.query.workGroupName ?? Names.uniqueResourceName(scope, { maxLength: 128, separator: '-' }),
      bytesScannedCutoffPerQuery: props.query.bytesScannedCutoffPerQuery ?? Size.gibibytes(10),
      resultsExpiration: props.query.resultsExpiration ?? Duration.days(7),
      firstDay: props.query.firstDay ?? '2025-01-01',
      parquet: parquet ? props.query.parquetCompression ?? firehose.ParquetCompression.SNAPPY : undefined,
      plan: planTable({ envelope, eventSchema, bodyAsText, dataOutputPrefix, inputColumns: inputTables.flatMap((t) => t.columns) }),
      inputTables,
      envelope,
      timeZoneName: props.timeZone?.timezoneName ?? 'UTC',
      encryptionKey: props.encryptionKey,
      multiEventRoutes: [
        ...(batch && batch.maxEvents > 1 ? [`the batch route (/${[...resourceParts, ...batch.pathParts].join('/')})`] : []),
        ...inputs.map((i) => `the ${i.name} input`),
      ],
      curated: props.query.curated ? resolveCurated(props, inputs.flatMap((i) => i._curatedKinds()), dataOutputPrefix) : undefined,
    } : undefined,
    stream,
  };
}

/**
 * The name of a log group encrypted with `key`: `/api-to-firehose/<construct path>/<log>-<id of the stack>`. The key
 * policy names the prefix up to `<log>` (see log-groups.ts). The last part is the random part of the stack id, unique
 * to each creation of the stack: the log groups are retained on stack deletion, and a fixed name would stop the
 * stack from being created again while they exist.
 */
function logGroupEncryption(scope: Construct, key: kms.IKey, log: string): LogEncryption {
  const namePrefix = `/api-to-firehose/${Names.uniqueResourceName(scope, { maxLength: 256, separator: '-' })}/`;
  const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return { key, namePrefix, logGroupName: `${namePrefix}${log}-${Fn.select(0, Fn.split('-', stackUuid))}` };
}

/** Refuses a duration that is not a whole number of days of at least one (tokens pass). */
function checkWholeDays(name: string, d?: Duration): void {
  if (!d || d.isUnresolved()) return;
  const days = d.toMilliseconds() / 86_400_000;
  if (!Number.isInteger(days) || days < 1) throw new Error(`${name} must be a whole number of days (at least 1), got ${d.toHumanString()}.`);
}

/** The batch route's settings, or undefined when batching is off. */
function resolveBatch(props: ApiToFirehoseProps): BatchSettings | undefined {
  const mode = props.batch?.mode ?? BatchMode.PACKED;
  const maxEvents = props.batch?.maxEvents ?? DEFAULT_MAX_EVENTS;
  checkIntegerRange(`batch.maxEvents (${mode.name})`, maxEvents, 1, mode.maxEventsLimit);
  const path = props.batch?.path ?? 'batch';
  const pathParts = normalizeResourcePath('batch.path', path);
  const enabled = props.batch?.enabled ?? true;
  if (enabled && pathParts.length === 0) {
    throw new Error('batch.path must not be empty: the batch method needs its own resource.');
  }
  return enabled ? { mode, maxEvents, pathParts } : undefined;
}

/**
 * The default data prefix with `partitionByField`: the field's value, then the hour as the plain default writes it
 * (`YYYY/MM/dd/HH/` in the stream's time zone). Firehose appends its own time path only to a prefix without
 * expressions, so the partitioned prefix spells it out with `!{timestamp:...}`: the table gets a `dt` partition of
 * the same format under each value, and a query reads one value's hours only.
 */
export function partitionedPrefix(field: string): string {
  return `events/${field}=!{partitionKeyFromQuery:${field}}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/`;
}

/** How to add a field that can partition the output, for the refusals. */
const ADD_PARTITION_FIELD = 'add one to the envelope, e.g. EnvelopeField.header(\'X-Tenant-Id\', \'tenant\'), '
  + 'EnvelopeField.queryParameter(\'tenant\', \'tenant\'), EnvelopeField.constant(\'source\', \'web\') or EnvelopeField.apiKeyId()';

/**
 * Checks `partitionByField`: it must name an envelope field whose values are few (a key, a tenant, a constant),
 * and buffering must meet the dynamic partitioning minimums. A refusal lists only the fields that would be accepted.
 */
export function checkPartitioning(field: string, envelope: RecordEnvelope, interval: Duration, size: Size): void {
  if (envelope.raw) {
    throw new Error(`partitionByField '${field}' needs an envelope field, but RecordEnvelope.RAW has none: use RecordEnvelope.withFields([...]) and ${ADD_PARTITION_FIELD}.`);
  }
  const accepted = envelope.fields.filter((f) => !kindOf(f).partitionRefusal).map((f) => `'${f.name}'`);
  const offer = accepted.length > 0 ? `partition by ${accepted.join(', ')}, or ${ADD_PARTITION_FIELD}` : `no field of this envelope can partition the output: ${ADD_PARTITION_FIELD}`;
  const named = envelope.fields.find((f) => f.name === field);
  if (!named) {
    throw new Error(`partitionByField '${field}' must name an envelope field: ${offer}.`);
  }
  const refusal = kindOf(named).partitionRefusal;
  if (refusal) {
    throw new Error(`partitionByField '${field}' would create a prefix per ${refusal}: ${offer}.`);
  }
  if (!interval.isUnresolved() && interval.toSeconds() < PARTITIONING_MIN_INTERVAL_SECONDS) {
    throw new Error(`bufferingInterval must be at least ${PARTITIONING_MIN_INTERVAL_SECONDS} seconds with partitionByField, got ${interval.toSeconds()} seconds.`);
  }
  if (!size.isUnresolved() && size.toMebibytes() < PARTITIONING_MIN_SIZE_MIB) {
    throw new Error(`bufferingSize must be at least ${PARTITIONING_MIN_SIZE_MIB} MiB with partitionByField, got ${size.toMebibytes()} MiB.`);
  }
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

/** A private endpoint must name the VPC endpoints it admits: without them its resource policy admits no one. */
function checkEndpoint(endpoint: ApiEndpoint): void {
  if (endpoint.type === apigw.EndpointType.PRIVATE && endpoint.vpcEndpoints.length === 0) {
    throw new Error('endpoint must be ApiEndpoint.EDGE, ApiEndpoint.REGIONAL or ApiEndpoint.privateVia(vpcEndpoints) with at least one '
      + 'interface VPC endpoint, got PRIVATE with no VPC endpoints.');
  }
}

/** Checks the custom domain against the endpoint type (EDGE or REGIONAL) and the stack's region. */
function resolveDomain(scope: Construct, d: DomainOptions, endpoint: ApiEndpoint): DomainSettings {
  // Required by the type, but JavaScript callers are not held to it.
  if (!d.domainName) throw new Error('domain.domainName is required: the custom domain name, e.g. \'events.example.com\'.');
  if (!d.certificate) throw new Error(`domain.certificate is required: an ACM certificate for '${d.domainName}'.`);
  if (endpoint.type === apigw.EndpointType.PRIVATE) {
    throw new Error('domain needs endpoint ApiEndpoint.EDGE or ApiEndpoint.REGIONAL, got PRIVATE: a private API\'s custom domain is a '
      + 'different resource (AWS::ApiGateway::DomainNameV2 with an access association); call it through its VPC endpoint.');
  }
  checkDomainName(d.domainName);
  const basePath = normalizeBasePath(d.basePath);
  checkCertificateRegion(certificateRegion(d.certificate), endpoint._certificateRegion(Stack.of(scope).region), endpoint.type);
  if (d.hostedZone) {
    const zoneName = zoneNameOf(d.hostedZone);
    if (zoneName === undefined) {
      throw new Error('domain.hostedZone must have a known name (the alias record is named relative to it): import it with '
        + 'HostedZone.fromHostedZoneAttributes or fromLookup, not fromHostedZoneId.');
    }
    checkHostedZone(d.domainName, zoneName);
  }
  return { domainName: d.domainName, certificate: d.certificate, basePath, hostedZone: d.hostedZone, endpointType: endpoint.type };
}

/** The certificate's region when it can be told: from a literal ARN, else from the stack of a certificate construct. */
function certificateRegion(certificate: acm.ICertificate): string | undefined {
  if (!Token.isUnresolved(certificate.certificateArn)) {
    return /^arn:[^:]+:acm:([^:]+):/.exec(certificate.certificateArn)?.[1];
  }
  return certificate instanceof acm.Certificate ? Stack.of(certificate).region : undefined;
}

function zoneNameOf(zone: route53.IHostedZone): string | undefined {
  // HostedZone.fromHostedZoneId throws when asked for its name.
  try {
    return zone.zoneName;
  } catch {
    return undefined;
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

/** The curated tables' settings; checks what they need of the envelope, the layout and the bucket. */
function resolveCurated(props: ApiToFirehoseProps, inputKinds: string[], prefix: string): CuratedSettings {
  const c = props.query!.curated!;
  const envelope = props.envelope ?? RecordEnvelope.DEFAULT;
  if (envelope.raw) throw new Error('query.curated needs an envelope with a body (the requestId and receivedAt fields): the envelope is RAW.');
  const fields = envelope.fields.map((f) => f.source);
  for (const [source, name] of [['REQUEST_ID', 'requestId'], ['RECEIVED_AT', 'receivedAt']] as const) {
    if (!fields.includes(EnvelopeFieldSource[source])) {
      throw new Error(`query.curated needs the envelope field ${name} (EnvelopeField.${name}()): it keys events without an id and orders copies.`);
    }
  }
  if (props.query!.parquet) throw new Error('query.curated reads the JSON Lines table: it cannot be used with query.parquet.');
  if (props.partitionByField) throw new Error('query.curated reads every partition of the raw table by date only: it cannot be used with partitionByField.');
  const schedule = c.schedule ?? Duration.hours(1);
  const lookback = c.lookback ?? Duration.hours(6);
  checkWholeHours('query.curated.lookback', lookback);
  if (!schedule.isUnresolved() && (schedule.toMinutes() < 5 || schedule.toMinutes() % 1 !== 0)) {
    throw new Error(`query.curated.schedule must be whole minutes, at least 5, got ${schedule.toHumanString()}.`);
  }
  if (lookback.toMinutes() < schedule.toMinutes() + 60) {
    throw new Error(`query.curated.lookback must be at least schedule + 1 hour (${schedule.toHumanString()} + 1 hour), got ${lookback.toHumanString()}.`);
  }
  if (c.rawRetention) {
    if (props.bucket) throw new Error('query.curated.rawRetention sets a lifecycle rule on the bucket this construct creates: expire objects of the bucket you passed with its own rules.');
    checkWholeDays('query.curated.rawRetention', c.rawRetention);
    if (!prefix || prefix.startsWith('curated/')) {
      throw new Error(`query.curated.rawRetention needs a dataOutputPrefix that is not empty and not under curated/ (the curated tables' objects would expire too), got ${JSON.stringify(prefix)}.`);
    }
  }
  const userIdProperty = c.userIdProperty ?? 'userId';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(userIdProperty)) {
    throw new Error(`query.curated.userIdProperty must be a property name (letters, digits, underscores), got ${JSON.stringify(userIdProperty)}.`);
  }
  const tablePrefix = c.tablePrefix ?? `${props.query!.tableName ?? 'events'}_curated_`;
  if (!/^[a-z0-9_]+$/.test(tablePrefix)) {
    throw new Error(`query.curated.tablePrefix must be lowercase letters, digits and underscores, got ${JSON.stringify(tablePrefix)}.`);
  }
  return {
    schedule,
    lookback,
    upkeepSchedule: c.upkeepSchedule ?? Duration.days(1),
    snapshotRetention: c.snapshotRetention ?? Duration.days(7),
    userIdProperty,
    rawRetention: c.rawRetention,
    tablePrefix,
    inputKinds,
  };
}

function checkWholeHours(name: string, d: Duration): void {
  if (d.isUnresolved()) throw new Error(`${name} must be a literal duration.`);
  if (d.toMinutes() % 60 !== 0 || d.toMinutes() < 60) throw new Error(`${name} must be whole hours, at least 1, got ${d.toHumanString()}.`);
}
