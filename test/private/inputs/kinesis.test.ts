/**
 * Every input on the Kinesis target (IngestTarget.kinesisStream), rendered by the Velocity 1.7 harness (test/vtl)
 * with the published senders' requests (test/senders/fixtures) and with hostile ones, for each partition key.
 *
 * Each request is rendered twice: by the input's template on a Kinesis target and by the same input's template on
 * Firehose (proven line by line in ./segment|otlp|snowplow|shippers.test.ts). The Kinesis request must be
 * `{"StreamName","Data","PartitionKey"}` (the PutRecord shape API Gateway was recorded sending to Kinesis,
 * test/vtl/aws-recorded case util/base64-body) to the real stream, with the configured partition key (a request's
 * one record: a per-event key falls back to the request id), and carry exactly the bytes of the Firehose record;
 * a refusal must be the same refusal. The routes' answers are driven with Kinesis's recorded answers and errors.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { storedLines } from './stored-lines';
import { ApiToFirehose, ApiToFirehoseProps, EnvelopeField, IngestTarget, Input, PartitionKey, RecordEnvelope } from '../../../src';
import { SEGMENT_EVENT_MAX_BYTES } from '../../../src/private/inputs/segment';
import { REJECT_MARKER } from '../../../src/private/vtl';
import { DEFAULT_HEADERS, HOSTILE_STRINGS, LONG_STRING, SECRET, STREAM_NAME, deeplyNested, headerValue, hostileJsonValues, requestContext, short } from '../../vtl/checker';
import { MethodInfo, RenderResult, VtlEngine, findMethods, parseJsonStrict, simulateIntegration } from '../../vtl/harness';

const engine = new VtlEngine();
afterAll(async () => engine.close());

const FIXTURES = path.join(__dirname, '..', '..', 'senders', 'fixtures');
const read = (...p: string[]) => fs.readFileSync(path.join(FIXTURES, ...p), 'utf8');
const list = (dir: string, suffix: string) => fs.readdirSync(path.join(FIXTURES, dir)).filter((f) => f.endsWith(suffix));

const INPUTS = [Input.segment(), Input.otlpLogs(), Input.snowplow(), Input.logShippers()];
const ENVELOPE = RecordEnvelope.withFields([
  EnvelopeField.apiKeyId(), EnvelopeField.requestId(), EnvelopeField.receivedAt(), EnvelopeField.eventId(),
  EnvelopeField.batchIndex(), EnvelopeField.header('X-Tenant-Id', 'tenant'),
]);

interface KeyConfig {
  readonly name: string;
  readonly key: PartitionKey;
  /** The key the one record of a request should carry, before the request-id fallback. */
  readonly expected: (headers: Record<string, string>, context: Record<string, any>) => string | null | undefined;
}
const KEYS: KeyConfig[] = [
  { name: 'REQUEST_ID', key: PartitionKey.REQUEST_ID, expected: (_h, c) => c.requestId },
  { name: 'API_KEY_ID', key: PartitionKey.API_KEY_ID, expected: (_h, c) => c.identity?.apiKeyId },
  { name: 'HEADER', key: PartitionKey.fromField(EnvelopeField.header('X-Tenant-Id', 'tenant')), expected: (h) => headerValue(h, 'X-Tenant-Id') },
  // A request's record holds all its events, so a per-event key (an event id, even Segment's messageId) is the request id's.
  { name: 'EVENT_ID', key: PartitionKey.fromField(EnvelopeField.eventId()), expected: (_h, c) => c.requestId },
];

function synth(props: ApiToFirehoseProps): MethodInfo[] {
  const stack = new Stack(new App(), 'S');
  new ApiToFirehose(stack, 'Ingest', { envelope: ENVELOPE, inputs: INPUTS, ...props });
  const template = Template.fromStack(stack).toJSON();
  const streamId = Object.entries<any>(template.Resources).find(([, r]) => r.Type === 'AWS::Kinesis::Stream')?.[0];
  return findMethods(template, { refs: streamId ? { [streamId]: STREAM_NAME } : {} });
}
const firehose = synth({ deliveryStreamName: STREAM_NAME });
const kinesis = Object.fromEntries(KEYS.map((k) => [k.name, synth({ target: IngestTarget.kinesisStream({ partitionKey: k.key }) })]));

const method = (methods: MethodInfo[], p: string) => methods.find((m) => m.resourcePath === p && m.httpMethod === 'POST')!;

interface Case { readonly route: string; readonly contentType: string; readonly body: string; readonly note: string }

// The published senders' requests, as captured (test/senders/fixtures).
const segmentFixtures: Case[] = list('segment', '.json').filter((f) => !f.includes('preflight')).map((f) => {
  const r = JSON.parse(read('segment', f)).request as { path: string; body: string };
  return { route: `/v1/${r.path.split('/').pop()}`, contentType: f.startsWith('browser') ? 'text/plain' : 'application/json', body: r.body, note: f };
}).filter((c) => c.route !== '/v1/m'); // analytics-next's metrics, not an event route
const otlpFixtures: Case[] = list('otel', '.body.json').map((f) => ({ route: '/v1/logs', contentType: 'application/json', body: read('otel', f), note: f }));
const snowplowFixtures: Case[] = list('snowplow', '.body.json').map((f) => ({
  route: '/com.snowplowanalytics.snowplow/tp2', contentType: 'application/json', body: read('snowplow', f), note: f,
}));
const shipperFixtures: Case[] = list('shippers', '.json').map((f) => {
  const r = JSON.parse(read('shippers', f)).request as { headers: [string, string][]; body?: string; decodedBody?: string };
  const contentType = r.headers.find(([k]) => k.toLowerCase() === 'content-type')![1].split(';')[0];
  return { route: '/logs', contentType, body: r.decodedBody ?? r.body!, note: f };
});

// Hostile events in each input's shape (objects only where the format demands objects).
const objects = hostileJsonValues().filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v));
const big = { long: LONG_STRING, nested: deeplyNested(60) };
const hostile: Case[] = [
  ...objects.map((e, i) => ({ route: '/v1/track', contentType: 'application/json', body: JSON.stringify({ ...e, type: 'track', messageId: `m-${i}`, eventId: `ev-${i}`, writeKey: 'wk' }), note: 'segment single' })),
  { route: '/v1/t', contentType: 'text/plain', body: JSON.stringify({ ...big, messageId: 'x'.repeat(300), writeKey: 'wk' }), note: 'segment text' },
  { route: '/v1/batch', contentType: 'application/json', body: JSON.stringify({ batch: objects.map((e, i) => ({ ...e, messageId: `m-${i}` })), sentAt: '"}', context: { writeKey: 'wk', a: '\n' } }), note: 'segment batch' },
  { route: '/v1/batch', contentType: 'application/json', body: JSON.stringify({ batch: [{ a: 'x'.repeat(SEGMENT_EVENT_MAX_BYTES) }] }), note: 'segment event too large' },
  { route: '/v1/b', contentType: 'text/plain', body: JSON.stringify({ batch: [] }), note: 'segment empty batch' },
  ...objects.slice(0, 40).map((e) => ({
    route: '/v1/logs', contentType: 'application/json', body: JSON.stringify({ resourceLogs: [{ resource: e, scopeLogs: [{ scope: e, logRecords: [e, { body: { stringValue: JSON.stringify(e) } }] }] }] }), note: 'otlp',
  })),
  { route: '/v1/logs', contentType: 'application/json', body: '{"resourceLogs":[]}', note: 'otlp nothing to store' },
  { route: '/v1/logs', contentType: 'application/json', body: '{"resourceLogs":[{"scopeLogs":[{"logRecords":[1]}]}]}', note: 'otlp malformed' },
  { route: '/v1/logs', contentType: 'application/json', body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: 999 }, () => ({})) }] }] }), note: 'otlp too many' },
  { route: '/com.snowplowanalytics.snowplow/tp2', contentType: 'application/json', body: JSON.stringify({ schema: 'iglu:x', data: objects.map((e, i) => ({ ...e, eid: `e-${i}` })) }), note: 'snowplow' },
  { route: '/com.snowplowanalytics.snowplow/tp2', contentType: 'application/json', body: JSON.stringify({ data: Array.from({ length: 6 }, () => ({ p: LONG_STRING })) }), note: 'snowplow oversized' },
  { route: '/com.snowplowanalytics.snowplow/tp2', contentType: 'application/json', body: '{"data":"abc"}', note: 'snowplow malformed' },
  { route: '/logs', contentType: 'application/json', body: JSON.stringify(objects), note: 'shippers array' },
  { route: '/logs', contentType: 'application/x-ndjson', body: [...HOSTILE_STRINGS, '{"a":1}', '  ', 'not json "', '\r'].join('\n'), note: 'shippers ndjson' },
  { route: '/logs', contentType: 'application/x-ndjson', body: '\n\n', note: 'shippers blank' },
  { route: '/logs', contentType: 'application/json', body: '[1,2]', note: 'shippers malformed' },
];
const CASES = [...segmentFixtures, ...otlpFixtures, ...snowplowFixtures, ...shipperFixtures, ...hostile];

// Hostile headers and contexts: the keys' sources.
const REQUESTS: { headers: Record<string, string>; context: Record<string, any> }[] = [
  { headers: DEFAULT_HEADERS, context: requestContext() },
  ...HOSTILE_STRINGS.slice(0, 8).map((s) => ({ headers: { ...DEFAULT_HEADERS, 'X-Tenant-Id': s }, context: requestContext({ identity: { apiKeyId: s } }) })),
  { headers: { ...DEFAULT_HEADERS, 'X-Tenant-Id': 'k'.repeat(256) }, context: requestContext({ identity: { apiKeyId: null } }) },
  { headers: { ...DEFAULT_HEADERS, 'X-Tenant-Id': 'k'.repeat(257) }, context: requestContext({ identity: { apiKeyId: '' } }) },
  { headers: { ...DEFAULT_HEADERS, 'X-Tenant-Id': '"'.repeat(200) }, context: requestContext({ identity: { apiKeyId: 'key"with\\quotes' } }) },
];

async function renderAll(methods: MethodInfo[], cases: Case[], req: typeof REQUESTS[number]): Promise<RenderResult[]> {
  return engine.renderMany(cases.map((c) => ({
    template: method(methods, c.route).requestTemplates[c.contentType]!,
    body: c.body,
    params: { header: req.headers, querystring: {}, path: {} },
    context: req.context,
  })));
}

/** The Kinesis request's problems, given the Firehose render of the same request. */
function compare(k: KeyConfig, req: typeof REQUESTS[number], kr: RenderResult, fr: RenderResult): string[] {
  if (fr.error) return kr.error ? [] : ['Firehose failed the render, Kinesis did not'];
  if (kr.error) return [`render failed: ${kr.error.slice(0, 200)}`];
  const o = parseJsonStrict(kr.output, 'rendered Kinesis request') as Record<string, unknown>;
  const f = JSON.parse(fr.output) as { DeliveryStreamName: string; Record: { Data: string } };
  if (Object.keys(o).join() !== 'StreamName,Data,PartitionKey') return [`not {StreamName, Data, PartitionKey}: ${short(kr.output, 200)}`];
  if (f.DeliveryStreamName.startsWith(`${REJECT_MARKER}.`)) {
    return o.StreamName === f.DeliveryStreamName && o.Data === '' ? [] : [`Firehose refused (${f.DeliveryStreamName}), Kinesis wrote ${short(kr.output)}`];
  }
  const problems: string[] = [];
  if (o.StreamName !== STREAM_NAME) problems.push(`StreamName ${short(o.StreamName)}`);
  if (o.Data !== f.Record.Data) problems.push('Data differs from the Firehose record');
  const pk = o.PartitionKey;
  const want = k.expected(req.headers, req.context);
  const expected = typeof want === 'string' && want !== '' && JSON.stringify(want).length <= 258 ? want : req.context.requestId;
  if (typeof pk !== 'string' || pk.length < 1 || [...pk].length > 256) problems.push(`PartitionKey ${short(pk)} is not 1-256 characters`);
  else if (pk !== expected) problems.push(`PartitionKey ${short(pk)}, expected ${short(expected)}`);
  // The lines, as Firehose would read the record: within the limits, no secret anywhere.
  problems.push(...(() => {
    try {
      storedLines({ ...kr, output: JSON.stringify({ DeliveryStreamName: o.StreamName, Record: { Data: o.Data } }) });
      return kr.output.includes(SECRET) ? ['the API key value is in the request'] : [];
    } catch (e) {
      return [(e as Error).message.slice(0, 300)];
    }
  })());
  return problems;
}

test('the corpus reaches every input route, stores lines and refuses (not a test that passes empty)', async () => {
  const routes = new Set(CASES.map((c) => `${c.route} ${c.contentType}`));
  expect([...routes].filter((r) => r.startsWith('/v1/logs') || r.startsWith('/logs') || r.startsWith('/com.')).sort()).toEqual([
    '/com.snowplowanalytics.snowplow/tp2 application/json', '/logs application/json', '/logs application/x-ndjson', '/v1/logs application/json',
  ]);
  expect(segmentFixtures.length + otlpFixtures.length + snowplowFixtures.length + shipperFixtures.length).toBeGreaterThanOrEqual(20);
  const rendered = await renderAll(firehose, CASES, REQUESTS[0]);
  const refused = rendered.filter((r) => !r.error && JSON.parse(r.output).DeliveryStreamName.startsWith(`${REJECT_MARKER}.`));
  expect(refused.length).toBeGreaterThanOrEqual(8);
  expect(rendered.length - refused.length).toBeGreaterThan(100);
});

test.each(KEYS.map((k) => [k.name, k] as const))('%s: every input writes the Firehose record\'s bytes to the stream, keyed as configured; refusals match', async (_n, k) => {
  const problems: string[] = [];
  for (const [ri, req] of REQUESTS.entries()) {
    // The whole corpus with the ordinary headers; hostile headers with one request of each route and content type.
    const cases = ri === 0 ? CASES : CASES.filter((c, i) => CASES.findIndex((d) => d.route === c.route && d.contentType === c.contentType) === i);
    const [kr, fr] = await Promise.all([renderAll(kinesis[k.name], cases, req), renderAll(firehose, cases, req)]);
    cases.forEach((c, i) => problems.push(...compare(k, req, kr[i], fr[i]).map((p) => `${c.note} ${c.route} ${c.contentType} request ${ri}: ${p}`)));
  }
  expect(problems).toEqual([]);
});

describe('the input routes answer from Kinesis\'s answers', () => {
  const methods = kinesis.REQUEST_ID;
  const context = requestContext({ requestId: 'req-1' });
  const sim = (route: string, body: string, status: number, answer: unknown) => simulateIntegration(engine, method(methods, route),
    { body, context, params: { header: DEFAULT_HEADERS, querystring: {}, path: {} } }, { status, body: typeof answer === 'string' ? answer : JSON.stringify(answer) });
  const recorded = { SequenceNumber: '49590338271490256608559692538361571095921575989136588898', ShardId: 'shardId-000000000000' };
  const ok: [string, string][] = [
    ['/v1/batch', segmentFixtures.find((c) => c.note === 'node-batch.json')!.body],
    ['/v1/logs', otlpFixtures[0].body],
    ['/com.snowplowanalytics.snowplow/tp2', snowplowFixtures[0].body],
    ['/logs', '[{"a":1}]'],
  ];

  test.each(ok)('%s: PutRecord as recorded on AWS ({SequenceNumber, ShardId}) answers 200; without a SequenceNumber 502', async (route, body) => {
    const r = await sim(route, body, 200, recorded);
    expect(r.status).toBe('200');
    expect(JSON.parse(r.body)).toEqual(route === '/v1/logs' ? {} : { recordId: recorded.SequenceNumber, shardId: recorded.ShardId, requestId: 'req-1' });
    for (const answer of ['{}', { ShardId: 'shardId-000000000000' }, { SequenceNumber: '' }]) {
      const bad = await sim(route, body, 200, answer);
      expect([bad.status, JSON.parse(bad.body).error]).toEqual([502, 'UnexpectedStreamResponse']);
    }
  });

  test.each(ok)('%s: throttling answers 503 with Retry-After, a missing stream 500, and never Kinesis\'s message', async (route, body) => {
    const throttled = await sim(route, body, 400, { __type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded for shard in stream s under account 123456789012.' });
    expect([throttled.status, JSON.parse(throttled.body).error, throttled.responseRender?.responseOverride.header['Retry-After']]).toEqual([503, 'Throttled', '1']);
    expect(throttled.body).not.toContain('123456789012');
    const missing = await sim(route, body, 400, { __type: 'ResourceNotFoundException', message: 'Stream s under account 123456789012 not found.' });
    expect([missing.status, JSON.parse(missing.body).error]).toEqual([500, 'StreamUnavailable']);
  });

  // The template's refusal names the marker stream; Kinesis answers ResourceNotFound (LocalStack) or AccessDenied (AWS).
  const refusals: [string, string, number, string][] = [
    ['/v1/batch', 'EventTooLarge', 400, JSON.stringify({ batch: [{ a: 'x'.repeat(SEGMENT_EVENT_MAX_BYTES) }] })],
    ['/v1/logs', 'an empty export: {}', 200, '{"resourceLogs":[]}'],
    ['/v1/logs', 'TooManyLogRecords', 413, JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: 999 }, () => ({})) }] }] })],
    ['/v1/logs', 'InvalidOtlpRequest', 400, '{"resourceLogs":[{"scopeLogs":[{"logRecords":[1]}]}]}'],
    ['/com.snowplowanalytics.snowplow/tp2', 'PayloadTooLarge', 400, JSON.stringify({ data: Array.from({ length: 6 }, () => ({ p: LONG_STRING })) })],
    ['/com.snowplowanalytics.snowplow/tp2', 'InvalidSnowplowPayload', 400, '{"data":"abc"}'],
    ['/logs', 'InvalidShipperPayload', 400, '[1,2]'],
    ['/logs', 'TooManyEvents', 413, JSON.stringify(Array.from({ length: 1001 }, () => ({})))],
  ];
  test.each(refusals)('%s: the input\'s own refusal %s answers %d, the stream never called', async (route, code, want, body) => {
    for (const [type, status] of [['ResourceNotFoundException', 400], ['AccessDeniedException', 403]] as const) {
      const rendered = await sim(route, body, 200, recorded);
      const request = JSON.parse(rendered.integrationBody!);
      expect(request.StreamName).toMatch(new RegExp(`^${REJECT_MARKER}\\.`));
      const r = await sim(route, body, status, { __type: type, message: `Stream ${request.StreamName} under account 000000000000 not found.` });
      expect(r.status).toBe(want);
      expect(want === 200 ? JSON.parse(r.body) : JSON.parse(r.body).error).toEqual(want === 200 ? {} : code);
    }
  });
});
