import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DroppedEvent, EventClient, EventClientOptions, HttpError, NetworkError, TimeoutError } from '../src';
import { FakeClock, waitFor } from './fake-clock';
import { FaultServer } from './fault-server';

const KEY = 'k'.repeat(40);
const servers: FaultServer[] = [];
async function server(o: ConstructorParameters<typeof FaultServer>[0] = {}): Promise<FaultServer> {
  const s = await new FaultServer({ apiKey: KEY, ...o }).start();
  servers.push(s);
  return s;
}
after(() => Promise.all(servers.map((s) => s.stop())));

/** A client with fast retries (real clock) unless options say otherwise; drops and errors collected. */
function client(s: FaultServer, o: Partial<EventClientOptions> = {}) {
  const dropped: DroppedEvent[] = [];
  const errors: Error[] = [];
  const c = new EventClient({
    url: s.url, apiKey: KEY, retryBase: 1, retryCap: 5, timeout: 2000,
    onDrop: (d) => dropped.push(...d), onError: (e) => errors.push(e), ...o,
  });
  return { c, dropped, errors };
}

test('track(): adds a UUID eventId to a copy, keeps a valid caller id, refuses non-objects', async () => {
  const s = await server();
  const { c } = client(s);
  const original = { type: 'click' };
  const id = c.track(original);
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(original, { type: 'click' });
  assert.equal(c.track({ type: 'view', eventId: 'order-17' }), 'order-17');
  assert.notEqual(c.track({ eventId: 'has space' }), 'has space');
  for (const bad of [null, 'text', 42, [1, 2]]) assert.throws(() => c.track(bad as object), /must be a JSON object/);
  const r = await c.close();
  assert.deepEqual(r, { sent: 3, dropped: 0, pending: 0 });
  assert.deepEqual(s.stored.map((e) => e.eventId), [id, 'order-17', s.stored[2].eventId]);
  assert.equal(s.received[0].headers['x-api-key'], KEY);
  assert.equal(s.received[0].headers['content-type'], 'application/json');
  assert.throws(() => c.track({ a: 1 }), /after close/);
});

test('batches by count: 1,200 events are 500 + 500 + 200', async () => {
  const s = await server();
  const { c } = client(s);
  for (let i = 0; i < 1200; i++) c.track({ i });
  await c.close();
  assert.deepEqual(s.received.map((r) => r.ids.length), [500, 500, 200]);
});

test('batches by bytes: 120 KB events, every body within the 1,000,000-character limit with room for the envelope', async () => {
  const s = await server();
  const { c, dropped } = client(s);
  const big = 'é'.repeat(60_000); // 120,000 UTF-8 bytes
  for (let i = 0; i < 20; i++) c.track({ i, big });
  await c.close();
  assert.equal(dropped.length, 0);
  assert.equal(s.stored.length, 20);
  assert.ok(s.received.length >= 3, `${s.received.length} requests`);
  for (const r of s.received) assert.ok(r.bodyChars * 2 + r.ids.length * 256 <= 1_000_000 + 2 * r.ids.length * 40, `${r.bodyChars} chars`);
  assert.deepEqual(s.received.map((r) => r.status), s.received.map(() => 200));
});

test('an event that can never fit is dropped at track(), reported once; a full queue drops what does not fit', async () => {
  const s = await server();
  const { c, dropped } = client(s, { maxQueueEvents: 3 });
  const huge = c.track({ big: 'x'.repeat(1_000_000) });
  for (let i = 0; i < 5; i++) c.track({ i });
  await c.close();
  assert.deepEqual(dropped.map((d) => d.reason), ['too-large', 'queue-full', 'queue-full']);
  assert.equal(dropped[0].id, huge);
  assert.equal(s.stored.length, 3);
});

test('batches by time: nothing is sent before flushInterval, then one request', async () => {
  const s = await server();
  const clock = new FakeClock();
  const { c } = client(s, { clock, flushInterval: 5000 });
  c.track({ a: 1 });
  c.track({ a: 2 });
  clock.advance(4999);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(s.received.length, 0);
  clock.advance(1);
  await waitFor(() => s.stored.length === 2);
  assert.equal(s.received.length, 1);
  await c.close();
});

/** Runs a flush on the fake clock: each time the client sleeps (a timer other than the request timeout), advance by it. */
async function flushOnFakeClock(c: EventClient, clock: FakeClock, s: FaultServer, timeout: number): Promise<number[]> {
  const sleeps: number[] = [];
  let done = false;
  let seen = clock.delays.length; // the flush timer armed by track() is not a backoff
  const p = c.flush().then((r) => ((done = true), r));
  while (!done) {
    await waitFor(() => done || clock.delays.slice(seen).some((d) => d !== timeout));
    if (done) break;
    const i = clock.delays.findIndex((d, k) => k >= seen && d !== timeout);
    seen = i + 1;
    const d = clock.delays[i];
    sleeps.push(d);
    const before = s.received.length;
    clock.advance(Math.max(0, d - 1));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(s.received.length, before, `a request was sent before the ${d} ms wait ended`);
    clock.advance(1);
  }
  await p;
  return sleeps;
}

test('429 without Retry-After: exponential backoff with full jitter (random 0.5: 250, 500, 1000 ms)', async () => {
  const s = await server({ fault: (n) => (n < 3 ? { kind: 'status', status: 429 } : undefined) });
  const clock = new FakeClock();
  const { c, errors } = client(s, { clock, random: () => 0.5, retryBase: 500, retryCap: 30_000, timeout: 12_345 });
  c.track({ a: 1 });
  const sleeps = await flushOnFakeClock(c, clock, s, 12_345);
  assert.deepEqual(sleeps, [250, 500, 1000]);
  assert.equal(s.stored.length, 1);
  assert.deepEqual(errors.map((e) => (e as HttpError).status), [429, 429, 429]);
  await c.close();
});

test('503 with Retry-After (seconds, then an HTTP-date) waits what the server asked', async () => {
  const clock = new FakeClock();
  clock.t = Date.parse('Tue, 01 Dec 2026 20:00:00 GMT');
  const s = await server({
    fault: (n) => (n === 0 ? { kind: 'status', status: 503, retryAfter: '2' }
      : n === 1 ? { kind: 'status', status: 503, retryAfter: 'Tue, 01 Dec 2026 20:00:09 GMT' } : undefined),
  });
  const { c } = client(s, { clock, random: () => 0, retryBase: 500, retryCap: 30_000, timeout: 12_345 });
  c.track({ a: 1 });
  const sleeps = await flushOnFakeClock(c, clock, s, 12_345);
  assert.deepEqual(sleeps, [2000, 7000]); // 20:00:02 + 7 s = 20:00:09
  assert.equal(s.stored.length, 1);
  await c.close();
});

test('500 PartialFailure: only the failed indices are sent again', async () => {
  const s = await server({ mode: 'perEvent', fault: (n) => (n === 0 ? { kind: 'partial', failed: [1, 3, 4] } : undefined) });
  const { c } = client(s);
  const ids = [0, 1, 2, 3, 4, 5].map((i) => c.track({ i }));
  await c.close();
  assert.deepEqual(s.received.map((r) => r.ids), [ids, [ids[1], ids[3], ids[4]]]);
  assert.deepEqual([...s.storedCounts().values()], [1, 1, 1, 1, 1, 1]);
});

test('413: the batch is split until each part fits; one event too large alone is dropped as too-large', async () => {
  const s = await server({ maxBodyChars: 5000 });
  const { c, dropped } = client(s);
  const ids = Array.from({ length: 10 }, (_, i) => c.track({ i, pad: 'x'.repeat(900) }));
  const alone = c.track({ pad: 'y'.repeat(6000) });
  await c.close();
  assert.deepEqual(dropped.map((d) => [d.id, d.reason, (d.error as HttpError).status]), [[alone, 'too-large', 413]]);
  assert.deepEqual([...s.storedCounts().keys()].sort(), [...ids].sort());
  assert.ok(s.received.filter((r) => r.status === 200).every((r) => r.bodyChars <= 5000));
});

test('400 on a batch: bisection isolates each invalid event, reports it once with the API message, stores the rest', async () => {
  const s = await server();
  const { c, dropped } = client(s);
  const ids: string[] = [];
  const bad = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const poison = i === 7 || i === 300 || i === 301;
    const id = c.track(poison ? { i, poison: true } : { i });
    (poison ? bad : { add: (x: string) => ids.push(x) }).add(id);
  }
  await c.close();
  assert.deepEqual(new Set(dropped.map((d) => d.id)), bad);
  assert.equal(dropped.length, 3);
  for (const d of dropped) {
    assert.equal(d.reason, 'invalid');
    assert.equal(d.error?.message, 'HTTP 400: Invalid request body');
  }
  assert.deepEqual([...s.storedCounts().keys()].sort(), ids.sort());
  for (const id of bad) assert.equal(s.received.filter((r) => r.ids.length === 1 && r.ids[0] === id).length, 1);
  console.log(`  400 bisection: 500 events with 3 invalid took ${s.received.length} requests`);
});

test('403 (wrong key): stops, reports, keeps the queue; no timer retries it; flush() with the right key delivers', async () => {
  const s = await server({ apiKey: 'right' });
  const { c, errors, dropped } = client(s, { flushInterval: 20 });
  c.track({ a: 1 });
  const r = await c.flush();
  assert.deepEqual(r, { sent: 0, dropped: 0, pending: 1 });
  assert.equal((errors[0] as HttpError).status, 403);
  assert.equal((errors[0] as HttpError).code, 'INVALID_API_KEY');
  await new Promise((res) => setTimeout(res, 100));
  assert.equal(s.received.length, 1); // stopped: the 20 ms timer did not send again
  s.options.apiKey = KEY;
  assert.deepEqual(await c.flush(), { sent: 1, dropped: 0, pending: 0 });
  assert.equal(dropped.length, 0);
  await c.close();
});

test('connection resets and stalls past the timeout are retried (NetworkError, TimeoutError)', async () => {
  const s = await server({ fault: (n) => (n === 0 ? { kind: 'reset' } : n === 1 ? { kind: 'stall' } : undefined) });
  const { c, errors } = client(s, { timeout: 150 });
  c.track({ a: 1 });
  await c.close();
  assert.ok(errors[0] instanceof NetworkError, String(errors[0]));
  assert.ok(errors[1] instanceof TimeoutError, String(errors[1]));
  assert.equal(s.stored.length, 1);
});

test('maxAttempts: an event no request stores is dropped as retries-exhausted, once', async () => {
  const s = await server({ fault: () => ({ kind: 'status', status: 503 }) });
  const { c, dropped } = client(s, { maxAttempts: 3 });
  const id = c.track({ a: 1 });
  const r = await c.close();
  assert.equal(s.received.length, 3);
  assert.deepEqual(dropped.map((d) => [d.id, d.reason]), [[id, 'retries-exhausted']]);
  assert.deepEqual(r, { sent: 0, dropped: 1, pending: 0 });
});

test('close() within maxRetryTime: what the API never took is reported as closed, nothing silently', async () => {
  const s = await server({ fault: () => ({ kind: 'status', status: 503, retryAfter: '1' }) });
  const { c, dropped } = client(s, { maxRetryTime: 300, retryCap: 2000 });
  const ids = [c.track({ a: 1 }), c.track({ a: 2 })];
  const r = await c.close();
  assert.deepEqual(r, { sent: 0, dropped: 2, pending: 0 });
  assert.deepEqual(dropped.map((d) => [d.id, d.reason]), ids.map((id) => [id, 'closed']));
  assert.equal(s.received.length, 1); // the 1 s Retry-After would pass the 300 ms budget
});

test('Node: after close() no timer of the client is left', async () => {
  const s = await server({ fault: (n) => (n < 2 ? { kind: 'status', status: 503 } : undefined) });
  const timeouts = () => process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
  const before = timeouts();
  const { c } = client(s, { flushInterval: 60_000 });
  for (let i = 0; i < 10; i++) c.track({ i });
  assert.ok(timeouts() > before, 'the flush timer is armed while events wait');
  await c.close();
  assert.equal(timeouts(), before);
  assert.equal(s.stored.length, 10);
});

let baseline: FaultServer;
before(async () => {
  baseline = await server();
});

test('10,000 events, no faults: requests = ceil(N / 500)', async () => {
  const { c } = client(baseline);
  for (let i = 0; i < 10_000; i++) c.track({ i });
  await c.close();
  assert.equal(baseline.received.length, Math.ceil(10_000 / 500));
  assert.equal(baseline.storedCounts().size, 10_000);
});

test('Node: a process that calls close() exits by itself, with every event delivered', async () => {
  const s = await server({ apiKey: 'key', fault: (n) => (n === 0 ? { kind: 'status', status: 503 } : undefined) });
  const { execFile } = await import('node:child_process');
  const t0 = Date.now();
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'test/fixtures/exit-after-close.ts', s.url], { timeout: 20_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout));
  });
  assert.deepEqual(JSON.parse(out), { sent: 50, dropped: 0, pending: 0 });
  assert.equal(s.storedCounts().size, 50);
  assert.ok(Date.now() - t0 < 15_000, 'exited long before the 60 s flush interval');
});
