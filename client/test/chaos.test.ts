import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { DroppedEvent, EventClient } from '../src';
import { Fault, FaultServer, seeded } from './fault-server';

const N = 10_000;
const servers: FaultServer[] = [];
after(() => Promise.all(servers.map((s) => s.stop())));

/** Every fault of the contract at once, drawn per request from a seeded PRNG. */
function chaos(seed: number): (n: number, records: Record<string, unknown>[]) => Fault | undefined {
  const r = seeded(seed);
  return (_n, records) => {
    const x = r();
    if (x < 0.10) return { kind: 'status', status: 503, retryAfter: r() < 0.5 ? '0' : undefined };
    if (x < 0.15) return { kind: 'status', status: 429 };
    if (x < 0.18) return { kind: 'status', status: 502 };
    if (x < 0.28) return { kind: 'partial', failed: records.map((_, i) => i).filter(() => r() < 0.2) };
    if (x < 0.31 && records.length > 1) return { kind: 'status', status: 413 };
    if (x < 0.34) return { kind: 'reset' };
    if (x < 0.35) return { kind: 'stall' };
    if (x < 0.36) return { kind: 'storeThenStall' };
    return undefined;
  };
}

for (const seed of [1, 2]) {
  test(`${N} events through every fault (seed ${seed}): each valid one stored, exactly once by id; each invalid one reported once, never retried`, async () => {
    const s = await new FaultServer({ apiKey: 'key', mode: 'perEvent', fault: chaos(seed) }).start();
    servers.push(s);
    const dropped: DroppedEvent[] = [];
    const droppedAt = new Map<string, number>();
    const c = new EventClient({
      url: s.url, apiKey: 'key', retryBase: 1, retryCap: 4, timeout: 60, maxAttempts: 100, maxQueueEvents: 2 * N,
      onDrop: (d) => {
        dropped.push(...d);
        for (const e of d) droppedAt.set(e.id, s.received.length);
      },
    });
    const valid = new Set<string>();
    const invalid = new Set<string>();
    const r = seeded(100 + seed);
    for (let i = 0; i < N; i++) {
      if (r() < 0.01) invalid.add(c.track({ i, poison: true }));
      else valid.add(c.track({ i, type: 'click', page: `/p/${i % 50}` }));
    }
    const t0 = Date.now();
    const result = await c.close();
    const counts = s.storedCounts();
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    console.log(`  seed ${seed}: ${valid.size} valid + ${invalid.size} invalid events, ${s.received.length} requests ` +
      `(no-fault minimum ${Math.ceil(N / 500)}), ${s.stored.length} records stored, ${duplicates} ids stored twice or more ` +
      `(timed-out requests that were stored), ${Date.now() - t0} ms`);

    assert.deepEqual(new Set(counts.keys()), valid, 'the distinct stored ids are exactly the valid events');
    assert.deepEqual(dropped.map((d) => d.reason).filter((x) => x !== 'invalid'), []);
    assert.equal(dropped.length, invalid.size, 'each invalid event reported once');
    assert.deepEqual(new Set(dropped.map((d) => d.id)), invalid);
    for (const d of dropped) assert.equal(d.error?.message, 'HTTP 400: Invalid request body');
    for (const id of invalid) {
      const later = s.received.slice(droppedAt.get(id)!).filter((q) => q.ids.includes(id));
      assert.equal(later.length, 0, `invalid event ${id} was sent again after it was reported`);
    }
    assert.deepEqual(result, { sent: valid.size, dropped: invalid.size, pending: 0 });
    // Duplicates come only from requests that stored and then timed out (storeThenStall).
    const stalledStored = s.received.filter((q) => q.status === 'stall').length;
    assert.ok(duplicates <= stalledStored * 500, `${duplicates} duplicates`);
  });
}
