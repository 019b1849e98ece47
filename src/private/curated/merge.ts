/**
 * The MERGE that keeps a curated table: the raw lines of the last `lookbackHours` (partition pruned) read as typed
 * columns, one row per event key (the first received), less the erased users, inserted where the table does not
 * hold the key yet. It matches on the key over the whole table, so a retried batch in any hour, however late, gives
 * one row; windows overlap from run to run, so a file delivered after a run is merged by the next. Athena and Trino
 * read it alike. Pure.
 */
import { CuratedKind, KEY_COLUMN, RECEIVED_AT_COLUMN, USER_ID_COLUMN } from './kind';
import { ident, lines, literal } from '../sql';

/** The raw table's date partition: its column and format (e.g. `dt`, `yyyy/MM/dd/HH`), in the stream's time zone. */
export interface RawWindow {
  readonly column: string;
  readonly format: string;
  readonly timeZone: string;
}

export interface MergeSpec {
  /** The raw table, quoted and qualified. */
  readonly raw: string;
  /** The curated table, quoted and qualified. */
  readonly target: string;
  /** The erasure table, quoted and qualified. */
  readonly erasures: string;
  /** The raw table's date partition (undefined: no date partition, every line is read). */
  readonly window?: RawWindow;
  readonly lookbackHours: number;
}

export function mergeStatement(kind: CuratedKind, m: MergeSpec): string {
  const names = kind.columns.map((c) => ident(c.name));
  const conditions = [
    ...(m.window ? [`${ident(m.window.column)} >= format_datetime((current_timestamp AT TIME ZONE ${literal(m.window.timeZone)}) - INTERVAL '${m.lookbackHours}' HOUR, ${literal(m.window.format)})`] : []),
    ...(kind.filter ? [kind.filter] : []),
  ];
  return lines([
    `MERGE INTO ${m.target} AS "t"`,
    'USING (',
    `  SELECT ${names.join(', ')}`,
    '  FROM (',
    `    SELECT *, row_number() OVER (PARTITION BY ${ident(KEY_COLUMN)} ORDER BY ${ident(RECEIVED_AT_COLUMN)}) AS "copy"`,
    '    FROM (',
    '      SELECT',
    kind.columns.map((c) => `        ${c.expression} AS ${ident(c.name)}`).join(',\n'),
    `      FROM ${m.raw}`,
    ...(conditions.length > 0 ? [`      WHERE ${conditions.join('\n        AND ')}`] : []),
    '    )',
    '  ) AS "l"',
    `  WHERE "copy" = 1 AND NOT EXISTS (SELECT 1 FROM ${m.erasures} AS "e" WHERE "e".${ident(USER_ID_COLUMN)} = "l".${ident(USER_ID_COLUMN)})`,
    ') AS "s"',
    `ON "t".${ident(KEY_COLUMN)} = "s".${ident(KEY_COLUMN)}`,
    `WHEN NOT MATCHED THEN INSERT (${names.join(', ')})`,
    `  VALUES (${kind.columns.map((c) => `"s".${ident(c.name)}`).join(', ')})`,
  ]);
}
