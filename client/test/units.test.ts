import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify } from '../src/outcome';
import { isEventId, uuid } from '../src/ids';
import { Entry, Queue } from '../src/queue';
import { parseRetryAfter, retryDelay } from '../src/retry-timing';
import { batchBody, BODY_OVERHEAD, utf8Length } from '../src/size';
import { seeded } from './fault-server';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('uuid: v4 from randomUUID, and from getRandomValues when randomUUID is missing (insecure context)', () => {
  assert.match(uuid(), V4);
  const fromBytes = new Set(Array.from({ length: 1000 }, () => uuid({ getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto) })));
  assert.equal(fromBytes.size, 1000);
  for (const id of fromBytes) assert.match(id, V4);
  assert.match(uuid(undefined), V4);
});

test('isEventId: what EnvelopeField.eventId() keeps (1-128 of [A-Za-z0-9._:-])', () => {
  for (const ok of ['a', 'order-1:2.3_x', 'x'.repeat(128)]) assert.equal(isEventId(ok), true, ok);
  for (const bad of ['', 'x'.repeat(129), 'a b', 'é', 'a/b', 7, null, undefined]) assert.equal(isEventId(bad), false, String(bad));
});

test('utf8Length equals Buffer.byteLength for JSON of random strings (ASCII, BMP, astral, lone surrogates)', () => {
  const r = seeded(1);
  for (let i = 0; i < 2000; i++) {
    let s = '';
    for (let j = 0; j < 20; j++) {
      const k = r();
      s += k < 0.4 ? String.fromCharCode(32 + Math.floor(r() * 95)) : k < 0.6 ? String.fromCharCode(0x80 + Math.floor(r() * 0x780))
        : k < 0.8 ? String.fromCharCode(0x800 + Math.floor(r() * 0xd000)) : k < 0.9 ? String.fromCodePoint(0x10000 + Math.floor(r() * 0xfffff))
          : String.fromCharCode(0xd800 + Math.floor(r() * 0x800));
    }
    const json = JSON.stringify({ s });
    assert.equal(utf8Length(json), Buffer.byteLength(json), json);
  }
});

test('retryDelay: full jitter below min(cap, base * 2^(n-1)), never below Retry-After, never above cap', () => {
  const t = { base: 500, cap: 30_000 };
  assert.deepEqual([1, 2, 3, 4].map((n) => retryDelay(t, n, () => 0.5)), [250, 500, 1000, 2000]);
  assert.equal(retryDelay(t, 20, () => 0.999999), 30_000 * 0.999999);
  assert.equal(retryDelay(t, 1, () => 0), 0);
  assert.equal(retryDelay(t, 1, () => 0.5, 2000), 2000);
  assert.equal(retryDelay(t, 8, () => 0.5, 2000), 30_000 * 0.5);
  assert.equal(retryDelay(t, 1, () => 0.5, 120_000), 30_000);
});

test('parseRetryAfter: delta-seconds, HTTP-date, absent and garbage', () => {
  const now = Date.parse('Tue, 01 Dec 2026 20:00:00 GMT');
  assert.equal(parseRetryAfter('2', now), 2000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('1.5', now), 1500);
  assert.equal(parseRetryAfter('Tue, 01 Dec 2026 20:00:07 GMT', now), 7000);
  assert.equal(parseRetryAfter('Tue, 01 Dec 2026 19:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter(null, now), undefined);
  assert.equal(parseRetryAfter('soon', now), undefined);
});

test('classify: each status of the contract to the action the README lists', () => {
  const a = (status: number, body: unknown = {}) => classify({ status, retryAfter: null, body }, 4);
  assert.equal(a(200).kind, 'stored');
  const p = a(500, { error: 'PartialFailure', failed: [{ index: 1 }, { index: 3 }] });
  assert.equal(p.kind, 'partial');
  assert.deepEqual(p.kind === 'partial' && p.failed, [1, 3]);
  // indices that cannot be right: retried whole rather than trusted
  assert.equal(a(500, { error: 'PartialFailure', failed: [{ index: 9 }] }).kind, 'retry');
  assert.equal(a(500, { error: 'DeliveryStreamUnavailable' }).kind, 'retry');
  for (const s of [408, 429, 502, 503, 504]) assert.equal(a(s).kind, 'retry', String(s));
  assert.equal(a(413).kind, 'split');
  const inv = a(400, { error: 'BAD_REQUEST_BODY', message: 'Invalid request body' });
  assert.equal(inv.kind, 'invalid');
  assert.equal(inv.kind === 'invalid' && inv.error.code, 'BAD_REQUEST_BODY');
  assert.equal(inv.kind === 'invalid' && inv.error.message, 'HTTP 400: Invalid request body');
  for (const s of [401, 403, 404, 415]) assert.equal(a(s).kind, 'stop', String(s));
});

test('Queue.take: by count and by bytes (body + envelope allowance), always at least one', () => {
  const entry = (bytes: number): Entry => ({ id: 'x', event: {}, json: 'x'.repeat(bytes), bytes, attempts: 0 });
  const q = new Queue(100, 1e9);
  for (let i = 0; i < 10; i++) q.push(entry(100));
  assert.equal(q.take({ maxEvents: 4, maxBytes: 1e6, envelopeBytes: 0 }).length, 4);
  // 14 + 3 * (100 + 1 + 10) = 347 <= 350 < 14 + 4 * 111
  const l = { maxEvents: 100, maxBytes: 350, envelopeBytes: 10 };
  const got = q.take(l);
  assert.equal(got.length, 3);
  assert.ok(utf8Length(batchBody(got.map((e) => e.json))) + 3 * 10 <= 350);
  assert.equal(BODY_OVERHEAD, batchBody([]).length);
  assert.equal(q.length, 3);
  assert.equal(q.bytes, 300);
  const full = new Queue(2, 150);
  assert.equal(full.push(entry(100)), true);
  assert.equal(full.push(entry(100)), false); // bytes
  const few = new Queue(1, 1e9);
  few.push(entry(1));
  assert.equal(few.push(entry(1)), false); // events
});
