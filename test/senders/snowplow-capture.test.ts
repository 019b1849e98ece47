/**
 * What @snowplow/node-tracker 4.8.0 (tracker-core 4.8.0) sends, and how it reads answers. The package is the spec:
 * every fact below is observed against a local capture server (loopback, ports 4730-4750).
 * Written up in docs/senders/snowplow.md. Fixtures: test/senders/fixtures/snowplow/ (UPDATE_SENDER_FIXTURES=1 rewrites).
 */
import {
  buildPageView,
  buildSelfDescribingEvent,
  buildStructEvent,
  newTracker,
  type Tracker,
} from '@snowplow/node-tracker';
import { saveOrLoad, stableHeaders } from './fixture-io';
import { OK_EMPTY_JSON, startCaptureServer, type CaptureServer, type CapturedRequest } from './otel-capture-server';

const API_KEY = 'test-api-key-0123456789';
const PAYLOAD_DATA = 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4';
const TP2 = '/prod/com.snowplowanalytics.snowplow/tp2';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const EVENT_SCHEMA = 'iglu:com.acme/checkout/jsonschema/1-0-0';
const CONTEXT_SCHEMA = 'iglu:com.acme/user/jsonschema/1-0-0';

let server: CaptureServer;

beforeAll(async () => {
  server = await startCaptureServer();
});
afterAll(async () => {
  // The tracker arms a 5 s connection timer per request that it never clears: let the last ones fire (and log) while
  // the suite still runs, rather than after jest has finished with it.
  await new Promise((resolve) => setTimeout(resolve, 5_500));
  await server.close();
});
beforeEach(() => {
  server.reset();
  server.respondWith(OK_EMPTY_JSON);
  // The tracker logs through console ("Snowplow: Status 400, will not retry.", "Event (…B) too big …").
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.restoreAllMocks();
});

type EmitterOptions = Record<string, unknown>;

function tracker(opts: { encodeBase64?: boolean; emitter?: EmitterOptions } = {}): Tracker {
  return newTracker(
    { namespace: 'sp-test', appId: 'shop', encodeBase64: opts.encodeBase64 },
    { endpoint: `${server.origin}/prod`, customHeaders: { 'x-api-key': API_KEY }, ...opts.emitter } as any,
  );
}

/** The three kinds of event the brief asks for: page view, structured, self-describing with two contexts. */
function trackThree(t: Tracker): void {
  t.track(buildPageView({ pageUrl: 'https://shop.example/cart?x=1&y=é', pageTitle: 'Cart', referrer: 'https://ref.example/' }));
  t.track(buildStructEvent({ category: 'cart', action: 'add', label: 'sku-1', property: 'size', value: 2.5 }));
  t.track(
    buildSelfDescribingEvent({ event: { schema: EVENT_SCHEMA, data: { orderId: 'o-1', total: 19.99, items: [1, 2], ok: true } } }),
    [
      { schema: CONTEXT_SCHEMA, data: { id: 'u-1', vip: false } },
      { schema: 'iglu:com.acme/device/jsonschema/1-0-0', data: { os: 'linux' } },
    ],
    { type: 'ttm', value: 1767225600123 }, // a true timestamp: sent as ttm instead of dtm
  );
}

function body(r: CapturedRequest): any {
  return JSON.parse(r.decoded.toString('utf8'));
}

function b64urlDecode(s: string): any {
  return JSON.parse(Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
}

/** Volatile fields replaced, for comparing a fresh capture with a stored fixture. */
function stable(events: any[]): any[] {
  return events.map((e) => ({
    ...e,
    ...(e.eid ? { eid: 'EID' } : {}),
    ...(e.dtm ? { dtm: 'DTM' } : {}),
    ...(e.stm ? { stm: 'STM' } : {}),
  }));
}

describe('@snowplow/node-tracker 4.8.0, POST', () => {
  test('page view, structured and self-describing events, base64 on (the node default): one POST to {endpoint}/com.snowplowanalytics.snowplow/tp2 (fixture)', async () => {
    const t = tracker();
    trackThree(t);
    await t.flush();
    expect(server.requests).toHaveLength(1);
    const r = server.requests[0];
    expect(r.method).toBe('POST');
    expect(r.path).toBe(TP2); // the endpoint's path prefix (/prod) is kept: the URL is endpoint + postPath as strings
    expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(r.headers['x-api-key']).toBe(API_KEY); // customHeaders
    expect(r.headers['content-length']).toBe(String(r.body.length));
    expect(r.headers['user-agent']).toBe('node'); // Node's fetch (undici)
    expect(r.headers['content-encoding']).toBeUndefined(); // never compressed

    const b = body(r);
    expect(Object.keys(b)).toEqual(['schema', 'data']);
    expect(b.schema).toBe(PAYLOAD_DATA);
    expect(b.data).toHaveLength(3);
    for (const e of b.data) {
      for (const v of Object.values(e)) expect(typeof v).toBe('string'); // every value is a string
      expect(e.eid).toMatch(UUID);
      expect(e.stm).toMatch(/^\d{13}$/); // sent timestamp, ms, the same for the whole request
      expect(e.stm).toBe(b.data[0].stm);
      expect(e).toMatchObject({ p: 'srv', tv: 'node-4.8.0', tna: 'sp-test', aid: 'shop' });
    }
    const [pv, se, ue] = b.data;
    expect(pv).toMatchObject({ e: 'pv', url: 'https://shop.example/cart?x=1&y=é', page: 'Cart', refr: 'https://ref.example/' });
    expect(pv.dtm).toMatch(/^\d{13}$/); // device timestamp, ms
    expect(se).toMatchObject({ e: 'se', se_ca: 'cart', se_ac: 'add', se_la: 'sku-1', se_pr: 'size', se_va: '2.5' });
    expect(ue.e).toBe('ue');
    expect(ue.ttm).toBe('1767225600123');
    expect(ue.dtm).toBeUndefined();
    expect(ue.ue_pr).toBeUndefined();
    expect(ue.co).toBeUndefined();
    // base64url without padding
    expect(ue.ue_px).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(b64urlDecode(ue.ue_px)).toEqual({
      schema: 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0',
      data: { schema: EVENT_SCHEMA, data: { orderId: 'o-1', total: 19.99, items: [1, 2], ok: true } },
    });
    expect(b64urlDecode(ue.cx)).toEqual({
      schema: 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0',
      data: [
        { schema: CONTEXT_SCHEMA, data: { id: 'u-1', vip: false } },
        { schema: 'iglu:com.acme/device/jsonschema/1-0-0', data: { os: 'linux' } },
      ],
    });

    const { fixture, body: stored } = saveOrLoad('snowplow', 'node-4.8.0-post-base64', r, {
      sender: '@snowplow/node-tracker 4.8.0 (tracker-core 4.8.0), Node 20 fetch',
      capturedWith: 'test/senders/snowplow-capture.test.ts (base64 on)',
      notes: [
        'endpoint http://127.0.0.1:PORT/prod, customHeaders {x-api-key}; the tracker appends /com.snowplowanalytics.snowplow/tp2',
        'every value in data[] is a string; eid (UUID v4), dtm/ttm and stm (ms) differ from run to run',
        'ue_px and cx are base64url without padding',
      ],
    });
    expect(stableHeaders(r).map(([k]) => k.toLowerCase())).toEqual(fixture.rawHeaders.map(([k]) => k.toLowerCase()));
    expect(stable(b.data)).toEqual(stable(JSON.parse(stored.toString('utf8')).data));
  });

  test('base64 off: ue_pr and co carry the JSON as strings (fixture)', async () => {
    const t = tracker({ encodeBase64: false });
    trackThree(t);
    await t.flush();
    const r = server.requests[0];
    const ue = body(r).data[2];
    expect(ue.ue_px).toBeUndefined();
    expect(ue.cx).toBeUndefined();
    expect(typeof ue.ue_pr).toBe('string');
    expect(JSON.parse(ue.ue_pr)).toEqual({
      schema: 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0',
      data: { schema: EVENT_SCHEMA, data: { orderId: 'o-1', total: 19.99, items: [1, 2], ok: true } },
    });
    expect(JSON.parse(ue.co).schema).toBe('iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0');
    const { body: stored } = saveOrLoad('snowplow', 'node-4.8.0-post-plain', r, {
      sender: '@snowplow/node-tracker 4.8.0 (tracker-core 4.8.0), Node 20 fetch',
      capturedWith: 'test/senders/snowplow-capture.test.ts (encodeBase64: false)',
      notes: ['ue_pr and co are JSON documents serialised into strings (a string inside the JSON body)'],
    });
    expect(stable(body(r).data)).toEqual(stable(JSON.parse(stored.toString('utf8')).data));
  });

  test('bufferSize: the node tracker sends once 10 events are queued (no timer)', async () => {
    const t = tracker();
    for (let i = 0; i < 9; i++) t.track(buildStructEvent({ category: 'c', action: `a${i}` }));
    await new Promise((r) => setTimeout(r, 300));
    expect(server.requests).toHaveLength(0); // 9 queued, nothing sent, no flush timer
    t.track(buildStructEvent({ category: 'c', action: 'a9' }));
    const [r] = await server.waitFor(1);
    expect(body(r).data).toHaveLength(10);
  });

  test('a flush splits by bytes: a request is closed once it reaches maxPostBytes (40,000)', async () => {
    const t = tracker({ emitter: { bufferSize: 1000 } });
    const filler = 'x'.repeat(900);
    for (let i = 0; i < 200; i++) t.track(buildStructEvent({ category: 'c', action: 'a', label: `${i}`, property: filler }));
    await t.flush();
    const counts = server.requests.map((r) => body(r).data.length);
    const sizes = server.requests.map((r) => r.body.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(200);
    expect(counts.length).toBeGreaterThan(1);
    for (const s of sizes.slice(0, -1)) {
      expect(s).toBeGreaterThanOrEqual(40_000 - 200); // the tracker counts bytes a little differently (stm is added later)
      expect(s).toBeLessThan(40_000 + 1200); // the event that crosses the limit is still in the request
    }
    process.stdout.write(`Snowplow node requests: ${counts.join(', ')} events; ${sizes.join(', ')} bytes\n`);
  });

  test('an event larger than maxPostBytes is sent alone at once and never stored', async () => {
    const t = tracker({ emitter: { bufferSize: 1000 } });
    server.respondWith(() => ({ status: 500 }));
    t.track(buildStructEvent({ category: 'c', action: 'big', property: 'y'.repeat(50_000) }));
    await server.waitFor(1);
    server.respondWith(OK_EMPTY_JSON);
    await t.flush();
    expect(server.requests).toHaveLength(1); // not retried on flush: it never entered the queue
    expect(body(server.requests[0]).data).toHaveLength(1);
  });

  test('postPath replaces /com.snowplowanalytics.snowplow/tp2', async () => {
    const t = tracker({ emitter: { postPath: '/v1/snowplow' } });
    t.track(buildPageView({ pageUrl: 'https://a.example/' }));
    await t.flush();
    expect(server.requests[0].path).toBe('/prod/v1/snowplow');
  });
});

describe('@snowplow/node-tracker 4.8.0, answers', () => {
  async function sendWith(status: number, responseBody = '') {
    server.respondWith(() => ({ status, body: responseBody }));
    const t = tracker();
    t.track(buildPageView({ pageUrl: 'https://a.example/' }));
    await t.flush();
    const first = server.requests.length;
    server.respondWith(OK_EMPTY_JSON);
    await t.flush(); // a retry happens only here, on the next flush
    return { first, total: server.requests.length };
  }

  test.each([200, 201, 204, 299])('%i is success: the events leave the queue', async (status) => {
    expect(await sendWith(status, 'anything, not read')).toEqual({ first: 1, total: 1 });
  });

  test.each([400, 401, 403, 410, 422])('%i is not retried: the events are dropped', async (status) => {
    expect(await sendWith(status)).toEqual({ first: 1, total: 1 });
    const logged = (console.error as jest.Mock).mock.calls.map((c) => String(c[0]).trim());
    expect(logged).toContain(`Snowplow: Status ${status}, will not retry.`);
  });

  test.each([404, 405, 413, 415, 429, 500, 502, 503, 504])(
    '%i is retried, but only on the next flush (the events stay queued; no timer, no backoff)',
    async (status) => {
      expect(await sendWith(status)).toEqual({ first: 1, total: 2 });
    },
  );

  test('a failed flush stops: later batches wait for the next flush, nothing is resent on its own', async () => {
    server.respondWith(() => ({ status: 503 }));
    const t = tracker({ emitter: { bufferSize: 1000 } });
    for (let i = 0; i < 5; i++) t.track(buildPageView({ pageUrl: `https://a.example/${i}` }));
    await t.flush();
    expect(server.requests).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1200));
    expect(server.requests).toHaveLength(1);
    server.respondWith(OK_EMPTY_JSON);
    await t.flush();
    expect(server.requests).toHaveLength(2);
    expect(body(server.requests[1]).data.map((e: any) => e.eid)).toEqual(body(server.requests[0]).data.map((e: any) => e.eid));
    // stm is stamped per request: a retry carries a new stm (eid and dtm unchanged)
  });

  test('retryStatusCodes / dontRetryStatusCodes change the defaults', async () => {
    server.respondWith(() => ({ status: 500 }));
    const t = tracker({ emitter: { dontRetryStatusCodes: [500], retryStatusCodes: [400] } });
    t.track(buildPageView({ pageUrl: 'https://a.example/' }));
    await t.flush();
    server.respondWith(OK_EMPTY_JSON);
    await t.flush();
    expect(server.requests).toHaveLength(1);
  });
});

describe('@snowplow/node-tracker 4.8.0, GET', () => {
  test("eventMethod 'get': one GET {endpoint}/i?stm=...&e=... per event, no body, no Content-Type (fixture)", async () => {
    const t = tracker({ emitter: { eventMethod: 'get', bufferSize: 1 } });
    trackThree(t);
    await server.waitFor(3);
    await t.flush();
    expect(server.requests).toHaveLength(3);
    for (const r of server.requests) {
      expect(r.method).toBe('GET');
      expect(r.path.startsWith('/prod/i?stm=')).toBe(true);
      expect(r.body.length).toBe(0);
      expect(r.headers['content-type']).toBeUndefined();
      expect(r.headers['x-api-key']).toBe(API_KEY); // customHeaders are sent on GET too
    }
    const q = new URL(`http://x${server.requests[2].path}`).searchParams;
    expect(q.get('e')).toBe('ue');
    expect(b64urlDecode(q.get('ue_px')!).data.schema).toBe(EVENT_SCHEMA);
    expect(server.requests[2].path.indexOf('&cx=')).toBeGreaterThan(server.requests[2].path.indexOf('&ue_px=')); // co/cx last
    const { fixture } = saveOrLoad('snowplow', 'node-4.8.0-get-ue', server.requests[2], {
      sender: '@snowplow/node-tracker 4.8.0 (tracker-core 4.8.0), Node 20 fetch',
      capturedWith: "test/senders/snowplow-capture.test.ts (eventMethod 'get')",
      notes: ['the event is the query string: stm first, then the payload keys, co/cx last; values are percent-encoded'],
    }, { ext: 'txt' });
    expect(fixture.method).toBe('GET');
    expect(fixture.path.replace(/=\d{13}/g, '=T').replace(/eid=[^&]+/, 'eid=E')).toBe(
      server.requests[2].path.replace(/=\d{13}/g, '=T').replace(/eid=[^&]+/, 'eid=E'),
    );
  });
});
