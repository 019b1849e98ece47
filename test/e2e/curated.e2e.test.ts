/**
 * Curated tables end-to-end on a real engine: Trino's Iceberg connector (the engine of Athena engine version 3) over
 * LocalStack's S3. A stack with `query.curated` is deployed to LocalStack, and every raw line is one the deployed API
 * stored: the published senders' requests (test/senders/fixtures, and the OpenTelemetry JS SDKs' traces and metrics
 * captured at run time) are POSTed to it. Where a case needs a line in an earlier hour (a retry across an hour, a late
 * file), the object the API wrote is moved to that hour's prefix, as Firehose would have delivered it then. The raw
 * Glue table and the Iceberg Glue tables are converted mechanically from the template (test/e2e/trino.ts,
 * test/e2e/iceberg.ts), and the MERGE, erasure and DELETE statements are the template's named queries, run as they are.
 *
 * Run inside `scripts/local/localstack.sh run -- scripts/local/trino.sh run -- ...`.
 *
 * What this does not reproduce: Athena's own DDL (CREATE TABLE ... TBLPROPERTIES ('table_type'='ICEBERG'), OPTIMIZE,
 * VACUUM): the tables are created from the CloudFormation resource's schema instead, and upkeep runs Trino's
 * equivalents; Glue's Iceberg catalog (a file metastore here); Step Functions running the statements, and the
 * schedules (LocalStack creates the machines and rules; nothing runs them here); Firehose's own delivery times
 * (LocalStack writes one object per request at once).
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { CopyObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { App, BootstraplessSynthesizer, CfnOutput, Duration, Stack, aws_kinesisfirehose as firehose } from 'aws-cdk-lib';
import { trinoDdlFromIcebergTable } from './iceberg';
import { DEPLOY_HOOK_MS } from './shared-example';
import { TrinoClient, sqlString } from './trino';
import { EXAMPLE_ENVELOPE } from '../../integ/example-stack';
import {
  DEFAULT_ENDPOINT, apiKeyValue, deleteStack, deployToLocalStack, invokeUrl, listObjects, s3Client, stackResources, synthStack,
} from '../../scripts/local/deploy';
import { cfnResolver, createInTrino, namedQuery, synthesizedCatalogs } from '../../scripts/local/glue-in-trino';
import { ApiToFirehose, Input } from '../../src';
import { trinoExpireSnapshots, trinoOptimize } from '../../src/private/curated/upkeep';
import { OK_EMPTY_JSON, startCaptureServer } from '../senders/otel-capture-server';
import { OtelDriver } from '../senders/otel-driver-client';

jest.setTimeout(300_000);

const DATABASE = `curated_e2e_${Date.now().toString(36)}`;
const STACK_NAME = `Curated${Date.now().toString(36)}`;

const stack = new Stack(new App(), STACK_NAME, { synthesizer: new BootstraplessSynthesizer() });
const ingest = new ApiToFirehose(stack, 'Ingest', {
  deliveryStreamName: `${STACK_NAME}-events`,
  bufferingInterval: Duration.seconds(0),
  compression: firehose.Compression.UNCOMPRESSED,
  envelope: EXAMPLE_ENVELOPE,
  inputs: [Input.segment(), Input.otlp(), Input.snowplow()],
  query: { databaseName: DATABASE, curated: {} },
});
new CfnOutput(stack, 'ApiId', { value: ingest.restApi.restApiId });
new CfnOutput(stack, 'StageName', { value: ingest.restApi.deploymentStage.stageName });
new CfnOutput(stack, 'ApiKeyId', { value: ingest.apiKey!.keyId });
new CfnOutput(stack, 'BucketName', { value: ingest.bucket!.bucketName });
const template = synthStack(stack);
const resources = Object.entries<any>(template.Resources);
const icebergTables = resources.filter(([, r]) => r.Type === 'AWS::Glue::Table' && r.Properties.OpenTableFormatInput).map(([, r]) => r);

/** The template's named query `<table>: <label>`. */
const named = (table: string, label: string) => namedQuery(template, table, label);

const curatedNames = icebergTables.map((r) => r.Properties.TableInput.Name as string);
const T = {
  events: 'events_curated_events',
  segment: 'events_curated_segment',
  otlp: 'events_curated_otlp_logs',
  spans: 'events_curated_otlp_spans',
  metrics: 'events_curated_otlp_metrics',
  snowplow: 'events_curated_snowplow',
  erasures: 'events_curated_erasures',
};
const kindTables = [T.events, T.segment, T.otlp, T.spans, T.metrics, T.snowplow];

const trino = new TrinoClient({ catalog: 'iceberg', timeoutMs: 300_000 });

// ---- the published senders' requests ------------------------------------------------------------------------

const FIXTURES = join(__dirname, '..', 'senders', 'fixtures');
const fixture = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');
const segmentRequest = JSON.parse(fixture('segment/node-batch.json')).request;
const otlpBody = JSON.parse(fixture('otel/js-0.223.1-logs.body.json'));
const snowplowBody = JSON.parse(fixture('snowplow/node-4.8.0-post-base64.body.json'));
// The captured requests carry no user id for OTLP and Snowplow: the erasure case adds one to a copy (enduser.id, as
// OpenTelemetry's semantic conventions name it, on the first log record; uid on the first Snowplow event).
otlpBody.resourceLogs[0].scopeLogs[0].logRecords[0].attributes.push({ key: 'enduser.id', value: { stringValue: 'u1' } });
snowplowBody.data[0].uid = 'u1';

const hour = (offset: number) => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + offset * 3_600_000);
/** The hour's prefix, as the raw table's projection reads it (events/yyyy/MM/dd/HH/). */
const hourPrefix = (at: Date) => `events/${at.toISOString().slice(0, 13).replace(/[-T]/g, '/')}/`;

let baseUrl = '';
let apiKey = '';
let apiKeyId = '';
let bucket = '';
/** Every object key seen in the events bucket (what a POST wrote is what was not there before it). */
const seen = new Set<string>();

/**
 * POSTs each request to the deployed API (200 expected), waits for the object it wrote, and moves that object to the
 * hour of `at` when it landed in another: as Firehose would have delivered it then.
 */
async function store(at: Date, ...requests: [string, unknown, Record<string, string>?][]): Promise<void> {
  for (const [route, body, headers] of requests) {
    const res = await fetch(`${baseUrl}${route.replace(/^\//, '')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'user-agent': 'e2e/1.0', 'x-tenant-id': 'acme', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(`${route} ${res.status} ${res.status === 200 ? '' : await res.text()}`).toBe(`${route} 200 `);
    let written: string[] = [];
    for (let i = 0; i < 100 && written.length === 0; i++) {
      written = (await listObjects(bucket, 'events/')).map((o) => o.key).filter((k) => !seen.has(k));
      if (written.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(written).toHaveLength(1);
    const [key] = written;
    const target = hourPrefix(at) + key.split('/').pop();
    if (!key.startsWith(hourPrefix(at))) {
      await s3Client().send(new CopyObjectCommand({ Bucket: bucket, Key: target, CopySource: `${bucket}/${key}` }));
      await s3Client().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    }
    seen.add(key).add(target);
  }
}

const segment = (): [string, unknown, Record<string, string>] => ['/v1/batch', segmentRequest.body, { Authorization: segmentRequest.headers.Authorization }];
const otlp = (): [string, unknown] => ['/v1/logs', otlpBody];
const snowplow = (): [string, unknown] => ['/com.snowplowanalytics.snowplow/tp2', snowplowBody];
const own = (records: unknown[]): [string, unknown] => ['/batch', { records }];

// ---- running the template's statements ---------------------------------------------------------------------------

/** Runs the template's MERGE of each table (of every table by default; a test runs only those its lines reach, for time). */
async function mergeAll(tables = kindTables): Promise<void> {
  for (const t of tables) await trino.query(named(t, 'merge'));
}

const count = async (table: string, where = 'true') =>
  Number((await trino.query(`SELECT count(*) FROM "${DATABASE}"."${table}" WHERE ${where}`)).rows[0][0]);

async function counts(): Promise<Record<string, number>> {
  return { events: await count(T.events), segment: await count(T.segment), otlp: await count(T.otlp), snowplow: await count(T.snowplow) };
}

/** Runs a statement with `?` parameters as Athena's ExecutionParameters would bind them. */
const execute = (sql: string, ...parameters: string[]) =>
  trino.query(`EXECUTE IMMEDIATE ${sqlString(sql)} USING ${parameters.map(sqlString).join(', ')}`);

/** What the published OpenTelemetry JS SDKs post for traces and metrics (captured in beforeAll, set up as users do). */
const sdk: { traces?: unknown; metrics?: unknown } = {};
const SDK_SPANS = 6;

async function captureSdkRequests(): Promise<void> {
  const server = await startCaptureServer();
  server.respondWith(OK_EMPTY_JSON);
  const driver = new OtelDriver({ OTEL_EXPORTER_OTLP_ENDPOINT: `${server.origin}/prod`, OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=k' });
  try {
    const resource = { 'service.name': 'checkout' };
    const tracer = (await driver.call('tracer', { resource })).provider;
    const t0 = Date.UTC(2026, 0, 2, 10);
    await driver.call('spans', {
      provider: tracer,
      scope: 'curated',
      version: '1.0.0',
      spans: Array.from({ length: SDK_SPANS }, (_x, i) => ({
        name: `GET /items/${i}`, kind: 1, code: i === 2 ? 2 : 0, attributes: { i, ...(i === 0 ? { 'enduser.id': 'u1' } : {}) }, startMs: t0 + i, durationMs: 5 + i,
      })),
    });
    await driver.call('flush', { provider: tracer });
    const meter = (await driver.call('meter', { resource })).provider;
    await driver.call('record', {
      provider: meter,
      scope: 'curated',
      counters: { 'http.requests': [{ value: 3, attributes: { route: '/a' } }, { value: 4, attributes: { route: '/b' } }] },
      histograms: { 'http.duration': [{ value: 12, unit: 'ms' }, { value: 40, unit: 'ms' }] },
    });
    await driver.call('flush', { provider: meter });
    const body = (path: string) => JSON.parse(server.requests.find((r) => r.path === path)!.decoded.toString('utf8'));
    sdk.traces = body('/prod/v1/traces');
    sdk.metrics = body('/prod/v1/metrics');
  } finally {
    await driver.close();
    await server.close();
  }
}

beforeAll(async () => {
  await captureSdkRequests();
  const outputs = await deployToLocalStack({ stackName: STACK_NAME, template, quiet: true });
  baseUrl = invokeUrl(outputs.ApiId, outputs.StageName, '', DEFAULT_ENDPOINT);
  apiKeyId = outputs.ApiKeyId;
  apiKey = await apiKeyValue(apiKeyId);
  bucket = outputs.BucketName;
  // The raw Glue table in Trino's hive catalog, the Iceberg tables in its iceberg catalog (one metastore).
  await createInTrino(new TrinoClient(), STACK_NAME, synthesizedCatalogs(template));
  const resolve = cfnResolver(await stackResources(STACK_NAME));
  for (const r of icebergTables) await trino.query(trinoDdlFromIcebergTable(r, resolve).createTable);
}, DEPLOY_HOOK_MS);

afterAll(async () => {
  await deleteStack(STACK_NAME, { quiet: true }).catch(() => undefined);
});

test('the template declares one curated table per kind of event and the erasure table', () => {
  expect(curatedNames.sort()).toEqual(Object.values(T).sort());
});

test('a batch retried across an hour boundary gives one row per event id', async () => {
  // Segment's SDK resends the same messageIds; our own client resends the same eventIds. The first copy is received in
  // the previous hour, the retry in this one: two raw partitions.
  const ids = [{ eventId: 'ev-1', userId: 'u1', n: 1 }, { eventId: 'ev-2', userId: 'u2', n: 2 }];
  await store(hour(-1), segment(), own(ids));
  await store(hour(0), segment(), own(ids));
  // (A dt filter: without one, partition projection lists every hour since firstDay.)
  const dt = (at: Date) => sqlString(at.toISOString().slice(0, 13).replace(/[-T]/g, '/'));
  const rawCount = Number((await trino.query(`SELECT count(*) FROM hive."${DATABASE}"."events" WHERE dt IN (${dt(hour(-1))}, ${dt(hour(0))})`)).rows[0][0]);
  expect(rawCount).toBe(2 * (6 + 2));
  await mergeAll();
  expect(await counts()).toEqual({ events: 2, segment: 6, otlp: 0, snowplow: 0 });
  // A second run over the same partitions adds nothing.
  await mergeAll([T.events, T.segment]);
  expect(await counts()).toEqual({ events: 2, segment: 6, otlp: 0, snowplow: 0 });
  // The typed columns, and the event's own day partitions (not the day it arrived).
  const track = (await trino.objects(`SELECT type, event, user_id, message_id, CAST("timestamp" AS varchar) AS ts, CAST(event_time AS varchar) AS et, properties, source
    FROM "${DATABASE}"."${T.segment}" WHERE type = 'track'`))[0];
  expect(track).toEqual({
    type: 'track',
    event: 'Clicked',
    user_id: 'u1',
    message_id: expect.stringMatching(/^node-next-/),
    ts: '2026-12-03 18:50:38.593000',
    et: '2026-12-03 18:50:38.593000',
    properties: '{"a":1}',
    source: apiKeyId,
  });
  const partitions = await trino.query(`SELECT CAST(partition.event_time_day AS varchar) FROM "${DATABASE}"."${T.segment}$partitions"`);
  expect(partitions.rows).toEqual([['2026-12-03']]);
});

test('two events without ids in one request stay two rows', async () => {
  await store(hour(0), own([{ n: 3, userId: 'u3' }, { n: 3, userId: 'u3' }]));
  await mergeAll([T.events]);
  expect(await count(T.events)).toBe(4);
  const keys = await trino.query(`SELECT event_key, event_index FROM "${DATABASE}"."${T.events}" WHERE event_id IS NULL ORDER BY event_index`);
  expect(keys.rows.map((r) => r[1])).toEqual([0, 1]);
  expect(new Set(keys.rows.map((r) => r[0])).size).toBe(2);
});

test('a Segment and OTLP mix (and Snowplow) in one hour: each kind to its own typed table', async () => {
  await store(hour(0), otlp(), segment(), snowplow());
  await mergeAll([T.segment, T.otlp, T.snowplow]);
  expect(await counts()).toEqual({ events: 4, segment: 6, otlp: 2, snowplow: 3 });
  const log = (await trino.objects(`SELECT CAST("time" AS varchar) AS time, severity_number, severity_text, trace_id, span_id, service_name,
    attributes['str'] AS str, attributes['int'] AS "int", attributes['enduser.id'] AS enduser, user_id, resource_attributes['service.version'] AS version, scope_name
    FROM "${DATABASE}"."${T.otlp}" WHERE trace_id IS NOT NULL`))[0];
  const record = otlpBody.resourceLogs[0].scopeLogs[0].logRecords[0];
  const attr = (k: string) => record.attributes.find((a: any) => a.key === k).value;
  expect(log).toEqual({
    // timeUnixNano ...123456789 in Iceberg's microseconds: Trino (and so Athena) rounds when it casts.
    time: '2026-01-01 00:00:00.123457',
    severity_number: 17,
    severity_text: 'ERROR',
    trace_id: record.traceId,
    span_id: record.spanId,
    service_name: 'checkout',
    str: attr('str').stringValue,
    int: String(attr('int').intValue),
    enduser: 'u1',
    user_id: 'u1',
    version: '1.2.3',
    scope_name: 'capture-test',
  });
  const ue = (await trino.objects(`SELECT event, app_id, unstruct_event, CAST(dvce_created_tstamp AS varchar) AS dtm FROM "${DATABASE}"."${T.snowplow}" WHERE event = 'ue'`))[0] as any;
  expect(ue.app_id).toBe('shop');
  expect(JSON.parse(ue.unstruct_event)).toMatchObject({ schema: expect.stringMatching(/^iglu:com.snowplowanalytics.snowplow\/unstruct_event/), data: expect.any(Object) });
  const se = (await trino.objects(`SELECT se_category, se_action, se_value FROM "${DATABASE}"."${T.snowplow}" WHERE event = 'se'`))[0];
  expect(se).toEqual({ se_category: 'cart', se_action: 'add', se_value: 2.5 });
});

test('spans and metric points from the OTel JS SDKs, retried across an hour: one row per span and per point; the logs table gets none', async () => {
  const logsBefore = await count(T.otlp);
  for (const at of [hour(-1), hour(0)]) {
    await store(at, ['/v1/traces', sdk.traces], ['/v1/metrics', sdk.metrics]);
  }
  await mergeAll([T.otlp, T.spans, T.metrics]);
  expect([await count(T.spans), await count(T.metrics), await count(T.otlp)]).toEqual([SDK_SPANS, 3, logsBefore]);
  const spans = await trino.objects(`SELECT name, kind, status_code, duration_ms, service_name, element_at(attributes, 'i') AS i, scope_name,
    CAST(start_time AS varchar) AS start, CAST(event_time AS varchar) AS et, user_id, length(trace_id) AS tl, parent_span_id
    FROM "${DATABASE}"."${T.spans}" ORDER BY name`);
  expect(spans).toEqual(Array.from({ length: SDK_SPANS }, (_x, i) => ({
    // The driver's kind 1 is the JS API's SpanKind.SERVER, which OTLP numbers 2.
    name: `GET /items/${i}`,
    kind: 'SERVER',
    status_code: i === 2 ? 'ERROR' : 'UNSET',
    duration_ms: 5 + i,
    service_name: 'checkout',
    i: String(i),
    scope_name: 'curated',
    start: `2026-01-02 10:00:00.00${i}000`,
    et: `2026-01-02 10:00:00.00${i}000`,
    user_id: i === 0 ? 'u1' : null,
    tl: 32,
    parent_span_id: null,
  })));
  const points = await trino.objects(`SELECT metric_name, metric_type, temporality, is_monotonic, value, count, sum, min, max, element_at(attributes, 'route') AS route
    FROM "${DATABASE}"."${T.metrics}" ORDER BY metric_name, route`);
  expect(points).toEqual([
    { metric_name: 'http.duration', metric_type: 'histogram', temporality: 'CUMULATIVE', is_monotonic: null, value: null, count: 2, sum: 52, min: 12, max: 40, route: null },
    { metric_name: 'http.requests', metric_type: 'sum', temporality: 'CUMULATIVE', is_monotonic: true, value: 3, count: null, sum: null, min: null, max: null, route: '/a' },
    { metric_name: 'http.requests', metric_type: 'sum', temporality: 'CUMULATIVE', is_monotonic: true, value: 4, count: null, sum: null, min: null, max: null, route: '/b' },
  ]);
  // The event's own day partitions them.
  const days = await trino.query(`SELECT CAST(partition.event_time_day AS varchar) FROM "${DATABASE}"."${T.spans}$partitions"`);
  expect(days.rows).toEqual([['2026-01-02']]);
});

test('events that arrive after a merge (a late file in an hour already merged) are picked up by the next run', async () => {
  await store(hour(-1), own([{ eventId: 'ev-3', userId: 'u4', n: 4 }, { eventId: 'ev-1', userId: 'u1', n: 1 }]));
  await mergeAll([T.events]);
  expect(await count(T.events)).toBe(5);
  expect(await count(T.events, 'event_id = \'ev-1\'')).toBe(1);
});

test('an erasure deletes the user from every curated table, and a later merge does not bring them back', async () => {
  const before = await counts();
  const ofU1 = {
    events: await count(T.events, 'user_id = \'u1\''),
    segment: await count(T.segment, 'user_id = \'u1\''),
    otlp: await count(T.otlp, 'user_id = \'u1\''),
    snowplow: await count(T.snowplow, 'user_id = \'u1\''),
    spans: await count(T.spans, 'user_id = \'u1\''),
  };
  expect(ofU1).toEqual({ events: 1, segment: 5, otlp: 1, snowplow: 1, spans: 1 });
  await execute(named(T.erasures, 'record an erasure'), 'u1');
  await execute(named(T.erasures, 'record an erasure'), 'u1');
  expect(await count(T.erasures)).toBe(1);
  for (const t of kindTables) await execute(named(t, 'erase a user'), 'u1');
  const after = await counts();
  expect(after).toEqual({ events: before.events - 1, segment: before.segment - 5, otlp: before.otlp - 1, snowplow: before.snowplow - 1 });
  // The raw zone still holds u1's lines, and a retry brings more: the merge leaves them out.
  await store(hour(0), segment(), otlp(), snowplow(), own([{ eventId: 'ev-1', userId: 'u1' }]));
  await mergeAll();
  // OTLP records have no id: the retried request's record without a user is a new line (never merged with another).
  expect(await counts()).toEqual({ ...after, otlp: after.otlp + 1 });
  for (const t of kindTables) expect(await count(t, 'user_id = \'u1\'')).toBe(0);
});

test('upkeep (Trino\'s equivalents of the template\'s OPTIMIZE and VACUUM) keeps every row', async () => {
  const before = await counts();
  for (const t of kindTables) {
    expect(named(t, 'optimize')).toBe(`OPTIMIZE "${DATABASE}"."${t}" REWRITE DATA USING BIN_PACK`);
    expect(named(t, 'vacuum')).toBe(`VACUUM "${DATABASE}"."${t}"`);
    await trino.query(trinoOptimize(`"${DATABASE}"."${t}"`));
    // Trino refuses a threshold under its catalog minimum (7d by default): 7d expires nothing this young, but runs.
    await trino.query(trinoExpireSnapshots(`"${DATABASE}"."${t}"`, '7d'));
  }
  expect(await counts()).toEqual(before);
});
