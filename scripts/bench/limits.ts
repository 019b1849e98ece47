/**
 * Limits and scale: the ceiling in events per second that each AWS quota and each limit of the construct sets, for
 * 200 B, 1 KB and 10 KB events, with one event per request, record-per-event batches and packed batches, and which
 * one binds first.
 *
 *   npx ts-node --project tsconfig.dev.json scripts/bench/limits.ts
 *
 * Inputs, nothing typed in twice:
 * - the quotas, with their sources: docs/quotas.json;
 * - the construct's limits: src/batch.ts (PutRecordBatch 500 records / 4 MiB, 1,000 KiB per record, packed 1,000
 *   events) and the default usage-plan throttle and batch size, read from a synthesized default stack;
 * - bytes per event as Firehose receives them (the envelope included), measured by cost.ts from the rendered mapping
 *   templates: docs/benchmarks/cost.json.
 * Prints the tables and writes docs/benchmarks/limits.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { REPO_ROOT } from './prices';
import { Column, int, markdownTable, textTable } from './table';
import { ApiToFirehose } from '../../src';
import {
  MAX_BATCH_BODY_CHARS, MAX_RECORD_BODY_CHARS, PACKED_MAX_EVENTS, PUT_RECORD_BATCH_MAX_BYTES, PUT_RECORD_BATCH_MAX_RECORDS, RECORD_MAX_BYTES,
} from '../../src/limits';

const QUOTAS_FILE = path.join(REPO_ROOT, 'docs', 'quotas.json');
const COST_FILE = path.join(REPO_ROOT, 'docs', 'benchmarks', 'cost.json');
const OUT_FILE = path.join(REPO_ROOT, 'docs', 'benchmarks', 'limits.json');
const MIB = 1024 * 1024;

interface StreamQuota { readonly mibPerSecond: number; readonly requestsPerSecond: number; readonly recordsPerSecond: number }
interface Quotas {
  readonly firehose: {
    readonly directPut: { readonly largeRegions: string[]; readonly largeRegionsPerStream: StreamQuota; readonly otherRegionsPerStream: StreamQuota };
    readonly recordMaxKiB: number;
    readonly putRecordBatch: { readonly maxRecords: number; readonly maxMiB: number };
  };
  readonly apiGateway: {
    readonly payloadMB: number;
    readonly integrationTimeoutSeconds: number;
    readonly accountThrottle: { readonly requestsPerSecond: number };
  };
}
interface CostResult {
  readonly path: string;
  readonly size: string;
  readonly eventsPerRequest: number;
  readonly bytesPerEvent: number;
  readonly eventJsonBytesMean: number;
}

export type Mode = 'single' | 'perEvent' | 'packed';
export const MODES: readonly { id: Mode; label: string }[] = [
  { id: 'single', label: 'one event per request' },
  { id: 'perEvent', label: 'batch, RECORD_PER_EVENT' },
  { id: 'packed', label: 'batch, PACKED' },
];

export interface Inputs {
  /** Bytes per event in Firehose (the JSON line with its envelope). */
  readonly recordBytesPerEvent: number;
  /** Bytes per event in the request body. */
  readonly bodyBytesPerEvent: number;
  readonly stream: StreamQuota;
  readonly throttleRps: number;
  readonly accountRps: number;
  /** Events per batch request the caller would send (the construct's default maxEvents). */
  readonly batchEvents: number;
  readonly payloadBytes: number;
}

export interface Ceiling {
  readonly eventsPerRequest: number;
  /** Why eventsPerRequest is lower than batchEvents, if it is. */
  readonly perRequestLimit?: string;
  /** events/s each limit allows. */
  readonly bounds: Record<string, number>;
  readonly ceiling: number;
  readonly binding: string;
  /** MiB/s the default throttle could ask of the stream at the largest request this mode accepts. */
  readonly throttleWorstMiBps: number;
}

/** The events/s ceiling of each limit for one mode, and the lowest. */
export function ceilings(mode: Mode, i: Inputs): Ceiling {
  let n = 1;
  let perRequestLimit: string | undefined;
  const cap = (limit: number, why: string) => {
    if (limit < n) { n = limit; perRequestLimit = why; }
  };
  if (mode !== 'single') {
    n = i.batchEvents;
    cap(Math.floor(i.payloadBytes / i.bodyBytesPerEvent), 'API Gateway 10 MB payload');
    if (mode === 'packed') {
      cap(PACKED_MAX_EVENTS, `packed batch ${PACKED_MAX_EVENTS} events`);
      cap(Math.floor(RECORD_MAX_BYTES / i.recordBytesPerEvent), '1,000 KiB per record');
      cap(Math.floor(MAX_RECORD_BODY_CHARS / i.bodyBytesPerEvent), 'packed body 1,000,000 characters');
    } else {
      cap(PUT_RECORD_BATCH_MAX_RECORDS, `PutRecordBatch ${PUT_RECORD_BATCH_MAX_RECORDS} records`);
      cap(Math.floor(PUT_RECORD_BATCH_MAX_BYTES / i.recordBytesPerEvent), 'PutRecordBatch 4 MiB');
      cap(Math.floor(MAX_BATCH_BODY_CHARS / i.bodyBytesPerEvent), 'batch body 4,000,000 characters');
    }
  } else if (i.recordBytesPerEvent > RECORD_MAX_BYTES) {
    n = 0;
    perRequestLimit = '1,000 KiB per record';
  }
  const recordsPerRequest = mode === 'perEvent' ? n : 1;
  const bounds: Record<string, number> = {
    'Firehose MiB/s': (i.stream.mibPerSecond * MIB) / i.recordBytesPerEvent,
    'Firehose requests/s': i.stream.requestsPerSecond * n,
    'Firehose records/s': i.stream.recordsPerSecond * (n / recordsPerRequest),
    'usage-plan throttle': i.throttleRps * n,
    'API Gateway account throttle': i.accountRps * n,
  };
  const [binding, ceiling] = Object.entries(bounds).reduce((a, b) => (b[1] < a[1] ? b : a));
  // The largest request this mode accepts, sent at the throttle's rate.
  const largestRequestBytes = mode === 'single' ? RECORD_MAX_BYTES : mode === 'packed' ? RECORD_MAX_BYTES : PUT_RECORD_BATCH_MAX_BYTES;
  return { eventsPerRequest: n, perRequestLimit, bounds, ceiling, binding, throttleWorstMiBps: (i.throttleRps * largestRequestBytes) / MIB };
}

/** The defaults of a synthesized `new ApiToFirehose(stack, 'Ingest')`: usage-plan throttle and batch maxEvents. */
export function constructDefaults(): { rateLimit: number; burstLimit: number; batchMaxEvents: number } {
  const stack = new Stack(new App(), 'Limits');
  new ApiToFirehose(stack, 'Ingest');
  const template = Template.fromStack(stack);
  const plan = Object.values(template.findResources('AWS::ApiGateway::UsagePlan'))[0];
  const model = Object.values(template.findResources('AWS::ApiGateway::Model'))
    .map((m) => m.Properties.Schema)
    .find((s) => s?.properties?.records);
  return {
    rateLimit: plan.Properties.Throttle.RateLimit,
    burstLimit: plan.Properties.Throttle.BurstLimit,
    batchMaxEvents: model.properties.records.maxItems,
  };
}

function main(): void {
  const quotas: Quotas = JSON.parse(fs.readFileSync(QUOTAS_FILE, 'utf-8'));
  const cost: { results: CostResult[] } = JSON.parse(fs.readFileSync(COST_FILE, 'utf-8'));
  // The construct's constants and the quotas file must agree, or one of them is stale.
  if (RECORD_MAX_BYTES !== quotas.firehose.recordMaxKiB * 1024
    || PUT_RECORD_BATCH_MAX_RECORDS !== quotas.firehose.putRecordBatch.maxRecords
    || PUT_RECORD_BATCH_MAX_BYTES !== quotas.firehose.putRecordBatch.maxMiB * MIB) {
    throw new Error('src/batch.ts limits and docs/quotas.json disagree');
  }
  const defaults = constructDefaults();
  const regions = [
    { name: quotas.firehose.directPut.largeRegions.join(', '), stream: quotas.firehose.directPut.largeRegionsPerStream },
    { name: 'other regions', stream: quotas.firehose.directPut.otherRegionsPerStream },
  ];
  const sizes = [...new Set(cost.results.map((r) => r.size))];
  const rows: Record<string, unknown>[] = [];
  const cells: string[][] = [];
  for (const size of sizes) {
    for (const mode of MODES) {
      const measured = cost.results.find((r) => r.size === size && r.path === mode.id)!;
      const perRegion = regions.map((region) => ceilings(mode.id, {
        recordBytesPerEvent: measured.bytesPerEvent,
        bodyBytesPerEvent: measured.eventJsonBytesMean + 1, // the comma between events in {"records":[…]}
        stream: region.stream,
        throttleRps: defaults.rateLimit,
        accountRps: quotas.apiGateway.accountThrottle.requestsPerSecond,
        batchEvents: defaults.batchMaxEvents,
        payloadBytes: quotas.apiGateway.payloadMB * 1_000_000,
      }));
      const [large, other] = perRegion;
      rows.push({
        size,
        mode: mode.id,
        recordBytesPerEvent: Math.round(measured.bytesPerEvent),
        regions: regions.map((r, k) => ({ region: r.name, ...perRegion[k] })),
      });
      const perRequest = int(large.eventsPerRequest) + (large.perRequestLimit ? ` (${large.perRequestLimit})` : '');
      cells.push([size, mode.label, int(measured.bytesPerEvent), perRequest,
        int(large.bounds['Firehose MiB/s']), int(large.bounds['Firehose requests/s']), int(large.bounds['Firehose records/s']),
        int(large.bounds['usage-plan throttle']), int(large.bounds['API Gateway account throttle']),
        `**${int(large.ceiling)}** ${large.binding}`, `**${int(other.ceiling)}** ${other.binding}`]);
    }
  }
  const columns: Column[] = [
    { title: 'event' }, { title: 'mode' }, { title: 'B/event in Firehose', right: true }, { title: 'events/request' },
    { title: 'Firehose MiB/s', right: true }, { title: 'Firehose req/s', right: true }, { title: 'Firehose records/s', right: true },
    { title: 'usage-plan throttle', right: true }, { title: 'account throttle', right: true },
    { title: `ceiling: ${regions[0].name}` }, { title: 'ceiling: other regions' },
  ];
  console.log('Ceilings in events/s for one delivery stream with default quotas (docs/quotas.json), the default usage-plan');
  console.log(`throttle (${defaults.rateLimit} requests/s, burst ${defaults.burstLimit}) and batches of up to ${defaults.batchMaxEvents} events (the default maxEvents);`);
  console.log('bytes per event as measured from the rendered mapping templates (docs/benchmarks/cost.json).');
  console.log(`The columns between events/request and the ceilings are the events/s each limit allows in ${regions[0].name}.\n`);
  console.log(textTable(columns, cells.map((r) => r.map((c) => c.replace(/\*\*/g, '')))));
  console.log();
  const worst = MODES.map((m) => {
    const c = ceilings(m.id, {
      recordBytesPerEvent: 1,
      bodyBytesPerEvent: 1,
      stream: regions[1].stream,
      throttleRps: defaults.rateLimit,
      accountRps: 1,
      batchEvents: 1,
      payloadBytes: 1,
    });
    return `${m.label} ${int(c.throttleWorstMiBps)} MiB/s`;
  });
  console.log(`The default throttle counts requests, not bytes: ${defaults.rateLimit} requests/s of the largest request each mode accepts`
    + ` ask a stream for ${worst.join(', ')}.`);
  console.log('\nMarkdown:\n');
  console.log(markdownTable(columns, cells));

  fs.writeFileSync(OUT_FILE, JSON.stringify({
    generatedBy: 'scripts/bench/limits.ts',
    generatedAt: new Date().toISOString(),
    inputs: { quotas: 'docs/quotas.json', bytesPerEvent: 'docs/benchmarks/cost.json', constructDefaults: defaults },
    rows,
  }, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(REPO_ROOT, OUT_FILE)}`);
}

if (require.main === module) main();
