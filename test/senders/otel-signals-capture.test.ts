/**
 * The published OpenTelemetry JS SDKs for traces, metrics and logs (sdk-trace-base 2.12.1 + exporter-trace-otlp-http
 * 0.223.1, sdk-metrics 2.12.1 + exporter-metrics-otlp-http 0.223.0, sdk-logs + exporter-logs-otlp-http 0.223.1), set
 * up as users do with only OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS, against a local capture
 * server: the paths they post to under the one base URL, and what Input.otlp()'s templates (Velocity harness) make
 * of their exact requests: every span, data point and log record one line.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { OK_EMPTY_JSON, startCaptureServer, type CaptureServer } from './otel-capture-server';
import { OtelDriver } from './otel-driver-client';
import { ApiToFirehose, Input } from '../../src';
import { storedLines } from '../private/inputs/stored-lines';
import { requestContext } from '../vtl/checker';
import { VtlEngine, findMethods } from '../vtl/harness';

const API_KEY = 'test-api-key-0123456789';
let server: CaptureServer;
let driver: OtelDriver;
const engine = new VtlEngine();

beforeAll(async () => {
  server = await startCaptureServer();
  server.respondWith(OK_EMPTY_JSON);
  driver = new OtelDriver({
    OTEL_EXPORTER_OTLP_ENDPOINT: `${server.origin}/prod`,
    OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${API_KEY}`,
  });
});
afterAll(async () => {
  await driver.close();
  await server.close();
  await engine.close();
});

function templates(): Record<string, string> {
  const stack = new Stack(new App(), 'S');
  new ApiToFirehose(stack, 'Ingest', { deliveryStreamName: 'events', inputs: [Input.otlp()] });
  const methods = findMethods(Template.fromStack(stack).toJSON()).filter((m) => m.httpMethod === 'POST' && (m.resourcePath ?? '').startsWith('/v1/'));
  return Object.fromEntries(methods.map((m) => [m.resourcePath!, m.requestTemplates['application/json']!]));
}

test('with only the base endpoint and the header, the SDKs post JSON to /v1/traces, /v1/metrics and /v1/logs; each item one line', async () => {
  const resource = { 'service.name': 'checkout' };
  const tracer = (await driver.call('tracer', { resource })).provider;
  const t0 = Date.UTC(2026, 0, 1);
  await driver.call('spans', {
    provider: tracer,
    scope: 'capture',
    version: '1.0.0',
    spans: Array.from({ length: 7 }, (_x, i) => ({ name: `GET /items/${i}`, kind: 1, code: i === 3 ? 2 : 0, attributes: { i, 'http.route': '/items' }, startMs: t0 + i, durationMs: 5 + i })),
  });
  await driver.call('flush', { provider: tracer });
  const meter = (await driver.call('meter', { resource, expHistograms: ['payload.size'] })).provider;
  await driver.call('record', {
    provider: meter,
    scope: 'capture',
    counters: { 'http.requests': [{ value: 1, attributes: { route: '/a' } }, { value: 2, attributes: { route: '/b' } }] },
    upDowns: { 'queue.depth': [{ value: 5 }] },
    gauges: { 'cpu.temp': [{ value: 61.5, attributes: { core: 0 } }, { value: 63, attributes: { core: 1 } }] },
    histograms: { 'http.duration': [{ value: 12, unit: 'ms' }, { value: 40, unit: 'ms' }], 'payload.size': [{ value: 2048, unit: 'By' }] },
  });
  await driver.call('flush', { provider: meter });
  const logs = (await driver.call('logsEnv', { resource })).provider;
  await driver.call('emit', { provider: logs, scope: 'capture', records: [{ severityNumber: 9, body: 'a' }, { severityNumber: 17, body: 'b' }] });
  await driver.call('flush', { provider: logs });
  expect((await driver.call('warnings')).warnings.filter((w: string) => /error|fail/i.test(w))).toEqual([]);

  const reqs = server.requests;
  expect(reqs.map((r) => [r.method, r.path, r.headers['content-type'], r.headers['x-api-key']])).toEqual([
    ['POST', '/prod/v1/traces', 'application/json', API_KEY],
    ['POST', '/prod/v1/metrics', 'application/json', API_KEY],
    ['POST', '/prod/v1/logs', 'application/json', API_KEY],
  ]);
  const t = templates();
  const render = async (path: string, body: Buffer) => storedLines(await engine.render({
    template: t[path], body: body.toString('utf8'), params: { header: { 'User-Agent': 'OTel-OTLP-Exporter-JavaScript/0.223.1' } }, context: requestContext(),
  }));
  const spans = await render('/v1/traces', reqs[0].decoded);
  expect(spans.map((l) => [l.signal, l.body.name, l.body.kind, l.body.status.code ?? 0])).toEqual(
    Array.from({ length: 7 }, (_x, i) => ['traces', `GET /items/${i}`, 2, i === 3 ? 2 : 0]));
  expect(spans[0].resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'checkout' } });
  const points = await render('/v1/metrics', reqs[1].decoded);
  expect(points.map((l) => [l.metric.name, l.metric.type]).sort()).toEqual([
    ['cpu.temp', 'gauge'], ['cpu.temp', 'gauge'], ['http.duration', 'histogram'], ['http.requests', 'sum'], ['http.requests', 'sum'],
    ['payload.size', 'exponentialHistogram'], ['queue.depth', 'sum'],
  ]);
  expect(points.find((l) => l.metric.name === 'http.requests')!.metric).toEqual(expect.objectContaining({ aggregationTemporality: 2, isMonotonic: true }));
  expect(points.find((l) => l.metric.name === 'http.duration')!.body).toEqual(expect.objectContaining({ count: 2, sum: 52 }));
  const records = await render('/v1/logs', reqs[2].decoded);
  expect(records.map((l) => [l.signal, l.body.body.stringValue])).toEqual([['logs', 'a'], ['logs', 'b']]);
});
