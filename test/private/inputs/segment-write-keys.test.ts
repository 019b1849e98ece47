import { App, SecretValue, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApiToFirehose, Input, SegmentSource } from '../../../src';
import { REJECT_MARKER } from '../../../src/private/vtl';
import { SECRET, requestContext } from '../../vtl/checker';
import { EmptyBodyReading, MethodInfo, VtlEngine, decodeFirehoseRequest, findMethods, simulateIntegration } from '../../vtl/harness';

/**
 * Segment sources with write keys, through the Velocity 1.7 harness (test/vtl) under both readings of an empty body
 * (AWS's recorded `{}`, and ""): a request is stored only when its write key (Basic header, body writeKey members) is
 * a declared source's and no two keys differ; each line names the source; no declared key's value (nor its Basic
 * credential) is ever in what is written; every refusal answers 401 (400 for a key inside the events) as JSON.
 */
const engine = new VtlEngine();
afterAll(async () => engine.close());

const WEB = 'wkWebOLD0000aaaa1111bbbb2222cccc';
const WEB_NEW = 'wkWebNEW0000aaaa1111bbbb2222cccc';
const SERVER = 'wkServer000aaaa1111bbbb2222ccccd';
const UNKNOWN = 'wkUnknown00aaaa1111bbbb2222ccccd';
const SOURCES: SegmentSource[] = [{ name: 'web', writeKeys: [WEB, WEB_NEW] }, { name: 'server', writeKeys: [SERVER] }];
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const DECLARED = [WEB, WEB_NEW, SERVER];

function synth(props: Partial<ConstructorParameters<typeof ApiToFirehose>[2]> = {}, sources = SOURCES) {
  const stack = new Stack(new App(), 'S');
  new ApiToFirehose(stack, 'Ingest', { deliveryStreamName: 'events', inputs: [Input.segment({ sources })], ...props });
  return Template.fromStack(stack);
}
const template = synth();
const methods = findMethods(template.toJSON());
const at = (path: string) => methods.find((m) => m.resourcePath === path && m.httpMethod === 'POST')!;

const event = (type: string, extra: Record<string, unknown> = {}) => ({ type, messageId: `m-${type}`, userId: 'u1', ...extra });

interface Case { readonly path?: string; readonly auth?: string; readonly headers?: Record<string, string>; readonly body: unknown }
const READINGS: EmptyBodyReading[] = ['object', 'empty'];

/** The answer and what was written, under both readings of an empty body (they must agree). */
async function send(c: Case) {
  const method: MethodInfo = at(c.path ?? '/v1/batch');
  const headers = { 'Content-Type': 'application/json', ...(c.auth !== undefined ? { Authorization: c.auth } : {}), ...c.headers };
  const body = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  const results = [];
  for (const emptyBody of READINGS) {
    const rendered = await engine.render({
      template: method.requestTemplates['application/json']!,
      body,
      params: { header: headers, querystring: {}, path: {} },
      context: requestContext(),
      options: { emptyBody },
    });
    expect(rendered.error).toBeNull();
    const stream = JSON.parse(rendered.output).DeliveryStreamName as string;
    const rejected = stream.startsWith(`${REJECT_MARKER}.`);
    const answer = await simulateIntegration(engine, method, { body, params: { header: headers }, context: requestContext(), emptyBody },
      rejected
        ? { status: 400, body: JSON.stringify({ __type: 'ResourceNotFoundException', message: `Firehose ${stream} under account 000000000000 not found.` }) }
        : { status: 200, body: '{"RecordId":"r1","Encrypted":false}' });
    const decoded = rejected ? undefined : decodeFirehoseRequest(rendered.output);
    // No declared key, nor its Basic credential, nor the API key value, in anything written.
    for (const text of [rendered.output, ...decoded?.lines ?? []]) {
      for (const k of DECLARED) {
        expect(text).not.toContain(k);
        expect(text).not.toContain(basic(k).slice(6));
      }
      expect(text).not.toContain(SECRET);
    }
    results.push({ status: Number(answer.status), body: JSON.parse(answer.body), stored: decoded?.events as any[] ?? [] });
  }
  expect(results[1]).toEqual({ ...results[0], body: { ...results[0].body, requestId: expect.any(String) } });
  return results[0];
}

async function refused(c: Case, status: number, error: string) {
  const r = await send(c);
  expect([r.status, r.body.error, r.stored]).toEqual([status, error, []]);
  expect(r.body.message).toMatch(/Nothing was stored|nothing was stored/);
}

test('the Segment methods take no x-api-key (the construct\'s own still do), answer 401, and have their own method throttle', () => {
  const all = Object.values(template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'POST' } })) as any[];
  const segment = all.filter((m) => JSON.stringify(m.Properties.Integration.RequestTemplates).includes('wk_source'));
  expect(segment).toHaveLength(14);
  for (const m of segment) {
    expect([m.Properties.ApiKeyRequired, m.Properties.AuthorizationType]).toEqual([false, 'NONE']);
    expect(m.Properties.MethodResponses.map((r: any) => r.StatusCode)).toContain('401');
    expect(m.Metadata.checkov.skip.map((s: any) => s.id)).toEqual(['CKV_AWS_59']);
  }
  const own = all.filter((m) => !segment.includes(m));
  expect(own).toHaveLength(2);
  for (const m of own) expect(m.Properties.ApiKeyRequired).toBe(true);
  const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0] as any;
  const throttled = stage.Properties.MethodSettings.filter((s: any) => s.ResourcePath !== '/*');
  expect(throttled.map((s: any) => s.ResourcePath).sort()).toEqual(['a', 'alias', 'b', 'batch', 'g', 'group', 'i', 'identify', 'p', 'page', 's', 'screen', 't', 'track']
    .map((r) => `/~1v1~1${r}`).sort());
  for (const s of throttled) expect([s.HttpMethod, s.ThrottlingRateLimit, s.ThrottlingBurstLimit]).toEqual(['POST', 100, 200]);
  const t2 = new Stack(new App(), 'T');
  new ApiToFirehose(t2, 'Ingest', { inputs: [Input.segment({ sources: SOURCES, throttle: { rateLimit: 7, burstLimit: 9 } })] });
  const s2 = Object.values(Template.fromStack(t2).findResources('AWS::ApiGateway::Stage'))[0] as any;
  expect(s2.Properties.MethodSettings.filter((s: any) => s.ResourcePath !== '/*').every((s: any) => s.ThrottlingRateLimit === 7 && s.ThrottlingBurstLimit === 9)).toBe(true);
});

test('accepted: a declared key as the Basic header, as writeKey, or both; each line names the source (segmentSource), never the key', async () => {
  const batch = [event('track'), event('identify')];
  // analytics-node and analytics-python: Basic header and batch-level writeKey.
  const node = await send({ auth: basic(SERVER), body: { batch, writeKey: SERVER, sentAt: 'x' } });
  expect([node.status, node.stored.map((l) => [l.segmentSource, l.body.type])]).toEqual([200, [['server', 'track'], ['server', 'identify']]]);
  // The header alone, the body alone, the second key of a rotation, a lower-case scheme and header name.
  for (const c of [{ auth: basic(WEB), body: { batch } }, { body: { batch, writeKey: WEB_NEW } },
    { headers: { authorization: basic(WEB_NEW).replace('Basic', 'basic') }, body: { batch } }]) {
    const r = await send(c);
    expect([r.status, r.stored.map((l) => l.segmentSource)]).toEqual([200, ['web', 'web']]);
  }
  // analytics-next: standard (writeKey inside the event) and batching (batch level and inside each event).
  const single = await send({ path: '/v1/t', auth: basic(WEB), body: event('track', { writeKey: WEB }) });
  expect([single.status, single.stored.map((l) => [l.segmentSource, l.body])]).toEqual([200, [['web', event('track')]]]);
  const b = await send({ path: '/v1/b', auth: basic(WEB), body: { writeKey: WEB, batch: batch.map((e) => ({ ...e, writeKey: WEB })), sentAt: 'x' } });
  expect([b.status, b.stored.map((l) => l.body)]).toEqual([200, batch]);
});

test('refused with 401, nothing stored: no key, an unknown key, another scheme, malformed or empty Basic, a huge or unicode header', async () => {
  const body = { batch: [event('track')] };
  await refused({ body }, 401, 'MissingWriteKey');
  await refused({ path: '/v1/track', body: event('track') }, 401, 'MissingWriteKey');
  for (const auth of [basic(UNKNOWN), `Bearer ${WEB}`, `Bearer ${basic(WEB).slice(6)}`, 'Basic', 'Basic ', 'Basic !!!not-base64!!!', 'Basic ====',
    `Basic ${basic(WEB).slice(6, -2)}`, `${basic(WEB)}x`, `Basic ${Buffer.from(`${WEB}`).toString('base64')}`, `Basic ${Buffer.from(WEB.toLowerCase() + ':').toString('base64')}`,
    `Basic ${'A'.repeat(20_000)}${basic(WEB).slice(6)}`, `${basic(WEB)} ${'x'.repeat(5000)}`, `Basic ${Buffer.from(`${WEB}é:`).toString('base64')}`, `Basic ${basic(WEB).slice(6)}😀`,
    `Digest ${basic(WEB)}`, `${WEB}`]) {
    await refused({ auth, body }, 401, 'InvalidWriteKey');
    // A valid body key does not rescue a bad header.
    await refused({ auth, body: { ...body, writeKey: WEB } }, 401, 'InvalidWriteKey');
  }
  for (const writeKey of [UNKNOWN, '', WEB.toLowerCase(), `${WEB} `, ` ${WEB}`, `${WEB}\\u0000`, `${WEB}"},"x":"`, '😀']) {
    await refused({ body: { ...body, writeKey } }, 401, 'InvalidWriteKey');
    await refused({ path: '/v1/t', body: event('track', { writeKey }) }, 401, 'InvalidWriteKey');
  }
});

test('refused with 401: a header and a body that disagree, two writeKey members, a key written with escapes beside another', async () => {
  const batch = [event('track')];
  await refused({ auth: basic(WEB), body: { batch, writeKey: SERVER } }, 401, 'WriteKeysDisagree');
  // Even the two keys of one source in one request.
  await refused({ auth: basic(WEB), body: { batch, writeKey: WEB_NEW } }, 401, 'WriteKeysDisagree');
  await refused({ body: { batch: [{ ...batch[0], writeKey: SERVER }], writeKey: WEB } }, 401, 'WriteKeysDisagree');
  // Two members in one object (JSON parsers keep one of them): every one is read from the raw text.
  await refused({ body: `{"batch":[{"type":"track"}],"writeKey":"${WEB}","writeKey":"${UNKNOWN}"}` }, 401, 'InvalidWriteKey');
  await refused({ body: `{"batch":[{"type":"track"}],"writeKey":"${UNKNOWN}","writeKey":"${WEB}"}` }, 401, 'InvalidWriteKey');
  await refused({ body: `{"batch":[{"type":"track"}],"writeKey":"${WEB}","writeKey":"${SERVER}"}` }, 401, 'WriteKeysDisagree');
  await refused({ path: '/v1/t', body: `{"type":"track","writeKey":"${SERVER}","writeKey":"${WEB}"}` }, 401, 'WriteKeysDisagree');
  // A member name written with escapes is a writeKey member once parsed.
  await refused({ auth: basic(WEB), body: `{"batch":[{"type":"track"}],"writ\\u0065Key":"${UNKNOWN}"}` }, 401, 'InvalidWriteKey');
  // The same key twice is one key.
  const same = await send({ body: `{"batch":[{"type":"track"}],"writeKey":"${WEB}","writeKey":"${WEB}"}` });
  expect([same.status, same.stored.map((l) => l.segmentSource)]).toEqual([200, ['web']]);
});

test('a declared key\'s value anywhere else in the request (properties, traits, context, escaped) is never stored: 400', async () => {
  for (const key of DECLARED) {
    for (const extra of [{ properties: { note: key } }, { properties: { [key]: 1 } }, { traits: { k: `prefix-${key}-suffix` } },
      { context: { writeKeyCopy: key } }, { properties: { basic: basic(key) } }, { properties: { nested: { writeKey2: key } } }]) {
      await refused({ auth: basic(SERVER), body: { batch: [event('track', extra)], writeKey: SERVER } }, 400, 'WriteKeyInEvents');
      await refused({ path: '/v1/t', auth: basic(SERVER), body: event('track', { ...extra, writeKey: SERVER }) }, 400, 'WriteKeyInEvents');
    }
    await refused({ auth: basic(SERVER), body: { batch: [event('track')], writeKey: SERVER, context: { copy: key } } }, 400, 'WriteKeyInEvents');
    // Escaped in the request, plain once API Gateway re-serialises it.
    const escaped = key.replace(/k/g, '\\u006b');
    await refused({ auth: basic(SERVER), body: `{"batch":[{"type":"track","properties":{"x":"${escaped}"}}],"writeKey":"${SERVER}"}` }, 400, 'WriteKeyInEvents');
  }
  // writeKey members (the sender's own) are removed wherever they are, and then nothing is left to refuse.
  const ok = await send({ auth: basic(SERVER), body: { batch: [event('track', { properties: { writeKey: SERVER } })], writeKey: SERVER, context: { writeKey: SERVER } } });
  expect([ok.status, ok.stored[0].body.properties]).toEqual([200, {}]);
});

test('sources are checked at synth time: names, one or two keys, plain literal keys, a key names one source; tokens pass', () => {
  const make = (sources: SegmentSource[]) => () => Input.segment({ sources });
  expect(make([])).toThrow(/segment sources is empty/);
  expect(make([{ name: 'a b', writeKeys: [WEB] }])).toThrow(/segment source name 'a b' is not accepted/);
  expect(make([{ name: 'web', writeKeys: [WEB] }, { name: 'web', writeKeys: [SERVER] }])).toThrow(/'web' is declared twice/);
  expect(make([{ name: 'web', writeKeys: [] }])).toThrow(/has 0 writeKeys: give one, or two while rotating/);
  expect(make([{ name: 'web', writeKeys: [WEB, WEB_NEW, SERVER] }])).toThrow(/has 3 writeKeys/);
  expect(make([{ name: 'web', writeKeys: ['short'] }])).toThrow(/write key that is not accepted \('shor\.\.\.', 5 characters\)/);
  expect(make([{ name: 'web', writeKeys: ["wk'quote00000"] }])).toThrow(/not accepted/);
  expect(make([{ name: 'web', writeKeys: ['1234567890'] }])).toThrow(/at least one letter/);
  expect(make([{ name: 'web', writeKeys: [WEB] }, { name: 'srv', writeKeys: [WEB] }])).toThrow(/'web' and 'srv' declare the same write key/);
  expect(() => Input.segment({ sources: SOURCES, throttle: { rateLimit: -1 } })).toThrow(/segment throttle.rateLimit/);
  // A secret's dynamic reference: CDK writes it into the method's request template, resolved by CloudFormation at deploy.
  const stack = new Stack(new App(), 'D');
  const key = SecretValue.secretsManager('segment/web', { jsonField: 'writeKey' }).unsafeUnwrap();
  new ApiToFirehose(stack, 'Ingest', { inputs: [Input.segment({ sources: [{ name: 'web', writeKeys: [key] }] })] });
  const text = JSON.stringify(Template.fromStack(stack).toJSON());
  expect(text).toContain("#set($wk0_0 = '{{resolve:secretsmanager:segment/web:SecretString:writeKey::}}')");
});
