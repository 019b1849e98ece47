/**
 * Cost per million events of the senders' inputs (OTLP spans, metric data points and logs, Snowplow, log shippers)
 * at each sender's default batch size (for the Collector, the batch of docs/senders/otelcol-config.yaml: its own
 * default, 8,192 items, is past a request's 1,000 loop iterations), measured from the synthesized templates: each request is rendered by the Velocity 1.7 engine of
 * test/vtl/harness.ts (default envelope), the one Firehose record it produces is decoded, and its size is billed as
 * Firehose bills it (rounded up to 5 KB). Prices from docs/prices.json (API Gateway's first tier). Requests are built
 * from the captured requests in test/senders/fixtures (their events repeated to the default batch size).
 *
 *   npx ts-node --project tsconfig.dev.json scripts/bench/inputs-cost.ts
 *
 * Writes docs/benchmarks/inputs-cost.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadPrices, REPO_ROOT } from './prices';
import { ApiToFirehose, Input } from '../../src';
import { apiGatewayContext, decodeFirehoseRequest, findMethods, VtlEngine } from '../../test/vtl/harness';

const FIX = path.join(REPO_ROOT, 'test', 'senders', 'fixtures');
const read = (p: string) => fs.readFileSync(path.join(FIX, p), 'utf8');

interface Case { readonly sender: string; readonly route: string; readonly contentType: string; readonly events: number; readonly body: string }

function otlp(events: number): string {
  const req = JSON.parse(read('otel/js-0.223.1-logs.body.json'));
  const [first] = req.resourceLogs[0].scopeLogs[0].logRecords;
  // 15 scalar attributes (the captured record's scalar ones, repeated under new keys) and a string body, about the
  // 1.3 KB a record of the 668 KB capture (512 records, 15 attributes) weighed.
  const scalars = first.attributes.filter((a: any) => ['stringValue', 'intValue', 'doubleValue', 'boolValue'].some((k) => k in a.value));
  const attributes = (i: number) => Array.from({ length: 15 }, (_x, k) => ({ key: `${scalars[k % scalars.length].key}.${k}`, value: k === 0 ? { intValue: i } : scalars[k % scalars.length].value }));
  req.resourceLogs[0].scopeLogs[0].logRecords = Array.from({ length: events }, (_x, i) => ({
    ...first, body: { stringValue: `GET /cart/${i} 200 in 12 ms` }, attributes: attributes(i),
  }));
  return JSON.stringify(req);
}

/** A span as the JS SDK writes it for an HTTP server request: 10 attributes of the HTTP semantic conventions. */
function span(i: number): unknown {
  const attrs: [string, unknown][] = [
    ['http.request.method', { stringValue: 'GET' }], ['url.path', { stringValue: `/cart/${i}` }], ['http.route', { stringValue: '/cart/:id' }],
    ['http.response.status_code', { intValue: 200 }], ['server.address', { stringValue: 'shop.example.com' }], ['server.port', { intValue: 443 }],
    ['network.protocol.version', { stringValue: '1.1' }], ['user_agent.original', { stringValue: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0' }],
    ['client.address', { stringValue: '203.0.113.7' }], ['url.scheme', { stringValue: 'https' }],
  ];
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: (0xeee19b7ec3c1b000 + i).toString(16).slice(-16),
    parentSpanId: 'eee19b7ec3c1b174',
    name: 'GET /cart/:id',
    kind: 2,
    startTimeUnixNano: `${1767225600000000000 + i * 1000}`,
    endTimeUnixNano: `${1767225600012000000 + i * 1000}`,
    attributes: attrs.map(([key, value]) => ({ key, value })),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    status: { code: 0 },
    links: [],
    droppedLinksCount: 0,
    flags: 257,
  };
}

const RESOURCE = {
  attributes: [['service.name', 'checkout'], ['service.version', '1.4.2'], ['telemetry.sdk.language', 'nodejs'], ['telemetry.sdk.name', 'opentelemetry'],
    ['telemetry.sdk.version', '2.12.1'], ['host.name', 'ip-10-0-1-17']].map(([key, v]) => ({ key, value: { stringValue: v } })),
  droppedAttributesCount: 0,
};

function traces(spans: number): string {
  return JSON.stringify({
    resourceSpans: [{
      resource: RESOURCE,
      scopeSpans: [{
        scope: { name: '@opentelemetry/instrumentation-http', version: '0.223.1' },
        spans: Array.from({ length: spans }, (_x, i) => span(i)),
      }],
    }],
  });
}

/** `metrics` histograms (HTTP server durations) with `points` attribute sets each, as the JS SDK exports them. */
function metrics(metricCount: number, points: number): string {
  const bounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
  const point = (p: number) => ({
    attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }, { key: 'http.route', value: { stringValue: `/route/${p}` } },
      { key: 'http.response.status_code', value: { intValue: 200 } }],
    startTimeUnixNano: '1767225600000000000',
    timeUnixNano: '1767225660000000000',
    count: 42,
    sum: 812.5,
    min: 2,
    max: 97,
    bucketCounts: bounds.map((_b, k) => (k < 6 ? 7 : 0)).concat([0]),
    explicitBounds: bounds,
  });
  return JSON.stringify({
    resourceMetrics: [{
      resource: RESOURCE,
      scopeMetrics: [{
        scope: { name: '@opentelemetry/instrumentation-http', version: '0.223.1' },
        metrics: Array.from({ length: metricCount }, (_m, m) => ({
          name: `http.server.request.duration.${m}`,
          unit: 'ms',
          description: 'Duration of HTTP server requests.',
          histogram: { aggregationTemporality: 2, dataPoints: Array.from({ length: points }, (_p, p) => point(p)) },
        })),
      }],
    }],
  });
}

function snowplow(file: string, events: number): string {
  const req = JSON.parse(read(file));
  req.data = Array.from({ length: events }, (_x, i) => ({ ...req.data[i % req.data.length], eid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
  return JSON.stringify(req);
}

function shipperArray(file: string, events: number): string {
  const f = JSON.parse(read(file));
  const records = JSON.parse(f.request.decodedBody ?? f.request.body);
  return JSON.stringify(Array.from({ length: events }, (_x, i) => records[i % records.length]));
}

function ndjson(file: string, events: number): string {
  const f = JSON.parse(read(file));
  const lines = (f.request.decodedBody ?? f.request.body).split('\n').filter((l: string) => l.trim());
  return Array.from({ length: events }, (_x, i) => lines[i % lines.length]).join('\n') + '\n';
}

const CASES: Case[] = [
  { sender: 'OTel JS/Python exporter (BatchLogRecordProcessor, 512 records, 15 attributes)', route: '/v1/logs', contentType: 'application/json', events: 512, body: otlp(512) },
  { sender: 'OTel JS SDK spans (BatchSpanProcessor, 512 spans, 10 attributes)', route: '/v1/traces', contentType: 'application/json', events: 512, body: traces(512) },
  { sender: 'Collector spans (otelcol-config.yaml batch, 300 spans)', route: '/v1/traces', contentType: 'application/json', events: 300, body: traces(300) },
  { sender: 'OTel JS SDK metrics (one periodic export: 20 histograms x 10 points)', route: '/v1/metrics', contentType: 'application/json', events: 200, body: metrics(20, 10) },
  { sender: 'Collector metrics (otelcol-config.yaml batch, 30 histograms x 10 points)', route: '/v1/metrics', contentType: 'application/json', events: 300, body: metrics(30, 10) },
  { sender: 'Snowplow node tracker (bufferSize 10)', route: '/com.snowplowanalytics.snowplow/tp2', contentType: 'application/json', events: 10, body: snowplow('snowplow/node-4.8.0-post-base64.body.json', 10) },
  { sender: 'Snowplow browser tracker (bufferSize 1)', route: '/com.snowplowanalytics.snowplow/tp2', contentType: 'application/json', events: 1, body: snowplow('snowplow/node-4.8.0-post-plain.body.json', 1) },
  { sender: 'Snowplow Python tracker (batch_size 10)', route: '/com.snowplowanalytics.snowplow/tp2', contentType: 'application/json', events: 10, body: snowplow('snowplow/python-1.1.0-post.body.json', 10) },
  { sender: 'Logstash json_batch (pipeline.batch.size 125)', route: '/logs', contentType: 'application/json', events: 125, body: shipperArray('shippers/logstash-output-http-6.0.1-json_batch.json', 125) },
  { sender: 'Fluent Bit json, 1,000 records a flush', route: '/logs', contentType: 'application/json', events: 1000, body: shipperArray('shippers/fluent-bit-5.1.1-http-json.json', 1000) },
  { sender: 'Vector ndjson, 1,000 lines a batch', route: '/logs', contentType: 'application/x-ndjson', events: 1000, body: ndjson('shippers/vector-0.57.0-http-ndjson-gzip.json', 1000) },
];

async function main(): Promise<void> {
  const prices = loadPrices();
  const stack = new Stack(new App(), 'Cost');
  new ApiToFirehose(stack, 'Ingest', { deliveryStreamName: 'events', inputs: [Input.otlp(), Input.snowplow(), Input.logShippers()] });
  const methods = findMethods(Template.fromStack(stack).toJSON());
  const engine = new VtlEngine();
  const apiPerRequest = prices.apiGatewayRest.perMillionRequestsTiers[0].usd / 1e6;
  const rows = [];
  try {
    for (const c of CASES) {
      const m = methods.find((x) => x.resourcePath === c.route && x.httpMethod === 'POST')!;
      const r = await engine.render({ template: m.requestTemplates[c.contentType]!, body: c.body, params: { header: { 'User-Agent': 'x' } }, context: apiGatewayContext() });
      const stream = JSON.parse(r.output).DeliveryStreamName as string;
      if (stream !== 'STREAM_NAME') throw new Error(`${c.sender}: refused (${stream}), request of ${Buffer.byteLength(c.body)} bytes`);
      const d = decodeFirehoseRequest(r.output);
      if (d.events.length !== c.events) throw new Error(`${c.sender}: ${d.events.length} lines, expected ${c.events}`);
      const recordBytes = Buffer.byteLength(d.records[0], 'utf8');
      const billed = Math.ceil(recordBytes / prices.firehoseDirectPut.recordRoundingBytes) * prices.firehoseDirectPut.recordRoundingBytes;
      const requests = 1e6 / c.events;
      const apiUsd = requests * apiPerRequest;
      const firehoseUsd = requests * billed / prices.units.bytesPerGB * prices.firehoseDirectPut.perGBIngested;
      rows.push({
        sender: c.sender,
        eventsPerRequest: c.events,
        requestBytes: Buffer.byteLength(c.body),
        recordBytes,
        apiGatewayUsdPerMillionEvents: +apiUsd.toFixed(4),
        firehoseUsdPerMillionEvents: +firehoseUsd.toFixed(4),
        totalUsdPerMillionEvents: +(apiUsd + firehoseUsd).toFixed(4),
      });
    }
  } finally {
    await engine.close();
  }
  const out = { date: prices.date, region: prices.region, note: 'API Gateway first tier + Firehose Direct PUT ingestion (5 KB rounding); S3 and queries not included', rows };
  fs.writeFileSync(path.join(REPO_ROOT, 'docs', 'benchmarks', 'inputs-cost.json'), JSON.stringify(out, null, 2) + '\n');
  for (const r of rows) {
    console.log(`${r.sender.padEnd(80)} ${String(r.eventsPerRequest).padStart(5)} ev/req ${String(r.recordBytes).padStart(8)} B/record  $${r.totalUsdPerMillionEvents.toFixed(2)}/M events`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
