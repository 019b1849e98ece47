/**
 * What @opentelemetry/exporter-logs-otlp-http 0.223.1 (OTLP/HTTP JSON, Node) sends, and how it reads answers.
 * The package is the spec: every fact below is observed against a local capture server (loopback, 4730-4750).
 * Written up in docs/senders/otel.md. Fixtures: test/senders/fixtures/otel/ (UPDATE_SENDER_FIXTURES=1 rewrites).
 *
 * The SDK runs in a child process (test/senders/otel-driver.js): the exporter loads node:http through a dynamic
 * import(), which Jest's VM refuses without --experimental-vm-modules.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { saveOrLoad, stableHeaders, FIXTURES_DIR } from './fixture-io';
import { OK_EMPTY_JSON, startCaptureServer, type CaptureServer, type ScriptedResponse } from './otel-capture-server';
import { OtelDriver } from './otel-driver-client';

/** ExportResultCode of @opentelemetry/core. */
const SUCCESS = 0;
const FAILED = 1;

const API_KEY = 'test-api-key-0123456789';
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const BYTES = [0, 1, 2, 253, 254, 255];

/** Every attribute type the JS API accepts (AnyValue); bytes go through the driver as {$bytes}. */
const ALL_TYPES = {
  str: 'text "quoted" \\ back\nslash',
  int: 42,
  negative_int: -7,
  big_int: 2 ** 53 + 2,
  double: 1.5,
  whole_double: 2.0,
  bool: true,
  str_array: ['a', 'b'],
  int_array: [1, 2, 3],
  mixed_array: ['a', 1, true],
  kvlist: { nested: 'v', n: 1, deeper: { ok: false } },
  bytes: { $bytes: Buffer.from(BYTES).toString('base64') },
  empty_str: '',
  unicode: 'é€😀',
};


let server: CaptureServer;
let driver: OtelDriver;

beforeAll(async () => {
  server = await startCaptureServer();
  driver = new OtelDriver();
});
afterAll(async () => {
  await driver.close();
  await server.close();
});
beforeEach(() => {
  server.reset();
  server.respondWith(OK_EMPTY_JSON);
});

function url(): string {
  return `${server.origin}/prod/v1/logs`;
}

function records(body: Buffer): any[] {
  const j = JSON.parse(body.toString('utf8'));
  return j.resourceLogs.flatMap((rl: any) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords));
}

function attr(rec: any, key: string): any {
  return rec.attributes.find((a: any) => a.key === key)?.value;
}

async function newExporter(config: Record<string, unknown> = {}): Promise<number> {
  return (await driver.call('exporter', { config: { url: url(), headers: { 'x-api-key': API_KEY }, ...config } })).exporter;
}

async function newProvider(resource?: Record<string, string>, batch?: Record<string, number>): Promise<number> {
  const exporter = await newExporter();
  return (await driver.call('provider', { exporter, resource, batch })).provider;
}

describe('OTLP/HTTP JSON logs exporter (JS 0.223.1)', () => {
  test('1,000 records through a default BatchLogRecordProcessor: two requests of 512 and 488 records', async () => {
    const provider = await newProvider({ 'service.name': 'checkout', 'deployment.environment.name': 'test' });
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      severityNumber: i % 2 ? SeverityNumber.WARN : SeverityNumber.INFO,
      severityText: i % 2 ? 'WARN' : 'INFO',
      body: i % 3 ? `line ${i}` : { msg: 'structured', i },
      attributes: { ...ALL_TYPES, seq: i },
    }));
    await driver.call('emit', { provider, scope: 'capture-test', version: '1.0.0', records: batch });
    await driver.call('flush', { provider });
    await driver.call('shutdown', { provider });

    const reqs = server.requests;
    expect(reqs.map((r) => records(r.decoded).length)).toEqual([512, 488]);
    for (const r of reqs) {
      expect(r.method).toBe('POST');
      expect(r.path).toBe('/prod/v1/logs'); // the url option is used as given: nothing is appended
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-api-key']).toBe(API_KEY);
      expect(r.headers['user-agent']).toBe('OTel-OTLP-Exporter-JavaScript/0.223.1');
      // The body is piped from a stream: chunked, no Content-Length.
      expect(r.headers['transfer-encoding']).toBe('chunked');
      expect(r.headers['content-length']).toBeUndefined();
      expect(r.headers['content-encoding']).toBeUndefined();
      const body = JSON.parse(r.decoded.toString('utf8'));
      expect(Object.keys(body)).toEqual(['resourceLogs']);
      expect(body.resourceLogs).toHaveLength(1);
      expect(body.resourceLogs[0].resource.attributes).toEqual([
        { key: 'service.name', value: { stringValue: 'checkout' } },
        { key: 'deployment.environment.name', value: { stringValue: 'test' } },
      ]);
      expect(body.resourceLogs[0].scopeLogs).toHaveLength(1);
      expect(body.resourceLogs[0].scopeLogs[0].scope).toEqual({ name: 'capture-test', version: '1.0.0' });
    }
    // Body sizes (about 1.3 KB per record with these 15 attributes: 512 records are about 670 KB), for
    // docs/senders/otel.md.
    const sizes = reqs.map((r) => r.body.length);
    expect(sizes[0]).toBeGreaterThan(512 * 1100);
    expect(sizes[0]).toBeLessThan(512 * 1500);
    process.stdout.write(`OTel JS batch body bytes: ${sizes.join(', ')}\n`);

    const rec = records(reqs[0].decoded)[1];
    expect(typeof rec.timeUnixNano).toBe('string'); // nanoseconds as a decimal string
    expect(rec.timeUnixNano).toMatch(/^\d{19}$/);
    expect(rec.timeUnixNano).toMatch(/000000$/); // Date.now(): millisecond precision when no timestamp is given
    expect(rec.observedTimeUnixNano).toBe(rec.timeUnixNano);
    expect(rec.severityNumber).toBe(13);
    expect(rec.severityText).toBe('WARN');
    expect(rec.body).toEqual({ stringValue: 'line 1' });
    expect(rec.traceId).toBeUndefined(); // no span context: no traceId/spanId/flags keys at all
    expect(rec.spanId).toBeUndefined();
    expect(rec.flags).toBeUndefined();
    expect(rec.droppedAttributesCount).toBe(0);
    expect(records(reqs[0].decoded)[0].body).toEqual({
      kvlistValue: { values: [{ key: 'msg', value: { stringValue: 'structured' } }, { key: 'i', value: { intValue: 0 } }] },
    });
  });

  test('a few records are sent after scheduledDelayMillis (1 s) without a flush', async () => {
    const provider = await newProvider();
    const t0 = Date.now();
    await driver.call('emit', { provider, scope: 'timer', records: Array.from({ length: 10 }, (_, i) => ({ body: `t${i}` })) });
    const [r] = await server.waitFor(1, 5000);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3000);
    expect(records(r.decoded)).toHaveLength(10);
    // Without a resource the SDK's default resource is sent (service.name unknown_service:<process>, telemetry.sdk.*).
    const res = JSON.parse(r.decoded.toString()).resourceLogs[0].resource.attributes.map((a: any) => a.key);
    expect(res).toEqual(expect.arrayContaining(['service.name', 'telemetry.sdk.language', 'telemetry.sdk.name', 'telemetry.sdk.version']));
    await driver.call('shutdown', { provider });
  });

  test('two records: every attribute type, a structured body, trace context, explicit timestamps (fixture)', async () => {
    const provider = await newProvider({ 'service.name': 'checkout', 'service.version': '1.2.3' });
    await driver.call('emit', {
      provider,
      scope: 'capture-test',
      version: '1.0.0',
      records: [
        {
          timestamp: [1767225600, 123456789], // 2026-01-01T00:00:00.123456789Z as HrTime
          observedTimestamp: [1767225600, 223456789],
          severityNumber: SeverityNumber.ERROR,
          severityText: 'ERROR',
          eventName: 'checkout.failed',
          body: { message: 'payment declined', code: 402, retry: false, amounts: [1.25, 3], meta: { gateway: 'x' } },
          attributes: ALL_TYPES,
          context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 },
        },
        {
          timestamp: { $date: '2026-01-01T00:00:01.005Z' }, // a Date: millisecond precision
          observedTimestamp: 1767225601005, // a number: milliseconds since the epoch
          severityNumber: SeverityNumber.INFO,
          body: 'plain string body',
        },
      ],
    });
    await driver.call('flush', { provider });
    await driver.call('shutdown', { provider });
    expect(server.requests).toHaveLength(1);
    const r = server.requests[0];

    const { fixture, body } = saveOrLoad('otel', 'js-0.223.1-logs', r, {
      sender: '@opentelemetry/exporter-logs-otlp-http 0.223.1, @opentelemetry/sdk-logs 0.223.1, @opentelemetry/resources 2.12.1, Node 20',
      capturedWith: 'test/senders/otel-capture.test.ts ("two records: every attribute type ...")',
      notes: [
        'intValue is a JSON number; 2**53+2 stays a number (9007199254740994); 2.0 becomes intValue 2 (JS cannot tell)',
        'timeUnixNano/observedTimeUnixNano are decimal strings of nanoseconds',
        'traceId/spanId are lower-case hex strings, flags a number; all three absent without a span context',
        'bytesValue is base64; kvlistValue and arrayValue nest AnyValue',
        'Transfer-Encoding: chunked, no Content-Length; user headers keep their case and come first',
      ],
    });
    expect(stableHeaders(r)).toEqual(fixture.rawHeaders);
    expect(r.body.equals(body)).toBe(true); // byte for byte: deterministic given fixed timestamps
    expect(body.length).toBeLessThan(100 * 1024);

    const [rec, rec2] = records(r.decoded);
    expect(rec.timeUnixNano).toBe('1767225600123456789');
    expect(rec.observedTimeUnixNano).toBe('1767225600223456789');
    expect(rec.traceId).toBe(TRACE_ID);
    expect(rec.spanId).toBe(SPAN_ID);
    expect(rec.flags).toBe(1);
    expect(rec.eventName).toBe('checkout.failed');
    expect(rec.severityNumber).toBe(17);
    expect(attr(rec, 'str')).toEqual({ stringValue: ALL_TYPES.str });
    expect(attr(rec, 'int')).toEqual({ intValue: 42 });
    expect(attr(rec, 'negative_int')).toEqual({ intValue: -7 });
    expect(attr(rec, 'big_int')).toEqual({ intValue: 9007199254740994 });
    expect(attr(rec, 'double')).toEqual({ doubleValue: 1.5 });
    expect(attr(rec, 'whole_double')).toEqual({ intValue: 2 });
    expect(attr(rec, 'bool')).toEqual({ boolValue: true });
    expect(attr(rec, 'int_array')).toEqual({ arrayValue: { values: [{ intValue: 1 }, { intValue: 2 }, { intValue: 3 }] } });
    expect(attr(rec, 'mixed_array')).toEqual({
      arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }, { boolValue: true }] },
    });
    expect(attr(rec, 'kvlist')).toEqual({
      kvlistValue: {
        values: [
          { key: 'nested', value: { stringValue: 'v' } },
          { key: 'n', value: { intValue: 1 } },
          { key: 'deeper', value: { kvlistValue: { values: [{ key: 'ok', value: { boolValue: false } }] } } },
        ],
      },
    });
    expect(attr(rec, 'bytes')).toEqual({ bytesValue: Buffer.from(BYTES).toString('base64') });
    expect(attr(rec, 'empty_str')).toEqual({ stringValue: '' });
    expect(rec.body.kvlistValue.values[3]).toEqual({
      key: 'amounts',
      value: { arrayValue: { values: [{ doubleValue: 1.25 }, { intValue: 3 }] } },
    });
    expect(rec2.timeUnixNano).toBe('1767225601005000000');
    expect(rec2.observedTimeUnixNano).toBe('1767225601005000000');
    expect(rec2.body).toEqual({ stringValue: 'plain string body' });
    expect(rec2.severityText).toBeUndefined();
  });

  test("compression: 'gzip' sends Content-Encoding: gzip (still chunked)", async () => {
    const exporter = await newExporter({ compression: 'gzip' });
    const result = await driver.call('export', { exporter, n: 100 });
    expect(result.code).toBe(SUCCESS);
    const r = server.requests[0];
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect([r.body[0], r.body[1]]).toEqual([0x1f, 0x8b]); // gzip magic
    expect(zlib.gunzipSync(r.body).equals(r.decoded)).toBe(true);
    expect(records(r.decoded)).toHaveLength(100);
    expect(r.body.length).toBeLessThan(r.decoded.length / 3);
    await driver.call('exporterShutdown', { exporter });
  });

  describe('answers', () => {
    beforeEach(async () => {
      await driver.call('warnings');
    });

    async function scenario(responses: ScriptedResponse[]) {
      server.respondWith((_r, i) => responses[Math.min(i, responses.length - 1)]);
      const exporter = await newExporter();
      const result = await driver.call('export', { exporter, n: 3 });
      await driver.call('exporterShutdown', { exporter });
      const { warnings } = await driver.call('warnings');
      return { result, requests: server.requests.slice(), warnings: (warnings as string[]).join('\n') };
    }

    test.each([
      [200, '{}'],
      [200, '{"partialSuccess":{}}'],
      [200, ''],
      [201, '{}'],
      [202, ''],
      [204, ''],
      [299, ''],
    ])('%i with body %j is success, sent once, nothing logged', async (status, body) => {
      const { result, requests, warnings } = await scenario([{ status, body }]);
      expect(result.code).toBe(SUCCESS);
      expect(requests).toHaveLength(1);
      expect(warnings).toBe('');
    });

    test('a 200 whose body is not JSON is success; the exporter only warns', async () => {
      const { result, warnings } = await scenario([{ status: 200, body: '<html>' }]);
      expect(result.code).toBe(SUCCESS);
      expect(warnings).toMatch(/Failed to parse logs export response/);
    });

    test('a non-empty partialSuccess is success too, only logged as a warning', async () => {
      const { result, requests, warnings } = await scenario([
        { status: 200, body: '{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"bad records"}}' },
      ]);
      expect(result.code).toBe(SUCCESS);
      expect(requests).toHaveLength(1);
      expect(warnings).toMatch(/Received Partial Success response/);
      expect(warnings).toMatch(/bad records/);
    });

    test.each([301, 302, 400, 401, 403, 404, 408, 413, 415, 500, 501, 505])(
      '%i fails at once: sent once, not retried (the batch is dropped), redirects not followed',
      async (status) => {
        const { result, requests } = await scenario([
          { status, headers: { 'retry-after': '0', 'location': '/elsewhere' }, body: '{"message":"no"}' },
        ]);
        expect(result.code).toBe(FAILED);
        expect(requests).toHaveLength(1);
      },
    );

    test.each([429, 502, 503, 504])('%i is retried: 1 try + 5 retries, then failure', async (status) => {
      const { result, requests } = await scenario([{ status, headers: { 'retry-after': '0' } }]);
      expect(result.code).toBe(FAILED);
      expect(requests).toHaveLength(6);
      expect(new Set(requests.map((r) => r.body.toString('base64'))).size).toBe(1); // the same bytes every time
    });

    test('503 then 200: success after one retry', async () => {
      const { result, requests } = await scenario([{ status: 503, headers: { 'retry-after': '0' } }, { status: 200, body: '{}' }]);
      expect(result.code).toBe(SUCCESS);
      expect(requests).toHaveLength(2);
    });

    test('Retry-After (seconds) is honoured', async () => {
      const { result, requests } = await scenario([{ status: 429, headers: { 'retry-after': '1' } }, { status: 200, body: '{}' }]);
      expect(result.code).toBe(SUCCESS);
      expect(requests[1].at - requests[0].at).toBeGreaterThanOrEqual(950);
      expect(requests[1].at - requests[0].at).toBeLessThan(1600);
    });

    test('without Retry-After the first backoff is 1 s +-20%', async () => {
      const { requests } = await scenario([{ status: 502 }, { status: 200, body: '{}' }]);
      const gap = requests[1].at - requests[0].at;
      expect(gap).toBeGreaterThanOrEqual(780);
      expect(gap).toBeLessThan(1400);
    });

    test('a Retry-After beyond the export timeout (10 s default) gives up after the first try', async () => {
      const { result, requests } = await scenario([{ status: 503, headers: { 'retry-after': '30' } }]);
      expect(result.code).toBe(FAILED);
      expect(requests).toHaveLength(1);
    });

    test('the BatchLogRecordProcessor does not keep a failed batch: nothing is resent on the next flush', async () => {
      server.respondWith(() => ({ status: 400, body: '{}' }));
      const provider = await newProvider();
      await driver.call('emit', { provider, scope: 'drop', records: [{ body: 'lost' }] });
      await driver.call('flush', { provider });
      server.respondWith(OK_EMPTY_JSON);
      await driver.call('flush', { provider });
      await driver.call('shutdown', { provider });
      expect(server.requests).toHaveLength(1);
    });
  });
});

describe('OTLP/HTTP JSON logs exporter (Python opentelemetry-exporter-otlp-json-http 0.66b1, captured fixture)', () => {
  const dir = path.join(FIXTURES_DIR, 'otel');
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'python-0.66b1-logs.request.json'), 'utf8'));
  const raw = fs.readFileSync(path.join(dir, meta.bodyFile));
  const [rec, rec2] = records(raw);

  test('request line and headers', () => {
    expect(meta.method).toBe('POST');
    expect(meta.path).toBe('/prod/v1/logs');
    expect(raw.length).toBe(meta.bodyBytes);
    const h = Object.fromEntries(meta.rawHeaders.map(([k, v]: [string, string]) => [k.toLowerCase(), v]));
    expect(h['content-type']).toBe('application/json');
    expect(h['x-api-key']).toBe('test-key');
    expect(h['user-agent']).toBe('OTel-OTLP-JSON-Exporter-Python/0.66b1');
    expect(Number(h['content-length'])).toBe(meta.bodyBytes);
    expect(h['transfer-encoding']).toBeUndefined();
  });

  test('intValue is a string; timeUnixNano is omitted when no timestamp was set', () => {
    expect(attr(rec, 'int')).toEqual({ intValue: '42' });
    expect(attr(rec, 'big')).toEqual({ intValue: '9007199254740993' });
    expect(attr(rec, 'arr_int')).toEqual({ arrayValue: { values: [{ intValue: '1' }, { intValue: '2' }] } });
    expect(attr(rec, 'double')).toEqual({ doubleValue: 1.5 });
    expect(attr(rec, 'bytes')).toEqual({ bytesValue: 'AQID' });
    expect(rec.body.kvlistValue.values[1]).toEqual({ key: 'n', value: { intValue: '1' } });
    expect(rec.timeUnixNano).toBe('1767225600123456789');
    expect(rec.traceId).toBe(TRACE_ID);
    expect(rec.spanId).toBe(SPAN_ID);
    expect(rec.flags).toBe(1);
    expect(rec.eventName).toBe('checkout.done');
    expect(rec2.timeUnixNano).toBeUndefined();
    expect(rec2.observedTimeUnixNano).toMatch(/^\d{19}$/);
  });
});
