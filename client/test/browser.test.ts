/**
 * Browser duties with a simulated page: `document`, `window` events, `navigator` and `localStorage` are put on
 * globalThis for these tests only (Node has none of them). A real Chromium run is test/e2e in the root package.
 */
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, test } from 'node:test';
import { EventClient } from '../src';
import { FakeClock, waitFor } from './fake-clock';
import { FaultServer } from './fault-server';

type G = Record<string, unknown>;
const g = globalThis as unknown as G;
let page: EventTarget & { visibilityState: string };
let win: EventTarget;
const storage = new Map<string, string>();
const nav = { onLine: true, beacons: [] as { url: string; body: Blob }[], sendBeacon(url: string, body: Blob) {
  this.beacons.push({ url, body });
  return true;
} };

beforeEach(() => {
  page = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  win = new EventTarget();
  storage.clear();
  nav.onLine = true;
  nav.beacons = [];
  g.document = page;
  g.addEventListener = win.addEventListener.bind(win);
  g.removeEventListener = win.removeEventListener.bind(win);
  Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
  g.localStorage = {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => void storage.set(k, v),
    removeItem: (k: string) => void storage.delete(k),
  };
});
afterEach(() => {
  for (const k of ['document', 'addEventListener', 'removeEventListener', 'localStorage', 'navigator']) delete g[k];
});

const servers: FaultServer[] = [];
after(() => Promise.all(servers.map((s) => s.stop())));
async function server(): Promise<FaultServer> {
  const s = await new FaultServer({ apiKey: 'key' }).start();
  servers.push(s);
  return s;
}

/** fetch that records each call's init, then does the real request. */
function recordingFetch() {
  const calls: RequestInit[] = [];
  const f: typeof fetch = (url, init) => {
    calls.push(init!);
    return fetch(url, init);
  };
  return { calls, f };
}

const hide = () => {
  page.visibilityState = 'hidden';
  page.dispatchEvent(new Event('visibilitychange'));
};

test('visibilitychange to hidden: the queue leaves at once with keepalive fetch, within the 64 KiB budget', async () => {
  const s = await server();
  const { calls, f } = recordingFetch();
  const c = new EventClient({ url: s.url, apiKey: 'key', fetch: f, flushInterval: 60_000, maxEvents: 100 });
  const ids = Array.from({ length: 1000 }, (_, i) => c.track({ i, pad: 'x'.repeat(100) }));
  page.dispatchEvent(new Event('visibilitychange')); // still visible: nothing
  assert.equal(calls.length, 0);
  hide();
  assert.ok(calls.length > 1, 'sent synchronously, in several requests');
  assert.ok(calls.every((i) => i.keepalive === true));
  const total = calls.reduce((n, i) => n + Buffer.byteLength(String(i.body)), 0);
  assert.ok(total <= 60_000, `${total} bytes in flight`);
  assert.ok(calls.every((i) => (i.headers as Record<string, string>)['x-api-key'] === 'key'));
  const onHide = calls.reduce((n, i) => n + JSON.parse(String(i.body)).records.length, 0);
  assert.ok(onHide > 300 && onHide < 1000, `${onHide} events sent on hide`);
  // The page lived on: the rest goes with the next flush, nothing twice.
  await c.close();
  assert.deepEqual([...s.storedCounts().keys()].sort(), [...ids].sort());
  assert.ok([...s.storedCounts().values()].every((n) => n === 1));
});

test('pagehide sends too; close() removes every listener', async () => {
  const s = await server();
  const { calls, f } = recordingFetch();
  const c = new EventClient({ url: s.url, apiKey: 'key', fetch: f, flushInterval: 60_000 });
  c.track({ a: 1 });
  win.dispatchEvent(new Event('pagehide'));
  assert.equal(calls.length, 1);
  assert.equal(calls[0].keepalive, true);
  await c.close();
  const n = calls.length;
  win.dispatchEvent(new Event('pagehide'));
  hide();
  win.dispatchEvent(new Event('online'));
  assert.equal(calls.length, n);
});

test('beacon: on hide, navigator.sendBeacon with a text/plain Blob and no headers', async () => {
  const s = await server();
  const { calls, f } = recordingFetch();
  const c = new EventClient({ url: s.url, fetch: f, beacon: true, flushInterval: 60_000 });
  const id = c.track({ a: 1 });
  hide();
  assert.equal(calls.length, 0);
  assert.equal(nav.beacons.length, 1);
  assert.equal(nav.beacons[0].url, `${s.url}/batch`);
  assert.equal(nav.beacons[0].body.type, 'text/plain');
  assert.deepEqual(JSON.parse(await nav.beacons[0].body.text()).records.map((e: { eventId: string }) => e.eventId), [id]);
  assert.deepEqual(await c.close(), { sent: 0, dropped: 0, pending: 0 });
});

test('offline: flush() sends nothing and keeps the queue; the online event sends it', async () => {
  const s = await server();
  const c = new EventClient({ url: s.url, apiKey: 'key', flushInterval: 60_000 });
  nav.onLine = false;
  c.track({ a: 1 });
  assert.deepEqual(await c.flush(), { sent: 0, dropped: 0, pending: 1 });
  assert.equal(s.received.length, 0);
  nav.onLine = true;
  win.dispatchEvent(new Event('online'));
  await waitFor(() => s.stored.length === 1);
  await c.close();
});

test('localStorage persistence: a reload (a new client, same key) sends what the old page had queued or in flight', async () => {
  const s = await server();
  const never: typeof fetch = () => new Promise(() => {}); // the page goes away before any answer
  // A fake clock: no real timer of this abandoned client outlives the test.
  const a = new EventClient({ url: s.url, apiKey: 'key', fetch: never, clock: new FakeClock(), persistence: 'localStorage', flushInterval: 60_000, maxEvents: 2 });
  const ids = [a.track({ n: 1 }), a.track({ n: 2 }), a.track({ n: 3 })]; // the first two are in flight at once
  await new Promise((r) => setTimeout(r, 10));
  const saved = JSON.parse(storage.get('cdk-api-to-firehose-client')!) as { eventId: string }[];
  assert.deepEqual(saved.map((e) => e.eventId), ids);
  // The reload: no close(), a new client on the same key.
  const b = new EventClient({ url: s.url, apiKey: 'key', persistence: 'localStorage', flushInterval: 60_000 });
  assert.equal(b.pending, 3);
  assert.deepEqual(await b.close(), { sent: 3, dropped: 0, pending: 0 });
  assert.deepEqual(s.stored.map((e) => e.eventId), ids);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(storage.has('cdk-api-to-firehose-client'), false, 'delivered events leave the storage');
});

test('without persistence nothing is written to localStorage', async () => {
  const s = await server();
  const c = new EventClient({ url: s.url, apiKey: 'key' });
  c.track({ a: 1 });
  await c.close();
  assert.equal(storage.size, 0);
});
