/**
 * Kinesis in front of Firehose (IngestTarget.kinesisStream) beside Direct PUT: the cost per million 1 KB events at
 * the client's defaults (500 events per request, packed: one record per request), the fixed monthly cost of a
 * stream, and where each mode's throughput stops.
 *
 *   npx ts-node --project tsconfig.dev.json scripts/bench/kinesis.ts
 *
 * Inputs, nothing typed in twice: prices from docs/prices.json, quotas from docs/quotas.json, the bytes each 1 KB
 * event takes as a record (its envelope included, measured by cost.ts from the rendered templates) from
 * docs/benchmarks/cost.json, the client's defaults from client/src/contract.ts's source, src/limits.ts.
 * Costs cover the ingestion path (API Gateway, the stream, Firehose); S3 is the same in every mode and left out.
 * Writes docs/benchmarks/kinesis.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, apiGatewayCost, loadPrices } from './prices';
import { Column, int, markdownTable, textTable, usd } from './table';
import { DEFAULT_MAX_EVENTS } from '../../src/limits';

const read = (f: string) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, f), 'utf8'));
const prices = read('docs/prices.json');
const quotas = read('docs/quotas.json');
const cost = read('docs/benchmarks/cost.json');
const tiers = loadPrices().apiGatewayRest.perMillionRequestsTiers;

const MIB = 1024 * 1024;
const GB = prices.units.bytesPerGB as number;
const HOURS_PER_MONTH = prices.units.secondsPerMonth / 3600;
const MILLION = 1_000_000;
const EVENTS_PER_REQUEST = DEFAULT_MAX_EVENTS; // the client's default batch (client/src/contract.ts takes it from src/limits.ts)

const packed1k = (cost.results as any[]).find((r) => r.path === 'packed' && r.size === '1 KB');
const bytesPerEvent: number = packed1k.bytesPerEvent;
const recordBytes = bytesPerEvent * EVENTS_PER_REQUEST; // one packed record per request
const requests = MILLION / EVENTS_PER_REQUEST;
const records = requests;
const roundUp = (bytes: number, unit: number) => Math.ceil(bytes / unit) * unit;

// Per million events.
const api = apiGatewayCost(requests, tiers);
const firehoseDirect = records * roundUp(recordBytes, prices.firehoseDirectPut.recordRoundingBytes) / GB * prices.firehoseDirectPut.perGBIngested;
const fromStream = prices.firehoseKinesisSource;
const firehoseFromStream = records * roundUp(recordBytes, fromStream.recordRoundingBytes) / GB * fromStream.perGBIngested;
const odIn = records * roundUp(recordBytes, prices.kinesisOnDemand.recordRoundingBytes) / GB * prices.kinesisOnDemand.perGBIngested;
const odOut = records * recordBytes / GB * prices.kinesisOnDemand.perGBRetrieved;
const putUnits = records * Math.ceil(recordBytes / prices.kinesisProvisioned.putPayloadUnitBytes);
const provPut = putUnits / MILLION * prices.kinesisProvisioned.perMillionPutPayloadUnits;

// Throughput, events/s.
const large = quotas.firehose.directPut.largeRegionsPerStream;
const other = quotas.firehose.directPut.otherRegionsPerStream;
const directPut = (q: { mibPerSecond: number; requestsPerSecond: number; recordsPerSecond: number }) =>
  Math.min(q.mibPerSecond * MIB / bytesPerEvent, q.requestsPerSecond * EVENTS_PER_REQUEST, q.recordsPerSecond * EVENTS_PER_REQUEST);
const shard = quotas.kinesis.perShardWrite;
const perShard = Math.min(shard.mibPerSecond * MIB / bytesPerEvent, shard.recordsPerSecond * EVENTS_PER_REQUEST);
const onDemandStart = quotas.kinesis.onDemand.initialWriteMiBPerSecond * MIB / bytesPerEvent;

const modes = [
  {
    mode: 'Direct PUT (IngestTarget.FIREHOSE)',
    perMillion: api + firehoseDirect,
    parts: `API ${usd(api)} + Firehose ${usd(firehoseDirect)}`,
    fixedMonthly: 0,
    fixedNote: 'none',
    stops: `${int(directPut(large))} events/s per delivery stream (5 MiB/s) in us-east-1, us-west-2, eu-west-1; ${int(directPut(other))} (1 MiB/s) elsewhere; `
      + 'raised on request, and by Firehose itself, gradually, when throttled',
  },
  {
    mode: 'Kinesis on-demand',
    perMillion: api + odIn + odOut + firehoseFromStream,
    parts: `API ${usd(api)} + Kinesis in ${usd(odIn)} + read by Firehose ${usd(odOut)} + Firehose ${usd(firehoseFromStream)}`,
    fixedMonthly: prices.kinesisOnDemand.perStreamHour * HOURS_PER_MONTH,
    fixedNote: 'per stream',
    stops: `starts at ${int(onDemandStart)} events/s (4 MiB/s), takes twice its previous peak at once and scales on; warm throughput up to 10 GiB/s ahead of time`,
  },
  {
    mode: 'Kinesis provisioned, 1 shard',
    perMillion: api + provPut + firehoseFromStream,
    parts: `API ${usd(api)} + PUT payload units ${usd(provPut)} + Firehose ${usd(firehoseFromStream)}`,
    fixedMonthly: prices.kinesisProvisioned.perShardHour * HOURS_PER_MONTH,
    fixedNote: 'per shard',
    stops: `${int(perShard)} events/s per shard (1 MiB/s), exactly shardCount times that with spread partition keys (the request id); one key value never exceeds one shard`,
  },
];

const columns: Column[] = [
  { title: 'mode' }, { title: 'per million 1 KB events', right: true }, { title: 'of which' }, { title: 'fixed per month', right: true }, { title: 'throughput stops at' },
];
const rows = modes.map((m) => [m.mode, usd(m.perMillion), m.parts, m.fixedMonthly ? `${usd(m.fixedMonthly)} ${m.fixedNote}` : '$0', m.stops]);
console.log(`1 KB events as the client sends them by default: ${EVENTS_PER_REQUEST} per request, packed into one record of ${int(recordBytes)} bytes `
  + `(${bytesPerEvent.toFixed(1)} bytes per event with its envelope, docs/benchmarks/cost.json). Prices ${prices.region}, ${prices.date}. S3 left out (the same in every mode).\n`);
console.log(textTable(columns, rows));
const breakEvenOnDemand = modes[1].fixedMonthly / (modes[1].perMillion - modes[0].perMillion);
console.log(`\nOn-demand costs ${usd(modes[1].perMillion - modes[0].perMillion)} more per million events than Direct PUT, plus ${usd(modes[1].fixedMonthly)} a month per stream; `
  + `provisioned ${usd(modes[2].perMillion - modes[0].perMillion)} more per million, plus ${usd(modes[2].fixedMonthly)} a month per shard.`);

fs.mkdirSync(path.join(REPO_ROOT, 'docs', 'benchmarks'), { recursive: true });
fs.writeFileSync(path.join(REPO_ROOT, 'docs', 'benchmarks', 'kinesis.json'), JSON.stringify({
  generatedBy: 'scripts/bench/kinesis.ts',
  prices: { file: 'docs/prices.json', date: prices.date, region: prices.region },
  inputs: { eventsPerRequest: EVENTS_PER_REQUEST, bytesPerEvent, recordBytes, requestsPerMillion: requests },
  modes: modes.map((m) => ({ ...m, perMillion: +m.perMillion.toFixed(6), fixedMonthly: +m.fixedMonthly.toFixed(2) })),
  onDemandExtraPerMillion: +(modes[1].perMillion - modes[0].perMillion).toFixed(6),
  onDemandFixedEqualsMillionsOfEvents: Math.round(breakEvenOnDemand),
  markdown: markdownTable(columns, rows),
}, undefined, 2) + '\n');
