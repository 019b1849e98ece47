/**
 * The deduplicated view on a real engine, for every stability configuration with `query` and for the README's "Use"
 * envelope: each request a sender would make is rendered through the synthesized mapping template (Velocity 1.7,
 * test/vtl/harness.ts), its Firehose (or Kinesis) records are written to LocalStack S3 where Firehose would put them
 * (the table's own `storage.location.template`, with every object delivered twice as a retried delivery would), the
 * synthesized `AWS::Glue::Table` is created in Trino mechanically and the synthesized view is created and read.
 *
 * What each case proves: a request of distinct events without ids (two of them equal, byte for byte) keeps all of them;
 * a request of events with ids sent twice (a client's retry: a new request id) keeps each event once; a record
 * delivered twice keeps each event once. The inputs send what their published senders sent (test/senders/fixtures),
 * with the ids removed for the requests without ids. Where the envelope cannot tell the events of one request
 * apart, the view is not created and synth warns, naming the field to add.
 *
 * Run inside `scripts/local/localstack.sh run -- scripts/local/trino.sh run -- ...`. Not reproduced: Firehose itself
 * (its buffering into objects; the keys are computed from the prefix as Firehose evaluates it) and Athena's service
 * layer; the SQL engine and the Hive connector are Athena's (docs/trino-notes.md).
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { App, Stack, aws_apigateway as apigw, aws_s3 as s3 } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { TrinoClient, trinoDdlFromGlueTable } from './trino';
import { emptyBucket, s3Client } from '../../scripts/local/deploy';
import { SynthesizedCatalog, synthesizedCatalogs } from '../../scripts/local/glue-in-trino';
import { ApiToFirehose, ApiToFirehoseProps, BatchMode, EnvelopeField, RecordEnvelope } from '../../src';
import { formatDate } from '../../src/private/projection';
import { REJECT_MARKER } from '../../src/private/vtl';
import { NO_DEDUPLICATED_VIEW_WARNING } from '../../src/private/workgroup';
import { CONFIGURATIONS } from '../stability/configurations';
import { requestContext } from '../vtl/checker';
import { MethodInfo, VtlEngine, findMethods, parseJsonStrict } from '../vtl/harness';

jest.setTimeout(300_000);

const run = Date.now().toString(36);
const engine = new VtlEngine();
const trino = new TrinoClient();
const storage = s3Client();
const buckets: string[] = [];
afterAll(async () => {
  await engine.close();
  for (const b of buckets) await emptyBucket(b).catch(() => undefined);
});

const FIXTURES = join(__dirname, '..', 'senders', 'fixtures');
const fixture = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');
/**
 * Segment: the batch @segment/analytics-node 3.1.0 sent (messageId on every event), its writeKey taken out: the
 * requests carry the key of the configuration that declares a source in `Authorization` (HEADERS).
 */
const SEGMENT = Object.fromEntries(Object.entries(JSON.parse(JSON.parse(fixture('segment/node-batch.json')).request.body))
  .filter(([k]) => k !== 'writeKey')) as any;
/** Snowplow: the tp2 body snowplow-tracker (Python) 1.1.0 sent (eid on every event). */
const SNOWPLOW = JSON.parse(fixture('snowplow/python-1.1.0-post.body.json'));
/** OTLP logs: the body @opentelemetry/exporter-logs-otlp-http 0.223.1 sent (log records have no id). */
const OTLP = fixture('otel/js-0.223.1-logs.body.json');
/** Log shippers: Fluent Bit 5.1.1's `format json` body (no id). */
const FLUENT_BIT = JSON.parse(fixture('shippers/fluent-bit-5.1.1-http-json.json')).request.body as string;
/** OTLP traces and metrics in OTLP's JSON mapping, each with two equal items (OTLP items have no event id). */
const OTLP_RESOURCE = { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] };
const SPAN = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'GET /cart', kind: 2, startTimeUnixNano: '1', endTimeUnixNano: '2' };
const OTLP_TRACES = JSON.stringify({ resourceSpans: [{ resource: OTLP_RESOURCE, scopeSpans: [{ scope: { name: 'dedup' }, spans: [SPAN, SPAN] }] }] });
const POINT = { asInt: '1', timeUnixNano: '1' };
const OTLP_METRICS = JSON.stringify({
  resourceMetrics: [{
    resource: OTLP_RESOURCE,
    scopeMetrics: [{ scope: { name: 'dedup' }, metrics: [{ name: 'requests', unit: '1', sum: { dataPoints: [POINT, POINT], aggregationTemporality: 2, isMonotonic: true } }] }],
  }],
});
const without = (o: any, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

/** A request a sender makes; `twice`: sent again as a client retry would (a new request id). */
interface Send { readonly body: string; readonly twice?: boolean }

/** Segment batches: one without messageIds, one as captured, sent twice. */
const SEGMENT_BATCH: Send[] = [
  { body: JSON.stringify({ ...SEGMENT, batch: SEGMENT.batch.map((e: any) => without(e, 'messageId')) }) },
  { body: JSON.stringify(SEGMENT), twice: true },
];

/** What each route is sent, by the route's path after the instance's own resource path. */
const SENDS: Record<string, Send[]> = {
  // One event per request: two equal events without an id are two events; one with an id sent twice is one.
  '': [
    { body: JSON.stringify({ type: 'click', value: 1 }) },
    { body: JSON.stringify({ type: 'click', value: 1 }) },
    { body: JSON.stringify({ type: 'click', value: 2, eventId: 'single-1' }), twice: true },
  ],
  'batch': [
    { body: JSON.stringify({ records: [{ type: 'click', value: 1 }, { type: 'click', value: 1 }, { type: 'view', value: 2 }] }) },
    { body: JSON.stringify({ records: [{ type: 'click', value: 3, eventId: 'batch-1' }, { type: 'view', value: 4, eventId: 'batch-2' }] }), twice: true },
  ],
  'v1/batch': SEGMENT_BATCH,
  // analytics-next's batching route: the same body.
  'v1/b': SEGMENT_BATCH,
  // Segment's single-event routes: one event per request (the first event of the captured batch, without its id).
  ...Object.fromEntries(['track', 'identify', 'page', 'screen', 'group', 'alias', 't', 'i', 'p', 's', 'g', 'a']
    .map((r) => [`v1/${r}`, [{ body: JSON.stringify(without(SEGMENT.batch[0], 'messageId')) }]])),
  'v1/logs': [{ body: OTLP }],
  // Input.otlp()'s traces and metrics: two equal spans and two equal data points in one request (no ids) are two lines.
  'v1/traces': [{ body: OTLP_TRACES }],
  'v1/metrics': [{ body: OTLP_METRICS }],
  'com.snowplowanalytics.snowplow/tp2': [
    { body: JSON.stringify({ ...SNOWPLOW, data: SNOWPLOW.data.map((e: any) => without(e, 'eid')) }) },
    { body: JSON.stringify(SNOWPLOW), twice: true },
  ],
  'logs': [{ body: FLUENT_BIT }],
};

/** segment-input declares a source: its write key, as analytics-node sends it (other configurations ignore the header). */
const SEGMENT_AUTH = `Basic ${Buffer.from('wkStabilityWeb0000aaaa1111bbbb22:').toString('base64')}`;
const HEADERS = { 'Content-Type': 'application/json', 'User-Agent': 'dedup-e2e/1.0', 'X-Tenant-Id': 'acme', 'Authorization': SEGMENT_AUTH };
/** The hour the objects are delivered in: within every configuration's projection range (firstDay to now). */
const DELIVERED = new Date(Date.UTC(2026, 5, 1, 12));
const API_KEY_ID = 'apikeyid123';

/** One stored line: its fields as written. */
type Line = Record<string, any>;

/** The lines of one rendered request: the records of a Firehose PutRecord(Batch) or a Kinesis PutRecord(s). */
function recordsOf(output: string): string[] {
  const o = parseJsonStrict(output, 'rendered request') as Record<string, any>;
  const name = o.DeliveryStreamName ?? o.StreamName;
  if (String(name).startsWith(`${REJECT_MARKER}.`)) throw new Error(`the template refused the request: ${name}`);
  const records: { Data: string }[] = o.Records ?? [o.Record ?? o];
  return records.map((r) => Buffer.from(r.Data, 'base64').toString('utf8'));
}

/** The routes of one instance (its methods' logical ids start with its id) and what each is sent. */
function routesOf(template: any, instance: string): { method: MethodInfo; sends: Send[] }[] {
  const methods = findMethods(template).filter((m) => m.logicalId.startsWith(`${instance}Api`) && m.httpMethod === 'POST'
    && m.requestTemplates['application/json'] !== undefined);
  const root = methods.map((m) => m.resourcePath!).sort((a, b) => a.length - b.length)[0];
  return methods.map((method) => {
    const path = method.resourcePath!.slice(root.length).replace(/^\//, '');
    const sends = SENDS[path];
    if (!sends) throw new Error(`no requests for the route ${method.resourcePath} of ${instance}`);
    return { method, sends };
  });
}

interface Rendered { readonly requestId: string; readonly records: string[]; readonly retry: boolean }

/** Renders every request (twice for a retry), each with its own request id and a later receipt time. */
async function renderAll(template: any, instance: string, tag: string): Promise<Rendered[]> {
  const out: Rendered[] = [];
  let n = 0;
  for (const { method, sends } of routesOf(template, instance)) {
    for (const send of sends) {
      for (let copy = 0; copy < (send.twice ? 2 : 1); copy++) {
        const requestId = `${tag}-${++n}`;
        const r = await engine.render({
          template: method.requestTemplates['application/json']!,
          body: send.body,
          params: { header: HEADERS, querystring: {}, path: {} },
          context: requestContext({ requestId, requestTimeEpoch: DELIVERED.getTime() + n * 1000, identity: { apiKeyId: API_KEY_ID } }),
        });
        expect(r.error).toBeNull();
        out.push({ requestId, records: recordsOf(r.output), retry: copy === 1 });
      }
    }
  }
  return out;
}

/** Resolves the Glue table's CloudFormation values: the bucket to this case's bucket, API keys to the rendered key id. */
function resolverFor(template: any, bucket: string) {
  const resolve = (value: unknown, path: string): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, any>;
    const pseudo: Record<string, string> = { 'AWS::AccountId': '000000000000', 'AWS::Region': 'us-east-1', 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
    if (typeof v?.Ref === 'string') {
      if (pseudo[v.Ref]) return pseudo[v.Ref];
      const type = template.Resources[v.Ref]?.Type;
      if (type === 'AWS::S3::Bucket') return bucket;
      if (type === 'AWS::ApiGateway::ApiKey') return API_KEY_ID;
    }
    if (Array.isArray(v?.['Fn::Join'])) return (v['Fn::Join'][1] as unknown[]).map((x, i) => resolve(x, `${path}[${i}]`)).join(v['Fn::Join'][0]);
    throw new Error(`cannot resolve ${JSON.stringify(value)} at ${path}`);
  };
  return resolve;
}

/** The object key Firehose writes a line under: the table's location template with the line's partition values. */
type Resolve = (v: unknown, path: string) => string;
function keyOf(catalog: SynthesizedCatalog, resolve: Resolve, line: Line): { key: string; values: Record<string, string> } {
  const template = resolve(catalog.properties.TableInput.Parameters['storage.location.template'], 'storage.location.template');
  const values: Record<string, string> = {};
  for (const p of catalog.properties.TableInput.PartitionKeys as { Name: string }[]) {
    const format = catalog.properties.TableInput.Parameters[`projection.${p.Name}.format`];
    // A partition by a field: its value in the line, as Firehose's JQ query reads it ("none" when missing).
    const field = Object.keys(line).find((k) => k.toLowerCase() === p.Name);
    values[p.Name] = format ? formatDate(format, DELIVERED) : String(line[field!] ?? 'none');
  }
  const path = template.replace(/\$\{([a-z0-9_]+)\}/g, (_m, c) => values[c]).replace(/^s3:\/\/[^/]+\//, '');
  return { key: path, values };
}

/** One event as the view should keep it, in the order sent: by its id when it has one, else by request and position. */
function expectedRows(rendered: Rendered[], eventIds: boolean): string[] {
  const seen = new Set<string>();
  const rows: string[] = [];
  for (const r of rendered) {
    for (const line of r.records.flatMap((rec) => rec.split('\n').filter(Boolean)).map((l) => JSON.parse(l) as Line)) {
      const id = eventIds && typeof line.eventId === 'string' ? `id:${line.eventId}` : `request:${line.requestId}/${line.index ?? ''}`;
      if (seen.has(id)) continue;
      seen.add(id);
      rows.push(rowText(line.requestId, line.index, line.eventId));
    }
  }
  return rows.sort();
}

const rowText = (requestId: unknown, index: unknown, eventId: unknown) => `${requestId}|${index ?? ''}|${eventId ?? ''}`;

/**
 * Writes the rendered records where Firehose would (each record an object, each object delivered twice), creates the
 * synthesized table and view in Trino, and returns the rows of the table and of the view in the delivered hour.
 */
async function deliverAndRead(template: any, catalog: SynthesizedCatalog, rendered: Rendered[], caseName: string) {
  const bucket = `dedup-${caseName}-${run}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
  buckets.push(bucket);
  await storage.send(new CreateBucketCommand({ Bucket: bucket }));
  const schema = `dedup_${caseName.replace(/[^a-z0-9]/g, '_')}_${run}`;
  const parquet = catalog.properties.TableInput.StorageDescriptor.SerdeInfo.SerializationLibrary.includes('Parquet');
  // Parquet: Firehose converts the lines; here Trino writes them from a JSON twin of the table under another prefix.
  const jsonTable = parquet ? jsonTwin(catalog) : catalog;
  const resolve = resolverFor(template, bucket);
  const filters = new Set<string>();
  const objects: { Key: string; Body: string }[] = [];
  for (const r of rendered) {
    for (const [i, record] of r.records.entries()) {
      const lines = record.split('\n').filter(Boolean);
      const byKey = new Map<string, string[]>();
      for (const l of lines) {
        const { key, values } = keyOf(jsonTable, resolve, JSON.parse(l));
        byKey.set(key, [...(byKey.get(key) ?? []), l]);
        filters.add(Object.entries(values).map(([c, v]) => `"${c}" = '${v}'`).join(' AND '));
      }
      for (const [key, part] of byKey) {
        for (const copy of ['', '-redelivered']) objects.push({ Key: `${key}${r.requestId}-${i}${copy}`, Body: `${part.join('\n')}\n` });
      }
    }
  }
  await Promise.all(objects.map((o) => storage.send(new PutObjectCommand({ Bucket: bucket, ...o }))));
  expect(filters.size).toBe(1);
  const where = [...filters][0];
  await trino.query(`CREATE SCHEMA IF NOT EXISTS "hive"."${schema}"`);
  const table = `"${schema}"."${catalog.table}"`;
  if (parquet) {
    const twin = trinoDdlFromGlueTable(jsonTable.properties, { resolve, schema });
    await trino.query(twin.createTable);
    const columns = (catalog.properties.TableInput.StorageDescriptor.Columns as { Name: string }[]).map((c) => `"${c.Name}"`).join(', ');
    const { key } = keyOf(catalog, resolve, {});
    await trino.query(`CREATE TABLE "${schema}"."staging" WITH (format = 'PARQUET', external_location = 's3://${bucket}/${key}') `
      + `AS SELECT ${columns} FROM ${twin.qualifiedName} WHERE ${where}`);
  }
  const ddl = trinoDdlFromGlueTable(catalog.properties, { resolve, schema });
  await trino.query(ddl.createTable);
  const viewSql = catalog.queries['create the deduplicated view'];
  const columns = (catalog.properties.TableInput.StorageDescriptor.Columns as { Name: string }[]).map((c) => c.Name);
  const pick = ['requestid', 'index', 'eventid'].map((c) => (columns.includes(c) ? `"${c}"` : 'NULL'));
  const rows = async (from: string) => (await trino.query(`SELECT ${pick.join(', ')} FROM ${from} WHERE ${where}`)).rows
    .map((row) => rowText(row[0], row[1], row[2])).sort();
  const tableRows = await rows(table);
  if (!viewSql) return { tableRows, viewRows: undefined };
  await trino.query(viewSql.split(`"${catalog.database}".`).join(`"${schema}".`));
  return { tableRows, viewRows: await rows(`"${schema}"."${catalog.table}_deduplicated"`) };
}

/** The Parquet table's JSON twin: the same columns and partitions over `json/`, read with the OpenX JSON SerDe. */
function jsonTwin(catalog: SynthesizedCatalog): SynthesizedCatalog {
  const p = JSON.parse(JSON.stringify(catalog.properties));
  const sd = p.TableInput.StorageDescriptor;
  p.TableInput.Name = `${catalog.table}_json`;
  p.TableInput.Parameters.classification = 'json';
  sd.InputFormat = 'org.apache.hadoop.mapred.TextInputFormat';
  sd.OutputFormat = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';
  sd.SerdeInfo = { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' };
  const toJson = (v: any): any => (typeof v === 'string' ? v.replace(/\/[a-z]+\//, '/json/')
    : Array.isArray(v?.['Fn::Join']) ? { 'Fn::Join': [v['Fn::Join'][0], v['Fn::Join'][1].map(toJson)] } : v);
  sd.Location = toJson(sd.Location);
  p.TableInput.Parameters['storage.location.template'] = toJson(p.TableInput.Parameters['storage.location.template']);
  return { ...catalog, table: p.TableInput.Name, properties: p };
}

/** Synthesizes a stack and returns its template and the warnings that say the view was not created. */
function synth(build: (stack: Stack) => void) {
  const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
  build(stack);
  const found = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(NO_DEDUPLICATED_VIEW_WARNING));
  /** The warnings of one instance (its construct id). */
  const warnings = (instance: string) => found.filter((w) => `${w.id}/`.startsWith(`/Stack/${instance}/`)).map((w) => String(w.entry.data));
  return { template: Template.fromStack(stack).toJSON(), warnings };
}

/** Every instance with a table, in every stability configuration with `query`. */
const STABILITY = CONFIGURATIONS.filter((c) => c.name !== 'consumer-app').flatMap((config) => {
  const { template, warnings } = synth(config.build);
  return synthesizedCatalogs(template).map((catalog) => ({ name: config.name, template, warnings, catalog }));
});

test('the stability configurations with query are all here: 10 tables in 9 configurations', () => {
  expect(STABILITY.map((s) => `${s.name}/${s.catalog.logicalId.replace(/Table[0-9A-F]{8}$/, '')}`)).toEqual([
    'query-default/Ingest', 'query-typed-partitioned/Ingest', 'query-parquet-key/Ingest', 'query-text-as-string-raw/Ingest',
    'query-text-as-string-raw/Raw', 'segment-input/Ingest', 'otlp-snowplow-shippers-inputs/Ingest', 'curated-tables/Ingest',
    'kinesis-stream/Provisioned', 'kinesis-inputs/Ingest',
  ]);
});

describe.each(STABILITY.filter((s) => s.catalog.properties.TableInput.StorageDescriptor.Columns.some((c: any) => c.Name === 'requestid')))(
  '$name ($catalog.logicalId)', ({ name, template, catalog, warnings }) => {
    test('the view keeps every distinct event, and each event with an id or redelivered once', async () => {
      const instance = catalog.logicalId.replace(/Table[0-9A-F]{8}$/, '');
      const rendered = await renderAll(template, instance, `${name}-${instance}`);
      const { tableRows, viewRows } = await deliverAndRead(template, catalog, rendered, `${name}-${instance}`);
      const lines = rendered.flatMap((r) => r.records.flatMap((rec) => rec.split('\n').filter(Boolean)));
      expect(tableRows).toHaveLength(2 * lines.length);
      expect(warnings(instance)).toEqual([]);
      expect(viewRows).toEqual(expectedRows(rendered, true));
      // Every event without an id is there, each request's events apart (two of them equal, byte for byte).
      const withoutIds = lines.map((l) => JSON.parse(l)).filter((l) => typeof l.eventId !== 'string');
      expect(withoutIds.length).toBeGreaterThan(3);
      for (const l of withoutIds) expect(viewRows).toContain(rowText(l.requestId, l.index, null));
    });
  });

test('RAW records carry no request id: no view, and synth says why', () => {
  const raw = STABILITY.find((s) => s.catalog.logicalId.startsWith('Raw'))!;
  expect(raw.catalog.queries['create the deduplicated view']).toBeUndefined();
  expect(raw.warnings('Raw')).toEqual([expect.stringContaining('RecordEnvelope.RAW records carry no request id to tell events apart')]);
});

describe('the README "Use" envelope (apiKeyId, requestId, receivedAt, a header, a constant) with query: {}', () => {
  const use = (extra: EnvelopeField[]) => (stack: Stack) => {
    const props: ApiToFirehoseProps = {
      bucket: new s3.Bucket(stack, 'Given'),
      dataOutputPrefix: 'clicks/',
      envelope: RecordEnvelope.withFields([
        EnvelopeField.apiKeyId(), EnvelopeField.requestId(), EnvelopeField.receivedAt(),
        EnvelopeField.header('X-Tenant-Id', 'tenant'), EnvelopeField.constant('source', 'web'), ...extra,
      ]),
      throttle: { rateLimit: 50, burstLimit: 100 },
      quota: { limit: 10_000, period: apigw.Period.DAY },
      batch: { mode: BatchMode.RECORD_PER_EVENT, maxEvents: 200 },
      query: {},
    };
    new ApiToFirehose(stack, 'Clicks', props);
  };

  test('as written: no view (it would keep one event of each batch), and synth names the field to add', () => {
    const { template, warnings } = synth(use([]));
    const [catalog] = synthesizedCatalogs(template);
    expect(catalog.queries['create the deduplicated view']).toBeUndefined();
    expect(warnings('Clicks')).toEqual([expect.stringContaining('the batch route (/batch) writes several events for one request, and the envelope '
      + 'has no batch index to tell them apart: add EnvelopeField.batchIndex() to the envelope')]);
  });

  test('with EnvelopeField.batchIndex(): the view keeps every distinct event, and each redelivered event once', async () => {
    const { template, warnings } = synth(use([EnvelopeField.batchIndex()]));
    expect(warnings('Clicks')).toEqual([]);
    const [catalog] = synthesizedCatalogs(template);
    const rendered = await renderAll(template, 'Clicks', 'use');
    const { tableRows, viewRows } = await deliverAndRead(template, catalog, rendered, 'readme-use');
    const lines = rendered.flatMap((r) => r.records.flatMap((rec) => rec.split('\n').filter(Boolean)));
    expect(tableRows).toHaveLength(2 * lines.length);
    // No event id: a client's retry is a new request, so both of its copies stay; a redelivered record does not.
    expect(viewRows).toEqual(expectedRows(rendered, false));
    expect(viewRows).toHaveLength(lines.length);
  });
});

describe('partitionByField keeps the hours under the field (query-typed-partitioned: the default prefix, America/New_York)', () => {
  test('objects at the keys Firehose writes: a query for one tenant\'s hour reads that hour\'s objects only; the named query finds them', async () => {
    const { template, catalog } = STABILITY.find((s) => s.name === 'query-typed-partitioned')!;
    const stream = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::KinesisFirehose::DeliveryStream');
    const prefix: string = stream.Properties.ExtendedS3DestinationConfiguration.Prefix;
    expect(prefix).toBe('events/tenant=!{partitionKeyFromQuery:tenant}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/');
    expect(stream.Properties.ExtendedS3DestinationConfiguration.CustomTimeZone).toBe('America/New_York');
    // The prefix as Firehose evaluates it: the line's field, and the arrival time in the stream's time zone.
    const zoned = (date: Date, field: string) => {
      const parts = new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23',
      }).formatToParts(date);
      const part = (t: string) => parts.find((p) => p.type === t)!.value;
      return ({ yyyy: part('year'), MM: part('month'), dd: part('day'), HH: part('hour') } as Record<string, string>)[field];
    };
    const keyFor = (tenant: string, date: Date) => prefix.replace('!{partitionKeyFromQuery:tenant}', tenant)
      .replace(/!\{timestamp:([A-Za-z]+)\}/g, (_m, f) => zoned(date, f));
    const now = new Date();
    const earlier = new Date(now.getTime() - 3 * 86_400_000);
    const single = routesOf(template, 'Ingest').find((r) => r.method.resourcePath === '/')!.method.requestTemplates['application/json']!;
    const bucket = `dedup-tenant-hours-${run}`;
    buckets.push(bucket);
    await storage.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = async (tenant: string, date: Date, requestId: string) => {
      const r = await engine.render({
        template: single,
        body: JSON.stringify({ type: 'click', value: 1 }),
        params: { header: { ...HEADERS, 'X-Tenant-Id': tenant }, querystring: {}, path: {} },
        context: requestContext({ requestId, requestTimeEpoch: date.getTime(), identity: { apiKeyId: API_KEY_ID } }),
      });
      const [record] = recordsOf(r.output);
      expect(JSON.parse(record).tenant).toBe(tenant);
      const key = `${keyFor(tenant, date)}Ingest-1-${requestId}`;
      await storage.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: record }));
      return key;
    };
    const acmeNow = await put('acme', now, 'acme-now');
    await put('acme', earlier, 'acme-earlier');
    await put('globex', now, 'globex-now');
    const schema = `dedup_tenant_hours_${run}`;
    const ddl = trinoDdlFromGlueTable(catalog.properties, { resolve: resolverFor(template, bucket), schema });
    await trino.query(ddl.createSchema);
    await trino.query(ddl.createTable);
    const dt = ['yyyy', 'MM', 'dd', 'HH'].map((f) => zoned(now, f)).join('/');
    const hour = await trino.objects(`SELECT requestid, tenant, dt, "$path" AS path FROM ${ddl.qualifiedName} WHERE tenant = 'acme' AND dt = '${dt}'`);
    expect(hour).toEqual([{ requestid: 'acme-now', tenant: 'acme', dt, path: `s3://${bucket}/${acmeNow}` }]);
    // The synthesized named query (its `?` is the tenant): the last day of acme, newest first.
    const recent = catalog.queries['recent events'].split(`"${catalog.database}".`).join(`"${schema}".`).replace('?', '\'acme\'');
    expect(recent).toContain('WHERE "dt" >= format_datetime((current_timestamp AT TIME ZONE \'America/New_York\') - INTERVAL \'1\' DAY');
    expect((await trino.objects(recent)).map((r) => r.requestid)).toEqual(['acme-now']);
  });
});
