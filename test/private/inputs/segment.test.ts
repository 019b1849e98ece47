import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApiToFirehose, EnvelopeField, Input, RecordEnvelope } from '../../../src';
import { SEGMENT_EVENT_MAX_BYTES } from '../../../src/private/inputs/segment';
import { REJECT_MARKER } from '../../../src/private/vtl';
import {
  HOSTILE_STRINGS, SECRET, hostileJsonValues, requestContext,
} from '../../vtl/checker';
import { MethodInfo, RenderResult, VtlEngine, decodeFirehoseRequest, findMethods } from '../../vtl/harness';

/**
 * The Segment input's templates, rendered by the Velocity 1.7 harness (test/vtl) with hostile events: every event
 * one line with the construct's envelope, its messageId the event id, no writeKey anywhere, nothing forged.
 */
const engine = new VtlEngine();
afterAll(async () => engine.close());

function synth(props: Partial<ConstructorParameters<typeof ApiToFirehose>[2]> = {}): MethodInfo[] {
  const stack = new Stack(new App(), 'S');
  new ApiToFirehose(stack, 'Ingest', { deliveryStreamName: 'events', inputs: [Input.segment()], ...props });
  return findMethods(Template.fromStack(stack).toJSON());
}

const methods = synth();
const at = (path: string, contentType = 'application/json') => {
  const m = methods.find((x) => x.resourcePath === path && x.httpMethod === 'POST');
  if (!m) throw new Error(`no POST ${path}`);
  return m.requestTemplates[contentType]!;
};

const WRITE_KEY = 'wk_SECRET_WRITE_KEY';
const headers = { 'User-Agent': 'analytics-node-next/latest', 'X-Amzn-Trace-Id': 'Root=1-abc' };

async function render(template: string, body: string): Promise<RenderResult> {
  const [r] = await engine.renderMany([{ template, body, params: { header: headers, querystring: {}, path: {} }, context: requestContext() }]);
  return r;
}

/** Renders, checks no secret leaked, and decodes the lines of the one record. */
async function lines(template: string, body: string): Promise<Record<string, any>[]> {
  const r = await render(template, body);
  expect(r.error).toBeNull();
  const decoded = decodeFirehoseRequest(r.output);
  expect(decoded.kind).toBe('PutRecord');
  for (const text of [r.output, ...decoded.lines]) {
    expect(text).not.toContain(WRITE_KEY);
    expect(text).not.toContain(SECRET);
  }
  return decoded.events as Record<string, any>[];
}

function event(type: string, extra: Record<string, unknown> = {}) {
  return { type, messageId: `node-next-${type}-1`, timestamp: '2026-12-03T10:00:00.000Z', anonymousId: 'anon-1', ...extra };
}

test('serves every Segment route, JSON and text/plain, with the Authorization header in the preflight', () => {
  const paths = methods.filter((m) => m.httpMethod === 'POST').map((m) => m.resourcePath).sort();
  expect(paths).toEqual(['/', '/batch', ...['a', 'alias', 'b', 'batch', 'g', 'group', 'i', 'identify', 'p', 'page', 's', 'screen', 't', 'track']
    .map((r) => `/v1/${r}`)].sort());
  for (const m of methods.filter((x) => x.resourcePath?.startsWith('/v1/'))) {
    expect(Object.keys(m.requestTemplates).sort()).toEqual(['application/json', 'text/plain']);
    expect(m.requestTemplates['text/plain']).toBe(m.requestTemplates['application/json']);
  }
  const stack = new Stack(new App(), 'C');
  new ApiToFirehose(stack, 'Ingest', { inputs: [Input.segment()], cors: { allowOrigin: 'https://app.example.com' } });
  const options = Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } }));
  const allowHeaders = options.map((o: any) => o.Properties.Integration.IntegrationResponses[0].ResponseParameters['method.response.header.Access-Control-Allow-Headers']);
  expect(allowHeaders.filter((h: string) => h.includes('Authorization'))).toHaveLength(14);
  expect(allowHeaders.filter((h: string) => !h.includes('Authorization'))).toHaveLength(2);
});

test('a batch: one line per event, messageId as event id, the batch sentAt and context beside it, no writeKey', async () => {
  const batch = [event('track', { event: 'Signed Up', properties: { plan: 'pro' } }), event('identify', { userId: 'u1', traits: { a: 1 } }),
    event('page', { name: 'Home' }), event('group', { groupId: 'g1' }), event('alias', { previousId: 'anon-1', userId: 'u1' })];
  const body = {
    batch: batch.map((e) => ({ ...e, writeKey: WRITE_KEY })),
    writeKey: WRITE_KEY,
    sentAt: '2026-12-03T10:00:01.000Z',
    context: { library: { name: 'analytics-python', version: '2.4.0' }, writeKey: WRITE_KEY },
  };
  for (const path of ['/v1/batch', '/v1/b']) {
    const out = await lines(at(path), JSON.stringify(body));
    expect(out).toEqual(batch.map((e, i) => ({
      apiKeyId: 'apikeyid123',
      requestId: expect.any(String),
      receivedAt: expect.any(Number),
      eventId: e.messageId,
      index: i,
      input: 'segment',
      sentAt: body.sentAt,
      context: { library: body.context.library },
      body: e,
    })));
  }
});

test('single events, long and short routes, JSON and text/plain bodies: the event whole, less its writeKey', async () => {
  const e = event('track', { event: 'Clicked', writeKey: WRITE_KEY, sentAt: '2026-12-03T10:00:02.000Z', context: { page: { url: 'https://x' } } });
  for (const path of ['/v1/track', '/v1/t']) {
    const [line] = await lines(at(path, 'text/plain'), JSON.stringify(e));
    const { writeKey: _, ...kept } = e as Record<string, unknown>;
    expect(line).toEqual({ apiKeyId: 'apikeyid123', requestId: expect.any(String), receivedAt: expect.any(Number), eventId: e.messageId, input: 'segment', body: kept });
  }
});

test('writeKey in odd places is removed; strings that only look like it are kept exactly', async () => {
  const tricky = [
    { writeKey: WRITE_KEY },
    { writeKey: WRITE_KEY, type: 'track' },
    { type: 'track', writeKey: `${WRITE_KEY}\\"},"apiKeyId":"forged` },
    { type: 'track', properties: { writeKey: WRITE_KEY, nested: { writeKey: WRITE_KEY, x: 1 } } },
    { type: 'track', note: '"writeKey":"kept", {"writeKey":"kept"}', quote: 'a\\', writeKey: WRITE_KEY },
    { type: 'track', writeKey: `${WRITE_KEY}😀\u2028` },
  ];
  const out = await lines(at('/v1/batch'), JSON.stringify({ batch: tricky, sentAt: 'x' }));
  expect(out.map((l) => l.body)).toEqual([
    {},
    { type: 'track' },
    { type: 'track' },
    { type: 'track', properties: { nested: { x: 1 } } },
    { type: 'track', note: '"writeKey":"kept", {"writeKey":"kept"}', quote: 'a\\' },
    { type: 'track' },
  ]);
  for (const l of out) expect(Object.keys(l)).toEqual(['apiKeyId', 'requestId', 'receivedAt', 'eventId', 'index', 'input', 'sentAt', 'context', 'body']);
});

test('hostile events never forge an envelope field or break the line', async () => {
  const values = [...hostileJsonValues(), ...HOSTILE_STRINGS];
  const batch = values.map((v, i) => ({ type: 'track', messageId: `m${i}`, properties: { v }, apiKeyId: 'forged', eventId: 'forged', input: 'forged', index: 99 }));
  const out = await lines(at('/v1/batch'), JSON.stringify({ batch, sentAt: '"},"apiKeyId":"x', context: { '"': '$context.requestId #set($a=1)' } }));
  expect(out).toHaveLength(batch.length);
  out.forEach((l, i) => {
    expect([l.apiKeyId, l.eventId, l.index, l.input]).toEqual(['apikeyid123', `m${i}`, i, 'segment']);
    expect(l.sentAt).toBe('"},"apiKeyId":"x');
    expect(l.context).toEqual({ '"': '$context.requestId #set($a=1)' });
    expect(l.body).toEqual(JSON.parse(JSON.stringify(batch[i])));
  });
});

test('an event id is copied only when it is a valid id; otherwise null, the event kept', async () => {
  const ids = ['ajs-next-1699999999999-abc', 'a'.repeat(129), 'with space', 42, null, { x: 1 }];
  const out = await lines(at('/v1/batch'), JSON.stringify({ batch: ids.map((messageId) => ({ type: 'track', messageId })) }));
  expect(out.map((l) => l.eventId)).toEqual(['ajs-next-1699999999999-abc', null, null, null, null, null]);
  expect(out.map((l) => l.sentAt)).toEqual(ids.map(() => null));
});

test('refusals: an event over 32 KB, a batch over 500 KB, no events, an empty body; nothing is written', async () => {
  const big = { type: 'track', properties: { s: 'x'.repeat(SEGMENT_EVENT_MAX_BYTES) } };
  const justFits = { type: 'track', p: 'é'.repeat(Math.floor((SEGMENT_EVENT_MAX_BYTES - 40) / 2)) };
  const cases: [string, string, string | undefined][] = [
    ['/v1/batch', JSON.stringify({ batch: [{ type: 'track' }, big] }), 'event-too-large'],
    ['/v1/track', JSON.stringify(big), 'event-too-large'],
    ['/v1/batch', JSON.stringify({ batch: Array.from({ length: 20 }, () => ({ type: 'track', p: 'y'.repeat(30_000) })) }), 'too-large'],
    ['/v1/batch', JSON.stringify({ batch: [] }), 'no-events'],
    ['/v1/batch', JSON.stringify({ batch: 'x' }), 'no-events'],
    ['/v1/batch', '', 'empty-body'],
    ['/v1/t', '   ', 'empty-body'],
    ['/v1/track', JSON.stringify(justFits), undefined],
  ];
  for (const [path, body, reason] of cases) {
    const r = await render(at(path), body);
    expect(r.error).toBeNull();
    const request = JSON.parse(r.output);
    if (reason) expect(request).toEqual({ DeliveryStreamName: `${REJECT_MARKER}.${reason}`, Record: { Data: '' } });
    else expect(request.DeliveryStreamName).not.toContain(REJECT_MARKER);
  }
});

test('a custom envelope: its fields, with every event id read from messageId', async () => {
  const custom = synth({ envelope: RecordEnvelope.withFields([EnvelopeField.eventId('id'), EnvelopeField.sourceIp(), EnvelopeField.batchIndex('n')], { bodyField: 'event' }) });
  const template = custom.find((m) => m.resourcePath === '/v1/batch')!.requestTemplates['application/json']!;
  const out = await lines(template, JSON.stringify({ batch: [{ type: 'track', messageId: 'm1', eventId: 'not-this' }] }));
  expect(out).toEqual([{ id: 'm1', sourceIp: '203.0.113.7', n: 0, input: 'segment', sentAt: null, context: null, event: { type: 'track', messageId: 'm1', eventId: 'not-this' } }]);
});

test('refused at synth: a RAW envelope, a repeated input, a bad path', () => {
  expect(() => synth({ envelope: RecordEnvelope.RAW })).toThrow(/inputs \(segment\) need an envelope/);
  expect(() => synth({ inputs: [Input.segment(), Input.segment({ path: 'v2' })] })).toThrow('inputs must not repeat an input, got \'segment\' twice.');
  expect(() => Input.segment({ path: 'v1/{x}' })).toThrow('segment path parts must match');
});

test('with query, the Segment named queries read the last 30 days\' partitions, never every hour since firstDay', () => {
  const stack = new Stack(new App(), 'S');
  new ApiToFirehose(stack, 'Ingest', { inputs: [Input.segment()], query: {} });
  const queries = Object.fromEntries(Object.values(Template.fromStack(stack).findResources('AWS::Athena::NamedQuery'))
    .map((q: any) => [q.Properties.Name, q.Properties.QueryString as string]));
  for (const name of ['events: Segment events by type per day', 'events: Segment users by first seen']) {
    expect(queries[name]).toContain('FROM "s_ingest_321e9045"."events_segment"\n'
      + 'WHERE "dt" >= format_datetime((current_timestamp AT TIME ZONE \'UTC\') - INTERVAL \'30\' DAY, \'yyyy/MM/dd/HH\')\nGROUP BY');
  }
});
