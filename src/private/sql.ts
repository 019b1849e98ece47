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
  const column = (role: ColumnRole) => t.roles.find((f) => f.role === role)?.column;
  const receivedAt = column(ColumnRole.RECEIVED_AT);
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

function dedupKey(column: (role: ColumnRole) => string | undefined) {
  // The client's own event id, when the envelope carries one, is preferred to requestId + index.
  const eventId = column(ColumnRole.EVENT_ID);
  const requestId = column(ColumnRole.REQUEST);
  const index = column(ColumnRole.INDEX);
  // Client event ids are unique per client: scope them by API key.
  const apiKeyId = column(ColumnRole.SCOPE);
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

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function literal(value: string): string {
  return `'${value.replace(/'/g, '\'\'')}'`;
}

export function lines(parts: string[]): string {
  return parts.join('\n');
}
