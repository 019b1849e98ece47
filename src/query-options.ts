import { Duration, Size, aws_kinesisfirehose as firehose } from 'aws-cdk-lib';
import { CuratedOptions } from './curated-options';

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
  /**
   * Curated tables: typed, deduplicated Iceberg tables per kind of event, kept by a scheduled MERGE, with erasure by
   * user id. Not with `parquet` (the MERGE reads the JSON Lines table).
   * @default - none
   */
  readonly curated?: CuratedOptions;
}
