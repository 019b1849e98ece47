/** The curated table of OpenTelemetry log records: time, severity, body, trace and span ids, service, attributes. */
import { CuratedKind, RawLine, commonColumns, fromNanosText } from './kind';
import { attributesMap } from '../inputs/otlp-table';

export function otlpLogsKind(line: RawLine): CuratedKind {
  const attributes = attributesMap(`json_extract(${line.body}, '$.attributes')`);
  const resource = attributesMap('json_extract("resource", \'$.attributes\')');
  const time = fromNanosText(line.scalar('$.timeUnixNano'));
  const observed = fromNanosText(line.scalar('$.observedTimeUnixNano'));
  return {
    id: 'otlp_logs',
    description: 'OpenTelemetry log records: time, severity, body, trace and span ids, service name, attributes as a map',
    // The OTLP input also writes spans and metric points (signal traces, metrics); lines from before the signal
    // member existed are logs.
    filter: `${line.input('otlp')} AND coalesce("signal", 'logs') = 'logs'`,
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
