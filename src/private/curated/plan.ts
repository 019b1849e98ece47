/**
 * The curated layer's tables and statements, from the events table's description and the resolved options: which
 * kinds of event get a table (the construct's own events, then one per input that has one), their names and
 * locations, and every statement the schedules run. Pure: the construct (resources.ts) and the tests read this.
 */
import { Duration } from 'aws-cdk-lib';
import { athenaCreateErasureTable, athenaCreateTable } from './ddl';
import { eraseStatement, recordErasureStatement } from './erasure';
import { CuratedKind, RawLine } from './kind';
import { RawWindow, mergeStatement } from './merge';
import { otlpLogsKind } from './otlp-logs';
import { otlpMetricsKind } from './otlp-metrics';
import { otlpSpansKind } from './otlp-spans';
import { ownEventsKind } from './own-events';
import { segmentKind } from './segment';
import { snowplowKind } from './snowplow';
import { athenaOptimize, athenaVacuum } from './upkeep';
import { DATE_PARTITION } from '../projection';
import { QueryTableSpec, ident } from '../sql';

/** Resolved curated options (curated-options.ts has the defaults' reasons). */
export interface CuratedSettings {
  readonly schedule: Duration;
  readonly lookback: Duration;
  readonly upkeepSchedule: Duration;
  readonly snapshotRetention: Duration;
  readonly userIdProperty: string;
  readonly rawRetention?: Duration;
  readonly tablePrefix: string;
  /** The kinds of event the inputs served write (`segment`, `otlp_logs`, `otlp_traces`, ...: Input's curated kinds). */
  readonly inputKinds: string[];
}

/** One curated table and its statements (Athena's text). */
export interface CuratedTable {
  readonly kind: CuratedKind;
  readonly tableName: string;
  /** `s3://bucket/curated/<table>/`. */
  readonly location: string;
  readonly createTable: string;
  readonly merge: string;
  readonly erase: string;
  readonly optimize: string;
  readonly vacuum: string;
}

export interface CuratedPlan {
  readonly tables: CuratedTable[];
  readonly erasures: { readonly tableName: string; readonly location: string; readonly createTable: string; readonly record: string };
}

/** The curated table of each kind of event the inputs write (kinds not listed, the shippers' lines, have none yet). */
const INPUT_KINDS: Record<string, (line: RawLine) => CuratedKind> = {
  segment: segmentKind,
  otlp_logs: otlpLogsKind,
  otlp_traces: otlpSpansKind,
  otlp_metrics: otlpMetricsKind,
  snowplow: snowplowKind,
};

export function planCurated(spec: QueryTableSpec, s: CuratedSettings, bucketName: string): CuratedPlan {
  const line = new RawLine({
    databaseName: spec.databaseName,
    tableName: spec.tableName,
    bodyColumn: spec.body!.name,
    bodyIsText: spec.body!.type === 'string',
    roles: spec.roles,
    hasInputColumn: s.inputKinds.length > 0,
  });
  const kinds = [ownEventsKind(line, s.userIdProperty), ...s.inputKinds.filter((i) => INPUT_KINDS[i]).map((i) => INPUT_KINDS[i](line))];
  const qualified = (table: string) => `${ident(spec.databaseName)}.${ident(table)}`;
  const location = (table: string) => `s3://${bucketName}/curated/${table}/`;
  const erasureName = `${s.tablePrefix}erasures`;
  const date = spec.partitions.find((p) => p.kind === 'date');
  const window: RawWindow | undefined = date ? { column: DATE_PARTITION, format: date.format!, timeZone: spec.timeZone } : undefined;
  return {
    tables: kinds.map((kind) => {
      const tableName = `${s.tablePrefix}${kind.id}`;
      const target = qualified(tableName);
      return {
        kind,
        tableName,
        location: location(tableName),
        createTable: athenaCreateTable({ databaseName: spec.databaseName, tableName, location: location(tableName) }, kind),
        merge: mergeStatement(kind, {
          raw: qualified(spec.tableName), target, erasures: qualified(erasureName), window, lookbackHours: s.lookback.toHours(),
        }),
        erase: eraseStatement(target),
        optimize: athenaOptimize(target),
        vacuum: athenaVacuum(target),
      };
    }),
    erasures: {
      tableName: erasureName,
      location: location(erasureName),
      createTable: athenaCreateErasureTable({ databaseName: spec.databaseName, tableName: erasureName, location: location(erasureName) }),
      record: recordErasureStatement(qualified(erasureName)),
    },
  };
}
