/**
 * The OTLP input's views and named queries, as synthesized (test/e2e/inputs.e2e.test.ts runs them on Trino over what
 * the OpenTelemetry SDKs sent, and over hostile spans and points).
 */
import { App, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApiToFirehose, ApiToFirehoseProps, EnvelopeField, Input, OtlpSignal, RecordEnvelope } from '../../../src';
import { attributesMap } from '../../../src/private/inputs/otlp-table';

function namedQueries(props: ApiToFirehoseProps): Record<string, string> {
  const stack = new Stack(new App(), 'S');
  new ApiToFirehose(stack, 'Ingest', props);
  return Object.fromEntries(Object.values(Template.fromStack(stack).findResources('AWS::Athena::NamedQuery'))
    .map((q: any) => [q.Properties.Name.replace(/^events: /, ''), q.Properties.QueryString]));
}

const OTLP_QUERIES = ['create the OTLP spans view', 'OTLP slowest spans per service', 'OTLP error rate per service', 'create the OTLP metric points view'];
const FIELDS = [EnvelopeField.apiKeyId(), EnvelopeField.requestId(), EnvelopeField.receivedAt(), EnvelopeField.batchIndex()];
const envelope = RecordEnvelope.withFields(FIELDS);

test.each<[string, OtlpSignal[] | undefined, string[]]>([
  ['every signal', undefined, OTLP_QUERIES],
  ['traces only', [OtlpSignal.TRACES], OTLP_QUERIES.slice(0, 3)],
  ['metrics only', [OtlpSignal.METRICS], OTLP_QUERIES.slice(3)],
  ['logs only', [OtlpSignal.LOGS], []],
])('the views and queries follow the signals served: %s', (_name, signals, expected) => {
  const names = Object.keys(namedQueries({ envelope, inputs: [Input.otlp({ signals })], query: {} }));
  expect(names.filter((n) => /OTLP/.test(n))).toEqual(expected);
});

describe('the spans view', () => {
  const queries = namedQueries({ envelope, inputs: [Input.otlp()], query: {} });
  const sql = queries['create the OTLP spans view'];

  test('reads the traces lines only, one row per trace and span id within a partition and API key; spans missing an id all kept', () => {
    expect(sql).toContain('WHERE "input" = \'otlp\' AND "signal" = \'traces\'');
    expect(sql).toContain('row_number() OVER (PARTITION BY "dt", "apikeyid", "trace_id", "span_id" ORDER BY "receivedat") AS "copy"');
    expect(sql).toMatch(/WHERE "copy" = 1 OR coalesce\("trace_id", ''\) = '' OR coalesce\("span_id", ''\) = ''$/);
  });

  test('its columns: the envelope\'s, then what a user of traces filters on, then the partition', () => {
    const columns = /^SELECT (.*)$/m.exec(sql)![1].split(', ').map((c) => c.replace(/"/g, ''));
    expect(columns).toEqual(['apikeyid', 'requestid', 'receivedat', 'index', 'service', 'name', 'kind', 'status_code', 'status_message',
      'start_time', 'end_time', 'duration_ms', 'trace_id', 'span_id', 'parent_span_id', 'attributes', 'resource_attributes', 'scope_name',
      'scope_version', 'span_json', 'dt']);
  });

  test('an envelope column named as a span column is left out (the span\'s takes the name), never selected twice', () => {
    const s = namedQueries({
      envelope: RecordEnvelope.withFields([...FIELDS, EnvelopeField.header('x-name', 'name'), EnvelopeField.header('x-service', 'service')]),
      inputs: [Input.otlp({ signals: [OtlpSignal.TRACES] })],
      query: {},
    })['create the OTLP spans view'];
    const columns = /^SELECT (.*)$/m.exec(s)![1].split(', ');
    expect(columns.filter((c) => c === '"name"' || c === '"service"')).toEqual(['"service"', '"name"']);
    expect(s).not.toContain('"x-name"');
  });

  test('the named queries keep to the last hour\'s partitions (Athena would otherwise list every hour since firstDay)', () => {
    for (const name of ['OTLP slowest spans per service', 'OTLP error rate per service']) {
      expect(queries[name]).toContain('"dt" >= format_datetime((current_timestamp AT TIME ZONE \'UTC\') - INTERVAL \'1\' HOUR, \'yyyy/MM/dd/HH\')');
      expect(queries[name]).toContain('"start_time" >= current_timestamp - INTERVAL \'1\' HOUR');
      expect(queries[name]).toContain('FROM "s_ingest_321e9045"."events_otlp_spans"');
    }
  });

  test('an injected partition is asked for, as the table\'s own queries ask for it', () => {
    const q = namedQueries({
      envelope: RecordEnvelope.withFields([...FIELDS, EnvelopeField.header('x-tenant-id', 'tenant')]),
      inputs: [Input.otlp()],
      query: {},
      partitionByField: 'tenant',
    })['OTLP error rate per service'];
    expect(q).toContain('"tenant" = ?');
  });
});

test('the metric points view: one row per series (resource, scope, metric name, attributes) at a time; points without a time all kept', () => {
  const sql = namedQueries({ envelope, inputs: [Input.otlp()], query: {} })['create the OTLP metric points view'];
  expect(sql).toContain('WHERE "input" = \'otlp\' AND "signal" = \'metrics\'');
  expect(sql).toContain('PARTITION BY "dt", "apikeyid", "resource_json", "scope_json", "metric_name", "attributes_json", "start_time", "time"');
  expect(sql).toMatch(/WHERE "copy" = 1 OR "time" IS NULL$/);
  expect(/^SELECT (.*)$/m.exec(sql)![1]).toContain('"metric_name", "metric_type", "unit", "description", "temporality", "is_monotonic", "time", '
    + '"start_time", "value", "int_value", "count", "sum", "min", "max", "attributes"');
});

test('attributes as a map: first of a repeated key wins, keyless entries dropped, a non-array is an empty map', () => {
  const sql = attributesMap('json_extract("body", \'$.attributes\')');
  expect(sql).toMatch(/^transform_values\(multimap_from_entries\(/);
  expect(sql).toContain('(k, v) -> element_at(v, 1)');
  expect(sql).toContain('a -> json_extract_scalar(a, \'$.key\') IS NOT NULL');
  expect(sql).toContain('coalesce(try_cast(json_extract("body", \'$.attributes\') AS ARRAY(JSON)), CAST(ARRAY[] AS ARRAY(JSON)))');
});

test('grantQuery reaches the views the named queries create: the inputs\' views beside the deduplicated view', () => {
  const stack = new Stack(new App(), 'S');
  const c = new ApiToFirehose(stack, 'Ingest', { envelope, inputs: [Input.segment(), Input.otlp()], query: {} });
  const analyst = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
  c.grantQuery(analyst);
  const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .find((p: any) => JSON.stringify(p.Properties.Roles).includes('Analyst')) as any;
  const create = (policy.Properties.PolicyDocument.Statement as any[]).find((s) => [s.Action].flat().includes('glue:CreateTable'));
  const tables = JSON.stringify(create.Resource).match(/table\/[^/"]+\/[a-z_]+/g);
  expect(tables).toEqual(['events_deduplicated', 'events_segment', 'events_otlp_spans', 'events_otlp_metrics'].map((v) => `table/s_ingest_321e9045/${v}`));
});
