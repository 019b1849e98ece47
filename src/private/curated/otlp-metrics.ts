/** The curated table of OpenTelemetry metric data points: one row per point of a series at a time. */
import { CuratedKind, RawLine, commonColumns, fromNanosText } from './kind';
import { otlpItemColumns } from './otlp-item';
import { temporality } from '../inputs/otlp-table';

export function otlpMetricsKind(line: RawLine): CuratedKind {
  const otlp = otlpItemColumns(line, 'point');
  const time = fromNanosText(line.scalar('$.timeUnixNano'));
  const m = (path: string) => line.scalar(path, '"metric"');
  // OTLP's identity of a point: its series (resource, scope, metric name, point attributes) and its times, as sent.
  // A retried export resends the same text; a point without a time is keyed by its line, never merged.
  const series = ['"resource"', '"scope"', m('$.name'), line.json('$.attributes'), line.scalar('$.startTimeUnixNano')]
    .map((e) => `coalesce(${e}, '')`).join(', ');
  const pointId = `CASE WHEN ${time} IS NOT NULL THEN to_hex(sha256(to_utf8(concat_ws('|', ${series}, ${line.scalar('$.timeUnixNano')})))) END`;
  const num = (path: string, type: string) => `try_cast(${line.scalar(path)} AS ${type})`;
  return {
    id: 'otlp_metrics',
    description: 'OpenTelemetry metric data points: service, metric name, type, unit, temporality, time, value, count, sum, min, max, attributes as a map',
    filter: `${line.input('otlp')} AND "signal" = 'metrics'`,
    columns: [
      ...commonColumns(line, line.idKey(pointId), time, otlp.userId),
      otlp.serviceName,
      { name: 'metric_name', type: 'string', comment: 'The metric\'s name', expression: m('$.name') },
      { name: 'metric_type', type: 'string', comment: 'gauge, sum, histogram, exponentialHistogram or summary', expression: m('$.type') },
      { name: 'unit', type: 'string', comment: 'The metric\'s unit', expression: m('$.unit') },
      { name: 'temporality', type: 'string', comment: 'DELTA, CUMULATIVE, or UNSPECIFIED (gauges, summaries)', expression: temporality(m('$.aggregationTemporality')) },
      { name: 'is_monotonic', type: 'boolean', comment: 'A sum\'s monotonicity', expression: `try_cast(${m('$.isMonotonic')} AS boolean)` },
      { name: 'time', type: 'timestamp', comment: 'timeUnixNano (UTC)', expression: time },
      { name: 'start_time', type: 'timestamp', comment: 'startTimeUnixNano (UTC)', expression: fromNanosText(line.scalar('$.startTimeUnixNano')) },
      { name: 'value', type: 'double', comment: 'A gauge\'s or sum\'s value (asDouble, or asInt as a double)', expression: `coalesce(${num('$.asDouble', 'double')}, ${num('$.asInt', 'double')})` },
      { name: 'int_value', type: 'bigint', comment: 'asInt, exactly', expression: num('$.asInt', 'bigint') },
      { name: 'count', type: 'bigint', comment: 'A distribution\'s count', expression: num('$.count', 'bigint') },
      { name: 'sum', type: 'double', comment: 'A distribution\'s sum', expression: num('$.sum', 'double') },
      { name: 'min', type: 'double', comment: 'A histogram\'s min', expression: num('$.min', 'double') },
      { name: 'max', type: 'double', comment: 'A histogram\'s max', expression: num('$.max', 'double') },
      ...otlp.attributeColumns,
      { name: 'point', type: 'string', comment: 'The point as sent (OTLP JSON): buckets, quantiles, exemplars', expression: line.body },
    ],
  };
}
