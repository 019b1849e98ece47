import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { storedLines } from './stored-lines';
import { ApiToFirehose, Input } from '../../../src';
import { REJECT_MARKER } from '../../../src/private/vtl';
import { HOSTILE_STRINGS, hostileJsonValues, requestContext } from '../../vtl/checker';
import { MethodInfo, RenderResult, VtlEngine, findMethods, simulateIntegration } from '../../vtl/harness';

/**
 * The Snowplow input's template, rendered by the Velocity 1.7 harness with the requests the published trackers sent
 * (test/senders/fixtures/snowplow) and with hostile requests: each event one line, its eid the event id, nothing forged.
 */
const engine = new VtlEngine();
afterAll(async () => engine.close());

const FIXTURES = path.join(__dirname, '..', '..', 'senders', 'fixtures', 'snowplow');
const fixtureBody = (name: string) => fs.readFileSync(path.join(FIXTURES, `${name}.body.json`), 'utf8');
const fixtureContentType = (name: string) => (JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.request.json`), 'utf8')).rawHeaders as [string, string][])
  .find(([k]) => k.toLowerCase() === 'content-type')![1];
const TP2 = '/com.snowplowanalytics.snowplow/tp2';

function stackWith(props: Partial<ConstructorParameters<typeof ApiToFirehose>[2]> = {}): Template {
  const stack = new Stack(new App(), 'S');
  new ApiToFirehose(stack, 'Ingest', { deliveryStreamName: 'events', inputs: [Input.snowplow()], ...props });
  return Template.fromStack(stack);
}

const methods: MethodInfo[] = findMethods(stackWith().toJSON());
const method = methods.find((m) => m.resourcePath === TP2 && m.httpMethod === 'POST')!;
const template = method.requestTemplates['application/json']!;
const headers = { 'User-Agent': 'node', 'X-Amzn-Trace-Id': 'Root=1-abc' };

async function render(body: string): Promise<RenderResult> {
  return engine.render({ template, body, params: { header: headers, querystring: {}, path: {} }, context: requestContext() });
}

async function lines(body: string): Promise<Record<string, any>[]> {
  return storedLines(await render(body));
}

async function refusal(body: string): Promise<string | undefined> {
  const r = await render(body);
  expect(r.error).toBeNull();
  const name = String(JSON.parse(r.output).DeliveryStreamName);
  return name.startsWith(`${REJECT_MARKER}.`) ? name.slice(REJECT_MARKER.length + 1) : undefined;
}

const expectedLines = (data: any[]) => data.map((e, i) => ({
  apiKeyId: 'apikeyid123',
  requestId: expect.any(String),
  receivedAt: expect.any(Number),
  eventId: typeof e.eid === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(e.eid) ? e.eid : null,
  index: i,
  input: 'snowplow',
  body: e,
}));

test('serves POST /com.snowplowanalytics.snowplow/tp2 (below the resource path, or a path of its own)', () => {
  expect(methods.filter((m) => m.httpMethod === 'POST').map((m) => m.resourcePath).sort()).toEqual(['/', '/batch', TP2].sort());
  const custom = findMethods(stackWith({ inputs: [Input.snowplow({ path: 'sp' })], resourcePath: 'ingest' }).toJSON());
  expect(custom.map((m) => m.resourcePath)).toContain(`/ingest/sp${TP2}`);
});

test.each(['node-4.8.0-post-base64', 'node-4.8.0-post-plain', 'python-1.1.0-post'])('the %s request: one line per event, eid as event id', async (name) => {
  const body = fixtureBody(name);
  const out = await lines(body);
  const data = JSON.parse(body).data;
  expect(out).toEqual(expectedLines(data));
  expect(out.every((l) => l.eventId === l.body.eid)).toBe(true);
});

test('ue_px and cx are stored as sent; base64url (node, no padding) and base64 (Python, padded) both decode to the JSON', async () => {
  for (const name of ['node-4.8.0-post-base64', 'python-1.1.0-post']) {
    const out = await lines(fixtureBody(name));
    const ue = out.find((l) => l.body.e === 'ue')!;
    // What the query side does: from_base64url(...) then json_parse(from_utf8(...)).
    const decoded = JSON.parse(Buffer.from(ue.body.ue_px, 'base64url').toString('utf8'));
    expect(decoded.schema).toBe('iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0');
    expect(JSON.parse(Buffer.from(ue.body.cx, 'base64url').toString('utf8')).data.length).toBeGreaterThan(0);
  }
});

test('the trackers\' content type (application/json; charset=UTF-8) selects the template; the answer is 200', async () => {
  const name = 'node-4.8.0-post-base64';
  const request = { contentType: fixtureContentType(name), body: fixtureBody(name), params: { header: headers }, context: requestContext() };
  const r = await simulateIntegration(engine, method, request, { status: 200, body: '{"RecordId":"r1","Encrypted":false}' });
  expect(Number(r.status)).toBe(200);
  expect(r.firehose?.events).toHaveLength(3);
});

test('hostile events never forge an envelope field or split a line', async () => {
  const values = [...hostileJsonValues(), ...HOSTILE_STRINGS];
  const data = values.map((v, i) => ({
    e: 'se',
    eid: i % 3 ? `eid-${i}` : `${i}"},"apiKeyId":"forged`,
    se_ca: typeof v === 'string' ? v : JSON.stringify(v),
    v,
    apiKeyId: 'forged',
    eventId: 'forged',
    index: 99,
    input: 'forged',
    body: 'forged',
    requestId: 'forged',
  }));
  const out = await lines(JSON.stringify({ schema: '"},"apiKeyId":"x', data }));
  const open = { requestId: expect.any(String), receivedAt: expect.any(Number) };
  const asSent = JSON.parse(JSON.stringify(expectedLines(data))).map((e: any) => ({ ...e, ...open }));
  expect(out).toEqual(asSent);
  out.forEach((l, i) => expect([l.apiKeyId, l.index, l.input]).toEqual(['apikeyid123', i, 'snowplow']));
});

test('refusals: none is a 413 (the trackers retry it without end); nothing is written', async () => {
  const ev = (i: number) => ({ e: 'pv', eid: `e${i}`, url: 'https://x' });
  const cases: [string, string | undefined][] = [
    [JSON.stringify({ data: Array.from({ length: 1000 }, (_x, i) => ev(i)) }), undefined],
    [JSON.stringify({ data: Array.from({ length: 1001 }, (_x, i) => ev(i)) }), 'too-many-events'],
    [JSON.stringify({ data: [ev(0), { ...ev(1), big: 'é'.repeat(520_000) }] }), 'oversized'],
    [JSON.stringify({ data: [] }), 'no-events'],
    [JSON.stringify({ data: 'x' }), 'malformed'],
    [JSON.stringify({ data: { a: ev(0) } }), 'malformed'],
    [JSON.stringify({ schema: 'x' }), 'malformed'],
    [JSON.stringify({ data: [ev(0), 1] }), 'malformed'],
    [JSON.stringify({ data: [null] }), 'malformed'],
    [JSON.stringify([ev(0)]), 'no-events'],
    ['', 'empty-body'],
    ['{}', 'empty-body'],
  ];
  const got: [string, string | undefined][] = [];
  for (const [body] of cases) got.push([body.slice(0, 60), await refusal(body)]);
  expect(got).toEqual(cases.map(([b, r]) => [b.slice(0, 60), r]));
  for (const [body, status, error] of [
    [cases[1][0], 400, 'TooManyEvents'], [cases[2][0], 400, 'PayloadTooLarge'], [cases[4][0], 400, 'InvalidSnowplowPayload'],
  ] as const) {
    const r = await render(body);
    const name = JSON.parse(r.output).DeliveryStreamName;
    const answer = await simulateIntegration(engine, method, { body, params: { header: headers }, context: requestContext() },
      { status: 400, body: JSON.stringify({ __type: 'ResourceNotFoundException', message: `Firehose ${name} under account 000000000000 not found.` }) });
    expect([Number(answer.status), JSON.parse(answer.body).error]).toEqual([status, error]);
  }
});

test('CORS: the tp2 route allows credentials for the one origin; other routes do not; \'*\' is refused at synth', () => {
  const t = stackWith({ cors: { allowOrigin: 'https://shop.example' } });
  const found = findMethods(t.toJSON());
  const tp2 = found.find((m) => m.resourcePath === TP2 && m.httpMethod === 'POST')!;
  const preflight = found.find((m) => m.resourcePath === TP2 && m.httpMethod === 'OPTIONS')!;
  const own = found.find((m) => m.resourcePath === '/' && m.httpMethod === 'POST')!;
  for (const r of tp2.integrationResponses) {
    expect(r.responseParameters['method.response.header.Access-Control-Allow-Credentials']).toBe("'true'");
    expect(r.responseParameters['method.response.header.Access-Control-Allow-Origin']).toBe("'https://shop.example'");
  }
  expect(JSON.stringify(preflight.integrationResponses)).toContain('Access-Control-Allow-Credentials');
  expect(JSON.stringify(own.integrationResponses)).not.toContain('Access-Control-Allow-Credentials');
  expect(() => stackWith({ cors: { allowOrigin: '*' } })).toThrow(
    'cors.allowOrigin must be one origin, not \'*\', with inputs whose browsers send credentials (snowplow): browsers refuse a credentialed answer for any origin.');
});
