/**
 * The curated tables' and the erasure table's CREATE TABLE, in Athena's text (Iceberg tables are Athena's own DDL:
 * `PARTITIONED BY (day(...))`, `LOCATION`, `TBLPROPERTIES ('table_type'='ICEBERG')`) and in Trino's (`WITH (format,
 * partitioning = ARRAY['day(...)'], location)`). CloudFormation creates the tables (resources.ts); the Athena text is
 * a named query for re-creating one by hand, and the Trino text is what the tests create the same table with. Pure.
 */
import { CuratedColumn, CuratedKind, EVENT_TIME_COLUMN, athenaType, trinoType } from './kind';
import { ident, lines, literal } from '../sql';

/** Where a curated table lives: its database, name and S3 location (`s3://bucket/prefix/`). */
export interface CuratedTableName {
  readonly databaseName: string;
  readonly tableName: string;
  readonly location: string;
}

/** The erasure table: one row per erased user id; every MERGE leaves out the users it holds. */
export const ERASURE_COLUMNS: Pick<CuratedColumn, 'name' | 'type' | 'comment'>[] = [
  { name: 'user_id', type: 'string', comment: 'The erased user id' },
  { name: 'erased_at', type: 'timestamp', comment: 'When the erasure was recorded (UTC)' },
];

/** Athena's DDL of a curated table, partitioned by the day of the event's own time. */
export function athenaCreateTable(t: CuratedTableName, kind: CuratedKind): string {
  return athenaDdl(t, kind.columns, EVENT_TIME_COLUMN);
}

/** Trino's DDL of the same table. */
export function trinoCreateTable(t: CuratedTableName, kind: CuratedKind): string {
  return trinoDdl(t, kind.columns, EVENT_TIME_COLUMN);
}

/** Athena's DDL of the erasure table. */
export function athenaCreateErasureTable(t: CuratedTableName): string {
  return athenaDdl(t, ERASURE_COLUMNS);
}

/** Trino's DDL of the erasure table. */
export function trinoCreateErasureTable(t: CuratedTableName): string {
  return trinoDdl(t, ERASURE_COLUMNS);
}

type Column = Pick<CuratedColumn, 'name' | 'type' | 'comment'>;

function athenaDdl(t: CuratedTableName, columns: Column[], dayOf?: string): string {
  // Athena's Iceberg DDL takes backquoted identifiers (double quotes are for DML).
  const q = (name: string) => `\`${name}\``;
  return lines([
    `CREATE TABLE ${q(t.databaseName)}.${q(t.tableName)} (`,
    columns.map((c) => `  ${q(c.name)} ${athenaType(c.type)} COMMENT ${literal(c.comment)}`).join(',\n'),
    ')',
    ...(dayOf ? [`PARTITIONED BY (day(${q(dayOf)}))`] : []),
    `LOCATION ${literal(t.location)}`,
    'TBLPROPERTIES (\'table_type\'=\'ICEBERG\', \'format\'=\'parquet\', \'write_compression\'=\'zstd\')',
  ]);
}

function trinoDdl(t: CuratedTableName, columns: Column[], dayOf?: string): string {
  return lines([
    `CREATE TABLE ${ident(t.databaseName)}.${ident(t.tableName)} (`,
    columns.map((c) => `  ${ident(c.name)} ${trinoType(c.type)} COMMENT ${literal(c.comment)}`).join(',\n'),
    ')',
    `WITH (format = 'PARQUET', ${dayOf ? `partitioning = ARRAY[${literal(`day(${dayOf})`)}], ` : ''}location = ${literal(t.location)})`,
  ]);
}
