/**
 * Cost per million events at the client's defaults ("client defaults" rows of the cost table).
 *
 *   cd client && node --import tsx scripts/cost.ts        (or: bash scripts/bench/run.sh client)
 *
 * The client itself decides how many events go in one request: this script runs the real EventClient with
 * its default options (500 events, 1,000,000 bytes, 5 s interval) on a fake clock, against a fetch that
 * answers 200 at once, for one sender producing 1 KB events (scripts/bench/events.ts) at a steady rate,
 * and counts the requests it makes. The per-event bytes of a packed record (envelope included) and the
 * gzip ratio come from docs/benchmarks/cost.json, which scripts/bench/cost.ts measured by rendering the
 * synthesized templates; the monthly cost is cost.ts's own model (monthlyCost) with docs/prices.json.
 *
 * Assumption, stated in the output: what a request carries depends on how fast ONE sender (a tab, a
 * process) produces events, not on the total rate, so each row names its sender's rate. A browser tab
 * that is closed early sends a smaller last batch on pagehide; not modelled.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventClient } from '../src';
import { FakeClock } from '../test/fake-clock';
import { makeEvents } from '../../scripts/bench/events';
import { monthlyCost, RATES } from '../../scripts/bench/cost';
import { loadPrices, REPO_ROOT } from '../../scripts/bench/prices';

const SENDERS = [
  { label: 'browser tab, 1 event / 2 s', perSecond: 0.5 },
  { label: 'browser tab, 5 events / s', perSecond: 5 },
  { label: 'server process, 100+ events / s', perSecond: 100 },
];
const SIMULATED_SECONDS = 600;

/** Requests and events the client makes for a sender at `perSecond` over SIMULATED_SECONDS. */
async function eventsPerRequest(perSecond: number): Promise<{ requests: number; events: number; maxBody: number }> {
  const clock = new FakeClock();
  let requests = 0;
  let maxBody = 0;
  const ok = new Response('{"recordId":"r","requestId":"q"}', { status: 200 });
  const c = new EventClient({
    url: 'https://example.invalid/prod',
    clock,
    lifecycle: false,
    fetch: async (_u, init) => {
      requests++;
      maxBody = Math.max(maxBody, Buffer.byteLength(String(init?.body)));
      return ok.clone();
    },
  });
  const total = Math.round(perSecond * SIMULATED_SECONDS);
  const events = makeEvents(Math.min(total, 2000), 1024);
  const stepMs = 1000 / perSecond;
  for (let i = 0; i < total; i++) {
    clock.advance(i === 0 ? 0 : stepMs);
    await new Promise((r) => setImmediate(r)); // a flush the timer started runs before the next event arrives
    c.track(events[i % events.length]);
  }
  await c.close();
  return { requests, events: total, maxBody };
}

async function main(): Promise<number> {
  const prices = loadPrices();
  const measured = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'docs', 'benchmarks', 'cost.json'), 'utf8')) as {
    results: (Parameters<typeof monthlyCost>[0] & { cost: unknown })[];
  };
  const packed = measured.results.find((r) => r.path === 'packed' && r.size === '1 KB');
  if (!packed) throw new Error('docs/benchmarks/cost.json has no packed 1 KB result: run scripts/bench/cost.ts first');
  const unit = prices.firehoseDirectPut.recordRoundingBytes;
  const rows = [];
  console.log(`Client defaults (500 events, 1,000,000 B, 5 s interval), 1 KB events, packed batch mode; record bytes per event ` +
    `${packed.bytesPerEvent.toFixed(0)} B (envelope included) and gzip ${packed.gzipRatio?.toFixed(1)}x from docs/benchmarks/cost.json; ` +
    `prices ${prices.date}.`);
  for (const s of SENDERS) {
    const run = await eventsPerRequest(s.perSecond);
    const perRequest = run.events / run.requests;
    const recordBytes = perRequest * packed.bytesPerEvent;
    const m = {
      ...packed,
      eventsPerRequest: perRequest,
      recordsPerRequest: 1,
      bytesPerRecordMean: recordBytes,
      billedBytesPerRecordMean: Math.ceil(recordBytes / unit) * unit,
      billedBytesPerEvent: (Math.ceil(recordBytes / unit) * unit) / perRequest,
    };
    const byRate = RATES.map((rate) => monthlyCost(m, rate, prices));
    rows.push({ sender: s.label, senderEventsPerSecond: s.perSecond, ...run, eventsPerRequest: perRequest, byRate });
    console.log(`  ${s.label.padEnd(34)} ${run.requests} requests for ${run.events} events = ${perRequest.toFixed(1)} events/request ` +
      `(largest body ${run.maxBody} B): $${byRate[1].usdPerMillionEvents.toFixed(3)} per million events; $/month at ` +
      `${RATES.join(' / ')} events/s: ${byRate.map((b) => `$${Math.round(b.usd.total).toLocaleString('en-US')}`).join(' / ')}`);
  }
  const out = path.join(REPO_ROOT, 'docs', 'benchmarks', 'client-cost.json');
  fs.writeFileSync(out, JSON.stringify({ generatedBy: 'client/scripts/cost.ts', simulatedSeconds: SIMULATED_SECONDS, prices: prices.date, rows }, null, 2) + '\n');
  console.log(`wrote ${path.relative(REPO_ROOT, out)}`);
  return 0;
}

main().then((c) => process.exit(c), (e: unknown) => {
  console.error(e);
  process.exit(2);
});
