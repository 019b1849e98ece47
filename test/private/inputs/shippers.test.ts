import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { storedLines } from './stored-lines';
import { ApiToFirehose, Input } from '../../../src';
import { REJECT_MARKER } from '../../../src/private/vtl';
import { HOSTILE_STRINGS, deeplyNested, hostileJsonValues, requestContext } from '../../vtl/checker';
import { MethodInfo, RenderResult, VtlEngine, findMethods, simulateIntegration } from '../../vtl/harness';

/**
 * The log shippers input's templates, rendered by the Velocity 1.7 harness with the request shapes recorded from the
 * shippers' sources (test/senders/fixtures/shippers; the body after API Gateway has undone any gzip) and with hostile
 * requests: each object or line one JSON line, nothing forged, no line split.
 */
const engine = new VtlEngine();
afterAll(async () => engine.close());

const FIXTURES = path.join(__dirname, '..', '..', 'senders', 'fixtures', 'shippers');
interface ShipperFixture { request: { headers: [string, string][]; body?: string; decodedBody?: string } }
const fixture = (name: string): { contentType: string; body: string } => {
  const f = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as ShipperFixture;
  const contentType = f.request.headers.find(([k]) => k.toLowerCase() === 'content-type')![1];
  return { contentType, body: f.request.decodedBody ?? f.request.body! };
};
const FIXTURE_NAMES = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));

const stack = new Stack(new App(), 'S');
new ApiToFirehose(stack, 'Ingest', { deliveryStreamName: 'events', inputs: [Input.logShippers()] });
const methods: MethodInfo[] = findMethods(Template.fromStack(stack).toJSON());
const method = methods.find((m) => m.resourcePath === '/logs' && m.httpMethod === 'POST')!;
const ARRAY = method.requestTemplates['application/json']!;
const NDJSON = method.requestTemplates['application/x-ndjson']!;
const headers = { 'User-Agent': 'Fluent-Bit', 'X-Amzn-Trace-Id': 'Root=1-abc' };

async function render(template: string, body: string): Promise<RenderResult> {
  return engine.render({ template, body, params: { header: headers, querystring: {}, path: {} }, context: requestContext() });
}

async function lines(template: string, body: string): Promise<Record<string, any>[]> {
  return storedLines(await render(template, body));
}

async function refusal(template: string, body: string): Promise<string | undefined> {
  const r = await render(template, body);
  expect(r.error).toBeNull();
  const name = String(JSON.parse(r.output).DeliveryStreamName);
  return name.startsWith(`${REJECT_MARKER}.`) ? name.slice(REJECT_MARKER.length + 1) : undefined;
}

const line = (body: unknown, index: number) => ({
  apiKeyId: 'apikeyid123', requestId: expect.any(String), receivedAt: expect.any(Number), eventId: null, index, input: 'shipper', body,
});

test('serves POST /logs with a JSON array model and an NDJSON template; other content types get 415', () => {
  expect(methods.filter((m) => m.httpMethod === 'POST').map((m) => m.resourcePath).sort()).toEqual(['/', '/batch', '/logs']);
  expect(Object.keys(method.requestTemplates).sort()).toEqual(['application/json', 'application/x-ndjson']);
  expect(method.passthroughBehavior).toBe('NEVER');
  expect(() => Input.logShippers({ path: 'a/{b}' })).toThrow('logShippers path parts must match');
});

test.each(FIXTURE_NAMES)('%s: one line per record, in order', async (name) => {
  const { contentType, body } = fixture(name);
  const ndjson = contentType === 'application/x-ndjson';
  const out = await lines(ndjson ? NDJSON : ARRAY, body);
  const sent = ndjson ? body.split('\n').filter((l) => l.trim() !== '') : JSON.parse(body);
  expect(sent.length).toBeGreaterThan(1);
  // NDJSON: each line kept as its text, which parses to the record the shipper sent.
  expect(out).toEqual(sent.map((r: unknown, i: number) => line(r, i)));
  if (ndjson) expect(out.map((l) => JSON.parse(l.body))).toEqual(sent.map((s: string) => JSON.parse(s)));
});

test('NDJSON: CRLF, blank lines, a final newline or none; every line exactly its text', async () => {
  const out = await lines(NDJSON, '{"a":1}\r\n\r\n  {"b":"x y"}  \n\n{"c":[1]}\n\n\n');
  expect(out.map((l) => l.body)).toEqual(['{"a":1}', '{"b":"x y"}', '{"c":[1]}']);
  expect(out.map((l) => l.index)).toEqual([0, 1, 2]);
  expect((await lines(NDJSON, 'not json at all')).map((l) => l.body)).toEqual(['not json at all']);
});

test('hostile array objects and NDJSON lines never forge an envelope field or split a line', async () => {
  const values = [...hostileJsonValues(), ...HOSTILE_STRINGS, deeplyNested(60)];
  const objects = values.map((v) => ({ log: typeof v === 'string' ? v : JSON.stringify(v), v, apiKeyId: 'forged', eventId: 'forged', index: 99, input: 'forged', body: 'x' }));
  const arr = await lines(ARRAY, JSON.stringify(objects));
  const open = { requestId: expect.any(String), receivedAt: expect.any(Number) };
  expect(arr).toEqual(JSON.parse(JSON.stringify(objects.map(line))).map((e: any) => ({ ...e, ...open })));
  // NDJSON: every hostile string as a line of its own (its newlines are line breaks, so take the pieces between them).
  const texts = [...HOSTILE_STRINGS, ...objects.map((o) => JSON.stringify(o)), '{"apiKeyId":"x"}\r', '","apiKeyId":"forged'];
  const body = texts.join('\n');
  // Java's trim(): characters up to U+0020 at either end (not JavaScript's Unicode whitespace).
  const javaTrim = (t: string) => t.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  const expected = body.split('\n').map(javaTrim).filter((t) => t !== '');
  const nd = await lines(NDJSON, body);
  expect(nd.map((l) => l.body)).toEqual(expected);
  nd.forEach((l, i) => expect([l.apiKeyId, l.eventId, l.index, l.input, typeof l.body]).toEqual(['apikeyid123', null, i, 'shipper', 'string']));
});

test('the 1,000-iteration quota: 1,000 objects or lines pass, 1,001 are refused (413), whatever the blank lines', async () => {
  const objs = (n: number) => JSON.stringify(Array.from({ length: n }, (_x, i) => ({ log: `l${i}` })));
  const nd = (n: number, sep = '\n') => Array.from({ length: n }, (_x, i) => `{"log":"l${i}"}`).join(sep);
  expect(await lines(ARRAY, objs(1000))).toHaveLength(1000);
  expect(await refusal(ARRAY, objs(1001))).toBe('too-many-events');
  expect(await lines(NDJSON, `${nd(1000)}\n`)).toHaveLength(1000);
  expect(await lines(NDJSON, nd(1000))).toHaveLength(1000);
  expect(await refusal(NDJSON, nd(1001))).toBe('too-many-events');
  // Blank lines are iterations too.
  expect(await refusal(NDJSON, nd(501, '\n\n'))).toBe('too-many-events');
});

test('refusals: not an array of objects (400), empty (400), over 1,000 KiB (413); nothing is written', async () => {
  const cases: [string, string, string | undefined][] = [
    [ARRAY, '{"records":[{"a":1}]}', 'malformed'],
    [ARRAY, '"x"', 'malformed'],
    [ARRAY, '[{"a":1},2]', 'malformed'],
    [ARRAY, '[[{"a":1}]]', 'malformed'],
    [ARRAY, '[null]', 'malformed'],
    [ARRAY, '[]', 'no-events'],
    [ARRAY, '', 'empty-body'],
    [ARRAY, JSON.stringify([{ a: 'é'.repeat(300_000) }, { b: 'é'.repeat(300_000) }]), 'too-large'],
    [NDJSON, '', 'empty-body'],
    [NDJSON, '\n\n \r\n', 'empty-body'],
    [NDJSON, `${JSON.stringify({ a: 'é'.repeat(300_000) })}\n${JSON.stringify({ b: 'é'.repeat(300_000) })}`, 'too-large'],
  ];
  const got = [];
  for (const [t, body] of cases) got.push(await refusal(t, body));
  expect(got).toEqual(cases.map(([, , r]) => r));
  const body = JSON.stringify(Array.from({ length: 1001 }, () => ({})));
  const r = await render(ARRAY, body);
  const answer = await simulateIntegration(engine, method, { body, params: { header: headers }, context: requestContext() },
    { status: 400, body: JSON.stringify({ __type: 'ResourceNotFoundException', message: `Firehose ${JSON.parse(r.output).DeliveryStreamName} not found.` }) });
  expect([Number(answer.status), JSON.parse(answer.body).error]).toEqual([413, 'TooManyEvents']);
});
