/**
 * Cost model: $ per million events and $ per month for five ways of getting JSON events from an HTTPS
 * endpoint into S3, measured from the mapping templates as synthesized (not from hand-entered sizes).
 *
 *   npx ts-node --project tsconfig.dev.json scripts/bench/cost.ts
 *
 * For each event size (about 200 B, 1 KB, 10 KB) the request template of each path is rendered with the
 * Velocity 1.7 engine of test/vtl/harness.ts for realistic requests, the Firehose call it produces is
 * decoded, and the bytes per Firehose record, records per request and the real gzip ratio of the
 * rendered records are measured. Prices come from docs/prices.json. Writes docs/benchmarks/cost.json and
 * docs/benchmarks/cost.svg. Exits 1 when the goal (packed batch at least 50x cheaper per event than a
 * Lambda per request, for 1 KB events, at every modelled rate) fails.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { logLogChart, Series } from './chart';
import { EVENT_SIZES, makeEvents, Rand } from './events';
import { apiGatewayCost, loadPrices, Prices, PRICES_FILE, REPO_ROOT } from './prices';
import { Column, fixed, int, textTable, times, usd } from './table';
import { ApiToFirehose, ApiToFirehoseProps, BatchMode } from '../../src';
import { REJECT_MARKER } from '../../src/envelope';
import { RECORD_MAX_BYTES } from '../../src/limits';
import {
  apiGatewayContext,
  CfnTemplate,
  decodeFirehoseRequest,
  DecodedFirehoseRequest,
  findMethods,
  RenderRequest,
  VtlEngine,
} from '../../test/vtl/harness';

const OUT_DIR = path.join(REPO_ROOT, 'docs', 'benchmarks');
const SEED_FILE = path.join(REPO_ROOT, '..', 'shared', 'seed.md');
const SEED_FALLBACK = '/work/shared/seed.md';

/** Events rendered per size and path (gzip is measured over all of them). */
const EVENTS_PER_SIZE = 300;
/** Events per request of the batch paths. */
const BATCH_SIZE = 100;
/** Rates (events per second) the monthly cost is given for. */
export const RATES = [100, 1_000, 10_000] as const;
/** The rate the per-event breakdown is printed for. */
const HEADLINE_RATE = 1_000;
const GOAL_FACTOR = 50;
const GOAL_SIZE = '1 KB';

type PathId = 'seed' | 'single' | 'perEvent' | 'packed' | 'lambda';

interface PathDef {
  readonly id: PathId;
  readonly label: string;
  readonly short: string;
  readonly color: string;
  readonly dash?: string;
}

const PATHS: readonly PathDef[] = [
  { id: 'seed', label: '(a) seed template, PutRecord per event', short: '(a) seed', color: '#7f7f7f', dash: '7 4' },
  { id: 'single', label: '(b) ApiToFirehose single event', short: '(b) single event', color: '#1f77b4' },
  { id: 'perEvent', label: '(c) batch RECORD_PER_EVENT', short: '(c) batch, record per event', color: '#ff7f0e' },
  { id: 'packed', label: '(d) batch PACKED', short: '(d) batch, packed', color: '#2ca02c' },
  { id: 'lambda', label: '(e) Lambda per request -> S3 PUT', short: '(e) Lambda per request', color: '#d62728', dash: '2 3' },
];

interface Buffering {
  readonly intervalSeconds: number;
  readonly sizeBytes: number;
  readonly compression: string;
  readonly from: string;
}

/** What was measured for one path and one event size. */
interface Measurement {
  readonly path: PathId;
  readonly size: string;
  readonly eventsMeasured: number;
  readonly eventJsonBytesMean: number;
  readonly requestsRendered: number;
  readonly eventsPerRequest: number;
  readonly recordsPerRequest: number;
  readonly firehoseAction: string | null;
  readonly bytesPerRecordMean: number;
  readonly bytesPerRecordMax: number;
  readonly billedBytesPerRecordMean: number;
  readonly bytesPerEvent: number;
  readonly billedBytesPerEvent: number;
  readonly gzipRatio: number | null;
  /** Bytes kept in S3 per event: gzip output for Firehose paths, the raw event for the Lambda path. */
  readonly storedBytesPerEvent: number;
  readonly buffering: Buffering | null;
  readonly notes: string[];
}

interface CostBreakdown {
  readonly rate: number;
  readonly eventsPerMonth: number;
  readonly apiRequests: number;
  readonly firehoseRecords: number;
  readonly firehoseBilledGB: number;
  readonly s3Objects: number;
  readonly storedGB: number;
  readonly usd: {
    readonly apiGateway: number;
    readonly lambda: number;
    readonly firehose: number;
    readonly s3Put: number;
    readonly storage: number;
    readonly total: number;
  };
  readonly usdPerMillionEvents: number;
}

// -------------------------------------------------------------------------------------------------
// Templates
// -------------------------------------------------------------------------------------------------

/** The seed's request template and buffering, read from seed.md (YAML text with its indentation lost). */
export function seedFromMarkdown(text: string): { template: string; buffering: Buffering } {
  const start = text.indexOf('RequestTemplates:');
  const end = text.indexOf('RequestParameters:', start);
  if (start < 0 || end < 0) throw new Error('seed.md: RequestTemplates ... RequestParameters block not found');
  const block = text.slice(start, end).split('\n');
  const parts: string[] = [];
  let inJoin = false;
  let delimiterSeen = false;
  for (const raw of block) {
    const line = raw.trim();
    if (line.startsWith('Fn::Join:')) {
      inJoin = true;
      continue;
    }
    if (!inJoin) continue;
    const item = line.replace(/^(- )+/, '');
    if (item.startsWith('"')) {
      // A YAML double-quoted scalar: \n, \" and \\ mean what they mean in JSON.
      let j = 1;
      while (j < item.length && item[j] !== '"') j += item[j] === '\\' ? 2 : 1;
      const value = JSON.parse(item.slice(0, j + 1)) as string;
      if (!delimiterSeen) {
        if (value !== '') throw new Error(`seed.md: expected the Fn::Join delimiter "", got ${JSON.stringify(value)}`);
        delimiterSeen = true;
      } else {
        parts.push(value);
      }
    } else if (/^Ref:\s*EventFirehose/.test(item)) {
      parts.push('STREAM_NAME');
    }
  }
  const template = parts.join('');
  if (!template.includes('$util.base64Encode') || !template.includes('DeliveryStreamName')) {
    throw new Error(`seed.md: the parsed request template looks wrong:\n${template}`);
  }
  const interval = /IntervalInSeconds:\s*(\d+)/.exec(text);
  const size = /SizeInMBs:\s*(\d+)/.exec(text);
  const compression = /CompressionFormat:\s*(\w+)/.exec(text);
  if (!interval || !size || !compression) throw new Error('seed.md: BufferingHints / CompressionFormat not found');
  return {
    template,
    buffering: {
      intervalSeconds: Number(interval[1]),
      sizeBytes: Number(size[1]) * 1024 * 1024,
      compression: compression[1],
      from: 'seed.md S3DestinationConfiguration',
    },
  };
}

interface SynthesizedMethod {
  readonly template: string;
  readonly buffering: Buffering;
  readonly resourcePath: string;
}

/** Synthesizes a stack with one ApiToFirehose and returns the JSON request template of the method at `resourcePath`. */
function synthesizedMethod(props: ApiToFirehoseProps, resourcePath: string): SynthesizedMethod {
  const stack = new Stack(new App(), 'CostBench');
  new ApiToFirehose(stack, 'Ingest', props);
  const cfn = Template.fromStack(stack).toJSON() as CfnTemplate;
  const methods = findMethods(cfn).filter((m) => m.httpMethod === 'POST' && m.resourcePath === resourcePath);
  if (methods.length !== 1) throw new Error(`expected one POST ${resourcePath}, found ${methods.length}`);
  const template = methods[0].requestTemplates['application/json'];
  if (!template) throw new Error(`POST ${resourcePath} has no application/json request template`);
  const streams = Object.values(cfn.Resources ?? {}).filter((r) => r.Type === 'AWS::KinesisFirehose::DeliveryStream');
  if (streams.length !== 1) throw new Error(`expected one delivery stream, found ${streams.length}`);
  const dest = streams[0].Properties?.ExtendedS3DestinationConfiguration ?? streams[0].Properties?.S3DestinationConfiguration;
  const hints = dest?.BufferingHints;
  if (!hints || typeof hints.IntervalInSeconds !== 'number' || typeof hints.SizeInMBs !== 'number') {
    throw new Error('the synthesized delivery stream has no literal BufferingHints');
  }
  return {
    template,
    resourcePath,
    buffering: {
      intervalSeconds: hints.IntervalInSeconds,
      sizeBytes: hints.SizeInMBs * 1024 * 1024,
      compression: String(dest.CompressionFormat ?? 'UNCOMPRESSED'),
      from: 'synthesized AWS::KinesisFirehose::DeliveryStream',
    },
  };
}

// -------------------------------------------------------------------------------------------------
// Rendering and measuring
// -------------------------------------------------------------------------------------------------

/** One client: an API key's public id (10 characters, as API Gateway makes them) and its 40-character secret value. */
const CLIENT_API_KEY_ID = '1etozq69nz';
const CLIENT_API_KEY = new Rand(7).alnum(40);

/** A representative request: realistic key id, request id, time and trace header (deterministic). */
function requestFor(template: string, body: string, i: number, r: Rand, resourcePath: string): RenderRequest {
  return {
    template,
    body,
    params: {
      header: {
        'Content-Type': 'application/json',
        'X-Amzn-Trace-Id': `Root=1-${r.hex(8)}-${r.hex(24)}`,
        'User-Agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
        'x-api-key': CLIENT_API_KEY,
      },
    },
    context: apiGatewayContext({
      requestId: r.uuid(),
      extendedRequestId: `${r.alnum(6)}FaF=`,
      requestTimeEpoch: 1795609150316 + i * 7,
      path: `/prod${resourcePath === '/' ? '/' : resourcePath}`,
      resourcePath,
      identity: { apiKeyId: CLIENT_API_KEY_ID, apiKey: CLIENT_API_KEY, sourceIp: `198.51.100.${r.int(1, 254)}` },
    }),
  };
}

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

const billed = (bytes: number, unit: number) => Math.ceil(bytes / unit) * unit;

interface RenderedRun {
  readonly decoded: DecodedFirehoseRequest[];
  readonly eventsPerRequest: number[];
  /** Characters of the largest request body sent. */
  readonly maxBodyChars: number;
}

/** The template refused a request (it rendered a call to the reject stream, or extra keys). */
class RejectedError extends Error {
  constructor(message: string, public readonly output: string, public readonly bodyChars: number) {
    super(message);
  }
}

async function renderRun(
  engine: VtlEngine, template: string, resourcePath: string, events: Record<string, unknown>[], batchSize: number | null, seed: number,
): Promise<RenderedRun> {
  const r = new Rand(seed);
  // Only full batches, so that events per request is exactly the batch size.
  const groups = batchSize === null ? events.map((e) => [e]) : chunk(events.slice(0, events.length - (events.length % batchSize)), batchSize);
  const reqs = groups.map((g, i) => requestFor(template, JSON.stringify(batchSize === null ? g[0] : { records: g }), i, r, resourcePath));
  const results = await engine.renderMany(reqs);
  const decoded = results.map((res, i) => {
    if (res.error) throw new Error(`render failed for request ${i}: ${res.error}`);
    // The seed writes no newline after its JSON: allow that (and note it) instead of failing.
    const d = decodeFirehoseRequest(res.output, { requireTrailingNewline: false });
    if (d.extraKeys.length > 0 || d.streamName.startsWith(REJECT_MARKER) || res.output.includes(REJECT_MARKER)) {
      const chars = reqs[i].body?.length ?? 0;
      throw new RejectedError(`request ${i} (${int(chars)} chars) was refused by the template: ${res.output.slice(0, 200)}`, res.output, chars);
    }
    // Sanity: every event arrived, in order, with its body intact.
    const sent = groups[i];
    if (d.events.length !== sent.length) throw new Error(`request ${i}: ${sent.length} events sent, ${d.events.length} lines written`);
    d.events.forEach((line, j) => {
      const body = (line as Record<string, unknown>).body as Record<string, unknown> | undefined;
      if (!body || body.eventId !== sent[j].eventId) throw new Error(`request ${i} line ${j}: body does not carry event ${String(sent[j].eventId)}`);
    });
    return d;
  });
  return { decoded, eventsPerRequest: groups.map((g) => g.length), maxBodyChars: Math.max(...reqs.map((q) => q.body?.length ?? 0)) };
}

function measure(
  p: PathId, size: string, events: Record<string, unknown>[], run: RenderedRun, buffering: Buffering, prices: Prices, notes: string[],
): Measurement {
  const unit = prices.firehoseDirectPut.recordRoundingBytes;
  const recordBytes = run.decoded.flatMap((d) => d.records.map((t) => Buffer.byteLength(t)));
  const totalEvents = run.eventsPerRequest.reduce((a, b) => a + b, 0);
  const totalBytes = recordBytes.reduce((a, b) => a + b, 0);
  const totalBilled = recordBytes.reduce((a, b) => a + billed(b, unit), 0);
  const concatenated = Buffer.from(run.decoded.flatMap((d) => d.records).join(''), 'utf8');
  const gz = zlib.gzipSync(concatenated);
  const violations = run.decoded.flatMap((d) => d.violations);
  if (violations.length > 0) throw new Error(`${p} ${size}: Firehose limits broken: ${violations.slice(0, 3).join('; ')}`);
  return {
    path: p,
    size,
    eventsMeasured: totalEvents,
    eventJsonBytesMean: meanEventBytes(events),
    requestsRendered: run.decoded.length,
    eventsPerRequest: totalEvents / run.decoded.length,
    recordsPerRequest: recordBytes.length / run.decoded.length,
    firehoseAction: run.decoded[0].kind,
    bytesPerRecordMean: totalBytes / recordBytes.length,
    bytesPerRecordMax: Math.max(...recordBytes),
    billedBytesPerRecordMean: totalBilled / recordBytes.length,
    bytesPerEvent: totalBytes / totalEvents,
    billedBytesPerEvent: totalBilled / totalEvents,
    gzipRatio: concatenated.length / gz.length,
    storedBytesPerEvent: gz.length / totalEvents,
    buffering,
    notes,
  };
}

/**
 * Default per-stream and per-API limits the rates are checked against (raisable quotas, not prices).
 * Firehose: https://docs.aws.amazon.com/firehose/latest/dev/limits.html ; API Gateway and S3 / Lambda quota pages.
 */
const LIMITS = {
  /** Firehose Direct PUT, per stream, us-east-1 / us-west-2 / eu-west-1 (1,000 req/s and 1 MiB/s elsewhere). */
  firehoseRequestsPerSecond: 2000,
  firehoseRecordsPerSecond: 500_000,
  firehoseMiBPerSecond: 5,
  /** The construct's default usage-plan and stage throttle (props.throttle). */
  constructThrottle: 500,
  /** API Gateway's default account-level throttle per region. */
  apiGatewayAccountRps: 10_000,
  /** S3: PUT requests per second per partitioned prefix. */
  s3PutsPerSecondPerPrefix: 3500,
  /** Lambda: default concurrent executions per region. */
  lambdaConcurrency: 1000,
};

/** Set from the price file in main(): the assumed Lambda duration, for the concurrency check. */
let LAMBDA_DURATION_S = 0.02;

interface Feasibility {
  readonly rate: number;
  readonly apiRequestsPerSecond: number;
  readonly firehoseCallsPerSecond: number;
  readonly firehoseRecordsPerSecond: number;
  readonly firehoseMiBPerSecond: number;
  readonly exceeds: string[];
}

function feasibility(m: Measurement, rate: number): Feasibility {
  const req = rate / m.eventsPerRequest;
  const fh = m.path === 'lambda' ? 0 : req;
  const recs = fh * m.recordsPerRequest;
  const mib = m.path === 'lambda' ? 0 : (rate * m.bytesPerEvent) / 1048576;
  const exceeds: string[] = [];
  if (m.path !== 'seed' && m.path !== 'lambda' && req > LIMITS.constructThrottle) exceeds.push(`construct throttle ${LIMITS.constructThrottle} req/s`);
  if (req > LIMITS.apiGatewayAccountRps) exceeds.push(`API Gateway account ${int(LIMITS.apiGatewayAccountRps)} req/s`);
  if (fh > LIMITS.firehoseRequestsPerSecond) exceeds.push(`Firehose ${int(LIMITS.firehoseRequestsPerSecond)} req/s`);
  if (recs > LIMITS.firehoseRecordsPerSecond) exceeds.push(`Firehose ${int(LIMITS.firehoseRecordsPerSecond)} records/s`);
  if (mib > LIMITS.firehoseMiBPerSecond) exceeds.push(`Firehose ${LIMITS.firehoseMiBPerSecond} MiB/s`);
  if (m.path === 'lambda' && rate > LIMITS.s3PutsPerSecondPerPrefix) exceeds.push(`S3 ${int(LIMITS.s3PutsPerSecondPerPrefix)} PUT/s per prefix`);
  if (m.path === 'lambda' && rate * (LAMBDA_DURATION_S) > LIMITS.lambdaConcurrency) exceeds.push(`Lambda ${int(LIMITS.lambdaConcurrency)} concurrency`);
  return { rate, apiRequestsPerSecond: req, firehoseCallsPerSecond: fh, firehoseRecordsPerSecond: recs, firehoseMiBPerSecond: mib, exceeds };
}

function meanEventBytes(events: readonly Record<string, unknown>[]): number {
  return events.reduce((a, e) => a + Buffer.byteLength(JSON.stringify(e)), 0) / events.length;
}

/**
 * Renders the packed method with batches of `BATCH_SIZE` events; when a batch does not fit (the template
 * refuses the request, or the packed record would exceed Firehose's 1,000 KiB), it uses the largest batch
 * size for which every batch of `events` is accepted and fits, and says why in the notes.
 */
async function packedRunThatFits(
  engine: VtlEngine, template: string, events: Record<string, unknown>[], seed: number,
): Promise<{ run: RenderedRun; notes: string[] }> {
  let k = BATCH_SIZE;
  let first = '';
  for (;;) {
    let over: number;
    try {
      const run = await renderRun(engine, template, '/batch', events, k, seed);
      const biggest = Math.max(...run.decoded.map((d) => Buffer.byteLength(d.records[0])));
      if (biggest <= RECORD_MAX_BYTES) {
        const notes = first === ''
          ? [`batches of ${k} events, PutRecord (largest record ${int(biggest)} B of ${int(RECORD_MAX_BYTES)})`]
          : [`${BATCH_SIZE} events of this size do not fit: ${first}; the largest batch that fits is used: ${k} events, ` +
            `PutRecord, records up to ${int(biggest)} B of ${int(RECORD_MAX_BYTES)} (bodies up to ${int(run.maxBodyChars)} chars)`];
        return { run, notes };
      }
      if (first === '') first = `the packed record would be ${int(biggest)} B > 1,000 KiB`;
      over = biggest / RECORD_MAX_BYTES;
    } catch (e) {
      if (!(e instanceof RejectedError)) throw e;
      const reason = /ApiToFirehoseRejected\.([a-z-]+)/.exec(e.output)?.[1] ?? 'refused';
      if (first === '') first = `the template refuses the ${int(e.bodyChars)}-character request (${reason})`;
      over = e.bodyChars / RECORD_MAX_BYTES;
    }
    if (k === 1) throw new Error(`not even one event fits a packed record: ${first}`);
    // Jump close to the limit, then step down one event at a time.
    k = Math.max(1, Math.min(k - 1, Math.floor(k / Math.max(over, 1))));
  }
}

// -------------------------------------------------------------------------------------------------
// Cost model
// -------------------------------------------------------------------------------------------------

export function monthlyCost(m: Measurement, rate: number, prices: Prices): CostBreakdown {
  const seconds = prices.units.secondsPerMonth;
  const GB = prices.units.bytesPerGB;
  const events = rate * seconds;
  const apiRequests = events / m.eventsPerRequest;
  const apiGateway = apiGatewayCost(apiRequests, prices.apiGatewayRest.perMillionRequestsTiers);
  const storedGB = (events * m.storedBytesPerEvent) / GB;
  const storage = storedGB * prices.s3Standard.perGBMonth;
  let lambda = 0;
  let firehose = 0;
  let firehoseRecords = 0;
  let firehoseBilledGB = 0;
  let s3Objects: number;
  if (m.path === 'lambda') {
    const l = prices.lambda;
    lambda = (events / 1e6) * l.perMillionRequests + events * (l.memoryMB / 1024) * (l.assumedAverageDurationMs / 1000) * l.perGBSecond;
    s3Objects = events; // one PutObject per event
  } else {
    const b = m.buffering!;
    firehoseRecords = apiRequests * m.recordsPerRequest;
    firehoseBilledGB = (events * m.billedBytesPerEvent) / GB;
    firehose = firehoseBilledGB * prices.firehoseDirectPut.perGBIngested;
    // One object per buffer flush: whichever of the interval and the size fills first.
    s3Objects = Math.max(seconds / b.intervalSeconds, (events * m.bytesPerEvent) / b.sizeBytes);
  }
  const s3Put = (s3Objects / 1000) * prices.s3Standard.perThousandPutRequests;
  const total = apiGateway + lambda + firehose + s3Put + storage;
  return {
    rate,
    eventsPerMonth: events,
    apiRequests,
    firehoseRecords,
    firehoseBilledGB,
    s3Objects,
    storedGB,
    usd: { apiGateway, lambda, firehose, s3Put, storage, total },
    usdPerMillionEvents: (total / events) * 1e6,
  };
}

// -------------------------------------------------------------------------------------------------
// Main
// -------------------------------------------------------------------------------------------------

function readSeed(): string {
  for (const f of [process.env.SEED_MD, SEED_FILE, SEED_FALLBACK]) {
    if (f && fs.existsSync(f)) return fs.readFileSync(f, 'utf8');
  }
  throw new Error(`seed.md not found (looked at ${SEED_FILE} and ${SEED_FALLBACK}; set SEED_MD)`);
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const prices = loadPrices();
  LAMBDA_DURATION_S = prices.lambda.assumedAverageDurationMs / 1000;
  const seed = seedFromMarkdown(readSeed());
  const single = synthesizedMethod({}, '/');
  const packedDef = synthesizedMethod({ batch: { mode: BatchMode.PACKED, maxEvents: BATCH_SIZE } }, '/batch');
  const perEventDef = synthesizedMethod({ batch: { mode: BatchMode.RECORD_PER_EVENT, maxEvents: BATCH_SIZE } }, '/batch');
  const tSynth = Date.now();

  const engine = new VtlEngine();
  const measurements: Measurement[] = [];
  try {
    for (const [si, size] of EVENT_SIZES.entries()) {
      const events = makeEvents(EVENTS_PER_SIZE, size.target);
      const seedBase = 1000 * (si + 1);
      const seedRun = await renderRun(engine, seed.template, '/', events, null, seedBase + 1);
      measurements.push(measure('seed', size.name, events, seedRun, seed.buffering, prices, [
        'rendered from the seed.md template; the record has no trailing newline, so records run together in S3',
        'the record carries the SECRET API key value ($context.identity.apiKey)',
      ]));
      const singleRun = await renderRun(engine, single.template, '/', events, null, seedBase + 2);
      measurements.push(measure('single', size.name, events, singleRun, single.buffering, prices, []));
      const perEventRun = await renderRun(engine, perEventDef.template, '/batch', events, BATCH_SIZE, seedBase + 3);
      measurements.push(measure('perEvent', size.name, events, perEventRun, perEventDef.buffering, prices,
        [`batches of ${BATCH_SIZE} events, PutRecordBatch (bodies up to ${int(perEventRun.maxBodyChars)} chars)`]));

      const packed = await packedRunThatFits(engine, packedDef.template, events, seedBase + 4);
      measurements.push(measure('packed', size.name, events, packed.run, packedDef.buffering, prices, packed.notes));

      const raw = meanEventBytes(events);
      measurements.push({
        path: 'lambda',
        size: size.name,
        eventsMeasured: events.length,
        eventJsonBytesMean: raw,
        requestsRendered: 0,
        eventsPerRequest: 1,
        recordsPerRequest: 0,
        firehoseAction: null,
        bytesPerRecordMean: 0,
        bytesPerRecordMax: 0,
        billedBytesPerRecordMean: 0,
        bytesPerEvent: raw,
        billedBytesPerEvent: 0,
        gzipRatio: null,
        storedBytesPerEvent: raw,
        buffering: null,
        notes: [`one Lambda invocation (${prices.lambda.memoryMB} MB, ${prices.lambda.assumedAverageDurationMs} ms assumed) and one S3 PutObject per event, raw event stored uncompressed`],
      });
    }
  } finally {
    await engine.close();
  }
  const tRender = Date.now();

  // ------------------------------------------------------------------------------------ costs
  const costs = measurements.map((m) => ({ m, byRate: RATES.map((rate) => monthlyCost(m, rate, prices)) }));
  const costOf = (p: PathId, size: string) => costs.find((c) => c.m.path === p && c.m.size === size)!;
  const perEventAt = (p: PathId, size: string, rate: number) => costOf(p, size).byRate.find((b) => b.rate === rate)!.usdPerMillionEvents;

  const lines: string[] = [];
  const say = (s = '') => {
    lines.push(s);
    console.log(s);
  };
  say(`Cost model: us-east-1 list prices of ${prices.date} (${path.relative(REPO_ROOT, PRICES_FILE)}); month = ${prices.units.secondsPerMonth / 86400} days.`);
  say(`Firehose buffering from the templates: construct ${single.buffering.intervalSeconds} s / ${single.buffering.sizeBytes / 1048576} MiB ${single.buffering.compression}; ` +
    `seed ${seed.buffering.intervalSeconds} s / ${seed.buffering.sizeBytes / 1048576} MiB ${seed.buffering.compression}.`);
  say(`Lambda baseline: ${prices.lambda.memoryMB} MB, ${prices.lambda.assumedAverageDurationMs} ms average duration (assumption), one S3 PUT per event.`);
  for (const size of EVENT_SIZES) {
    const ms = measurements.filter((m) => m.size === size.name);
    say();
    say(`== ${size.name} events (mean ${int(ms[0].eventJsonBytesMean)} B of compact JSON, ${ms[0].eventsMeasured} distinct events rendered per path) ==`);
    const measCols: Column[] = [
      { title: 'path' }, { title: 'ev/req', right: true }, { title: 'rec/req', right: true }, { title: 'B/record', right: true },
      { title: 'billed B/rec', right: true }, { title: 'B/event', right: true }, { title: 'billed B/ev', right: true },
      { title: 'gzip', right: true }, { title: 'stored B/ev', right: true },
    ];
    say(textTable(measCols, ms.map((m) => [
      PATHS.find((p) => p.id === m.path)!.short,
      fixed(m.eventsPerRequest, 0),
      m.path === 'lambda' ? '-' : fixed(m.recordsPerRequest, 0),
      m.path === 'lambda' ? '-' : int(m.bytesPerRecordMean),
      m.path === 'lambda' ? '-' : int(m.billedBytesPerRecordMean),
      int(m.bytesPerEvent),
      m.path === 'lambda' ? '-' : int(m.billedBytesPerEvent),
      m.gzipRatio === null ? 'none' : `${fixed(m.gzipRatio, 1)}x`,
      int(m.storedBytesPerEvent),
    ])));
    say();
    const costCols: Column[] = [
      { title: 'path' }, { title: 'APIGW', right: true }, { title: 'Lambda', right: true }, { title: 'Firehose', right: true },
      { title: 'S3 PUT', right: true }, { title: 'storage', right: true }, { title: '$/M events', right: true },
      ...RATES.map((r) => ({ title: `$/mo @${int(r)}/s`, right: true })),
      { title: 'vs Lambda', right: true }, { title: 'vs seed', right: true },
    ];
    say(`$ per million events at ${int(HEADLINE_RATE)} events/s (by service), $ per month at each rate, and how many times cheaper per event:`);
    say(textTable(costCols, ms.map((m) => {
      const b = costOf(m.path, size.name).byRate.find((x) => x.rate === HEADLINE_RATE)!;
      const perM = (v: number) => (v === 0 ? '-' : usd((v / b.eventsPerMonth) * 1e6));
      return [
        PATHS.find((p) => p.id === m.path)!.short,
        perM(b.usd.apiGateway), perM(b.usd.lambda), perM(b.usd.firehose), perM(b.usd.s3Put), perM(b.usd.storage),
        usd(b.usdPerMillionEvents),
        ...costOf(m.path, size.name).byRate.map((x) => usd(x.usd.total)),
        times(perEventAt('lambda', size.name, HEADLINE_RATE) / b.usdPerMillionEvents),
        times(perEventAt('seed', size.name, HEADLINE_RATE) / b.usdPerMillionEvents),
      ];
    })));
    for (const m of ms) {
      for (const n of m.notes) say(`  ${PATHS.find((p) => p.id === m.path)!.short}: ${n}`);
    }
  }

  // ------------------------------------------------------------------------------------ goal
  say();
  say(`GOAL: the packed batch costs at least ${GOAL_FACTOR}x less per event than the Lambda-per-request baseline (decisive size: ${GOAL_SIZE}).`);
  const goal = EVENT_SIZES.map((size) => {
    const ratios = RATES.map((rate) => perEventAt('lambda', size.name, rate) / perEventAt('packed', size.name, rate));
    const holds = ratios.every((x) => x >= GOAL_FACTOR);
    say(`  ${size.name.padEnd(6)} Lambda/packed per event: ${RATES.map((r, i) => `${times(ratios[i])} @${int(r)}/s`).join(', ')} -> ${holds ? 'holds' : 'DOES NOT HOLD'}`);
    return { size: size.name, ratios: Object.fromEntries(RATES.map((r, i) => [String(r), ratios[i]])), holds };
  });
  const goalHolds = goal.find((g) => g.size === GOAL_SIZE)!.holds;
  say(`  => GOAL ${goalHolds ? 'HOLDS' : 'FAILS'} for ${GOAL_SIZE} events (every rate).`);
  say();
  say(`Versus the seed template (seed $ per event / path $ per event, at ${int(HEADLINE_RATE)} events/s):`);
  const vsSeed = EVENT_SIZES.map((size) => {
    const row = Object.fromEntries(PATHS.filter((p) => p.id !== 'seed').map((p) => [p.id,
      perEventAt('seed', size.name, HEADLINE_RATE) / perEventAt(p.id, size.name, HEADLINE_RATE)]));
    say(`  ${size.name.padEnd(6)} ${PATHS.filter((p) => p.id !== 'seed').map((p) => `${p.short} ${times(row[p.id])}`).join(', ')}`);
    return { size: size.name, ...row };
  });

  say();
  say(`Default quotas at these rates (${GOAL_SIZE} events; quotas are per stream / per account and can be raised, cost is unchanged):`);
  const limitCols: Column[] = [
    { title: 'path' },
    ...RATES.map((r) => ({ title: `req/s @${int(r)}/s`, right: true })),
    { title: `Firehose MiB/s @${int(RATES[RATES.length - 1])}/s`, right: true },
    { title: 'over a default quota' },
  ];
  say(textTable(limitCols, PATHS.map((p) => {
    const m = costOf(p.id, GOAL_SIZE).m;
    const f = RATES.map((r) => feasibility(m, r));
    const seen = new Set<string>();
    const over = f.map((x) => {
      const fresh = x.exceeds.filter((e) => !seen.has(e));
      fresh.forEach((e) => seen.add(e));
      return fresh.length > 0 ? `@${int(x.rate)}/s: ${fresh.join(', ')}` : '';
    }).filter((t) => t !== '');
    return [
      p.short,
      ...f.map((x) => int(x.apiRequestsPerSecond)),
      p.id === 'lambda' ? '-' : fixed(f[f.length - 1].firehoseMiBPerSecond, 1),
      over.length === 0 ? 'no' : over.join('; '),
    ];
  })));
  const feasibilityJson = EVENT_SIZES.map((size) => ({
    size: size.name,
    byPath: Object.fromEntries(PATHS.map((p) => [p.id, RATES.map((r) => feasibility(costOf(p.id, size.name).m, r))])),
  }));

  // ------------------------------------------------------------------------------------ outputs
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const chartSize = GOAL_SIZE;
  const chartRates: number[] = [];
  for (let e = 2; e <= 4.0001; e += 0.125) chartRates.push(10 ** e);
  const series: Series[] = PATHS.map((p) => {
    const m = costOf(p.id, chartSize).m;
    const perM = perEventAt(p.id, chartSize, HEADLINE_RATE);
    const overlap = p.id === 'seed' && Math.abs(perM / perEventAt('single', chartSize, HEADLINE_RATE) - 1) < 0.03 ? ', line on top of (b)' : '';
    return {
      label: `${p.label}\n${usd(perM)}/M events at ${int(HEADLINE_RATE)}/s${overlap}`,
      color: p.color,
      dash: p.dash,
      points: chartRates.map((r) => [r, monthlyCost(m, r, prices).usd.total] as const),
      markers: RATES.map((r) => [r, monthlyCost(m, r, prices).usd.total] as const),
    };
  });
  const svg = logLogChart({
    title: `Monthly cost vs ingest rate, ${chartSize} JSON events`,
    subtitle: `us-east-1 list prices of ${prices.date}; record sizes measured from the synthesized mapping templates (scripts/bench/cost.ts)`,
    xLabel: 'events per second (log scale)',
    yLabel: 'USD per month (log scale)',
    series,
    xTick: (v) => int(v),
    yTick: (v) => `$${v >= 1e6 ? `${int(v / 1e6)}M` : v >= 1000 ? `${int(v / 1000)}k` : int(v)}`,
    footnote: `API Gateway REST + Firehose (records rounded up to 5 KB) + S3 PUTs + one month of GZIP storage; Lambda: 128 MB x ${prices.lambda.assumedAverageDurationMs} ms (assumed)\n` +
      `+ one S3 PUT per event. Dots mark 100, 1,000 and 10,000 events/s. Batch paths: ${BATCH_SIZE} events per request.`,
  });
  fs.writeFileSync(path.join(OUT_DIR, 'cost.svg'), svg);
  const json = {
    generatedBy: 'scripts/bench/cost.ts',
    generatedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
    prices: { file: path.relative(REPO_ROOT, PRICES_FILE), date: prices.date, region: prices.region },
    method: {
      eventsPerSize: EVENTS_PER_SIZE,
      batchSize: BATCH_SIZE,
      rates: RATES,
      headlineRate: HEADLINE_RATE,
      gzip: 'zlib.gzipSync (level 6) over the concatenated rendered records of each path and size',
      renderer: 'test/vtl/harness.ts VtlEngine (Apache Velocity 1.7, API Gateway emulation)',
      seedTemplate: seed.template,
    },
    paths: PATHS,
    sizes: EVENT_SIZES,
    results: costs.map(({ m, byRate }) => ({ ...m, cost: byRate })),
    goal: { factor: GOAL_FACTOR, decisiveSize: GOAL_SIZE, holds: goalHolds, bySize: goal },
    vsSeed,
    limits: LIMITS,
    feasibility: feasibilityJson,
    report: lines,
    timingsMs: { synth: tSynth - t0, render: tRender - tSynth, total: Date.now() - t0 },
  };
  fs.writeFileSync(path.join(OUT_DIR, 'cost.json'), JSON.stringify(json, null, 2) + '\n');
  console.log();
  console.log(`wrote ${path.relative(REPO_ROOT, path.join(OUT_DIR, 'cost.json'))} and cost.svg ` +
    `(synth ${fixed((tSynth - t0) / 1000, 1)} s, render ${fixed((tRender - tSynth) / 1000, 1)} s)`);
  return goalHolds ? 0 : 1;
}

if (require.main === module) {
  main().then((code) => process.exit(code), (e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(2);
  });
}
