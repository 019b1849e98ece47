/**
 * What the OTLP input adds to the events table: its members as columns and, for the signals it serves, views that
 * read its lines as a user of traces and metrics expects (spans with service, kind, status, times and duration; metric
 * points with name, type, value and unit; attributes as maps to filter on), with named queries over the spans.
 * Pure: the table's description in, SQL text out (Athena engine version 3, which is Trino).
 */
import { ColumnRole } from '../field-kinds';
import { INPUT_COLUMN, InputTable } from '../input-settings';
import { NamedQuerySpec, QueryTableSpec, ident, lines, literal, recentPartitions, where } from '../sql';

/** The members of OTLP lines, as the columns the table gives them (JSON text). */
const MEMBER_COLUMNS: [string, string][] = [
  ['signal', 'OTLP: the line\'s signal (traces, metrics or logs)'],
  ['resource', 'OTLP: the item\'s resource (JSON text)'],
  ['scope', 'OTLP: its instrumentation scope (JSON text)'],
];
const METRIC_COLUMN: [string, string] = ['metric', 'OTLP: the data point\'s metric: name, unit, type, ... (JSON text)'];

/**
 * An OTLP `KeyValue` list (an SQL expression of type JSON, such as `json_extract("body", '$.attributes')`) as a
 * MAP(VARCHAR, VARCHAR): each value as its scalar's text (a string, an int64 as sent, a double, a bool, base64 bytes),
 * an array or kvlist value as its JSON text. The first of two entries with one key wins (a map cannot hold both;
 * map_from_entries fails on a repeated key), entries without a key are left out, and a list that is not an array
 * reads as an empty map: no line can fail a query (or a curated table's merge) through its attributes.
 */
export function attributesMap(list: string): string {
  const value = (field: string) => `json_extract_scalar(a, ${literal(`$.value.${field}`)})`;
  const entries = `coalesce(try_cast(${list} AS ARRAY(JSON)), CAST(ARRAY[] AS ARRAY(JSON)))`;
  return 'transform_values(multimap_from_entries(transform('
    + `filter(${entries}, a -> json_extract_scalar(a, '$.key') IS NOT NULL), `
    + `a -> ROW(json_extract_scalar(a, '$.key'), coalesce(${['stringValue', 'intValue', 'doubleValue', 'boolValue', 'bytesValue'].map(value).join(', ')}, `
    + 'json_format(json_extract(a, \'$.value\')))))), (k, v) -> element_at(v, 1))';
}

/** An OTLP enum (its number, or its name with `prefix`) as its short name; absent: the enum's zero. */
function enumName(text: string, prefix: string, names: string[]): string {
  return `CASE regexp_replace(coalesce(${text}, '0'), ${literal(`^${prefix}`)}, '') `
    + `${names.map((n, i) => `WHEN ${literal(String(i))} THEN ${literal(n)}`).join(' ')} ELSE regexp_replace(${text}, ${literal(`^${prefix}`)}, '') END`;
}

/** A span's kind (its `kind` as text) as INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER or UNSPECIFIED. */
export const spanKind = (text: string) => enumName(text, 'SPAN_KIND_', ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER']);
/** A span's status code (its `status.code` as text) as UNSET, OK or ERROR. */
export const statusCode = (text: string) => enumName(text, 'STATUS_CODE_', ['UNSET', 'OK', 'ERROR']);
/** A metric's aggregation temporality as DELTA, CUMULATIVE or UNSPECIFIED (gauges, summaries). */
export const temporality = (text: string) => enumName(text, 'AGGREGATION_TEMPORALITY_', ['UNSPECIFIED', 'DELTA', 'CUMULATIVE']);
/** A span's duration in milliseconds (a double) from its start and end nanoseconds as text; null when either is not an integer. */
export const durationMs = (start: string, end: string) => `try((CAST(${end} AS BIGINT) - CAST(${start} AS BIGINT)) / 1e6)`;

/** A fixed64 nanosecond time (a JSON string or number) as a timestamp; null when absent or not a number. */
function nanosTime(text: string): string {
  return `try(from_unixtime_nanos(CAST(${text} AS BIGINT)))`;
}

/** One OTLP view: its name, the columns it derives from a line, and what tells copies of one item apart. */
interface OtlpView {
  readonly id: string;
  readonly suffix: string;
  readonly title: string;
  readonly signal: 'traces' | 'metrics';
  readonly what: string;
  /** Derived columns: [column, SQL over the line's columns]. */
  readonly columns: (body: string) => [string, string][];
  /** The item's identity (besides the partitions and the API key), as column names: copies of one item share it. */
  readonly identity: string[];
  /** Columns computed for the identity only (not in the view): [column, SQL over the line's columns]. */
  readonly keyOnly: (body: string) => [string, string][];
  /** Rows whose identity is incomplete are all kept (never merged): SQL true for such a row. */
  readonly incomplete: string;
}

const j = (body: string, path: string) => `json_extract_scalar(${body}, ${literal(path)})`;
const resourceAndScope: [string, string][] = [
  ['resource_attributes', attributesMap('json_extract("resource", \'$.attributes\')')],
  ['scope_name', j('"scope"', '$.name')],
  ['scope_version', j('"scope"', '$.version')],
];

const SPANS: OtlpView = {
  id: 'OtlpSpansView',
  suffix: 'otlp_spans',
  title: 'OTLP spans',
  signal: 'traces',
  what: 'OTLP spans: service, name, kind, status, start time and duration in milliseconds, attributes as a map; one row per trace and span id',
  columns: (b) => [
    ['name', j(b, '$.name')],
    ['kind', spanKind(j(b, '$.kind'))],
    ['status_code', statusCode(j(b, '$.status.code'))],
    ['status_message', j(b, '$.status.message')],
    ['start_time', nanosTime(j(b, '$.startTimeUnixNano'))],
    ['end_time', nanosTime(j(b, '$.endTimeUnixNano'))],
    ['duration_ms', durationMs(j(b, '$.startTimeUnixNano'), j(b, '$.endTimeUnixNano'))],
    ['trace_id', j(b, '$.traceId')],
    ['span_id', j(b, '$.spanId')],
    ['parent_span_id', `nullif(${j(b, '$.parentSpanId')}, '')`],
    ['attributes', attributesMap(`json_extract(${b}, '$.attributes')`)],
    ...resourceAndScope,
    ['span_json', b],
  ],
  identity: ['trace_id', 'span_id'],
  keyOnly: () => [],
  incomplete: 'coalesce("trace_id", \'\') = \'\' OR coalesce("span_id", \'\') = \'\'',
};

const METRICS: OtlpView = {
  id: 'OtlpMetricsView',
  suffix: 'otlp_metrics',
  title: 'OTLP metric points',
  signal: 'metrics',
  what: 'OTLP metric data points: service, metric name, type, unit, time, value (count, sum, min, max of distributions), attributes as a map; '
    + 'one row per point of a series at a time',
  columns: (b) => [
    ['metric_name', j('"metric"', '$.name')],
    ['metric_type', j('"metric"', '$.type')],
    ['unit', j('"metric"', '$.unit')],
    ['description', j('"metric"', '$.description')],
    ['temporality', temporality(j('"metric"', '$.aggregationTemporality'))],
    ['is_monotonic', `try_cast(${j('"metric"', '$.isMonotonic')} AS BOOLEAN)`],
    ['time', nanosTime(j(b, '$.timeUnixNano'))],
    ['start_time', nanosTime(j(b, '$.startTimeUnixNano'))],
    // asInt is an int64 (a JSON string past 2^53): value is its nearest double, int_value the exact integer.
    ['value', `coalesce(try_cast(${j(b, '$.asDouble')} AS DOUBLE), try_cast(${j(b, '$.asInt')} AS DOUBLE))`],
    ['int_value', `try_cast(${j(b, '$.asInt')} AS BIGINT)`],
    ['count', `try_cast(${j(b, '$.count')} AS BIGINT)`],
    ['sum', `try_cast(${j(b, '$.sum')} AS DOUBLE)`],
    ['min', `try_cast(${j(b, '$.min')} AS DOUBLE)`],
    ['max', `try_cast(${j(b, '$.max')} AS DOUBLE)`],
    ['attributes', attributesMap(`json_extract(${b}, '$.attributes')`)],
    ...resourceAndScope,
    ['point_json', b],
  ],
  // A series is its resource, scope, metric name and point attributes (OTLP's data model); a point, a series at a time.
  identity: ['resource_json', 'scope_json', 'metric_name', 'attributes_json', 'start_time', 'time'],
  keyOnly: (b) => [['resource_json', '"resource"'], ['scope_json', '"scope"'], ['attributes_json', `json_format(json_extract(${b}, '$.attributes'))`]],
  incomplete: '"time" IS NULL',
};

/**
 * The view's CREATE statement: the line's derived columns, one row per identity within each partition. An envelope
 * column named as a derived column (say `name`) is left out of the view: the derived column takes its name.
 */
function viewQuery(t: QueryTableSpec, v: OtlpView): NamedQuerySpec {
  const body = ident(t.body!.name);
  const table = `${ident(t.databaseName)}.${ident(t.tableName)}`;
  const viewName = `${t.tableName}_${v.suffix}`;
  const derived = v.columns(body);
  const taken = new Set(['input', 'signal', 'resource', 'scope', 'metric', 'service', t.body!.name, ...derived.map(([c]) => c)]);
  const keptNames = t.columns.map((c) => c.name).filter((c) => !taken.has(c));
  const kept = keptNames.map(ident);
  const partitions = t.partitions.map((p) => ident(p.name));
  const scopeColumn = t.roles.find((r) => r.role === ColumnRole.SCOPE)?.column;
  const receivedAt = t.roles.find((r) => r.role === ColumnRole.RECEIVED_AT)?.column;
  const key = [...partitions, ...(scopeColumn && keptNames.includes(scopeColumn) ? [ident(scopeColumn)] : []), ...v.identity.map(ident)];
  const order = receivedAt && keptNames.includes(receivedAt) ? ` ORDER BY ${ident(receivedAt)}` : '';
  // The service (the resource's service.name) leads the derived columns; it is read from resource_attributes.
  const output = [...kept, '"service"', ...derived.map(([c]) => ident(c)), ...partitions];
  return {
    id: v.id,
    name: `${t.tableName}: create the ${v.title} view`,
    description: `Creates ${viewName}: ${v.what} within each partition`,
    view: viewName,
    sql: lines([
      `CREATE OR REPLACE VIEW ${ident(t.databaseName)}.${ident(viewName)} AS`,
      `SELECT ${output.join(', ')}`,
      'FROM (',
      `  SELECT *, element_at("resource_attributes", 'service.name') AS "service", row_number() OVER (PARTITION BY ${key.join(', ')}${order}) AS "copy"`,
      '  FROM (',
      `    SELECT ${[[...kept, ...partitions].join(', '), ...[...derived, ...v.keyOnly(body)]
        .map(([c, sql]) => `${sql} AS ${ident(c)}`)].join(',\n      ')}`,
      `    FROM ${table}`,
      `    WHERE "input" = 'otlp' AND "signal" = ${literal(v.signal)}`,
      '  )',
      ')',
      `WHERE "copy" = 1 OR ${v.incomplete}`,
    ]),
  };
}

/** The named queries over the spans view: the slowest spans and the error rate of each service over the last hour. */
function spanQueries(t: QueryTableSpec): NamedQuerySpec[] {
  const view = `${ident(t.databaseName)}.${ident(`${t.tableName}_${SPANS.suffix}`)}`;
  const lastHour = [...recentPartitions(t, '\'1\' HOUR'), '"start_time" >= current_timestamp - INTERVAL \'1\' HOUR'];
  return [{
    id: 'OtlpSlowestSpans',
    name: `${t.tableName}: OTLP slowest spans per service`,
    description: `The 10 longest spans of each service that started in the last hour, from ${t.tableName}_${SPANS.suffix}`,
    sql: lines([
      'SELECT "service", "name", "kind", "status_code", "start_time", "duration_ms", "trace_id", "span_id"',
      'FROM (',
      '  SELECT *, row_number() OVER (PARTITION BY "service" ORDER BY "duration_ms" DESC) AS "slowness"',
      `  FROM ${view}`,
      ...where(lastHour).map((l) => `  ${l}`),
      ')',
      'WHERE "slowness" <= 10',
      'ORDER BY "service", "duration_ms" DESC',
    ]),
  }, {
    id: 'OtlpErrorRate',
    name: `${t.tableName}: OTLP error rate per service`,
    description: `Spans, spans with status ERROR, and their ratio, per service over the last hour, from ${t.tableName}_${SPANS.suffix}`,
    sql: lines([
      'SELECT "service", count(*) AS "spans", count_if("status_code" = \'ERROR\') AS "errors",',
      '  CAST(count_if("status_code" = \'ERROR\') AS DOUBLE) / count(*) AS "error_rate"',
      `FROM ${view}`,
      ...where(lastHour),
      'GROUP BY 1',
      'ORDER BY 4 DESC, 1',
    ]),
  }];
}

/** The OTLP input's table contribution for these signals: its member columns, and the views and queries of traces and metrics. */
export function otlpTable(signals: string[]): InputTable {
  const traces = signals.includes('traces');
  const metrics = signals.includes('metrics');
  return {
    columns: [INPUT_COLUMN, ...[...MEMBER_COLUMNS, ...(metrics ? [METRIC_COLUMN] : [])].map(([name, comment]) => ({ name, type: 'string', comment }))],
    queries: (t) => (t.body ? [
      ...(traces ? [viewQuery(t, SPANS), ...spanQueries(t)] : []),
      ...(metrics ? [viewQuery(t, METRICS)] : []),
    ] : []),
  };
}
