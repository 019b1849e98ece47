/** The curated table of OpenTelemetry spans: service, name, kind, status, times and duration, ids, attributes. */
import { CuratedKind, RawLine, commonColumns, fromNanosText } from './kind';
import { otlpItemColumns } from './otlp-item';
import { durationMs, spanKind, statusCode } from '../inputs/otlp-table';

export function otlpSpansKind(line: RawLine): CuratedKind {
  const otlp = otlpItemColumns(line, 'span');
  const traceId = `nullif(${line.scalar('$.traceId')}, '')`;
  const spanId = `nullif(${line.scalar('$.spanId')}, '')`;
  const start = fromNanosText(line.scalar('$.startTimeUnixNano'));
  return {
    id: 'otlp_spans',
    description: 'OpenTelemetry spans: service, name, kind, status, start and end time, duration, trace and span ids, attributes as a map',
    filter: `${line.input('otlp')} AND "signal" = 'traces'`,
    columns: [
      // A span is identified by its trace and span ids (an exporter's retry resends both); a span missing either is
      // keyed by its line, never merged with another.
      ...commonColumns(line, line.idKey(`concat(${traceId}, ':', ${spanId})`), start, otlp.userId),
      otlp.serviceName,
      { name: 'name', type: 'string', comment: 'The span\'s name', expression: line.scalar('$.name') },
      { name: 'kind', type: 'string', comment: 'INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER or UNSPECIFIED', expression: spanKind(line.scalar('$.kind')) },
      { name: 'status_code', type: 'string', comment: 'UNSET, OK or ERROR', expression: statusCode(line.scalar('$.status.code')) },
      { name: 'status_message', type: 'string', comment: 'status.message', expression: line.scalar('$.status.message') },
      { name: 'start_time', type: 'timestamp', comment: 'startTimeUnixNano (UTC)', expression: start },
      { name: 'end_time', type: 'timestamp', comment: 'endTimeUnixNano (UTC)', expression: fromNanosText(line.scalar('$.endTimeUnixNano')) },
      { name: 'duration_ms', type: 'double', comment: 'end - start, in milliseconds', expression: durationMs(line.scalar('$.startTimeUnixNano'), line.scalar('$.endTimeUnixNano')) },
      { name: 'trace_id', type: 'string', comment: 'traceId (hex)', expression: traceId },
      { name: 'span_id', type: 'string', comment: 'spanId (hex)', expression: spanId },
      { name: 'parent_span_id', type: 'string', comment: 'parentSpanId (hex; null for a root span)', expression: `nullif(${line.scalar('$.parentSpanId')}, '')` },
      ...otlp.attributeColumns,
      { name: 'events', type: 'string', comment: 'The span\'s events (OTLP JSON)', expression: line.json('$.events') },
      { name: 'links', type: 'string', comment: 'The span\'s links (OTLP JSON)', expression: line.json('$.links') },
    ],
  };
}
