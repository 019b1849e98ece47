import { athenaCreateErasureTable, trinoCreateErasureTable } from '../../../src/private/curated/ddl';
import { athenaOptimize, athenaVacuum, trinoExpireSnapshots, trinoOptimize } from '../../../src/private/curated/upkeep';

/**
 * Athena's own DDL and upkeep statements, which no local engine runs (the e2e test runs Trino's equivalents): their
 * text as the template holds it, beside Trino's.
 */
const table = { databaseName: 'db', tableName: 'events_curated_erasures', location: 's3://bucket/curated/events_curated_erasures/' };

test('Athena creates an Iceberg table with backquoted names, Hive types and TBLPROPERTIES; Trino with WITH (...)', () => {
  expect(athenaCreateErasureTable(table)).toBe([
    'CREATE TABLE `db`.`events_curated_erasures` (',
    '  `user_id` string COMMENT \'The erased user id\',',
    '  `erased_at` timestamp COMMENT \'When the erasure was recorded (UTC)\'',
    ')',
    'LOCATION \'s3://bucket/curated/events_curated_erasures/\'',
    'TBLPROPERTIES (\'table_type\'=\'ICEBERG\', \'format\'=\'parquet\', \'write_compression\'=\'zstd\')',
  ].join('\n'));
  expect(trinoCreateErasureTable(table)).toBe([
    'CREATE TABLE "db"."events_curated_erasures" (',
    '  "user_id" varchar COMMENT \'The erased user id\',',
    '  "erased_at" timestamp(6) COMMENT \'When the erasure was recorded (UTC)\'',
    ')',
    'WITH (format = \'PARQUET\', location = \'s3://bucket/curated/events_curated_erasures/\')',
  ].join('\n'));
});

test('upkeep: Athena\'s OPTIMIZE and VACUUM, Trino\'s table procedures', () => {
  expect(athenaOptimize('"db"."t"')).toBe('OPTIMIZE "db"."t" REWRITE DATA USING BIN_PACK');
  expect(athenaVacuum('"db"."t"')).toBe('VACUUM "db"."t"');
  expect(trinoOptimize('"db"."t"')).toBe('ALTER TABLE "db"."t" EXECUTE optimize');
  expect(trinoExpireSnapshots('"db"."t"', '7d')).toBe('ALTER TABLE "db"."t" EXECUTE expire_snapshots(retention_threshold => \'7d\')');
});
