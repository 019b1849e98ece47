/** The curated table of OpenTelemetry log records: time, severity, body, trace and span ids, service, attributes. */
import { CuratedKind, RawLine, commonColumns, fromNanosText } from './kind';
import { otlpItemColumns } from './otlp-item';

export function otlpLogsKind(line: RawLine): CuratedKind {
  const otlp = otlpItemColumns(line, 'log record');
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
      ...commonColumns(line, line.lineKey, `coalesce(${time}, ${observed})`, otlp.userId),
      { name: 'time', type: 'timestamp', comment: 'timeUnixNano (UTC)', expression: time },
      { name: 'observed_time', type: 'timestamp', comment: 'observedTimeUnixNano (UTC)', expression: observed },
      { name: 'severity_number', type: 'int', comment: 'severityNumber', expression: `try_cast(${line.scalar('$.severityNumber')} AS integer)` },
      { name: 'severity_text', type: 'string', comment: 'severityText', expression: line.scalar('$.severityText') },
      { name: 'body', type: 'string', comment: 'The body: a string value as text, other values as OTLP JSON', expression: `coalesce(${line.scalar('$.body.stringValue')}, ${line.json('$.body')})` },
      { name: 'trace_id', type: 'string', comment: 'traceId (hex)', expression: `nullif(${line.scalar('$.traceId')}, '')` },
      { name: 'span_id', type: 'string', comment: 'spanId (hex)', expression: `nullif(${line.scalar('$.spanId')}, '')` },
      otlp.serviceName,
      ...otlp.attributeColumns,
    ],
  };
}
