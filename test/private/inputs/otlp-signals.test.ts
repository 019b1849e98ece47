import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { storedLines } from './stored-lines';
import { ApiToFirehose, Input, OtlpSignal } from '../../../src';
import { MAX_TEMPLATE_ITERATIONS } from '../../../src/private/inputs/packing';
import { REJECT_MARKER } from '../../../src/private/vtl';
import { HOSTILE_STRINGS, deeplyNested, hostileJsonValues, requestContext } from '../../vtl/checker';
import { MethodInfo, RenderResult, VtlEngine, decodeFirehoseRequest, findMethods, simulateIntegration } from '../../vtl/harness';

/**
 * The OTLP input's traces and metrics templates, rendered by the Velocity 1.7 harness (AWS's recorded reading of
 * $input.json/$input.path, test/vtl): one line per span and per metric data point, resource and scope beside it,
 * every metric type stored, hostile requests never forging a field or breaking a line, and no request cut short
 * by API Gateway's 1,000-iteration loop quota.
 */
const engine = new VtlEngine();
afterAll(async () => engine.close());

function synth(input: Input = Input.otlp()): MethodInfo[] {
  const stack = new Stack(new App(), 'S');
  new ApiToFirehose(stack, 'Ingest', { deliveryStreamName: 'events', inputs: [input] });
  return findMethods(Template.fromStack(stack).toJSON());
}
const methods = synth();
const method = (p: string) => methods.find((m) => m.resourcePath === p && m.httpMethod === 'POST')!;
const tracesT = method('/v1/traces').requestTemplates['application/json']!;
const metricsT = method('/v1/metrics').requestTemplates['application/json']!;
const headers = { 'User-Agent': 'OTel-OTLP-Exporter-JavaScript/0.223.1' };

async function render(body: string, t: string): Promise<RenderResult> {
  return engine.render({ template: t, body, params: { header: headers, querystring: {}, path: {} }, context: requestContext() });
}
const lines = async (body: unknown, t: string) => storedLines(await render(JSON.stringify(body), t));
async function refusal(body: unknown, t: string): Promise<string | undefined> {
  const r = await render(typeof body === 'string' ? body : JSON.stringify(body), t);
  expect(r.error).toBeNull();
  const request = JSON.parse(r.output);
  if (!String(request.DeliveryStreamName).startsWith(`${REJECT_MARKER}.`)) return undefined;
  expect(request).toEqual({ DeliveryStreamName: request.DeliveryStreamName, Record: { Data: '' } });
  return request.DeliveryStreamName.slice(REJECT_MARKER.length + 1);
}

const envelopeOf = (index: number) => ({ apiKeyId: 'apikeyid123', requestId: expect.any(String), receivedAt: expect.any(Number), eventId: null, index });

function span(i: number, attrs = 2): any {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: `eee19b7ec3c1b${String(i).padStart(3, '0')}`,
    parentSpanId: '',
    name: `GET /items/${i}`,
    kind: 2,
    startTimeUnixNano: `${1767225600000000000 + i}`,
    endTimeUnixNano: `${1767225600005000000 + i}`,
    attributes: Array.from({ length: attrs }, (_a, a) => ({ key: `attr.${a}`, value: a % 2 ? { intValue: a } : { stringValue: `v${a}` } })),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    status: { code: i % 3 === 0 ? 2 : 0 },
    links: [],
    droppedLinksCount: 0,
  };
}

function traces(spans: number, resources = 1, scopes = 1, attrs = 2): any {
  const per = Math.ceil(spans / (resources * scopes));
  let i = 0;
  const take = () => Array.from({ length: Math.min(per, spans - i) }, () => span(i++, attrs));
  return {
    resourceSpans: Array.from({ length: resources }, (_r, r) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${r}` } }], droppedAttributesCount: 0 },
      scopeSpans: Array.from({ length: scopes }, (_s, sc) => ({ scope: { name: `scope-${sc}`, version: '1.0.0' }, spans: take() })),
    })),
  };
}

function expectedSpans(req: any): unknown[] {
  const out: unknown[] = [];
  for (const rs of req.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({ ...envelopeOf(out.length), input: 'otlp', signal: 'traces', resource: rs.resource ?? null, scope: ss.scope ?? null, body: s });
      }
    }
  }
  return out;
}

const attrs = [{ key: 'http.route', value: { stringValue: '/items' } }];
/** One metric of each of OTLP's five data kinds, as the JS SDK writes them (sum/histogram with temporality). */
function allKinds(points = 2): any[] {
  const pts = (f: (i: number) => any) => Array.from({ length: points }, (_p, i) => ({
    attributes: [...attrs, { key: 'i', value: { intValue: i } }], startTimeUnixNano: '1767225600000000000', timeUnixNano: `${1767225660000000000 + i}`, ...f(i),
  }));
  return [
    { name: 'queue.depth', description: 'Items queued', unit: '{item}', gauge: { dataPoints: pts((i) => ({ asInt: `${i + 3}` })) } },
    { name: 'http.requests', unit: '{request}', sum: { dataPoints: pts((i) => ({ asDouble: i + 0.5 })), aggregationTemporality: 2, isMonotonic: true } },
    {
      name: 'http.server.duration',
      unit: 'ms',
      histogram: { dataPoints: pts(() => ({ count: '3', sum: 12.5, bucketCounts: ['1', '2', '0'], explicitBounds: [5, 10], min: 1, max: 9 })), aggregationTemporality: 1 },
    },
    {
      name: 'payload.size',
      unit: 'By',
      exponentialHistogram: {
        dataPoints: pts(() => ({ count: '4', sum: 4096, scale: 3, zeroCount: '0', positive: { offset: 80, bucketCounts: ['1', '3'] }, negative: { offset: 0, bucketCounts: [] } })),
        aggregationTemporality: 2,
      },
    },
    { name: 'rpc.latency', unit: 's', summary: { dataPoints: pts(() => ({ count: '10', sum: 2.5, quantileValues: [{ quantile: 0.5, value: 0.2 }, { quantile: 0.99, value: 0.9 }] })) } },
  ];
}

const metricsRequest = (metrics: any[], resources = 1) => ({
  resourceMetrics: Array.from({ length: resources }, (_r, r) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${r}` } }] },
    scopeMetrics: [{ scope: { name: 'meter', version: '2.0.0' }, metrics }],
  })),
});

const TYPES = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];
function expectedPoints(req: any): unknown[] {
  const out: unknown[] = [];
  for (const rm of req.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const type = TYPES.find((t) => m[t] !== undefined);
        if (!type) continue;
        const metric = {
          name: m.name ?? null,
          description: m.description ?? null,
          unit: m.unit ?? null,
          metadata: m.metadata ?? null,
          type,
          aggregationTemporality: m[type].aggregationTemporality ?? null,
          isMonotonic: m[type].isMonotonic ?? null,
        };
        for (const p of m[type].dataPoints ?? []) {
          out.push({ ...envelopeOf(out.length), input: 'otlp', signal: 'metrics', resource: rm.resource ?? null, scope: sm.scope ?? null, metric, body: p });
        }
      }
    }
  }
  return out;
}

test('Input.otlp() serves /v1/traces, /v1/metrics and /v1/logs, JSON only; signals and path choose the routes', () => {
  expect(methods.filter((m) => m.httpMethod === 'POST').map((m) => m.resourcePath).sort()).toEqual(['/', '/batch', '/v1/logs', '/v1/metrics', '/v1/traces']);
  for (const p of ['/v1/traces', '/v1/metrics', '/v1/logs']) expect(Object.keys(method(p).requestTemplates)).toEqual(['application/json']);
  const some = synth(Input.otlp({ path: 'otel', signals: [OtlpSignal.TRACES] }));
  expect(some.filter((m) => m.httpMethod === 'POST').map((m) => m.resourcePath).sort()).toEqual(['/', '/batch', '/otel/traces']);
  expect(() => Input.otlp({ signals: [] })).toThrow('otlp signals must name each signal at most once and at least one, got [].');
  expect(() => Input.otlp({ signals: [OtlpSignal.LOGS, OtlpSignal.LOGS] })).toThrow('otlp signals must name each signal at most once and at least one, got [logs, logs].');
});

test('spans: one line each, with its resource and scope, indexed across resources and scopes', async () => {
  const req = traces(12, 3, 2);
  const out = await lines(req, tracesT);
  expect(out).toEqual(expectedSpans(req));
  expect(out.map((l) => l.resource.attributes[0].value.stringValue)).toEqual([...Array(4).fill('svc-0'), ...Array(4).fill('svc-1'), ...Array(4).fill('svc-2')]);
});

test('the span processor\'s default batch (512 spans, 15 attributes) is one record under 1,000 KiB', async () => {
  const req = traces(512, 1, 1, 15);
  const decoded = decodeFirehoseRequest((await render(JSON.stringify(req), tracesT)).output);
  expect(decoded.violations).toEqual([]);
  expect(decoded.events).toEqual(expectedSpans(req));
});

test('metrics: one line per data point, for each of gauge, sum, histogram, exponential histogram and summary', async () => {
  const req = metricsRequest(allKinds(3), 2);
  const out = await lines(req, metricsT);
  expect(out).toHaveLength(2 * 5 * 3);
  expect(out).toEqual(expectedPoints(req));
  expect([...new Set(out.map((l) => l.metric.type))]).toEqual(TYPES);
  expect(out.find((l) => l.metric.type === 'sum')!.metric).toEqual({
    name: 'http.requests', description: null, unit: '{request}', metadata: null, type: 'sum', aggregationTemporality: 2, isMonotonic: true,
  });
});

test('the 1,000-iteration quota: traces 2 x (resources + scopes) + spans, metrics 2 x (resources + scopes + metrics) + points', async () => {
  expect(MAX_TEMPLATE_ITERATIONS).toBe(1000);
  expect(await lines(traces(996, 1, 1, 0), tracesT)).toHaveLength(996);
  expect(await refusal(traces(997, 1, 1, 0), tracesT)).toBe('too-many-events');
  expect(await refusal(traces(600, 1, 600, 0), tracesT)).toBe('too-many-events');
  const gauge = (name: string, points: number) => ({ name, gauge: { dataPoints: Array.from({ length: points }, (_p, i) => ({ asInt: `${i}`, timeUnixNano: '1' })) } });
  // 1 resource, 1 scope, 10 metrics: 2 x 12 = 24, so 976 points pass and 977 are refused.
  const tenMetrics = (last: number) => metricsRequest([...Array.from({ length: 9 }, (_m, i) => gauge(`g${i}`, 100)), gauge('last', last)]);
  expect(await lines(tenMetrics(76), metricsT)).toHaveLength(976);
  expect(await refusal(tenMetrics(77), metricsT)).toBe('too-many-events');
  // Many metrics with one point each: the metrics count twice.
  expect(await lines(metricsRequest(Array.from({ length: 332 }, (_m, i) => gauge(`m${i}`, 1))), metricsT)).toHaveLength(332);
  expect(await refusal(metricsRequest(Array.from({ length: 333 }, (_m, i) => gauge(`m${i}`, 1))), metricsT)).toBe('too-many-events');
  expect(await refusal(metricsRequest(Array.from({ length: 1001 }, (_m, i) => ({ name: `m${i}` }))), metricsT)).toBe('too-many-events');
});

test('a loop cut short is detected and refused, never stored (the span loop and the points loop)', async () => {
  const cutSpans = tracesT.replace('#foreach($event in $records)', '#foreach($event in $records)#if($foreach.index >= 3)#break#end');
  expect(cutSpans).not.toBe(tracesT);
  expect(await refusal(traces(5), cutSpans)).toBe('too-many-events');
  const cutPoints = metricsT.replace('#foreach($event in $input.path($points_path))', '#foreach($event in $input.path($points_path))#if($foreach.index >= 1)#break#end');
  expect(cutPoints).not.toBe(metricsT);
  expect(await refusal(metricsRequest(allKinds(2)), cutPoints)).toBe('too-many-events');
  const cutCount = metricsT.replace('#foreach($m in $ms)', '#foreach($m in $ms)#if($foreach.index >= 2)#break#end');
  expect(await refusal(metricsRequest(allKinds(1)), cutCount)).toBe('too-many-events');
});

test('empty exports are a success with nothing stored; malformed ones are refused', async () => {
  const cases: [unknown, string, string | undefined][] = [
    [{}, tracesT, 'nothing-to-store'],
    [{ resourceSpans: [] }, tracesT, 'nothing-to-store'],
    [{ resourceSpans: [{}] }, tracesT, 'nothing-to-store'],
    [{ resourceSpans: [{ resource: {}, scopeSpans: [{ scope: {}, spans: [] }] }] }, tracesT, 'nothing-to-store'],
    [{ resourceSpans: [{ scopeSpans: [{ spans: [{}] }] }] }, tracesT, undefined],
    [{ resourceSpans: 'x' }, tracesT, 'malformed'],
    [{ resourceSpans: [{ scopeSpans: [{ spans: [1] }] }] }, tracesT, 'malformed'],
    [{ resourceSpans: [{ scopeSpans: { a: { spans: [{}] } } }] }, tracesT, 'malformed'],
    [{ resourceLogs: [{ scopeLogs: [{ logRecords: [{}] }] }] }, tracesT, 'nothing-to-store'],
    [{}, metricsT, 'nothing-to-store'],
    [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [] }] }] }, metricsT, 'nothing-to-store'],
    [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'empty' }] }] }] }, metricsT, 'nothing-to-store'],
    [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [] } }] }] }] }, metricsT, 'nothing-to-store'],
    [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: {} }] }] }] }, metricsT, 'nothing-to-store'],
    [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ gauge: { dataPoints: [{}] } }] }] }] }, metricsT, undefined],
    [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ gauge: { dataPoints: [{}] }, sum: { dataPoints: [{}] } }] }] }] }, metricsT, 'malformed'],
    [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ gauge: { dataPoints: 'x' } }] }] }] }, metricsT, 'malformed'],
    [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ gauge: [{ dataPoints: [{}] }] }] }] }] }, metricsT, 'malformed'],
    [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ sum: { dataPoints: [{}, 2] } }] }] }] }, metricsT, 'malformed'],
    [{ resourceMetrics: [{ scopeMetrics: [{ metrics: [1] }] }] }, metricsT, 'malformed'],
    [{ resourceMetrics: [{ scopeMetrics: [{ metrics: { a: {} } }] }] }, metricsT, 'malformed'],
  ];
  const got = [];
  for (const [body, t] of cases) got.push(await refusal(body, t));
  expect(got.map((r, i) => [JSON.stringify(cases[i][0]), r])).toEqual(cases.map(([b, , r]) => [JSON.stringify(b), r]));
  expect(await refusal('', tracesT)).toBe('nothing-to-store');
  expect(await refusal('', metricsT)).toBe('nothing-to-store');
});

test('hostile spans and points: deep values, numbers as strings and numbers, ints past 2^53, unknown fields, envelope keys', async () => {
  const values = [...hostileJsonValues(), ...HOSTILE_STRINGS, deeplyNested(60)];
  const forged = { apiKeyId: 'forged', eventId: 'forged', index: 99, input: 'forged', signal: 'forged', resource: 'forged', metric: 'forged', requestId: 'forged' };
  const resource = { attributes: [{ key: '"},"apiKeyId":"forged', value: { stringValue: '$context.identity.apiKey #set($a=1)' } }], ...forged, unknownField: { x: [1] } };
  const scope = { name: '\n"}', version: '$input.body', attributes: [{ key: 'input', value: { stringValue: 'forged' } }], ...forged };
  const tReq = {
    resourceSpans: [{
      resource,
      scopeSpans: [{
        scope,
        spans: values.map((v, i) => ({
          ...span(i),
          name: typeof v === 'string' ? v : JSON.stringify(v),
          ...forged,
          futureField: v,
          attributes: [{ key: 'v', value: { kvlistValue: { values: [{ key: 'raw', value: v }] } } }, { key: 'big', value: { intValue: i % 2 ? 9007199254740993 : '9007199254740993' } }],
        })),
      }],
    }],
  };
  const spansOut = await lines(tReq, tracesT);
  const asSent = (e: unknown[]) => JSON.parse(JSON.stringify(e))
    .map((x: any) => ({ ...x, requestId: expect.any(String), receivedAt: expect.any(Number) }));
  expect(spansOut).toEqual(asSent(expectedSpans(tReq)));
  spansOut.forEach((l, i) => expect([l.apiKeyId, l.eventId, l.index, l.input, l.signal]).toEqual(['apikeyid123', null, i, 'otlp', 'traces']));
  const hostileMetric = {
    name: '"},"signal":"forged',
    description: '\n',
    unit: '${q}',
    metadata: [{ key: 'k', value: { stringValue: '\u2028' } }],
    ...forged,
    futureField: 1,
    sum: {
      aggregationTemporality: '2',
      isMonotonic: 'true',
      ...forged,
      dataPoints: values.map((v, i) => ({ asInt: i % 2 ? 9007199254740993 : '9007199254740993', timeUnixNano: i, attributes: [{ key: 'v', value: { kvlistValue: { values: [{ key: 'raw', value: v }] } } }], ...forged })),
    },
  };
  const mReq = { resourceMetrics: [{ resource, scopeMetrics: [{ scope, metrics: [hostileMetric, ...allKinds(1)] }] }] };
  const pointsOut = await lines(mReq, metricsT);
  expect(pointsOut).toEqual(asSent(expectedPoints(mReq)));
  pointsOut.forEach((l, i) => expect([l.apiKeyId, l.eventId, l.index, l.input, l.signal]).toEqual(['apikeyid123', null, i, 'otlp', 'metrics']));
  expect(pointsOut[0].metric.name).toBe('"},"signal":"forged');
  // A 64-bit int past 2^53 sent as a string is kept exactly.
  expect(pointsOut[0].body.asInt).toBe('9007199254740993');
});

/** Firehose's answer to a refused request (LocalStack's reading: the stream named by the refusal does not exist). */
function firehoseAnswer(output: string) {
  const name = JSON.parse(output).DeliveryStreamName as string;
  return name.startsWith(`${REJECT_MARKER}.`)
    ? { status: 400, body: JSON.stringify({ __type: 'ResourceNotFoundException', message: `Firehose ${name} under account 000000000000 not found.` }) }
    : { status: 200, body: '{"RecordId":"r1","Encrypted":false}' };
}

test.each([
  ['/v1/traces', traces(2), traces(997, 1, 1, 0), 'TooManySpans'],
  ['/v1/metrics', metricsRequest(allKinds(2)),
    metricsRequest(Array.from({ length: 400 }, (_m, i) => ({ name: `m${i}`, gauge: { dataPoints: [{ asInt: '1' }] } }))), 'TooManyDataPoints'],
])('%s answers: 200 {} when stored or empty, 413 past the loop budget, 400 malformed, 503 with Retry-After when throttled', async (p, ok, tooMany, code) => {
  const m = method(p);
  const answer = async (body: string) => {
    const r = await render(body, m.requestTemplates['application/json']!);
    return simulateIntegration(engine, m, { body, params: { header: headers }, context: requestContext() }, firehoseAnswer(r.output));
  };
  const stored = await answer(JSON.stringify(ok));
  expect([Number(stored.status), stored.body.trim()]).toEqual([200, '{}']);
  const empty = await answer('{}');
  expect([Number(empty.status), empty.body.trim()]).toEqual([200, '{}']);
  const big = await answer(JSON.stringify(tooMany));
  expect([Number(big.status), JSON.parse(big.body).error]).toEqual([413, code]);
  const bad = await answer(p === '/v1/traces' ? '{"resourceSpans":"x"}' : '{"resourceMetrics":"x"}');
  expect([Number(bad.status), JSON.parse(bad.body).error]).toEqual([400, 'InvalidOtlpRequest']);
  const throttled = await simulateIntegration(engine, m, { body: JSON.stringify(ok), params: { header: headers }, context: requestContext() },
    { status: 503, body: '{"__type":"ServiceUnavailableException","message":"Slow down."}' });
  expect(Number(throttled.status)).toBe(503);
  expect(JSON.stringify(throttled.integrationResponse)).toContain('Retry-After');
});

test('lines over one Firehose record (1,000 KiB) refuse the request with 413', async () => {
  const req = traces(2);
  req.resourceSpans[0].scopeSpans[0].spans[0].name = 'é'.repeat(260_000);
  req.resourceSpans[0].scopeSpans[0].spans[1].name = 'é'.repeat(260_000);
  expect(await refusal(req, tracesT)).toBe('too-large');
});
