import {
  Aws,
  Duration,
  Lazy,
  Names,
  RemovalPolicy,
  Size,
  Stack,
  TimeZone,
  Token,
  aws_apigateway as apigw,
  aws_athena as athena,
  aws_glue as glue,
  aws_iam as iam,
  aws_kinesisfirehose as firehose,
  aws_kms as kms,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvelopeField, EnvelopeFieldSource, RecordEnvelope } from './envelope';
import { glueColumnName, glueType } from './glue-schema';
import { acknowledge } from './nag';
import { DATE_PARTITION, PartitionColumn, PartitionLayout, formatDate, partitionLayout } from './projection';

/**
 * A Glue table over the delivered events and an Athena workgroup to query them.
 *
 * It is a prop rather than a method because Parquet output changes the delivery stream, which is configured once,
 * when it is created, and needs the table first. It is off by default: it adds a Glue database, an Athena
 * workgroup and a results bucket that many deployments (other engines, other accounts) do not want, and whose
 * names are unique per account and region.
 */
export interface QueryOptions {
  /**
   * An existing Glue database to put the table in.
   * @default - a new database named after this construct's path (lowercase letters, digits, underscores)
   */
  readonly databaseName?: string;
  /**
   * The table's name (lowercase letters, digits and underscores, as Athena wants).
   * @default 'events'
   */
  readonly tableName?: string;
  /**
   * The Athena workgroup's name.
   * @default - a name unique to this construct's path
   */
  readonly workGroupName?: string;
  /**
   * Queries in the workgroup are cancelled once they have scanned this much (Athena bills per byte scanned).
   * At least 10 MB.
   * @default Size.gibibytes(10)
   * @see https://docs.aws.amazon.com/athena/latest/ug/workgroups-setting-control-limits-cloudwatch.html
   */
  readonly bytesScannedCutoffPerQuery?: Size;
  /**
   * How long query results stay in the results bucket.
   * @default Duration.days(7)
   */
  readonly resultsExpiration?: Duration;
  /**
   * The first UTC day (yyyy-MM-dd) partition projection lists; events delivered before it are not read.
   * @default '2025-01-01'
   */
  readonly firstDay?: string;
  /**
   * Deliver Parquet instead of JSON Lines: Firehose converts each record with this table as the schema
   * (keys the table does not declare are dropped). Needs `bufferingSize` of at least 64 MiB (the default then)
   * and `compression` unset or UNCOMPRESSED: the Parquet writer compresses (`parquetCompression`).
   * @default false
   * @see https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html
   */
  readonly parquet?: boolean;
  /**
   * Compression of the Parquet files.
   * @default ParquetCompression.SNAPPY
   */
  readonly parquetCompression?: firehose.ParquetCompression;
}

/** The SerDe Athena reads JSON Lines with. */
export const OPENX_JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';
/** The Athena engine: version 3 is Trino. */
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';
/** Athena's smallest per-query scan cutoff (bytes). */
export const BYTES_SCANNED_CUTOFF_MIN = 10_000_000;

/**
 * The Glue type of each envelope field source. Adding a source to `EnvelopeFieldSource` is a compile error here
 * until its type is added.
 */
export const ENVELOPE_COLUMN_TYPES: Record<EnvelopeFieldSource, string> = {
  [EnvelopeFieldSource.API_KEY_ID]: 'string',
  [EnvelopeFieldSource.REQUEST_ID]: 'string',
  [EnvelopeFieldSource.RECEIVED_AT]: 'bigint',
  [EnvelopeFieldSource.TRACE_ID]: 'string',
  [EnvelopeFieldSource.SOURCE_IP]: 'string',
  [EnvelopeFieldSource.USER_AGENT]: 'string',
  [EnvelopeFieldSource.STAGE]: 'string',
  [EnvelopeFieldSource.HEADER]: 'string',
  [EnvelopeFieldSource.QUERY_PARAMETER]: 'string',
  [EnvelopeFieldSource.CONSTANT]: 'string',
  [EnvelopeFieldSource.BATCH_INDEX]: 'int',
  [EnvelopeFieldSource.EVENT_ID]: 'string',
};

/** One table column. */
export interface TableColumn {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
  /** The envelope field it holds (none for RAW columns and the body). */
  readonly source?: EnvelopeFieldSource;
}

/** The columns of the events table: one per envelope field, then the body; for RAW, the event's properties. */
export function tableColumns(envelope: RecordEnvelope, eventSchema: apigw.JsonSchema, bodyAsText: boolean): TableColumn[] {
  if (envelope.raw) {
    const properties = Object.entries(eventSchema.properties ?? {});
    if (properties.length === 0 || bodyAsText) {
      throw new Error('query needs an eventSchema with properties and no text/plain AS_STRING bodies when the envelope is RAW: '
        + 'each record is the bare event, so its properties are the columns.');
    }
    return properties.map(([key, schema]) => {
      const name = glueColumnName(key);
      if (!name) throw new Error(`query cannot name a column for the event property '${key}': use letters, digits and underscores.`);
      return { name, type: glueType(schema) };
    });
  }
  return [
    ...envelope.fields.map((f) => ({ name: f.name.toLowerCase(), type: ENVELOPE_COLUMN_TYPES[f.source], comment: describe(f), source: f.source })),
    {
      name: envelope.bodyField.toLowerCase(),
      type: bodyAsText ? 'string' : glueType(eventSchema),
      comment: bodyAsText ? 'The event: JSON text (text/plain bodies are JSON strings)' : 'The event',
    },
  ];
}

function describe(f: EnvelopeField): string {
  switch (f.source) {
    case EnvelopeFieldSource.API_KEY_ID: return 'Public id of the API key that sent the event';
    case EnvelopeFieldSource.REQUEST_ID: return 'API Gateway request id';
    case EnvelopeFieldSource.RECEIVED_AT: return 'When API Gateway received the request (epoch milliseconds)';
    case EnvelopeFieldSource.BATCH_INDEX: return 'Position in the batch request (null for single events)';
    case EnvelopeFieldSource.HEADER: return `Request header ${f.argument}`;
    case EnvelopeFieldSource.QUERY_PARAMETER: return `Query string parameter ${f.argument}`;
    case EnvelopeFieldSource.CONSTANT: return `Constant '${f.argument}'`;
    default: return `${f.source.toLowerCase().replace(/_/g, ' ')} of the request`;
  }
}

/** What the SQL of the named queries needs to know about the table. */
export interface QueryTableSpec {
  readonly databaseName: string;
  readonly tableName: string;
  readonly columns: TableColumn[];
  readonly partitions: PartitionColumn[];
  /** The column (data or partition) that holds each envelope field. */
  readonly fields: { readonly source: EnvelopeFieldSource; readonly column: string }[];
  /** Partition columns whose values the query must name (`injected` projection). */
  readonly injected: string[];
  /** The stream's time zone name. */
  readonly timeZone: string;
}

/** A named query: its name, description and SQL. */
export interface NamedQuerySpec {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/** The SQL of the named queries: recent events, events per hour, and the deduplicated view (when a key exists). */
export function namedQueries(t: QueryTableSpec): NamedQuerySpec[] {
  const table = `${ident(t.databaseName)}.${ident(t.tableName)}`;
  const column = (source: EnvelopeFieldSource) => t.fields.find((f) => f.source === source)?.column;
  const receivedAt = column(EnvelopeFieldSource.RECEIVED_AT);
  const date = t.partitions.find((p) => p.kind === 'date');
  const since = (interval: string) => [
    ...(date ? [`${ident(DATE_PARTITION)} >= format_datetime((current_timestamp AT TIME ZONE ${literal(t.timeZone)}) - INTERVAL ${interval}, ${literal(date.format!)})`] : []),
    ...t.injected.map((c) => `${ident(c)} = ?`),
  ];
  const where = (conditions: string[]) => (conditions.length > 0 ? [`WHERE ${conditions.join('\n  AND ')}`] : []);
  const newestFirst = receivedAt ? `${ident(receivedAt)} DESC` : date ? `${ident(DATE_PARTITION)} DESC` : undefined;

  const queries: NamedQuerySpec[] = [{
    id: 'RecentEvents',
    name: `${t.tableName}: recent events`,
    description: 'The newest 100 events of the last 24 hours',
    sql: lines(['SELECT *', `FROM ${table}`, ...where(since('\'1\' DAY')), ...(newestFirst ? [`ORDER BY ${newestFirst}`] : []), 'LIMIT 100']),
  }, {
    id: 'EventsPerHour',
    name: `${t.tableName}: events per hour`,
    description: 'Events per hour of the last 7 days',
    sql: receivedAt
      ? lines([`SELECT date_trunc('hour', from_unixtime(${ident(receivedAt)} / 1000)) AS ${ident('hour')}, count(*) AS ${ident('events')}`,
        `FROM ${table}`, ...where(since('\'7\' DAY')), 'GROUP BY 1', 'ORDER BY 1'])
      : lines([`SELECT ${ident(DATE_PARTITION)} AS ${ident('hour')}, count(*) AS ${ident('events')}`,
        `FROM ${table}`, ...where(since('\'7\' DAY')), 'GROUP BY 1', 'ORDER BY 1']),
  }];

  const key = dedupKey(column);
  if (key) {
    const all = [...t.columns.map((c) => c.name), ...t.partitions.map((p) => p.name)].map(ident).join(', ');
    // Partition columns lead the window's PARTITION BY so that filters on them (dt >= ...) reach the table and prune
    // partitions: without them, every query on the view would list and read every partition.
    const partitions = t.partitions.map((p) => ident(p.name)).filter((p) => !key.expressions.includes(p));
    const order = receivedAt ? ` ORDER BY ${ident(receivedAt)}` : '';
    queries.push({
      id: 'DeduplicatedView',
      name: `${t.tableName}: create the deduplicated view`,
      description: `Creates ${t.tableName}_deduplicated: one row per ${key.explanation} within each partition`,
      sql: lines([
        `CREATE OR REPLACE VIEW ${ident(t.databaseName)}.${ident(`${t.tableName}_deduplicated`)} AS`,
        `SELECT ${all}`,
        'FROM (',
        `  SELECT *, row_number() OVER (PARTITION BY ${[...partitions, ...key.expressions].join(', ')}${order}) AS ${ident('copy')}`,
        `  FROM ${table}`,
        ')',
        `WHERE ${ident('copy')} = 1`,
      ]),
    });
  }
  return queries;
}

function dedupKey(column: (s: EnvelopeFieldSource) => string | undefined) {
  // The client's own event id, when the envelope carries one, is preferred to requestId + index.
  const eventId = column(EnvelopeFieldSource.EVENT_ID);
  const requestId = column(EnvelopeFieldSource.REQUEST_ID);
  const index = column(EnvelopeFieldSource.BATCH_INDEX);
  // Client event ids are unique per client: scope them by API key.
  const apiKeyId = column(EnvelopeFieldSource.API_KEY_ID);
  const byRequest = requestId ? [requestId, ...(index ? [index] : [])] : [];
  const scope = apiKeyId ? [ident(apiKeyId)] : [];
  if (eventId) {
    const fallback = byRequest.map((c) => `CASE WHEN ${ident(eventId)} IS NULL THEN ${ident(c)} END`);
    return {
      expressions: [...scope, ident(eventId), ...fallback],
      explanation: `${apiKeyId ? `${apiKeyId} and ` : ''}${eventId}${byRequest.length > 0 ? ` (else ${byRequest.join(' + ')})` : ''}`,
    };
  }
  if (byRequest.length === 0) return undefined;
  return { expressions: byRequest.map(ident), explanation: byRequest.join(' + ') };
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, '\'\'')}'`;
}

function lines(parts: string[]): string {
  return parts.join('\n');
}

// ------------------------------------------------------------------ constructs

/** Resolved settings of the query resources. */
export interface QuerySettings {
  readonly options: QueryOptions;
  readonly bucket: s3.IBucket;
  readonly dataOutputPrefix: string;
  readonly envelope: RecordEnvelope;
  readonly eventSchema: apigw.JsonSchema;
  /** Whether text/plain bodies are stored as JSON strings (the body column is then a string). */
  readonly bodyAsText: boolean;
  readonly timeZone?: TimeZone;
  readonly encryptionKey?: kms.IKey;
  /** The API key ids known to the construct (an `enum` projection for a partition by API key); read at synth. */
  readonly apiKeyIds: () => string[];
}

/** What `createCatalog` made. */
export interface Catalog {
  readonly database?: glue.CfnDatabase;
  readonly databaseName: string;
  readonly table: glue.CfnTable;
  readonly tableName: string;
  readonly spec: QueryTableSpec;
}

/** Glue names: lowercase letters, digits and underscores. */
const GLUE_NAME = /^[a-z0-9_]{1,255}$/;
const WORKGROUP_NAME = /^[a-zA-Z0-9._-]{1,128}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Checks the query options; `resolveQuery` calls it before anything is built. */
export function checkQueryOptions(o: QueryOptions): void {
  if (o.databaseName !== undefined && !Token.isUnresolved(o.databaseName) && !GLUE_NAME.test(o.databaseName)) {
    throw new Error(`query.databaseName must be 1-255 lowercase letters, digits or underscores, got '${o.databaseName}'.`);
  }
  if (o.tableName !== undefined && !GLUE_NAME.test(o.tableName)) {
    throw new Error(`query.tableName must be 1-255 lowercase letters, digits or underscores, got '${o.tableName}'.`);
  }
  if (o.workGroupName !== undefined && !Token.isUnresolved(o.workGroupName) && !WORKGROUP_NAME.test(o.workGroupName)) {
    throw new Error(`query.workGroupName must be 1-128 letters, digits, '.', '_' or '-', got '${o.workGroupName}'.`);
  }
  const cutoff = o.bytesScannedCutoffPerQuery;
  if (cutoff && !cutoff.isUnresolved() && cutoff.toBytes() < BYTES_SCANNED_CUTOFF_MIN) {
    throw new Error(`query.bytesScannedCutoffPerQuery must be at least 10 MB (${BYTES_SCANNED_CUTOFF_MIN} bytes), got ${cutoff.toBytes()} bytes.`);
  }
  const expiry = o.resultsExpiration;
  if (expiry && !expiry.isUnresolved() && (expiry.toHours() % 24 !== 0 || expiry.toDays() < 1)) {
    throw new Error(`query.resultsExpiration must be a whole number of days (at least 1), got ${expiry.toHumanString()}.`);
  }
  if (o.firstDay !== undefined) {
    const m = DAY.exec(o.firstDay);
    const date = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : undefined;
    if (!date || date.getUTCMonth() !== +m![2] - 1 || date.getUTCDate() !== +m![3]) {
      throw new Error(`query.firstDay must be a date as yyyy-MM-dd, got '${o.firstDay}'.`);
    }
  }
  if (o.parquetCompression && !o.parquet) {
    throw new Error('query.parquetCompression applies to Parquet output: set query.parquet to true.');
  }
}

/**
 * Creates the Glue database (unless given) and the table over the delivered events: the OpenX JSON SerDe (or
 * Parquet), a column per envelope field, the body, and partition projection matching the prefix Firehose writes.
 * Glue L1s: the alpha L2 (@aws-cdk/aws-glue-alpha) stops at 2.192.0-alpha.0, with no release for aws-cdk-lib 2.257.
 */
export function createCatalog(scope: Construct, s: QuerySettings): Catalog {
  const o = s.options;
  if (Token.isUnresolved(s.dataOutputPrefix)) throw new Error('query needs a dataOutputPrefix known at synth time, got a token.');
  const layout = partitionLayout(s.dataOutputPrefix);
  const partitionNames = new Set(layout.columns.map((p) => p.name));
  const columns = tableColumns(s.envelope, s.eventSchema, s.bodyAsText)
    // A partition key is read from the key path; the same field in the record would be a second column of that name.
    .filter((c) => !(partitionNames.has(c.name) && layout.columns.find((p) => p.name === c.name)?.kind === 'key'));
  const clash = columns.find((c) => partitionNames.has(c.name));
  if (clash) throw new Error(`query cannot add the partition column '${clash.name}': a column of that name holds the envelope field or event property.`);

  const databaseName = o.databaseName
    ?? Names.uniqueResourceName(scope, { maxLength: 128, separator: '_' }).toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const database = o.databaseName ? undefined : new glue.CfnDatabase(scope, 'Database', {
    catalogId: Aws.ACCOUNT_ID,
    databaseInput: { name: databaseName, description: 'Events delivered by cdk-api-to-firehose' },
  });
  const tableName = o.tableName ?? 'events';
  const location = (key: string) => `s3://${s.bucket.bucketName}/${key}`;
  const injected = layout.columns.filter((p) => p.kind === 'key' && keyProjection(p, s).type === 'injected').map((p) => p.name);

  const table = new glue.CfnTable(scope, 'Table', {
    catalogId: Aws.ACCOUNT_ID,
    databaseName,
    tableInput: {
      name: tableName,
      description: 'Events delivered by Firehose; partitions are projected from the S3 layout (no crawler, no MSCK REPAIR)',
      tableType: 'EXTERNAL_TABLE',
      parameters: {
        EXTERNAL: 'TRUE',
        classification: o.parquet ? 'parquet' : 'json',
        ...projectionParameters(layout, s, location(layout.template)),
      },
      partitionKeys: layout.columns.map((p) => ({
        name: p.name,
        type: 'string',
        comment: p.kind === 'date' ? `Delivery time (${p.format}, ${s.timeZone?.timezoneName ?? 'UTC'})` : `Partition key ${p.key}`,
      })),
      storageDescriptor: {
        location: location(layout.locationPrefix),
        columns: columns.map((c) => ({ name: c.name, type: c.type, comment: c.comment })),
        ...(o.parquet ? {
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        } : {
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: OPENX_JSON_SERDE },
        }),
      },
    },
  });
  if (database) table.addDependency(database);
  return {
    database,
    databaseName,
    table,
    tableName,
    spec: {
      databaseName,
      tableName,
      columns,
      partitions: layout.columns,
      fields: s.envelope.fields.map((f) => ({ source: f.source, column: f.name.toLowerCase() })),
      injected,
      timeZone: s.timeZone?.timezoneName ?? 'UTC',
    },
  };
}

/** The table properties that project every partition: no crawler, no MSCK REPAIR. */
export function projectionParameters(layout: PartitionLayout, s: QuerySettings, template: string): Record<string, string> {
  const params: Record<string, string> = { 'projection.enabled': 'true', 'storage.location.template': template };
  const [y, m, d] = (s.options.firstDay ?? '2025-01-01').split('-').map(Number);
  const utc = (s.timeZone?.timezoneName ?? 'UTC') === 'UTC';
  for (const p of layout.columns) {
    if (p.kind === 'date') {
      params[`projection.${p.name}.type`] = 'date';
      params[`projection.${p.name}.format`] = p.format!;
      // Paths are in the stream's time zone; NOW is UTC, and a zone ahead of UTC writes up to 14 hours "later".
      params[`projection.${p.name}.range`] = `${formatDate(p.format!, new Date(Date.UTC(y, m - 1, d)))},${utc ? 'NOW' : 'NOW+14HOURS'}`;
      params[`projection.${p.name}.interval`] = '1';
      params[`projection.${p.name}.interval.unit`] = p.intervalUnit!;
    } else {
      const projection = keyProjection(p, s);
      params[`projection.${p.name}.type`] = projection.type;
      if (projection.values) params[`projection.${p.name}.values`] = projection.values;
    }
  }
  return params;
}

/**
 * A partition by API key id is an `enum` of the keys this construct knows (read when the app is synthesized, so
 * tenants added later count) plus 'none'; a constant field is an `enum` of its value; any other field is
 * `injected`: queries must name its value (`WHERE column = '...'`).
 */
function keyProjection(p: PartitionColumn, s: QuerySettings): { type: 'enum' | 'injected'; values?: string } {
  const field = s.envelope.fields.find((f) => f.name === p.key);
  if (field?.source === EnvelopeFieldSource.API_KEY_ID) {
    return { type: 'enum', values: Lazy.string({ produce: () => [...s.apiKeyIds(), 'none'].join(',') }) };
  }
  if (field?.source === EnvelopeFieldSource.CONSTANT) return { type: 'enum', values: field.argument! };
  return { type: 'injected' };
}

/** What `createQuery` made. */
export interface Query {
  readonly workGroup: athena.CfnWorkGroup;
  readonly workGroupName: string;
  readonly resultsBucket: s3.Bucket;
  readonly namedQueries: athena.CfnNamedQuery[];
}

/**
 * Creates the Athena workgroup (engine version 3, enforced settings, encrypted results that expire, a cutoff on
 * bytes scanned per query) and the named queries.
 */
export function createQuery(scope: Construct, catalog: Catalog, s: QuerySettings): Query {
  const o = s.options;
  const resultsBucket = new s3.Bucket(scope, 'QueryResults', {
    encryption: s.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
    encryptionKey: s.encryptionKey,
    bucketKeyEnabled: s.encryptionKey ? true : undefined,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: o.resultsExpiration ?? Duration.days(7), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
  });
  acknowledge(resultsBucket, 'AwsSolutions-S1',
    'The bucket holds Athena query results only, written by the workgroup and expired by a lifecycle rule; '
    + 'CloudTrail records the queries that produce them.');

  const workGroupName = o.workGroupName ?? Names.uniqueResourceName(scope, { maxLength: 128, separator: '-' });
  const workGroup = new athena.CfnWorkGroup(scope, 'WorkGroup', {
    name: workGroupName,
    description: `Queries over ${catalog.databaseName}.${catalog.tableName} (cdk-api-to-firehose)`,
    state: 'ENABLED',
    // Named queries saved by users would otherwise block stack deletion.
    recursiveDeleteOption: true,
    workGroupConfiguration: {
      enforceWorkGroupConfiguration: true,
      engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
      bytesScannedCutoffPerQuery: (o.bytesScannedCutoffPerQuery ?? Size.gibibytes(10)).toBytes(),
      publishCloudWatchMetricsEnabled: true,
      resultConfiguration: {
        outputLocation: `s3://${resultsBucket.bucketName}/`,
        encryptionConfiguration: s.encryptionKey
          ? { encryptionOption: 'SSE_KMS', kmsKey: s.encryptionKey.keyArn }
          : { encryptionOption: 'SSE_S3' },
      },
    },
  });
  const queries = namedQueries(catalog.spec).map((q) => {
    const nq = new athena.CfnNamedQuery(scope, q.id, {
      name: q.name,
      description: q.description,
      database: catalog.databaseName,
      queryString: q.sql,
      workGroup: workGroup.ref,
    });
    nq.addDependency(catalog.table);
    return nq;
  });
  return { workGroup, workGroupName, resultsBucket, namedQueries: queries };
}

/** Grants what running the workgroup's queries takes: Athena, Glue (read, and the dedup view), both buckets, keys. */
export function grantQuery(grantee: iam.IGrantable, scope: Construct, catalog: Catalog, query: Query, dataBucket: s3.IBucket): iam.Grant {
  const stack = Stack.of(scope);
  const glueArn = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, resourceName });
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [
      'athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults',
      'athena:GetQueryResultsStream', 'athena:BatchGetQueryExecution', 'athena:ListQueryExecutions', 'athena:GetWorkGroup',
      'athena:GetNamedQuery', 'athena:BatchGetNamedQuery', 'athena:ListNamedQueries',
    ],
    resourceArns: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: query.workGroup.ref })],
  }).combine(iam.Grant.addToPrincipal({
    grantee,
    actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
    resourceArns: [
      glueArn('catalog'),
      glueArn('database', catalog.databaseName),
      glueArn('table', `${catalog.databaseName}/${catalog.table.ref}`),
      glueArn('table', `${catalog.databaseName}/${catalog.tableName}_deduplicated`),
    ],
  })).combine(iam.Grant.addToPrincipal({
    grantee,
    // CREATE OR REPLACE VIEW of the dedup view, and that view only.
    actions: ['glue:CreateTable', 'glue:UpdateTable'],
    resourceArns: [glueArn('catalog'), glueArn('database', catalog.databaseName), glueArn('table', `${catalog.databaseName}/${catalog.tableName}_deduplicated`)],
  }))
    .combine(dataBucket.grantRead(grantee))
    .combine(query.resultsBucket.grantRead(grantee))
    .combine(query.resultsBucket.grantPut(grantee));
}
