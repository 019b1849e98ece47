import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { storedLines } from './stored-lines';
import { ApiToFirehose, EnvelopeField, Input, RecordEnvelope } from '../../../src';
import { otlpLogsTemplate } from '../../../src/private/inputs/otlp';
import { MAX_TEMPLATE_ITERATIONS } from '../../../src/private/inputs/packing';
import { REJECT_MARKER } from '../../../src/private/vtl';
import { HOSTILE_STRINGS, deeplyNested, hostileJsonValues, requestContext } from '../../vtl/checker';
import { MethodInfo, RenderResult, VtlEngine, decodeFirehoseRequest, findMethods, simulateIntegration } from '../../vtl/harness';

/**
 * The OTLP logs input's template, rendered by the Velocity 1.7 harness (test/vtl) with the requests the published
 * exporters sent (test/senders/fixtures/otel) and with hostile requests: each log record one line, its resource and
 * scope beside it, nothing forged, and no request cut short by API Gateway's 1,000-iteration loop quota.
 */
const engine = new VtlEngine();
afterAll(async () => engine.close());

const FIXTURES = path.join(__dirname, '..', '..', 'senders', 'fixtures', 'otel');
const fixtureBody = (name: string) => fs.readFileSync(path.join(FIXTURES, `${name}.body.json`), 'utf8');

function synth(props: Partial<ConstructorParameters<typeof ApiToFirehose>[2]> = {}): MethodInfo[] {
  const stack = new Stack(new App(), 'S');
  new ApiToFirehose(stack, 'Ingest', { deliveryStreamName: 'events', inputs: [Input.otlpLogs()], ...props });
  return findMethods(Template.fromStack(stack).toJSON());
}

const methods = synth();
const logsMethod = methods.find((m) => m.resourcePath === '/v1/logs' && m.httpMethod === 'POST')!;
const template = logsMethod.requestTemplates['application/json']!;
const headers = { 'User-Agent': 'OTel-OTLP-Exporter-JavaScript/0.223.1', 'X-Amzn-Trace-Id': 'Root=1-abc' };

async function render(body: string, t = template): Promise<RenderResult> {
  return engine.render({ template: t, body, params: { header: headers, querystring: {}, path: {} }, context: requestContext() });
}

async function lines(body: string, t = template): Promise<Record<string, any>[]> {
  return storedLines(await render(body, t));
}

async function refusal(body: string, t = template): Promise<string | undefined> {
  const r = await render(body, t);
  expect(r.error).toBeNull();
  const request = JSON.parse(r.output);
  if (!String(request.DeliveryStreamName).startsWith(`${REJECT_MARKER}.`)) return undefined;
  expect(request).toEqual({ DeliveryStreamName: request.DeliveryStreamName, Record: { Data: '' } });
  return request.DeliveryStreamName.slice(REJECT_MARKER.length + 1);
}

/** The lines a request should become: one per log record, in order, with its resource and scope. */
function expected(req: any): unknown[] {
  const out: unknown[] = [];
  for (const rl of req.resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const lr of sl.logRecords ?? []) {
        out.push({
          apiKeyId: 'apikeyid123',
          requestId: expect.any(String),
          receivedAt: expect.any(Number),
          eventId: null,
          index: out.length,
          input: 'otlp',
          signal: 'logs',
          resource: rl.resource ?? null,
          scope: sl.scope ?? null,
          body: lr,
        });
      }
    }
  }
  return out;
}

/** A request of `records` log records with `attrs` attributes each, as the JS exporter writes them. */
function exportRequest(records: number, attrs = 3, resources = 1, scopes = 1): any {
  const record = (i: number) => ({
    timeUnixNano: `${1767225600000000000 + i}`,
    observedTimeUnixNano: `${1767225600000000000 + i}`,
    severityNumber: 9,
    severityText: 'INFO',
    body: { stringValue: `message ${i}` },
    attributes: Array.from({ length: attrs }, (_a, a) => ({ key: `attr.${a}`, value: a % 2 ? { intValue: a } : { stringValue: `v${a}` } })),
    droppedAttributesCount: 0,
  });
  const perScope = Math.ceil(records / (resources * scopes));
  let i = 0;
  const take = () => Array.from({ length: Math.min(perScope, records - i) }, () => record(i++));
  return {
    resourceLogs: Array.from({ length: resources }, (_r, r) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${r}` } }], droppedAttributesCount: 0 },
      scopeLogs: Array.from({ length: scopes }, (_s, sc) => ({ scope: { name: `scope-${sc}`, version: '1.0.0' }, logRecords: take() })),
    })),
  };
}

test('serves POST /v1/logs, application/json only (protobuf is answered 415 by API Gateway)', () => {
  expect(methods.filter((m) => m.httpMethod === 'POST').map((m) => m.resourcePath).sort()).toEqual(['/', '/batch', '/v1/logs']);
  expect(Object.keys(logsMethod.requestTemplates)).toEqual(['application/json']);
  const custom = synth({ inputs: [Input.otlpLogs({ path: 'otel/v1' })], resourcePath: 'ingest' });
  expect(custom.filter((m) => m.httpMethod === 'POST').map((m) => m.resourcePath)).toContain('/ingest/otel/v1/logs');
  expect(() => Input.otlpLogs({ path: 'v1/{x}' })).toThrow('otlp path parts must match');
});

test.each(['js-0.223.1-logs', 'python-0.66b1-logs'])('the %s exporter\'s request: one line per log record, resource and scope beside it', async (name) => {
  const body = fixtureBody(name);
  const out = await lines(body);
  expect(out).toEqual(expected(JSON.parse(body)));
  expect(out.length).toBeGreaterThan(0);
});

test('intValue as a JSON number (JS) and as a string (Python) are both kept exactly as sent', async () => {
  const js = await lines(fixtureBody('js-0.223.1-logs'));
  const py = await lines(fixtureBody('python-0.66b1-logs'));
  const intOf = (l: any, key: string) => l.body.attributes.find((a: any) => a.key === key)?.value.intValue;
  expect(intOf(js[0], 'int')).toBe(42);
  expect(intOf(js[0], 'big_int')).toBe(9007199254740994);
  const pyInts = py.flatMap((l) => l.body.attributes.filter((a: any) => 'intValue' in a.value).map((a: any) => a.value.intValue));
  expect(pyInts.length).toBeGreaterThan(0);
  for (const v of pyInts) expect(typeof v).toBe('string');
});

test('several resources and scopes: each record carries its own resource and scope, indexed across the request', async () => {
  const req = exportRequest(12, 2, 3, 2);
  const out = await lines(JSON.stringify(req));
  expect(out).toHaveLength(12);
  expect(out).toEqual(expected(req));
  expect(out.map((l) => l.resource.attributes[0].value.stringValue)).toEqual(['svc-0', 'svc-0', 'svc-0', 'svc-0', 'svc-1', 'svc-1', 'svc-1', 'svc-1', 'svc-2', 'svc-2', 'svc-2', 'svc-2']);
});

test('the exporter\'s default batch (512 records, 15 attributes each) is one record under 1,000 KiB', async () => {
  const req = exportRequest(512, 15);
  const body = JSON.stringify(req);
  const r = await render(body);
  const decoded = decodeFirehoseRequest(r.output);
  expect(decoded.events).toHaveLength(512);
  expect(decoded.violations).toEqual([]);
  expect(decoded.events).toEqual(expected(req));
});

test('the 1,000-iteration quota: 2 x (resources + scopes) + records up to 1,000 pass, one more is refused (413), never cut', async () => {
  expect(MAX_TEMPLATE_ITERATIONS).toBe(1000);
  const small = (n: number) => exportRequest(n, 0);
  // The counting pass visits 1 resource + 1 scope, the writing pass those and 996 records: 1,000 iterations.
  expect(await lines(JSON.stringify(small(996)))).toHaveLength(996);
  expect(await refusal(JSON.stringify(small(997)))).toBe('too-many-events');
  // More resources than the quota: refused without a loop.
  expect(await refusal(JSON.stringify({ resourceLogs: Array.from({ length: 1001 }, () => ({ scopeLogs: [] })) }))).toBe('too-many-events');
  // Many scopes with few records: the scopes count too.
  expect(await refusal(JSON.stringify(exportRequest(600, 0, 1, 600)))).toBe('too-many-events');
  expect(await lines(JSON.stringify(exportRequest(300, 0, 2, 50)))).toHaveLength(300);
});

test('a loop cut short by the engine (Velocity directive.foreach.maxloops) is detected and refused, never stored', async () => {
  // The harness renders with Velocity's defaults (no loop cap). This engine caps each #foreach at 3 iterations, as
  // Velocity's own setting does per loop, to show what happens if API Gateway's quota ends a loop early.
  const capped = new VtlEngine({ jvmArgs: ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xss8m', '-Ddirective.foreach.maxloops=3'] });
  try {
    const supported = await capped.render({ template: '#foreach($i in [1..10])$i#end', body: '{}', params: {}, context: requestContext() });
    if (supported.output !== '123') {
      // The renderer does not read Velocity settings from system properties: prove the check with a template-level cut.
      const cut = otlpLogsTemplate('events', RecordEnvelope.DEFAULT).replace('#foreach($event in $records)', '#foreach($event in $records)#if($foreach.index >= 3)#break#end');
      const r = await render(JSON.stringify(exportRequest(5, 1)), cut);
      expect(JSON.parse(r.output).DeliveryStreamName).toBe(`${REJECT_MARKER}.too-many-events`);
      return;
    }
    const r = await capped.render({ template, body: JSON.stringify(exportRequest(5, 1)), params: { header: headers }, context: requestContext() });
    expect(JSON.parse(r.output).DeliveryStreamName).toBe(`${REJECT_MARKER}.too-many-events`);
  } finally {
    await capped.close();
  }
});

test('lines over one Firehose record (1,000 KiB) refuse the request with 413, counting UTF-8 bytes', async () => {
  const big = exportRequest(2, 0);
  big.resourceLogs[0].scopeLogs[0].logRecords[0].body = { stringValue: 'é'.repeat(260_000) };
  big.resourceLogs[0].scopeLogs[0].logRecords[1].body = { stringValue: 'é'.repeat(260_000) };
  expect(await refusal(JSON.stringify(big))).toBe('too-large');
  big.resourceLogs[0].scopeLogs[0].logRecords[1].body = { stringValue: 'x' };
  expect(await refusal(JSON.stringify(big))).toBeUndefined();
});

test('empty exports are a success with nothing stored; malformed ones are refused', async () => {
  const cases: [unknown, string | undefined][] = [
    [{}, 'nothing-to-store'],
    [{ resourceLogs: [] }, 'nothing-to-store'],
    [{ resourceLogs: [{}] }, 'nothing-to-store'],
    [{ resourceLogs: [{ resource: {}, scopeLogs: [] }] }, 'nothing-to-store'],
    [{ resourceLogs: [{ scopeLogs: [{ scope: {} }] }] }, 'nothing-to-store'],
    [{ resourceLogs: [{ scopeLogs: [{ logRecords: [] }] }] }, 'nothing-to-store'],
    [{ resourceLogs: null }, 'nothing-to-store'],
    [{ resourceLogs: 'x' }, 'malformed'],
    [{ resourceLogs: { a: { scopeLogs: [{ logRecords: [{}] }] } } }, 'malformed'],
    [{ resourceLogs: [1, 'x', null] }, 'malformed'],
    [{ resourceLogs: [1, { scopeLogs: [{ logRecords: [{}] }] }] }, 'malformed'],
    [{ resourceLogs: [{ scopeLogs: { a: { logRecords: [{}] } } }] }, 'malformed'],
    [{ resourceLogs: [{ scopeLogs: [[{ logRecords: [{}] }]] }] }, 'malformed'],
    [{ resourceLogs: [{ scopeLogs: [[{ logRecords: [{}] }], { logRecords: [{}] }] }] }, 'malformed'],
    [{ resourceLogs: [{ scopeLogs: [{ logRecords: 'x' }] }] }, 'malformed'],
    [{ resourceLogs: [{ scopeLogs: [{ logRecords: 'x' }, { logRecords: [{}] }] }] }, 'malformed'],
    [{ resourceLogs: [{ scopeLogs: [{ logRecords: { a: {} } }] }] }, 'malformed'],
    [{ resourceLogs: [{ scopeLogs: [{ logRecords: [1, 'x', null, []] }] }] }, 'malformed'],
    [{ resourceLogs: [{ scopeLogs: [{ logRecords: [{}, 2] }] }] }, 'malformed'],
    [[{ resourceLogs: [] }], 'nothing-to-store'],
    ['x', 'nothing-to-store'],
  ];
  const got = [];
  for (const [body] of cases) got.push([body, await refusal(JSON.stringify(body))]);
  expect(got.filter(([, r], i) => r !== cases[i][1]).map(([b, r]) => `${JSON.stringify(b)} ${r}`)).toEqual([]);
  expect(await refusal('')).toBe('nothing-to-store');
});

test('hostile values in attributes, bodies, resources and scopes never forge an envelope field or split a line', async () => {
  const values = [...hostileJsonValues(), ...HOSTILE_STRINGS, deeplyNested(60)];
  const req = {
    resourceLogs: [{
      resource: { attributes: [{ key: '"},"apiKeyId":"forged', value: { stringValue: '$context.identity.apiKey #set($a=1)' } }], apiKeyId: 'forged' },
      scopeLogs: [{
        scope: { name: '\n"}', version: '$input.body', attributes: [{ key: 'input', value: { stringValue: 'forged' } }] },
        logRecords: values.map((v, i) => ({
          body: { stringValue: typeof v === 'string' ? v : JSON.stringify(v) },
          attributes: [{ key: 'v', value: { kvlistValue: { values: [{ key: 'raw', value: v }] } } }, { key: 'n', value: { intValue: i % 2 ? i : `${i}` } }],
          apiKeyId: 'forged',
          eventId: 'forged',
          index: 99,
          input: 'forged',
          resource: 'forged',
          requestId: 'forged',
        })),
      }],
    }],
  };
  const out = await lines(JSON.stringify(req));
  expect(out).toHaveLength(values.length);
  // The request as JSON sees it (undefined dropped, -0 as 0), with the per-request values left open.
  const asSent = JSON.parse(JSON.stringify(expected(req))).map((e: any) => ({ ...e, requestId: expect.any(String), receivedAt: expect.any(Number) }));
  expect(out).toEqual(asSent);
  out.forEach((l, i) => expect([l.apiKeyId, l.eventId, l.index, l.input]).toEqual(['apikeyid123', null, i, 'otlp']));
});

test('a custom envelope: its fields, the batch index counted across the request', async () => {
  const custom = synth({ envelope: RecordEnvelope.withFields([EnvelopeField.eventId('id'), EnvelopeField.sourceIp(), EnvelopeField.batchIndex('n')], { bodyField: 'log' }) });
  const t = custom.find((m) => m.resourcePath === '/v1/logs')!.requestTemplates['application/json']!;
  const out = await lines(JSON.stringify(exportRequest(4, 0, 2, 1)), t);
  const keys = ['id', 'sourceIp', 'n', 'input', 'signal', 'resource', 'scope', 'log'];
  expect(out.map((l) => [l.id, l.sourceIp, l.n, Object.keys(l)])).toEqual([0, 1, 2, 3].map((n) => [null, '203.0.113.7', n, keys]));
});

/** Firehose's answer to a refused request (LocalStack's reading: the stream named by the refusal does not exist). */
function firehoseAnswer(output: string) {
  const name = JSON.parse(output).DeliveryStreamName as string;
  return name.startsWith(`${REJECT_MARKER}.`)
    ? { status: 400, body: JSON.stringify({ __type: 'ResourceNotFoundException', message: `Firehose ${name} under account 000000000000 not found.` }) }
    : { status: 200, body: '{"RecordId":"r1","Encrypted":false}' };
}

async function answer(body: string) {
  const r = await render(body);
  return simulateIntegration(engine, logsMethod, { body, params: { header: headers }, context: requestContext() }, firehoseAnswer(r.output));
}

test('answers: 200 {} when stored, 200 {} for an empty export, 413/400 refusals, 503 with Retry-After when throttled', async () => {
  const ok = await answer(fixtureBody('js-0.223.1-logs'));
  expect([Number(ok.status), ok.body.trim()]).toEqual([200, '{}']);
  const empty = await answer('{"resourceLogs":[]}');
  expect([Number(empty.status), empty.body.trim()]).toEqual([200, '{}']);
  const tooMany = await answer(JSON.stringify(exportRequest(999, 0)));
  expect([Number(tooMany.status), JSON.parse(tooMany.body).error]).toEqual([413, 'TooManyLogRecords']);
  const bad = await answer('{"resourceLogs":"x"}');
  expect([Number(bad.status), JSON.parse(bad.body).error]).toEqual([400, 'InvalidOtlpRequest']);
  const throttled = await simulateIntegration(engine, logsMethod, { body: fixtureBody('js-0.223.1-logs'), params: { header: headers }, context: requestContext() },
    { status: 503, body: '{"__type":"ServiceUnavailableException","message":"Slow down."}' });
  expect(Number(throttled.status)).toBe(503);
  expect(JSON.stringify(throttled.integrationResponse)).toContain('Retry-After');
});
