/**
 * Cost per million 1 KB events for the senders people already run, at each sender's default batch size, against
 * our own client's default (500 events per request, packed). The record bytes are measured, not guessed: a batch of
 * events (copies of one captured from the published SDK, padded to 1 KB) is rendered through the synthesized
 * Segment template by the Velocity harness (test/vtl), and Firehose bills each record rounded up to 5 KB.
 *
 *   npx ts-node --project tsconfig.dev.json scripts/bench/senders-cost.ts     (writes docs/benchmarks/senders-cost.json)
 */
import { readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PRICES_FILE, REPO_ROOT, apiGatewayCost, loadPrices } from './prices';
import { textTable, usd } from './table';
import { ApiToFirehose, Input } from '../../src';
import { apiGatewayContext, decodeFirehoseRequest, findMethods, VtlEngine } from '../../test/vtl/harness';

const EVENTS = 1_000_000;
const EVENT_BYTES = 1024;

/** Each sender's default events per request (docs/senders/segment.md, with the source lines). */
const SENDERS: { sender: string; route: string; perRequest: number; note: string }[] = [
  { sender: '@segment/analytics-node', route: '/v1/batch', perRequest: 15, note: 'maxEventsInBatch default 15' },
  { sender: '@segment/analytics-node, maxEventsInBatch: 400', route: '/v1/batch', perRequest: 400, note: 'about as many 1 KB events as its 480 KB batch cap allows' },
  { sender: 'segment-analytics-python', route: '/v1/batch', perRequest: 100, note: 'upload_size default 100' },
  { sender: '@segment/analytics-next (standard delivery)', route: '/v1/t', perRequest: 1, note: 'one request per event' },
  { sender: '@segment/analytics-next (batching, size 10)', route: '/v1/b', perRequest: 10, note: "deliveryStrategy: {strategy: 'batching'}, config.size default 10" },
  { sender: 'cdk-api-to-firehose-client', route: '/batch', perRequest: 500, note: 'maxEvents default 500, packed' },
];

function captured(): Record<string, unknown> {
  const file = path.join(REPO_ROOT, 'test', 'senders', 'fixtures', 'segment', 'node-batch.json');
  const body = JSON.parse(JSON.parse(readFileSync(file, 'utf8')).request.body);
  return body.batch[0];
}

/** A copy of the captured event, padded to `bytes` of JSON. */
function padded(event: Record<string, unknown>, i: number, bytes: number): Record<string, unknown> {
  const e = { ...event, messageId: `node-next-${i}-${'0'.repeat(36)}`, properties: { pad: '' } };
  const base = JSON.stringify(e).length;
  return { ...e, properties: { pad: 'x'.repeat(Math.max(0, bytes - base)) } };
}

async function main(): Promise<void> {
  const prices = loadPrices();
  const stack = new Stack(new App(), 'Bench');
  new ApiToFirehose(stack, 'Ingest', { deliveryStreamName: 'events', inputs: [Input.segment()] });
  const methods = findMethods(Template.fromStack(stack).toJSON());
  const template = (route: string) => methods.find((m) => m.resourcePath === route && m.httpMethod === 'POST')!.requestTemplates['application/json']!;
  const engine = new VtlEngine();
  const event = captured();
  const rows: Record<string, string | number>[] = [];
  try {
    for (const s of SENDERS) {
      const events = Array.from({ length: s.perRequest }, (_, i) => padded(event, i, EVENT_BYTES));
      const body = s.route === '/batch' ? JSON.stringify({ records: events })
        : s.perRequest === 1 && s.route !== '/v1/b' ? JSON.stringify(events[0]) : JSON.stringify({ batch: events, sentAt: new Date(0).toISOString() });
      const [r] = await engine.renderMany([{
        template: template(s.route), body, params: { header: {}, querystring: {}, path: {} }, context: apiGatewayContext(),
      }]);
      if (r.error) throw new Error(`${s.sender}: ${r.error}`);
      const decoded = decodeFirehoseRequest(r.output);
      const recordBytes = decoded.records.reduce((n, rec) => n + Buffer.byteLength(rec), 0);
      const requests = Math.ceil(EVENTS / s.perRequest);
      const billedPerRequest = decoded.records.reduce((n, rec) => n + Math.ceil(Buffer.byteLength(rec) / prices.firehoseDirectPut.recordRoundingBytes)
        * prices.firehoseDirectPut.recordRoundingBytes, 0);
      const api = apiGatewayCost(requests, prices.apiGatewayRest.perMillionRequestsTiers);
      const firehose = (requests * billedPerRequest / prices.units.bytesPerGB) * prices.firehoseDirectPut.perGBIngested;
      rows.push({
        sender: s.sender,
        route: s.route,
        eventsPerRequest: s.perRequest,
        requests,
        recordBytes,
        billedBytesPerRequest: billedPerRequest,
        apiGatewayUsd: api,
        firehoseUsd: firehose,
        totalUsd: api + firehose,
        note: s.note,
      });
    }
  } finally {
    await engine.close();
  }
  console.log(`Cost per million ${EVENT_BYTES}-byte events (${path.relative(REPO_ROOT, PRICES_FILE)}, ${prices.region}, ${prices.date}): `
    + 'API Gateway requests + Firehose ingestion (records measured through the synthesized templates)');
  console.log(textTable([
    { title: 'sender (default batch)' }, { title: 'route' }, { title: 'events/request', right: true }, { title: 'record B', right: true },
    { title: 'API Gateway', right: true }, { title: 'Firehose', right: true }, { title: 'total / million', right: true },
  ], rows.map((r) => [String(r.sender), String(r.route), String(r.eventsPerRequest), String(r.recordBytes),
    usd(Number(r.apiGatewayUsd)), usd(Number(r.firehoseUsd)), usd(Number(r.totalUsd))])));
  writeFileSync(path.join(REPO_ROOT, 'docs', 'benchmarks', 'senders-cost.json'),
    JSON.stringify({ generatedBy: 'scripts/bench/senders-cost.ts', eventBytes: EVENT_BYTES, events: EVENTS, rows }, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
