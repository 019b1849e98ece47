/** The curated table of OpenTelemetry log records: time, severity, body, trace and span ids, service, attributes. */
import { CuratedKind, RawLine, commonColumns, utcTimestamp } from './kind';
import { literal } from '../sql';

/**
 * An OTLP attribute list (`[{key, value: {stringValue | intValue | ...}}]`, JSON text) as a map of strings: scalars as
 * their text (intValue as sent, string or number), arrays and key-value lists as their JSON.
 */
export function attributesMap(listJson: string): string {
  const value = (p: string) => `json_extract_scalar(a, ${literal(`$.value.${p}`)})`;
  // multimap then the first value: a repeated key (which OTLP forbids) keeps its first value rather than failing the run.
  return `transform_values(multimap_from_entries(transform(filter(CAST(json_parse(${listJson}) AS array(json)), a -> json_extract_scalar(a, '$.key') IS NOT NULL), `
    + `a -> ROW(json_extract_scalar(a, '$.key'), coalesce(${['stringValue', 'intValue', 'doubleValue', 'boolValue', 'bytesValue'].map(value).join(', ')}, `
    + 'json_format(json_extract(a, \'$.value\')))))), (k, v) -> element_at(v, 1))';
}

/** Nanoseconds since the epoch held as text (OTLP's JSON mapping), 0 or absent meaning unset, as a UTC timestamp. */
function fromNanosText(text: string): string {
  return utcTimestamp(`from_unixtime_nanos(CAST(nullif(try_cast(${text} AS decimal(20, 0)), 0) AS decimal(20, 0)))`);
}

export function otlpLogsKind(line: RawLine): CuratedKind {
  const attributes = attributesMap(line.json('$.attributes'));
  const resource = attributesMap('json_format(json_extract("resource", \'$.attributes\'))');
  const time = fromNanosText(line.scalar('$.timeUnixNano'));
  const observed = fromNanosText(line.scalar('$.observedTimeUnixNano'));
  return {
    id: 'otlp_logs',
    description: 'OpenTelemetry log records: time, severity, body, trace and span ids, service name, attributes as a map',
    filter: line.input('otlp'),
    columns: [
      // Log records have no id: each line is its own event (an exporter's retry is a new request, so stays a copy).
      ...commonColumns(line, line.lineKey, `coalesce(${time}, ${observed})`, `element_at(${attributes}, 'enduser.id')`),
      { name: 'time', type: 'timestamp', comment: 'timeUnixNano (UTC)', expression: time },
      { name: 'observed_time', type: 'timestamp', comment: 'observedTimeUnixNano (UTC)', expression: observed },
      { name: 'severity_number', type: 'int', comment: 'severityNumber', expression: `try_cast(${line.scalar('$.severityNumber')} AS integer)` },
      { name: 'severity_text', type: 'string', comment: 'severityText', expression: line.scalar('$.severityText') },
      { name: 'body', type: 'string', comment: 'The body: a string value as text, other values as OTLP JSON', expression: `coalesce(${line.scalar('$.body.stringValue')}, ${line.json('$.body')})` },
      { name: 'trace_id', type: 'string', comment: 'traceId (hex)', expression: `nullif(${line.scalar('$.traceId')}, '')` },
      { name: 'span_id', type: 'string', comment: 'spanId (hex)', expression: `nullif(${line.scalar('$.spanId')}, '')` },
      { name: 'service_name', type: 'string', comment: 'The resource\'s service.name', expression: `element_at(${resource}, 'service.name')` },
      { name: 'attributes', type: 'map', comment: 'The log record\'s attributes', expression: attributes },
      { name: 'resource_attributes', type: 'map', comment: 'The resource\'s attributes', expression: resource },
      { name: 'scope_name', type: 'string', comment: 'The instrumentation scope\'s name', expression: 'json_extract_scalar("scope", \'$.name\')' },
    ],
  };
}
