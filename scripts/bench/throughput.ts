/* eslint-disable no-console */
/**
 * Throughput and loss on LocalStack (loopback only, bounded in time and count): concurrent clients POST to the
 * deployed example stack's single and batch endpoints for a fixed time; then every accepted event must be in S3
 * exactly once, and no event answered 2xx may be missing. Latency percentiles are per request.
 * LocalStack is a single Python process on this machine, so the figures measure the construct's request path
 * through an emulator, not AWS capacity.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Column, textTable } from './table';
import { deleteStack, listObjects } from '../local/deploy';
import { deployExample } from '../local/example';

const DURATION_MS = Number(process.env.THROUGHPUT_SECONDS ?? 20) * 1000;
const CONCURRENCY = Number(process.env.THROUGHPUT_CLIENTS ?? 8);
const BATCH_SIZE = 50;
const MAX_REQUESTS = 20_000;

interface Result {
  readonly endpoint: string;
  readonly requests: number;
  readonly accepted: number;
  readonly refused: number;
  readonly eventsAccepted: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
  readonly ids: string[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function drive(endpoint: 'single' | 'batch', url: string, key: string, run: string): Promise<Result> {
  const latencies: number[] = [];
  const ids: string[] = [];
  let requests = 0;
  let accepted = 0;
  let refused = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, client) => {
    for (let n = 0; Date.now() - t0 < DURATION_MS && requests < MAX_REQUESTS; n++) {
      requests++;
      const events = endpoint === 'single'
        ? [{ run, id: `${endpoint}-${client}-${n}`, type: 'click', ts: Date.now() }]
        : Array.from({ length: BATCH_SIZE }, (_e, k) => ({ run, id: `${endpoint}-${client}-${n}-${k}`, type: 'view', ts: Date.now() }));
      const body = endpoint === 'single' ? JSON.stringify(events[0]) : JSON.stringify({ records: events });
      const start = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body });
      await res.arrayBuffer();
      latencies.push(performance.now() - start);
      if (res.status === 200) {
        accepted++;
        ids.push(...events.map((e) => e.id));
      } else {
        refused++;
      }
    }
  }));
  return {
    endpoint,
    requests,
    accepted,
    refused,
    eventsAccepted: ids.length,
    seconds: (Date.now() - t0) / 1000,
    latenciesMs: latencies.sort((a, b) => a - b),
    ids,
  };
}

async function main(): Promise<void> {
  console.log(`Deploying the example stack to LocalStack (${CONCURRENCY} clients, ${DURATION_MS / 1000} s per endpoint)`);
  const ex = await deployExample('ApiToFirehoseBench', undefined, true);
  const run = `bench-${Date.now()}`;
  const results: Result[] = [];
  try {
    results.push(await drive('single', ex.baseUrl, ex.apiKey, run));
    results.push(await drive('batch', `${ex.baseUrl}batch`, ex.apiKey, run));

    // Every accepted event exactly once; nothing answered 2xx may be missing.
    const objects = await listObjects(ex.eventsBucket, 'events/');
    const stored = new Map<string, number>();
    for (const o of objects) {
      for (const line of o.body.split('\n').filter(Boolean)) {
        const body = JSON.parse(line).body;
        if (body?.run === run) stored.set(body.id, (stored.get(body.id) ?? 0) + 1);
      }
    }
    const acceptedIds = results.flatMap((r) => r.ids);
    const missing = acceptedIds.filter((id) => !stored.has(id));
    const duplicated = [...stored.entries()].filter(([, n]) => n > 1).map(([id]) => id);
    const unexpected = [...stored.keys()].filter((id) => !acceptedIds.includes(id));

    const columns: Column[] = [
      { title: 'endpoint' }, { title: 'requests', right: true }, { title: 'non-200', right: true },
      { title: 'events/s', right: true }, { title: 'req/s', right: true },
      { title: 'p50 ms', right: true }, { title: 'p95 ms', right: true }, { title: 'p99 ms', right: true },
    ];
    const rows = results.map((r) => [
      r.endpoint === 'single' ? 'POST / (1 event)' : `POST /batch (${BATCH_SIZE} events, packed)`,
      String(r.requests), String(r.refused),
      (r.eventsAccepted / r.seconds).toFixed(0), (r.requests / r.seconds).toFixed(1),
      percentile(r.latenciesMs, 50).toFixed(1), percentile(r.latenciesMs, 95).toFixed(1), percentile(r.latenciesMs, 99).toFixed(1),
    ]);
    console.log(`\nThroughput on LocalStack 4.13.1 (host mode), ${CONCURRENCY} concurrent clients, loopback`);
    console.log(textTable(columns, rows));
    console.log(`\nAccepted events: ${acceptedIds.length}; stored: ${stored.size}; missing: ${missing.length}; ` +
      `duplicated: ${duplicated.length}; stored but not accepted: ${unexpected.length}`);

    mkdirSync(join('docs', 'benchmarks'), { recursive: true });
    writeFileSync(join('docs', 'benchmarks', 'throughput.json'), JSON.stringify({
      date: new Date().toISOString().slice(0, 10),
      machine: '2 cores, LocalStack 4.13.1 host mode on the same machine',
      clients: CONCURRENCY,
      secondsPerEndpoint: DURATION_MS / 1000,
      results: results.map(({ ids: _ids, latenciesMs, ...r }) => ({
        ...r, p50: percentile(latenciesMs, 50), p95: percentile(latenciesMs, 95), p99: percentile(latenciesMs, 99),
      })),
      accepted: acceptedIds.length,
      stored: stored.size,
      missing: missing.length,
      duplicated: duplicated.length,
    }, null, 2) + '\n');

    if (missing.length || duplicated.length || results.some((r) => r.refused > 0)) {
      console.error(`LOSS CHECK FAILED: missing ${missing.slice(0, 5).join(', ')} duplicated ${duplicated.slice(0, 5).join(', ')}`);
      process.exitCode = 1;
    } else {
      console.log('Loss check OK: every accepted event is in S3 exactly once.');
    }
  } finally {
    await deleteStack(ex.stackName, { quiet: true }).catch(() => undefined);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
