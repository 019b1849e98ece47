/**
 * Cost of the curated layer (query.curated) per million events, beside the raw path's storage: Athena's bytes
 * scanned by each scheduled MERGE, and the curated tables' storage. Prints a table.
 *
 *   npx ts-node --project tsconfig.dev.json scripts/bench/curated-cost.ts
 *
 * Measured: the bytes per raw line, from the published senders' captured requests (test/senders/fixtures: Segment's
 * Node SDK batch, the OTLP JS exporter's logs) rendered through the synthesized mapping templates (the Velocity
 * harness), and their gzip ratio (node's zlib, level 6). Modelled (stated, not measured on AWS): a MERGE reads the raw
 * lines of `lookback` hours (JSON Lines, or GZIP objects billed on their compressed bytes) plus the curated table's
 * `event_key` column over the whole table (Parquet, assumed 16 bytes per row compressed: about half a key's text);
 * the curated table's storage is assumed equal to the gzip size of the raw lines (Parquet with zstd is usually
 * smaller; no Parquet writer is run here). Prices from docs/prices.json (Athena $5/TB, 10 MB minimum per query).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadPrices, REPO_ROOT } from './prices';
import { textTable, usd, int, fixed } from './table';
import { EXAMPLE_ENVELOPE } from '../../integ/example-stack';
import { ApiToFirehose, Input } from '../../src';
import { apiGatewayContext, decodeFirehoseRequest, findMethods, VtlEngine } from '../../test/vtl/harness';

const KEY_BYTES_PER_ROW = 16;
const RATES = [10, 1_000];
const SCHEDULE_HOURS = 1;
const LOOKBACK_HOURS = 6;
/** The curated table's age in months: every MERGE reads its key column whole, so the cost per event grows with it. */
const AGES = [1, 12];

async function main(): Promise<void> {
  const raw = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'docs', 'prices.json'), 'utf8'));
  const prices = loadPrices();
  const athenaPerByte = raw.athena.perTBScanned / 1e12;
  const minBytes = raw.athena.minimumBytesPerQuery as number;
  const gb = prices.units.bytesPerGB;

  const stack = new Stack(new App(), 'Bench');
  new ApiToFirehose(stack, 'Ingest', { envelope: EXAMPLE_ENVELOPE, inputs: [Input.segment(), Input.otlpLogs()], query: { curated: {} } });
  const methods = findMethods(Template.fromStack(stack).toJSON());
  const engine = new VtlEngine();
  const fixtures = path.join(REPO_ROOT, 'test', 'senders', 'fixtures');
  const render = async (route: string, body: string) => {
    const m = methods.find((x) => x.resourcePath === route && x.httpMethod === 'POST')!;
    const [r] = await engine.renderMany([{ template: m.requestTemplates['application/json']!, body, params: { header: { 'User-Agent': 'bench' }, querystring: {}, path: {} }, context: apiGatewayContext() }]);
    if (r.error) throw new Error(r.error);
    return decodeFirehoseRequest(r.output).lines;
  };
  const kinds = [
    { name: 'Segment (Node SDK batch)', lines: await render('/v1/batch', JSON.parse(fs.readFileSync(path.join(fixtures, 'segment', 'node-batch.json'), 'utf8')).request.body) },
    { name: 'OTLP logs (JS exporter)', lines: await render('/v1/logs', fs.readFileSync(path.join(fixtures, 'otel', 'js-0.223.1-logs.body.json'), 'utf8')) },
  ];
  await engine.close();

  console.log(`Curated layer cost (prices of ${prices.date}, ${prices.region}); schedule every ${SCHEDULE_HOURS} h, lookback ${LOOKBACK_HOURS} h\n`);
  const rows: string[][] = [];
  for (const k of kinds) {
    const text = k.lines.join('\n') + '\n';
    const bytesPerEvent = Buffer.byteLength(text) / k.lines.length;
    const gzipPerEvent = zlib.gzipSync(text).length / k.lines.length;
    for (const rate of RATES) {
      for (const age of AGES) {
        const eventsPerHour = rate * 3600;
        const eventsPerMonth = rate * prices.units.secondsPerMonth;
        const mergesPerMonth = (prices.units.secondsPerMonth / 3600) / SCHEDULE_HOURS;
        const tableRows = eventsPerMonth * age;
        for (const [format, perEvent] of [['JSON', bytesPerEvent], ['GZIP', gzipPerEvent]] as const) {
          const scanned = LOOKBACK_HOURS * eventsPerHour * perEvent + tableRows * KEY_BYTES_PER_ROW;
          // Each kind's MERGE is one query (10 MB minimum).
          const mergeUsd = Math.max(minBytes, scanned) * athenaPerByte;
          const athenaPerMillion = (mergeUsd * mergesPerMonth) / (eventsPerMonth / 1e6);
          const storagePerMillionMonth = (gzipPerEvent * 1e6 / gb) * prices.s3Standard.perGBMonth;
          const rawStoragePerMillionMonth = (perEvent * 1e6 / gb) * prices.s3Standard.perGBMonth;
          rows.push([k.name, int(rate), `${age} mo`, format, fixed(perEvent, 0), (scanned / 1e6).toFixed(1), usd(mergeUsd), usd(athenaPerMillion),
            usd(storagePerMillionMonth), usd(rawStoragePerMillionMonth)]);
        }
      }
    }
  }
  console.log(textTable([
    { title: 'kind' }, { title: 'events/s', right: true }, { title: 'table age', right: true }, { title: 'raw', right: false }, { title: 'B/event', right: true },
    { title: 'MB scanned/merge', right: true }, { title: '$/merge', right: true }, { title: 'Athena $/M events', right: true },
    { title: 'curated $/M events/month', right: true }, { title: 'raw $/M events/month', right: true },
  ], rows));
  console.log('\nAthena $/M events: the MERGE of that kind only (each kind is its own query). Storage: S3 Standard per million events kept one month.');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
