/**
 * The SQL of the named queries (Athena engine version 3, which is Trino): recent events, events per hour, and the
 * deduplicated view. Pure: the table's description in, SQL text out.
 */
import { ColumnRole } from './field-kinds';
import { DATE_PARTITION, PartitionColumn } from './projection';
import { TableColumn } from './table';

/** What the SQL of the named queries needs to know about the table. */
export interface QueryTableSpec {
  readonly databaseName: string;
  readonly tableName: string;
  readonly columns: TableColumn[];
  readonly partitions: PartitionColumn[];
  /** The column (data or partition) that holds each envelope field with a meaning to the queries. */
  readonly roles: { readonly role: ColumnRole; readonly column: string }[];
  /** Partition columns whose values the query must name (`injected` projection). */
  readonly injected: string[];
  /** The stream's time zone name. */
  readonly timeZone: string;
  /** The body's column (RAW: none). */
  readonly body?: TableColumn;
  /**
   * The routes that write several events for one request (the batch route, each input), named for the warning
   * given when the envelope cannot tell those events apart. Empty: every request holds one event.
   */
  readonly multiEventRoutes: string[];
}

/** A named query: its name, description and SQL. */
export interface NamedQuerySpec {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly sql: string;
  /** The view the query creates (or replaces), if it creates one: its grantees may read and replace it. */
  readonly view?: string;
}

/** The SQL of the named queries: recent events, events per hour, and the deduplicated view (when a key exists). */
export function namedQueries(t: QueryTableSpec): NamedQuerySpec[] {
  const table = `${ident(t.databaseName)}.${ident(t.tableName)}`;
  const column = (role: ColumnRole) => t.roles.find((f) => f.role === role)?.column;
  const receivedAt = column(ColumnRole.RECEIVED_AT);
  const date = t.partitions.find((p) => p.kind === 'date');
  const since = (interval: string) => recentPartitions(t, interval);
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

  const key = deduplicationKey(t);
  if ('expressions' in key) {
    const all = [...t.columns.map((c) => c.name), ...t.partitions.map((p) => p.name)].map(ident).join(', ');
    // Partition columns lead the window's PARTITION BY so that filters on them (dt >= ...) reach the table and prune
    // partitions: without them, every query on the view would list and read every partition.
    const partitions = t.partitions.map((p) => ident(p.name)).filter((p) => !key.expressions.includes(p));
    const order = receivedAt ? ` ORDER BY ${ident(receivedAt)}` : '';
    queries.push({
      id: 'DeduplicatedView',
      name: `${t.tableName}: create the deduplicated view`,
      view: `${t.tableName}_deduplicated`,
      description: `Creates ${t.tableName}_deduplicated: one row per ${key.explanation} within each partition. `
        + 'Only copies of one event share this key (a redelivered record, a client\'s retry), never two distinct events',
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

/**
 * The conditions that keep a query to the partitions of the last `interval` (an SQL interval literal, such as
 * `'1' HOUR`): the date partition from that long ago on, in the stream's time zone, and a `?` for each injected
 * partition. Without them Athena lists and reads every partition since firstDay.
 */
export function recentPartitions(t: QueryTableSpec, interval: string): string[] {
  const date = t.partitions.find((p) => p.kind === 'date');
  return [
    ...(date ? [`${ident(DATE_PARTITION)} >= format_datetime((current_timestamp AT TIME ZONE ${literal(t.timeZone)}) - INTERVAL ${interval}, ${literal(date.format!)})`] : []),
    ...t.injected.map((c) => `${ident(c)} = ?`),
  ];
}

/** A WHERE clause of these conditions (none: no clause), as lines. */
export function where(conditions: string[]): string[] {
  return conditions.length > 0 ? [`WHERE ${conditions.join('\n  AND ')}`] : [];
}

/** The key of the deduplicated view, or why there is none. */
export type DeduplicationKey =
  | { readonly expressions: string[]; readonly explanation: string }
  | { readonly refusal: string };

/**
 * The key of the deduplicated view: one that two distinct events never share, or the reason there is none (the
 * view is then not created: a view that merges distinct events loses them silently, which is worse than no view).
 *
 * - The client's event id, scoped by the API key when there is one: copies of an event share it, whichever request
 *   brought them (a client's retry is a new request).
 * - Without an event id (no such field, or an event without a valid id: OTLP and shipper lines never have one):
 *   the request id, which API Gateway makes unique per request, and the event's position in it (`batchIndex`),
 *   which tells the events of one request apart; a redelivered record repeats both.
 * - The position is needed only where a request may hold several events: the batch route and the inputs. Without
 *   it there, or without a request id at all, no key tells two events of one request apart: no view.
 */
export function deduplicationKey(t: QueryTableSpec): DeduplicationKey {
  const column = (role: ColumnRole) => t.roles.find((f) => f.role === role)?.column;
  const eventId = column(ColumnRole.EVENT_ID);
  const requestId = column(ColumnRole.REQUEST);
  const index = column(ColumnRole.INDEX);
  // Client event ids are unique per client: scope them by API key.
  const apiKeyId = column(ColumnRole.SCOPE);
  const several = t.multiEventRoutes.length > 0;
  const r = t.multiEventRoutes;
  const routes = r.length > 1 ? `${r.slice(0, -1).join(', ')} and ${r[r.length - 1]} write` : `${r[0]} writes`;
  if (t.body === undefined) {
    return {
      refusal: 'RecordEnvelope.RAW records carry no request id to tell events apart: use an envelope with '
        + `EnvelopeField.requestId()${several ? ' and EnvelopeField.batchIndex()' : ''} to get it`,
    };
  }
  if (!requestId) {
    const add = several ? 'EnvelopeField.requestId() and EnvelopeField.batchIndex()' : 'EnvelopeField.requestId()';
    const which = eventId ? 'events without a valid event id' : 'events';
    return { refusal: `the envelope has no request id, so nothing tells distinct ${which} apart: add ${add} to the envelope to get it` };
  }
  if (several && !index) {
    return {
      refusal: `${routes} several events for one request, and the envelope has no batch index to tell them apart`
        + `${eventId ? ' when they carry no valid event id' : ''}: add EnvelopeField.batchIndex() to the envelope to get it`,
    };
  }
  const byRequest = [requestId, ...(index ? [index] : [])];
  if (eventId) {
    const scope = apiKeyId ? [ident(apiKeyId)] : [];
    const fallback = byRequest.map((c) => `CASE WHEN ${ident(eventId)} IS NULL THEN ${ident(c)} END`);
    return {
      expressions: [...scope, ident(eventId), ...fallback],
      explanation: `${apiKeyId ? `${apiKeyId} and ` : ''}${eventId} (events without one: ${byRequest.join(' + ')})`,
    };
  }
  return { expressions: byRequest.map(ident), explanation: byRequest.join(' + ') };
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function literal(value: string): string {
  return `'${value.replace(/'/g, '\'\'')}'`;
}

export function lines(parts: string[]): string {
  return parts.join('\n');
}
