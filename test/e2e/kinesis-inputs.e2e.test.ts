/**
 * End-to-end on LocalStack: every input on the Kinesis target, the example stack's `/stream` instance
 * (IngestTarget.kinesisStream, one provisioned shard, PartitionKey.REQUEST_ID), driven by the published senders
 * (@segment/analytics-node 3.x, @opentelemetry/exporter-logs-otlp-http in a child process, @snowplow/node-tracker)
 * and, for the shippers (whose binaries are not in the registries), by their recorded request shapes. A consumer
 * reading the stream with GetRecords sees every event exactly once, each Kinesis record keyed by its request id,
 * and Firehose (Kinesis source) stores the same lines in S3. The example stack is the run's shared one
 * (./shared-example.ts); this run's events are told apart by RUN.
 * Run inside `scripts/local/localstack.sh run -- ...`; loopback only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { Analytics, FetchHTTPClient } from '@segment/analytics-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { buildPageView, buildSelfDescribingEvent, buildStructEvent, newTracker } from '@snowplow/node-tracker';
import { DEPLOY_HOOK_MS, releaseExample, sharedExample } from './shared-example';
import { DEFAULT_ENDPOINT, REGION, listObjects } from '../../scripts/local/deploy';
import { DeployedExample } from '../../scripts/local/example';
import { OtelDriver } from '../senders/otel-driver-client';

jest.setTimeout(600_000);

const kinesis = new KinesisClient({
  endpoint: DEFAULT_ENDPOINT, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, requestHandler: new NodeHttpHandler(),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RUN = `run-${Date.now().toString(36)}`;

let ex: DeployedExample;
let stream: string;
let since: Date;

beforeAll(async () => {
  ex = await sharedExample();
  stream = `${ex.baseUrl}stream`;
  since = new Date(Date.now() - 5000);
}, DEPLOY_HOOK_MS);

afterAll(async () => {
  await releaseExample(ex);
});

interface StreamLine { readonly line: any; readonly partitionKey: string }

/** Every line written to the stream since the suite began, with its record's partition key (GetRecords until two empty rounds). */
async function readStream(): Promise<StreamLine[]> {
  const out: StreamLine[] = [];
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: ex.kinesisStreamName }))).Shards ?? [];
  for (const shard of shards) {
    let it = (await kinesis.send(new GetShardIteratorCommand({
      StreamName: ex.kinesisStreamName, ShardId: shard.ShardId!, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: since,
    }))).ShardIterator;
    let empty = 0;
    while (it && empty < 2) {
      const res = await kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
      it = res.NextShardIterator;
      const records = res.Records ?? [];
      if (records.length === 0) {
        empty++;
        await sleep(200);
      } else {
        empty = 0;
      }
      for (const r of records) {
        const text = Buffer.from(r.Data!).toString('utf8');
        expect(text.endsWith('\n')).toBe(true);
        for (const line of text.slice(0, -1).split('\n')) out.push({ line: JSON.parse(line), partitionKey: r.PartitionKey! });
      }
    }
  }
  return out;
}

/** The lines an input wrote to the stream for this run: each once, in a record keyed by its request id. */
async function fromStream(pick: (l: any) => boolean, count: number): Promise<any[]> {
  let mine: StreamLine[] = [];
  for (let i = 0; i < 20 && mine.length < count; i++) {
    mine = (await readStream()).filter((s) => pick(s.line));
    if (mine.length < count) await sleep(500);
  }
  expect(mine.filter((s) => s.partitionKey !== s.line.requestId)).toEqual([]);
  expect(JSON.stringify(mine)).not.toContain(ex.streamApiKey);
  return mine.map((s) => s.line);
}

async function fromS3(pick: (l: any) => boolean, count: number): Promise<any[]> {
  let found: any[] = [];
  for (let i = 0; i < 60 && found.length < count; i++) {
    found = [];
    for (const o of await listObjects(ex.streamBucket, 'events/')) {
      expect(o.body).not.toContain(ex.streamApiKey);
      for (const line of o.body.split('\n').filter((l) => l !== '')) {
        const parsed = JSON.parse(line);
        if (pick(parsed)) found.push(parsed);
      }
    }
    if (found.length < count) await sleep(1000);
  }
  return found;
}

const segmentMine = (l: any) => l.input === 'segment' && (l.body?.properties?.run === RUN || l.body?.traits?.run === RUN || l.body?.context?.run === RUN);
const otlpMine = (l: any) => l.input === 'otlp' && l.resource?.attributes?.some((a: any) => a.value?.stringValue === RUN);
const snowplowMine = (l: any) => l.input === 'snowplow' && l.body?.aid === RUN;
const shipperMarker = (l: any) => (typeof l.body === 'string' ? JSON.parse(l.body).marker : l.body?.marker);
const shipperMine = (l: any) => l.input === 'shipper' && typeof shipperMarker(l) === 'string' && shipperMarker(l).endsWith(RUN);
const sortedIds = (lines: any[]) => lines.map((l) => l.eventId).sort();

test('@segment/analytics-node on the Kinesis target: every call stored once by messageId, no writeKey', async () => {
  const url = new URL(ex.baseUrl);
  const withKey = new FetchHTTPClient();
  const analytics = new Analytics({
    writeKey: ex.streamApiKey,
    host: url.origin,
    path: `${url.pathname}stream/v1/batch`,
    flushInterval: 200,
    httpClient: { makeRequest: (o) => withKey.makeRequest({ ...o, headers: { ...o.headers, 'x-api-key': ex.streamApiKey } }) },
  });
  const errors: unknown[] = [];
  analytics.on('error', (e) => errors.push(e));
  for (let i = 0; i < 30; i++) {
    const userId = `user-${i % 3}`;
    switch (i % 6) {
      case 0: analytics.track({ userId, event: 'Signed Up', properties: { run: RUN, i, plan: 'pro "q" é' } }); break;
      case 1: analytics.identify({ userId, traits: { run: RUN, i } }); break;
      case 2: analytics.page({ userId, name: 'Home', properties: { run: RUN, i } }); break;
      case 3: analytics.screen({ userId, name: 'Main', properties: { run: RUN, i } }); break;
      case 4: analytics.group({ userId, groupId: 'g1', traits: { run: RUN, i } }); break;
      default: analytics.alias({ userId, previousId: 'anon-1', context: { run: RUN } } as any); break;
    }
  }
  await analytics.closeAndFlush();
  expect(errors).toEqual([]);
  const lines = await fromStream(segmentMine, 30);
  expect(lines).toHaveLength(30);
  expect(new Set(lines.map((l) => l.eventId)).size).toBe(30);
  for (const l of lines) expect(l.eventId).toBe(l.body.messageId);
  expect(JSON.stringify(lines)).not.toContain('writeKey');
  expect(sortedIds(await fromS3(segmentMine, 30))).toEqual(sortedIds(lines));
});

test('OTel JS exporter on the Kinesis target: 100 log records, each stored once with its resource', async () => {
  const driver = new OtelDriver();
  try {
    // LocalStack renders a 100-record request in several seconds: longer timeouts than the exporter's defaults (LocalStack only).
    const config = { url: `${stream}/v1/logs`, headers: { 'x-api-key': ex.streamApiKey }, timeoutMillis: 120_000 };
    const exporter = (await driver.call('exporter', { config })).exporter;
    const provider = (await driver.call('provider', {
      exporter, resource: { 'service.name': 'checkout', 'run.id': RUN }, batch: { maxExportBatchSize: 100, exportTimeoutMillis: 120_000 },
    })).provider;
    const records = Array.from({ length: 100 }, (_x, i) => ({ severityNumber: 9, severityText: 'INFO', body: `line ${i} "q" é`, attributes: { seq: i } }));
    await driver.call('emit', { provider, scope: 'e2e', version: '1.0.0', records });
    await driver.call('flush', { provider });
    const { warnings } = await driver.call('warnings');
    expect(warnings.filter((w: string) => /error|fail/i.test(w))).toEqual([]);
    await driver.call('shutdown', { provider });
  } finally {
    await driver.close();
  }
  const lines = await fromStream(otlpMine, 100);
  expect(lines.map((l) => Number(l.body.attributes.find((a: any) => a.key === 'seq').value.intValue)).sort((a, b) => a - b))
    .toEqual(Array.from({ length: 100 }, (_x, i) => i));
  for (const l of lines) expect(l.scope).toEqual(expect.objectContaining({ name: 'e2e', version: '1.0.0' }));
  const s3 = await fromS3(otlpMine, 100);
  expect(s3.map((l) => `${l.requestId}/${l.index}`).sort()).toEqual(lines.map((l) => `${l.requestId}/${l.index}`).sort());
});

test('Snowplow node tracker on the Kinesis target: page views, structured and self-describing events, each stored once by eid', async () => {
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  // LocalStack picks a request template by the exact Content-Type, so the tracker's `application/json; charset=UTF-8`
  // gets 415 there (AWS selects by the media type): this fetch drops the charset, as test/e2e/inputs.e2e.test.ts does.
  const customFetch = async (req: Request) => {
    const headers = new Headers(req.headers);
    headers.set('content-type', 'application/json');
    return fetch(req.url, { method: req.method, headers, body: await req.text() });
  };
  const outcomes: string[] = [];
  const t = newTracker({ namespace: 'e2e', appId: RUN }, {
    endpoint: stream,
    customHeaders: { 'x-api-key': ex.streamApiKey },
    customFetch,
    onRequestSuccess: () => outcomes.push('success'),
    onRequestFailure: (f: any) => outcomes.push(`failure ${f?.status}`),
  } as any);
  for (let i = 0; i < 4; i++) t.track(buildPageView({ pageUrl: `https://shop.example/p/${i}`, pageTitle: `P${i}` }));
  for (let i = 0; i < 4; i++) t.track(buildStructEvent({ category: 'cart', action: 'add', label: `sku-${i}`, value: i }));
  for (let i = 0; i < 2; i++) t.track(buildSelfDescribingEvent({ event: { schema: 'iglu:com.acme/checkout/jsonschema/1-0-0', data: { orderId: `o-${i}` } } }));
  await t.flush();
  // The tracker sends a full buffer on its own (not awaited by flush): read the stream first, then its outcomes.
  const lines = await fromStream(snowplowMine, 10);
  expect(outcomes.length).toBeGreaterThan(0);
  expect(outcomes.filter((o) => o !== 'success')).toEqual([]);
  expect(lines).toHaveLength(10);
  expect(new Set(lines.map((l) => l.eventId)).size).toBe(10);
  for (const l of lines) expect(l.eventId).toBe(l.body.eid);
  expect(sortedIds(await fromS3(snowplowMine, 10))).toEqual(sortedIds(lines));
});

test('log shippers on the Kinesis target: the recorded JSON-array shapes (gzip too) are each stored once', async () => {
  const dir = path.join(__dirname, '..', 'senders', 'fixtures', 'shippers');
  let want = 0;
  let sent = 0;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const f = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const contentType: string = f.request.headers.find(([k]: [string]) => k.toLowerCase() === 'content-type')[1];
    // NDJSON: LocalStack validates every body against the application/json model (see inputs.e2e.test.ts); the
    // NDJSON template on the Kinesis target is proven in the Velocity harness (test/private/inputs/kinesis.test.ts).
    if (contentType.startsWith('application/x-ndjson')) continue;
    const raw: string = f.request.decodedBody ?? f.request.body;
    const marker = `${file}-${RUN}`;
    const body = JSON.stringify(JSON.parse(raw).map((r: any) => ({ ...r, marker })));
    const gzip = f.request.contentEncoding === 'gzip';
    const res = await fetch(`${stream}/logs`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'x-api-key': ex.streamApiKey, ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
      body: gzip ? zlib.gzipSync(body) : body,
    });
    expect([file, res.status, Object.keys(await res.json() as object).sort()]).toEqual([file, 200, ['recordId', 'requestId', 'shardId']]);
    want += JSON.parse(raw).length;
    sent++;
  }
  expect(sent).toBeGreaterThanOrEqual(3);
  const lines = await fromStream(shipperMine, want);
  expect(lines).toHaveLength(want);
  expect(new Set(lines.map((l) => `${l.requestId}/${l.index}`)).size).toBe(want);
  expect((await fromS3(shipperMine, want)).length).toBe(want);
});

test('refusals on the Kinesis target reach the caller and write nothing: OTLP over 1,000 iterations 413, Segment event over 32 KB 400', async () => {
  const headers = { 'content-type': 'application/json', 'x-api-key': ex.streamApiKey };
  const logRecords = Array.from({ length: 999 }, (_x, i) => ({ body: { stringValue: `x${i}` } }));
  const big = await fetch(`${stream}/v1/logs`, {
    method: 'POST', headers, body: JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'run', value: { stringValue: RUN } }] }, scopeLogs: [{ scope: {}, logRecords }] }] }),
  });
  expect([big.status, (await big.json() as any).error]).toEqual([413, 'TooManyLogRecords']);
  const tooLarge = await fetch(`${stream}/v1/track`, {
    method: 'POST', headers, body: JSON.stringify({ type: 'track', event: 'x', userId: 'u', messageId: `big-${RUN}`, properties: { run: RUN, pad: 'x'.repeat(33 * 1024) } }),
  });
  expect([tooLarge.status, (await tooLarge.json() as any).error]).toEqual([400, 'EventTooLarge']);
  const lines = (await readStream()).map((s) => s.line);
  expect(lines.filter((l) => l.body?.messageId === `big-${RUN}` || l.resource?.attributes?.some((a: any) => a.key === 'run'))).toEqual([]);
});
