/**
 * The capture server itself: scripted replies, gzip decoding, CORS preflights, and the proxy mode's seeded faults
 * (503/429 instead of forwarding, a reset before forwarding, a reset after the target handled the request).
 */
import { gzipSync } from 'zlib';
import { CaptureServer, parseFaults, seededRandom } from './capture-server';

type Result = { status: number; text: string } | { error: string };

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Result> {
  try {
    const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    return { status: r.status, text: await r.text() };
  } catch (e) {
    return { error: String((e as Error).cause ?? e) };
  }
}

test('records the request, decodes gzip, plays queued replies then the default', async () => {
  const s = await CaptureServer.start();
  try {
    s.script({ status: 503, headers: { 'retry-after': '2' }, body: { message: 'busy' } }, { reset: true });
    const a = await post(`${s.url}/v1/batch?x=1&x=2`, gzipSync('{"a":1}'), { 'content-encoding': 'gzip', 'x-api-key': 'k' });
    const b = await post(`${s.url}/v1/batch`, '{"b":2}');
    const c = await post(`${s.url}/v1/batch`, 'not json');
    expect(a).toEqual({ status: 503, text: '{"message":"busy"}' });
    expect(b).toEqual({ error: expect.stringMatching(/ECONNRESET|socket|other side closed/i) });
    expect(c).toEqual({ status: 200, text: '{"success":true}' });
    const [ra, rb, rc] = s.requests;
    expect(ra).toMatchObject({ kind: 'request', method: 'POST', path: '/v1/batch', query: { x: ['1', '2'] }, text: '{"a":1}', json: { a: 1 } });
    expect(ra.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(ra.headers['x-api-key']).toBe('k');
    expect(rb.outcome).toEqual({ reset: 'before' });
    expect(rc.json).toBeUndefined();
    expect(rc.text).toBe('not json');
  } finally {
    await s.close();
  }
});

test('answers a CORS preflight with the asked headers and records it', async () => {
  const s = await CaptureServer.start();
  try {
    const r = await fetch(`${s.url}/v1/t`, {
      method: 'OPTIONS',
      headers: { 'origin': 'http://127.0.0.1:1', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-api-key' },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:1');
    expect(r.headers.get('access-control-allow-headers')).toBe('authorization,x-api-key');
    expect(s.requests.map((x) => x.kind)).toEqual(['preflight']);
  } finally {
    await s.close();
  }
});

test('proxy: forwards to the target, and injects the same faults for the same seed', async () => {
  const target = await CaptureServer.start({ reply: { status: 200, body: { ok: true } } });
  const faults = parseFaults('503=0.2,429=0.2,reset-before=0.2,reset-after=0.2');
  expect(faults).toEqual({ 503: 0.2, 429: 0.2, resetBefore: 0.2, resetAfter: 0.2 });
  const outcomes: string[][] = [];
  try {
    for (const round of [0, 1]) {
      target.clear();
      const proxy = await CaptureServer.start({ target: target.url, faults, seed: 42, retryAfter: '1' });
      try {
        const results = [];
        for (let i = 0; i < 20; i++) results.push(await post(`${proxy.url}/prod/v1/batch`, JSON.stringify({ i })));
        const kinds = proxy.requests.map((r) => r.outcome?.fault ?? 'forwarded');
        outcomes.push(kinds);
        // The target saw exactly the forwarded requests and those reset after forwarding, in order.
        const reached = proxy.requests.filter((r) => r.outcome?.fault === undefined || r.outcome.fault === 'reset-after');
        expect(target.posts.map((r) => r.text)).toEqual(reached.map((r) => r.text));
        results.forEach((res, i) => {
          const kind = kinds[i];
          if (kind === 'forwarded') expect(res).toEqual({ status: 200, text: '{"ok":true}' });
          else if (kind === '503' || kind === '429') expect(res).toMatchObject({ status: Number(kind) });
          else expect(res).toEqual({ error: expect.any(String) });
        });
        expect(round === 0 || kinds.join() === outcomes[0].join()).toBe(true);
      } finally {
        await proxy.close();
      }
    }
    expect(new Set(outcomes[0])).toEqual(new Set(['forwarded', '503', '429', 'reset-before', 'reset-after']));
  } finally {
    await target.close();
  }
});

test('seededRandom is deterministic per seed', () => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  const c = seededRandom(8);
  const xs = [a(), a(), a()];
  expect([b(), b(), b()]).toEqual(xs);
  expect(c()).not.toBe(xs[0]);
  expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
});
