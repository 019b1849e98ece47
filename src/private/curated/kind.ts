/**
 * What a curated table is made of: its typed columns and, for each, the SQL expression that reads it from one raw
 * line. Each kind of event (the construct's own events, Segment, OTLP logs, Snowplow) is one `CuratedKind`, written in
 * its own file; the statements (ddl.ts, merge.ts, erasure.ts, upkeep.ts) are built from kinds alone. Pure.
 */
import { ColumnRole } from '../field-kinds';
import { ident, literal } from '../sql';

/** A curated column's type; each engine spells it its own way (`typeIn`). */
export type CuratedType = 'string' | 'bigint' | 'int' | 'double' | 'boolean' | 'timestamp' | 'map';

/** One column of a curated table and the SQL that reads it from a raw line (the raw table's columns, unqualified). */
export interface CuratedColumn {
  readonly name: string;
  readonly type: CuratedType;
  readonly comment: string;
  readonly expression: string;
}

/**
 * Every curated table has these columns, which the statements rely on: `event_key` (what the MERGE matches on: the
 * event's own id, or for events without one what distinguishes the line: request id + index), `event_time` (the
 * event's own time: its day partitions the table), `received_at` (the first copy received wins) and `user_id`
 * (what an erasure deletes by).
 */
export const KEY_COLUMN = 'event_key';
export const EVENT_TIME_COLUMN = 'event_time';
export const RECEIVED_AT_COLUMN = 'received_at';
export const USER_ID_COLUMN = 'user_id';

/** One kind of event and its curated table. */
export interface CuratedKind {
  /** The table name's suffix and the named queries' label, e.g. `segment`. */
  readonly id: string;
  readonly description: string;
  /** The condition that selects this kind's raw lines (e.g. `"input" = 'segment'`). */
  readonly filter?: string;
  /** The columns, the four common ones included. */
  readonly columns: CuratedColumn[];
}

/** What a kind needs to know about the raw (events) table. */
export interface RawTable {
  readonly databaseName: string;
  readonly tableName: string;
  /** The body column, and whether its type is a JSON string (else a struct, read back as JSON text). */
  readonly bodyColumn: string;
  readonly bodyIsText: boolean;
  /** The column holding each envelope field with a meaning here. */
  readonly roles: { readonly role: ColumnRole; readonly column: string }[];
  /** Whether the table has the inputs' `input` column. */
  readonly hasInputColumn: boolean;
}

/** SQL helpers over one raw line, shared by the kinds. */
export class RawLine {
  constructor(public readonly raw: RawTable) {}

  /** The column of an envelope role, quoted, or undefined. */
  public role(role: ColumnRole): string | undefined {
    const c = this.raw.roles.find((r) => r.role === role)?.column;
    return c ? ident(c) : undefined;
  }

  /** The body as JSON text. */
  public get body(): string {
    const b = ident(this.raw.bodyColumn);
    return this.raw.bodyIsText ? b : `json_format(CAST(${b} AS json))`;
  }

  /** A scalar of the body by JSON path (`$.a.b`), as text. */
  public scalar(path: string, of = this.body): string {
    return `json_extract_scalar(${of}, ${literal(path)})`;
  }

  /** A member of the body by JSON path, as JSON text (null when absent). */
  public json(path: string, of = this.body): string {
    return `json_format(json_extract(${of}, ${literal(path)}))`;
  }

  /** When the request was received, as a UTC timestamp. */
  public get receivedAt(): string {
    return utcTimestamp(`from_unixtime(${this.role(ColumnRole.RECEIVED_AT)} / 1e3)`);
  }

  public get requestId(): string {
    return this.role(ColumnRole.REQUEST)!;
  }

  /**
   * The key of a line without an event id: its request id and its position in the request (never merged with
   * another event: a retried request has a new request id).
   */
  public get lineKey(): string {
    const index = this.role(ColumnRole.INDEX);
    return `concat('r:', ${this.requestId}, ':', ${index ? `coalesce(CAST(${index} AS varchar), '-')` : '\'-\''})`;
  }

  /** The key of an event with an id (scoped by the API key, ids being unique per client), else the line's key. */
  public idKey(id: string): string {
    const scope = this.role(ColumnRole.SCOPE);
    return `coalesce(concat('e:', ${scope ? `coalesce(${scope}, '')` : '\'\''}, ':', ${id}), ${this.lineKey})`;
  }

  /** The lines of one input (`input` column), or the construct's own lines (no `input`). */
  public input(name?: string): string | undefined {
    if (!this.raw.hasInputColumn) return undefined;
    return name ? `"input" = ${literal(name)}` : '"input" IS NULL';
  }
}

/** A timestamp with time zone as a UTC timestamp(6) (Iceberg's `timestamp`, which Athena writes and reads). */
export function utcTimestamp(withZone: string): string {
  return `CAST(${withZone} AT TIME ZONE 'UTC' AS timestamp(6))`;
}

/** Nanoseconds since the epoch held as text (OTLP's JSON mapping), 0 or absent meaning unset, as a UTC timestamp. */
export function fromNanosText(text: string): string {
  return utcTimestamp(`from_unixtime_nanos(CAST(nullif(try_cast(${text} AS decimal(20, 0)), 0) AS decimal(20, 0)))`);
}

/** Epoch milliseconds held as text (Snowplow's dtm, stm, ttm) as a UTC timestamp, null when not a number. */
export function fromMillisText(text: string): string {
  return utcTimestamp(`from_unixtime(try_cast(${text} AS double) / 1e3)`);
}

/** The common columns every kind starts with. */
export function commonColumns(line: RawLine, key: string, eventTime: string, userId: string): CuratedColumn[] {
  return [
    { name: KEY_COLUMN, type: 'string', comment: 'What identifies the event: its own id, else its request id and position', expression: key },
    { name: EVENT_TIME_COLUMN, type: 'timestamp', comment: 'The event\'s own time (UTC), else when it was received; the table is partitioned by its day', expression: `coalesce(${eventTime}, ${line.receivedAt})` },
    { name: RECEIVED_AT_COLUMN, type: 'timestamp', comment: 'When the API received it (UTC)', expression: line.receivedAt },
    { name: 'request_id', type: 'string', comment: 'The API request that carried it', expression: line.requestId },
    { name: USER_ID_COLUMN, type: 'string', comment: 'The user an erasure deletes by', expression: userId },
  ];
}

/** A column's type in Athena's DDL (Hive names). */
export function athenaType(t: CuratedType): string {
  return { string: 'string', bigint: 'bigint', int: 'int', double: 'double', boolean: 'boolean', timestamp: 'timestamp', map: 'map<string,string>' }[t];
}

/** A column's type in Trino. */
export function trinoType(t: CuratedType): string {
  return { string: 'varchar', bigint: 'bigint', int: 'integer', double: 'double', boolean: 'boolean', timestamp: 'timestamp(6)', map: 'map(varchar, varchar)' }[t];
}
