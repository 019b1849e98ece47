import {
  Aws, Duration, Lazy, Size, aws_glue as glue, aws_kinesisfirehose as firehose, aws_kms as kms, aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CuratedSettings } from './curated/plan';
import { kindOf } from './field-kinds';
import { InputTable } from './input-settings';
import { PartitionColumn, formatDate } from './projection';
import { QueryTableSpec } from './sql';
import { TablePlan } from './table';
import { RecordEnvelope } from '../record-envelope';

/** The SerDe Athena reads JSON Lines with. */
export const OPENX_JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';

/** Resolved settings of the query resources (query-options.ts has the defaults' reasons). */
export interface QuerySettings {
  /** The Glue database's name, and whether this construct creates it. */
  readonly databaseName: string;
  readonly createDatabase: boolean;
  readonly tableName: string;
  readonly workGroupName: string;
  readonly bytesScannedCutoffPerQuery: Size;
  readonly resultsExpiration: Duration;
  /** The first day partition projection lists, yyyy-MM-dd. */
  readonly firstDay: string;
  /** Parquet output and its compression. */
  readonly parquet?: firehose.ParquetCompression;
  /** The columns and partitions, planned and checked. */
  readonly plan: TablePlan;
  readonly envelope: RecordEnvelope;
  /** The stream's time zone name ('UTC' unless set). */
  readonly timeZoneName: string;
  readonly encryptionKey?: kms.IKey;
  /** What the inputs add to the table (their named queries). */
  readonly inputTables: InputTable[];
  /** The routes that write several events for one request (the deduplicated view's key must tell them apart). */
  readonly multiEventRoutes: string[];
  /** The curated tables, when asked for. */
  readonly curated?: CuratedSettings;
}

/** What `createCatalog` made. */
export interface Catalog {
  readonly database?: glue.CfnDatabase;
  readonly databaseName: string;
  readonly table: glue.CfnTable;
  readonly tableName: string;
  readonly spec: QueryTableSpec;
}

/**
 * Creates the Glue database (unless given) and the table over the delivered events: the OpenX JSON SerDe (or
 * Parquet), a column per envelope field, the body, and partition projection matching the prefix Firehose writes.
 * Glue L1s: the alpha L2 (@aws-cdk/aws-glue-alpha) stops at 2.192.0-alpha.0, with no release for aws-cdk-lib 2.257.
 * `apiKeyIds` is read when the app is synthesized, so tenants added later are projected too.
 */
export function createCatalog(scope: Construct, s: QuerySettings, bucket: s3.IBucket, apiKeyIds: () => string[]): Catalog {
  const { plan, databaseName, tableName } = s;
  const { layout, columns } = plan;
  const database = s.createDatabase ? new glue.CfnDatabase(scope, 'Database', {
    catalogId: Aws.ACCOUNT_ID,
    databaseInput: { name: databaseName, description: 'Events delivered by cdk-api-to-firehose' },
  }) : undefined;
  const location = (key: string) => `s3://${bucket.bucketName}/${key}`;
  const injected = layout.columns.filter((p) => p.kind === 'key' && keyProjection(p, s, apiKeyIds).type === 'injected').map((p) => p.name);

  const table = new glue.CfnTable(scope, 'Table', {
    catalogId: Aws.ACCOUNT_ID,
    databaseName,
    tableInput: {
      name: tableName,
      description: 'Events delivered by Firehose; partitions are projected from the S3 layout (no crawler, no MSCK REPAIR)',
      tableType: 'EXTERNAL_TABLE',
      parameters: {
        EXTERNAL: 'TRUE',
        classification: s.parquet ? 'parquet' : 'json',
        ...projectionParameters(s, apiKeyIds, location(layout.template)),
      },
      partitionKeys: layout.columns.map((p) => ({
        name: p.name,
        type: 'string',
        comment: p.kind === 'date' ? `Delivery time (${p.format}, ${s.timeZoneName})` : `Partition key ${p.key}`,
      })),
      storageDescriptor: {
        location: location(layout.locationPrefix),
        columns: columns.map((c) => ({ name: c.name, type: c.type, comment: c.comment })),
        ...(s.parquet ? {
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
      roles: plan.roles,
      injected,
      timeZone: s.timeZoneName,
      body: plan.body,
      multiEventRoutes: s.multiEventRoutes,
    },
  };
}

/** The table properties that project every partition: no crawler, no MSCK REPAIR. */
function projectionParameters(s: QuerySettings, apiKeyIds: () => string[], template: string): Record<string, string> {
  const params: Record<string, string> = { 'projection.enabled': 'true', 'storage.location.template': template };
  const [y, m, d] = s.firstDay.split('-').map(Number);
  const utc = s.timeZoneName === 'UTC';
  for (const p of s.plan.layout.columns) {
    if (p.kind === 'date') {
      params[`projection.${p.name}.type`] = 'date';
      params[`projection.${p.name}.format`] = p.format!;
      // Paths are in the stream's time zone; NOW is UTC, and a zone ahead of UTC writes up to 14 hours "later".
      params[`projection.${p.name}.range`] = `${formatDate(p.format!, new Date(Date.UTC(y, m - 1, d)))},${utc ? 'NOW' : 'NOW+14HOURS'}`;
      params[`projection.${p.name}.interval`] = '1';
      params[`projection.${p.name}.interval.unit`] = p.intervalUnit!;
    } else {
      const projection = keyProjection(p, s, apiKeyIds);
      params[`projection.${p.name}.type`] = projection.type;
      if (projection.values) params[`projection.${p.name}.values`] = Lazy.string({ produce: projection.values });
    }
  }
  return params;
}

/** How a partition by an envelope field is projected: the field's kind decides (`enum` of known values, or `injected`). */
function keyProjection(p: PartitionColumn, s: QuerySettings, apiKeyIds: () => string[]) {
  const field = s.envelope.fields.find((f) => f.name === p.key);
  return field ? kindOf(field).projection(field, apiKeyIds) : { type: 'injected' as const };
}
