/**
 * What Segment's published SDKs put on the wire, captured from the packages themselves against a local capture server
 * (test/senders/capture-server.ts), and how they react to each status. These tests document and guard the facts in
 * docs/senders/segment.md, and keep one captured request per SDK and route in test/senders/fixtures/segment/ (the
 * input for the Segment-compatible templates). No LocalStack; loopback ports 4700-4720.
 *
 * - @segment/analytics-node (devDependency, exact version): in-process.
 * - @segment/analytics-next (devDependency, exact version): its UMD bundle (dist/umd/index.js, global `AnalyticsNext`)
 *   in headless Chromium (Debian's /usr/bin/chromium, scripts/local/chromium.sh; skipped when absent), page and API
 *   on two origins so CORS applies. Chromium resolves no host but 127.0.0.1 (--host-resolver-rules), so a request meant for Segment's
 *   CDN or API fails in the browser and is seen in the page's request log, never on the network.
 * - segment-analytics-python (PyPI, pinned in scripts/local/python-senders.txt): the venv of
 *   scripts/local/python-senders.sh, which scripts/test.sh runs before the build (SEGMENT_PYTHON overrides); the
 *   suite fails when it is missing.
 *
 * SENDER_FIXTURES=write rewrites the fixtures from a fresh capture; otherwise a capture must match its fixture's shape.
 */
import { execFile } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import { Analytics } from '@segment/analytics-node';
import { Browser, BrowserContext, Page, chromium } from 'playwright-core';
import { CaptureServer, RecordedRequest, Reply } from './capture-server';
import { checkFixture, toFixture } from './fixtures';
import { sendersPython } from './python-senders';

const FIXTURES = path.join(__dirname, 'fixtures', 'segment');
const MODULES = path.join(__dirname, '..', '..', 'node_modules', '@segment');
const NODE_SDK_VERSION: string = JSON.parse(readFileSync(path.join(MODULES, 'analytics-node', 'package.json'), 'utf8')).version;
const NEXT_VERSION: string = JSON.parse(readFileSync(path.join(MODULES, 'analytics-next', 'package.json'), 'utf8')).version;
const NEXT_BUNDLE = path.join(MODULES, 'analytics-next', 'dist', 'umd', 'index.js');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PY_SCRIPT = path.join(__dirname, 'segment_python_capture.py');

const WRITE_KEY = 'wk_test';
/** base64('wk_test:') */
const BASIC = 'Basic d2tfdGVzdDo=';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The writeKey of a request, from its Basic Authorization header (`base64(writeKey + ':')`). */
function basicUser(r: RecordedRequest): string {
  const auth = String(r.headers.authorization ?? '');
  return auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8').replace(/:$/, '') : '';
}

/** A responder that plays a queue of replies per key (then 200), keyed by `keyOf(request)`. */
function perKey(keyOf: (r: RecordedRequest) => string, scripts: Record<string, Reply[]>) {
  const queues = Object.fromEntries(Object.entries(scripts).map(([k, v]) => [k, [...v]]));
  return (r: RecordedRequest): Reply => queues[keyOf(r)]?.shift() ?? { status: 200, body: { success: true } };
}

const gaps = (rs: RecordedRequest[]) => rs.slice(1).map((r, i) => r.at - rs[i].at);

// ---------------------------------------------------------------------------------------------------------------------
describe(`@segment/analytics-node ${NODE_SDK_VERSION}`, () => {
  let server: CaptureServer;
  beforeAll(async () => {
    server = await CaptureServer.start();
  });
  afterAll(async () => server?.close());

  /** The SDK as a stage-URL user configures it: origin as host, the stage path as path, x-api-key by httpClient. */
  function client(writeKey: string, extra: Partial<ConstructorParameters<typeof Analytics>[0]> = {}) {
    return new Analytics({
      writeKey,
      host: server.url,
      path: '/prod/v1/batch',
      flushInterval: 100,
      maxRetries: 2,
      httpClient: (url, init) => fetch(url, { ...init, headers: { ...init.headers, 'x-api-key': 'key-123' } }) as any,
      ...extra,
    });
  }

  test('all six calls go in one POST {batch, writeKey, sentAt} to host+path, Basic auth, JSON, x-api-key from httpClient', async () => {
    server.clear();
    const a = client(WRITE_KEY);
    const errors: unknown[] = [];
    a.on('error', (e) => errors.push(e));
    a.track({ userId: 'u1', event: 'Clicked', properties: { a: 1 } });
    a.identify({ userId: 'u1', traits: { email: 'a@b.c' } });
    a.page({ userId: 'u1', category: 'Docs', name: 'Home', properties: { url: 'http://x' } });
    a.screen({ userId: 'u1', name: 'Main' });
    a.group({ userId: 'u1', groupId: 'g1', traits: { n: 1 } });
    a.alias({ userId: 'u2', previousId: 'u1' });
    await a.closeAndFlush();
    expect(errors).toEqual([]);

    const [r, ...more] = server.posts;
    expect(more).toEqual([]);
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/prod/v1/batch');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['user-agent']).toBe('analytics-node-next/latest');
    expect(r.headers.authorization).toBe(BASIC);
    expect(r.headers['x-api-key']).toBe('key-123');
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.headers['x-retry-count']).toBeUndefined();

    const body = r.json as any;
    expect(Object.keys(body)).toEqual(['batch', 'writeKey', 'sentAt']);
    expect(body.writeKey).toBe(WRITE_KEY);
    expect(body.sentAt).toMatch(ISO);
    expect(body.batch.map((e: any) => e.type)).toEqual(['track', 'identify', 'page', 'screen', 'group', 'alias']);
    for (const e of body.batch) {
      expect(e.messageId).toMatch(/^node-next-\d{13}-[0-9a-f-]{36}$/);
      expect(e.timestamp).toMatch(ISO);
      expect(e.integrations).toEqual({});
      expect(e.context).toEqual({ library: { name: '@segment/analytics-node', version: NODE_SDK_VERSION } });
      expect(e._metadata).toEqual({ nodeVersion: process.version, jsRuntime: 'node' });
      // writeKey and sentAt are at batch level only; no originalTimestamp, no anonymousId unless given.
      expect(e).not.toHaveProperty('writeKey');
      expect(e).not.toHaveProperty('sentAt');
      expect(e).not.toHaveProperty('originalTimestamp');
      expect(e).not.toHaveProperty('anonymousId');
    }
    const [track, identify, page, screen, group, alias] = body.batch;
    expect(track).toMatchObject({ event: 'Clicked', userId: 'u1', properties: { a: 1 } });
    expect(identify).toMatchObject({ userId: 'u1', traits: { email: 'a@b.c' } });
    // page copies category into properties; name stays top-level.
    expect(page).toMatchObject({ name: 'Home', category: 'Docs', properties: { url: 'http://x', category: 'Docs' } });
    expect(screen).toMatchObject({ name: 'Main', properties: {} });
    expect(group).toMatchObject({ groupId: 'g1', traits: { n: 1 } });
    expect(alias).toMatchObject({ userId: 'u2', previousId: 'u1' });

    checkFixture(FIXTURES, 'node-batch', toFixture(r, {
      package: '@segment/analytics-node',
      version: NODE_SDK_VERSION,
      runtime: `node ${process.version}`,
      how: "new Analytics({writeKey:'wk_test', host: origin, path:'/prod/v1/batch', httpClient adds x-api-key}); track, identify, page, screen, group, alias; closeAndFlush()",
    }));
  });

  test('a path inside host is dropped (new URL(path, host)): host must be the origin', async () => {
    server.clear();
    const a = client(WRITE_KEY, { host: `${server.url}/prod`, path: '/v1/batch' });
    a.track({ userId: 'u1', event: 'E' });
    await a.closeAndFlush();
    expect(server.posts.map((r) => r.path)).toEqual(['/v1/batch']);
  });

  test('flushAt (default 15) splits batches', async () => {
    server.clear();
    const a = client(WRITE_KEY, { flushAt: 2 });
    for (let i = 0; i < 5; i++) a.track({ userId: 'u1', event: `E${i}` });
    await a.closeAndFlush();
    expect(server.posts.map((r) => (r.json as any).batch.length)).toEqual([2, 2, 1]);
  });

  test('the 32 KB event check counts only the letter "i" and %-escapes (split(/%..|i/)): 33 KB of "x" is sent, of "i" refused', async () => {
    server.clear();
    const a = client(WRITE_KEY);
    const errs: Record<string, string | undefined> = {};
    for (const ch of ['x', 'i']) {
      a.track({ userId: 'u1', event: `Big-${ch}`, properties: { pad: ch.repeat(33 * 1024) } }, (err) => {
        errs[ch] = err === undefined ? undefined : String((err as Error).message);
      });
    }
    await a.closeAndFlush();
    expect(errs).toEqual({ x: undefined, i: 'Event exceeds maximum event size of 32 KB' });
    expect(server.posts.flatMap((r) => (r.json as any).batch.map((e: any) => e.event))).toEqual(['Big-x']);
    expect(server.posts[0].body.length).toBeGreaterThan(33 * 1024);
  });

  /**
   * One client per case (its writeKey names the case), all in parallel, maxRetries 2. `replies` are played in order,
   * then 200. Counted retries wait backoff(attempt) = 500 ms * 2^attempt * (1..2): 1-2 s, then 2-4 s.
   */
  const CASES: Array<{ name: string; replies: Reply[]; requests: number; delivered: boolean; error?: string }> = [
    { name: '200', replies: [{ status: 200 }], requests: 1, delivered: true },
    { name: '201', replies: [{ status: 201 }], requests: 1, delivered: true },
    { name: '204', replies: [{ status: 204 }], requests: 1, delivered: true },
    { name: '302-no-location', replies: [{ status: 302 }], requests: 1, delivered: true },
    { name: '304', replies: [{ status: 304 }], requests: 1, delivered: true },
    { name: '400', replies: [{ status: 400, body: { code: 'invalid_request', message: 'bad' } }], requests: 1, delivered: false, error: '[400] Bad Request' },
    { name: '401', replies: [{ status: 401 }], requests: 1, delivered: false, error: '[401] Unauthorized' },
    { name: '403', replies: [{ status: 403 }], requests: 1, delivered: false, error: '[403] Forbidden' },
    { name: '404', replies: [{ status: 404 }], requests: 1, delivered: false, error: '[404] Not Found' },
    { name: '413', replies: [{ status: 413 }], requests: 1, delivered: false, error: '[413] Payload Too Large' },
    { name: '408', replies: [{ status: 408 }], requests: 2, delivered: true },
    { name: '410', replies: [{ status: 410 }], requests: 2, delivered: true },
    { name: '460', replies: [{ status: 460 }], requests: 2, delivered: true },
    { name: '429-retry-after-1', replies: [{ status: 429, headers: { 'retry-after': '1' } }], requests: 2, delivered: true },
    { name: '429-no-retry-after', replies: [{ status: 429 }], requests: 2, delivered: true },
    { name: '500x3', replies: [{ status: 500 }, { status: 500 }, { status: 500 }], requests: 3, delivered: false, error: '[500] Internal Server Error' },
    { name: '501', replies: [{ status: 501 }], requests: 1, delivered: false, error: '[501] Not Implemented' },
    { name: '502', replies: [{ status: 502 }], requests: 2, delivered: true },
    { name: '503-retry-after-30', replies: [{ status: 503, headers: { 'retry-after': '30' } }], requests: 2, delivered: true },
    { name: '504', replies: [{ status: 504 }], requests: 2, delivered: true },
    { name: '505', replies: [{ status: 505 }], requests: 1, delivered: false, error: '[505] HTTP Version Not Supported' },
    { name: '511', replies: [{ status: 511 }], requests: 1, delivered: false, error: '[511] Network Authentication Required' },
    { name: 'reset', replies: [{ reset: true }], requests: 2, delivered: true },
  ];

  test('statuses: 2xx/3xx success; 400 and other 4xx dropped; 408/410/429/460 and 5xx (not 501/505/511) and resets retried', async () => {
    server.clear();
    server.setReply(perKey(basicUser, Object.fromEntries(CASES.map((c) => [c.name, c.replies]))));
    const results = await Promise.all(CASES.map(async (c) => {
      const a = client(c.name);
      let err: unknown;
      a.track({ userId: 'u1', event: c.name }, (e) => {
        err = e;
      });
      await a.closeAndFlush();
      const reqs = server.posts.filter((r) => basicUser(r) === c.name);
      return { c, err, reqs };
    }));
    server.setReply({ status: 200, body: { success: true } });

    for (const { c, err, reqs } of results) {
      const error = err === undefined ? undefined : String((err as Error).message ?? err);
      expect({ name: c.name, requests: reqs.length, delivered: err === undefined, error })
        .toEqual({ name: c.name, requests: c.requests, delivered: c.delivered, error: c.error ?? (c.delivered ? undefined : expect.any(String)) });
      // Retries carry X-Retry-Count (1, 2, ...) and the same batch (same messageIds).
      expect(reqs.map((r) => r.headers['x-retry-count'])).toEqual(reqs.map((_, i) => (i === 0 ? undefined : String(i))));
      expect(new Set(reqs.map((r) => (r.json as any).batch[0].messageId)).size).toBe(1);
    }
    const byName = Object.fromEntries(results.map((x) => [x.c.name, gaps(x.reqs)]));
    // Retry-After is honoured on 429 only (at least 1 s, not counted against maxRetries) ...
    expect(byName['429-retry-after-1'][0]).toBeGreaterThanOrEqual(950);
    expect(byName['429-retry-after-1'][0]).toBeLessThan(1900);
    // ... and ignored on 503: the retry comes after the counted backoff (1-2 s), not after 30 s.
    expect(byName['503-retry-after-30'][0]).toBeGreaterThanOrEqual(950);
    expect(byName['503-retry-after-30'][0]).toBeLessThan(2500);
    // Counted backoff: 1-2 s, then 2-4 s.
    expect(byName['500x3'][0]).toBeGreaterThanOrEqual(950);
    expect(byName['500x3'][1]).toBeGreaterThanOrEqual(1950);
  }, 60_000);

  test('a 302 with Location is followed by fetch as a GET without the body, and counted as delivered', async () => {
    server.clear();
    server.script({ status: 302, headers: { location: '/moved' } });
    const a = client(WRITE_KEY);
    let err: unknown = 'pending';
    a.track({ userId: 'u1', event: 'E' }, (e) => {
      err = e;
    });
    await a.closeAndFlush();
    expect(err).toBeUndefined();
    expect(server.posts.map((r) => [r.method, r.path, r.body.length > 0])).toEqual([['POST', '/prod/v1/batch', true], ['GET', '/moved', false]]);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // Nothing but loopback resolves: a request for Segment's CDN or API fails inside the browser.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'];

/** Runs before the page's scripts: logs each fetch (url, keepalive, headers) to localStorage, which survives navigation. */
function RECORD_FETCH(): void {
  const g = globalThis as any;
  const log = (e: object) => g.localStorage.setItem('fetches', JSON.stringify([...JSON.parse(g.localStorage.getItem('fetches') ?? '[]'), e]));
  const real = g.fetch.bind(g);
  g.fetch = (url: string, init: any = {}) => {
    log({ url: String(url), keepalive: init.keepalive === true, headers: Object.fromEntries(new g.Headers(init.headers ?? {}).entries()) });
    return real(url, init);
  };
}

interface PageRun {
  /** Segment.io settings in cdnSettings.integrations (apiKey, apiHost, protocol, deliveryStrategy). */
  readonly seg: Record<string, unknown>;
  /** load() options; by default the same apiHost/protocol under integrations['Segment.io'] (metrics follow them). */
  readonly options?: Record<string, unknown>;
  readonly metrics?: Record<string, unknown>;
  /** 'all' = track, identify, page, group, alias, screen (each awaited); or track events by name, not awaited. */
  readonly calls: 'all' | string[];
}

// Chromium is installed by scripts/local/chromium.sh, which scripts/test.sh runs before the unit tests; where it is
// missing (projen's own build job on a hosted runner) the browser block is skipped, not failed.
describe(`@segment/analytics-next ${NEXT_VERSION} in headless Chromium`, () => {
  // The test command installs Chromium (scripts/local/chromium.sh) before the unit step: missing, the suite fails.
  test('Chromium is installed', () => {
    expect(existsSync(CHROMIUM) ? CHROMIUM : `${CHROMIUM} missing: run scripts/local/chromium.sh`).toBe(CHROMIUM);
  });

  let browser: Browser;
  let site: CaptureServer;
  let api: CaptureServer;
  let context: BrowserContext;
  let page: Page;
  /** Every URL the browser context requested (document, script, fetch), including failed ones. */
  let urls: string[];

  beforeAll(async () => {
    const html = '<!doctype html><meta charset="utf-8"><title>app</title><script src="/ajs.js"></script><p>app</p>';
    site = await CaptureServer.start({
      files: {
        '/ajs.js': { contentType: 'text/javascript; charset=utf-8', body: readFileSync(NEXT_BUNDLE) },
        '/app': { contentType: 'text/html; charset=utf-8', body: html },
        '/next': { contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>next</title><p>next</p>' },
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });
  beforeEach(async () => {
    api = await CaptureServer.start();
    context = await browser.newContext();
    await context.addInitScript(RECORD_FETCH);
    urls = [];
    context.on('request', (r) => urls.push(r.url()));
    page = await context.newPage();
    await page.goto(`${site.url}/app`);
  });
  afterEach(async () => {
    await context?.close();
    await api?.close();
  });

  const apiHost = () => `${api.url.replace('http://', '')}/prod/v1`;
  const segSettings = (extra: Record<string, unknown> = {}) => ({ apiKey: WRITE_KEY, apiHost: apiHost(), protocol: 'http', ...extra });

  /** Loads analytics in the page and makes the calls; returns the 'error' events the instance emitted so far. */
  async function run(p: PageRun): Promise<void> {
    const options = p.options ?? { integrations: { 'Segment.io': { apiHost: apiHost(), protocol: 'http' } } };
    await page.evaluate(async ({ seg, options: opts, metrics, calls }) => {
      const g = globalThis as any;
      const { AnalyticsBrowser } = g.AnalyticsNext;
      const cdnSettings = { integrations: { 'Segment.io': seg }, ...(metrics ? { metrics } : {}) };
      const [a] = await AnalyticsBrowser.load({ writeKey: 'wk_test', cdnSettings }, opts);
      g.ajs = a;
      g.ajsErrors = [];
      a.on('error', (e: any) => g.ajsErrors.push({ code: e.code, reason: String(e.reason?.message ?? e.reason), event: e.ctx?.event?.event }));
      if (calls === 'all') {
        await a.track('Clicked', { a: 1 });
        await a.identify('u1', { email: 'a@b.c' });
        await a.page('Docs', 'Home', { x: 1 });
        await a.group('g1', { n: 1 });
        await a.alias('u2', 'u1');
        await a.screen('Main');
      } else {
        for (const name of calls) void a.track(name);
      }
    }, { seg: p.seg, options, metrics: p.metrics, calls: p.calls });
  }

  const errorsInPage = () => page.evaluate(() => (globalThis as any).ajsErrors);
  const fetchesLogged = async () => {
    const p = await context.newPage();
    await p.goto(`${site.url}/next`);
    const out = await p.evaluate(() => JSON.parse((globalThis as any).localStorage.getItem('fetches') ?? '[]'));
    await p.close();
    return out as Array<{ url: string; keepalive: boolean; headers: Record<string, string> }>;
  };
  const onlyLoopback = () => urls.filter((u) => !u.startsWith(site.url) && !u.startsWith(api.url));

  test('standard delivery: one POST per event to {apiHost}/t|i|p|g|a|s, text/plain, writeKey and sentAt in the event, Basic auth (preflighted)', async () => {
    await run({ seg: segSettings(), calls: 'all' });
    const posts = await api.waitFor(6);
    expect(posts.map((r) => r.path)).toEqual(['/prod/v1/t', '/prod/v1/i', '/prod/v1/p', '/prod/v1/g', '/prod/v1/a', '/prod/v1/s']);
    expect(onlyLoopback()).toEqual([]);
    expect(await errorsInPage()).toEqual([]);

    const preflights = api.requests.filter((r) => r.kind === 'preflight');
    expect(preflights.map((r) => r.path)).toEqual(posts.map((r) => r.path));
    for (const p of preflights) {
      expect(p.headers['access-control-request-method']).toBe('POST');
      // text/plain is CORS-safelisted: only Authorization makes these requests preflighted.
      expect(p.headers['access-control-request-headers']).toBe('authorization');
      expect(p.headers.origin).toBe(site.url);
    }
    for (const r of posts) {
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toBe('text/plain');
      expect(r.headers.authorization).toBe(BASIC);
      expect(r.headers.origin).toBe(site.url);
      const e = r.json as any;
      expect(e.writeKey).toBe(WRITE_KEY);
      expect(e.sentAt).toMatch(ISO);
      expect(e.timestamp).toMatch(ISO);
      expect(e.messageId).toMatch(/^ajs-next-\d{13}-[0-9a-f-]{36}$/);
      expect(e.anonymousId).toMatch(UUID);
      // load() options' integrations['Segment.io'] (apiHost, protocol) shows up in every event as {"Segment.io": true}.
      expect(e.integrations).toEqual({ 'Segment.io': true });
      expect(e.context.library).toEqual({ name: 'analytics.js', version: `next-${NEXT_VERSION}` });
      expect(e.context.page).toMatchObject({ path: '/app', url: `${site.url}/app`, title: 'app' });
      expect(Object.keys(e.context).sort()).toEqual(['library', 'locale', 'page', 'timezone', 'userAgent', 'userAgentData']);
      expect(e._metadata).toEqual({ bundled: ['Segment.io'], unbundled: [], bundledIds: [] });
    }
    const [t, i, p, g, a, s] = posts.map((r) => r.json as any);
    expect(t).toMatchObject({ type: 'track', event: 'Clicked', properties: { a: 1 }, userId: null });
    expect(i).toMatchObject({ type: 'identify', userId: 'u1', traits: { email: 'a@b.c' } });
    expect(p).toMatchObject({ type: 'page', category: 'Docs', name: 'Home', userId: 'u1', properties: { x: 1, category: 'Docs', name: 'Home', path: '/app' } });
    expect(g).toMatchObject({ type: 'group', groupId: 'g1', traits: { n: 1 }, userId: 'u1' });
    // alias('u2', 'u1'): the identified user's id overwrites `to` (the event factory adds identity to every event).
    expect(a).toMatchObject({ type: 'alias', previousId: 'u1', userId: 'u1' });
    expect(s).toMatchObject({ type: 'screen', name: 'Main', userId: 'u1', properties: {} });

    const sender = { package: '@segment/analytics-next', version: NEXT_VERSION, runtime: `Chromium ${browser.version()} (UMD bundle)`, how: '' };
    const how: Record<string, string> = {
      t: "track('Clicked', {a: 1})",
      i: "identify('u1', {email})",
      p: "page('Docs', 'Home', {x: 1})",
      g: "group('g1', {n: 1})",
      a: "alias('u2', 'u1')",
      s: "screen('Main')",
    };
    const load = "AnalyticsBrowser.load({writeKey, cdnSettings: {integrations: {'Segment.io': {apiKey: 'wk_test', apiHost: '127.0.0.1:PORT/prod/v1', protocol: 'http'}}}})";
    for (const r of posts) {
      const route = r.path.slice(-1);
      checkFixture(FIXTURES, `browser-${route}`, toFixture(r, { ...sender, how: `${load}; ${how[route]}` }));
    }
    checkFixture(FIXTURES, 'browser-preflight', toFixture(preflights[0], { ...sender, how: `${load}; the CORS preflight of the track POST` }));
  });

  test('no apiKey in the Segment.io settings: no writeKey in the body, no Authorization, no preflight (load()\'s writeKey is not sent)', async () => {
    await run({ seg: { apiHost: apiHost(), protocol: 'http' }, calls: ['E1'] });
    const [r] = await api.waitFor(1);
    expect(r.headers.authorization).toBeUndefined();
    expect(r.json).not.toHaveProperty('writeKey');
    expect(api.requests.filter((x) => x.kind === 'preflight')).toEqual([]);
  });

  test('batching: POST {writeKey, batch, sentAt} to {apiHost}/b; events keep writeKey, lose sentAt; config.headers add x-api-key', async () => {
    const strategy = { strategy: 'batching', config: { size: 3, timeout: 300, headers: { 'x-api-key': 'key-123' } } };
    await run({ seg: segSettings({ deliveryStrategy: strategy }), calls: 'all' });
    // Batches leave at 3 events or after 300 ms: on a busy machine the timer can send a batch before it is full, so
    // wait for all 6 events, whatever the number of posts.
    const eventsIn = (rs: { json?: unknown }[]) => rs.reduce((n, r) => n + ((r.json as any)?.batch?.length ?? 0), 0);
    let posts = await api.waitFor(1);
    for (let n = 2; eventsIn(posts) < 6; n++) posts = await api.waitFor(n);
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(posts.every((r) => r.path === '/prod/v1/b' && (r.json as any).batch.length <= 3)).toBe(true);
    expect(onlyLoopback()).toEqual([]);
    const preflight = api.requests.find((r) => r.kind === 'preflight')!;
    expect(preflight.headers['access-control-request-headers']).toBe('authorization,x-api-key');
    for (const r of posts) {
      expect(r.headers['content-type']).toBe('text/plain');
      expect(r.headers.authorization).toBe(BASIC);
      expect(r.headers['x-api-key']).toBe('key-123');
      const b = r.json as any;
      expect(Object.keys(b)).toEqual(['writeKey', 'batch', 'sentAt']);
      expect(b.writeKey).toBe(WRITE_KEY);
      expect(b.sentAt).toMatch(ISO);
      for (const e of b.batch) {
        expect(e.writeKey).toBe(WRITE_KEY);
        expect(e).not.toHaveProperty('sentAt');
      }
    }
    expect(posts.flatMap((r) => (r.json as any).batch.map((e: any) => e.type))).toEqual(['track', 'identify', 'page', 'group', 'alias', 'screen']);
    expect((await fetchesLogged()).every((f) => f.keepalive === false)).toBe(true);
    checkFixture(FIXTURES, 'browser-b', toFixture(posts[0], {
      package: '@segment/analytics-next',
      version: NEXT_VERSION,
      runtime: `Chromium ${browser.version()} (UMD bundle)`,
      how: "deliveryStrategy: {strategy: 'batching', config: {size: 3, timeout: 300, headers: {'x-api-key': 'key-123'}}}; track, identify, page (first batch of 3)",
    }));
  });

  test('standard delivery with config.headers and keepalive: x-api-key added to the preflight, fetch keepalive true', async () => {
    const strategy = { strategy: 'standard', config: { headers: { 'x-api-key': 'key-123' }, keepalive: true } };
    await run({ seg: segSettings({ deliveryStrategy: strategy }), calls: ['E1'] });
    const [r] = await api.waitFor(1);
    expect(r.headers['x-api-key']).toBe('key-123');
    expect(api.requests.find((x) => x.kind === 'preflight')!.headers['access-control-request-headers']).toBe('authorization,x-api-key');
    expect((await fetchesLogged()).map((f) => f.keepalive)).toEqual([true]);
  });

  test('statuses (standard): <400 success; 400/413/501 dropped with a delivery_failure; 429 waits Retry-After; 5xx and resets retried', async () => {
    const cases: Record<string, Reply[]> = {
      s200: [{ status: 200 }],
      s204: [{ status: 204 }],
      s400: [{ status: 400 }],
      s413: [{ status: 413 }],
      s501: [{ status: 501 }],
      s429: [{ status: 429, headers: { 'retry-after': '1' } }],
      s500: [{ status: 500 }],
      s503: [{ status: 503, headers: { 'retry-after': '30' } }],
      reset: [{ reset: true }],
    };
    api.setReply(perKey((r) => (r.json as any)?.event ?? '', cases));
    await run({ seg: segSettings(), calls: Object.keys(cases) });
    // 2 requests for each retried case, 1 for the others.
    await api.waitFor(13, undefined, 8_000).catch(() => undefined);
    await page.waitForTimeout(500);
    const byEvent = (name: string) => api.posts.filter((r) => (r.json as any)?.event === name);
    const counts = Object.fromEntries(Object.keys(cases).map((k) => [k, byEvent(k).length]));
    expect(counts).toEqual({ s200: 1, s204: 1, s400: 1, s413: 1, s501: 1, s429: 2, s500: 2, s503: 2, reset: 2 });
    expect(gaps(byEvent('s429'))[0]).toBeGreaterThanOrEqual(950);
    // Retry-After is ignored on 503 (the retry comes from the backoff queue, well before 30 s).
    expect(gaps(byEvent('s503'))[0]).toBeLessThan(5000);
    // The SDK's retries: same messageId, a new sentAt, X-Retry-Count 1 and _metadata.retryCount 2.
    for (const k of ['s429', 's500', 's503']) {
      const [first, retry] = byEvent(k);
      expect([k, first.headers['x-retry-count'], (first.json as any)._metadata.retryCount]).toEqual([k, undefined, undefined]);
      expect([k, retry.headers['x-retry-count'], (retry.json as any)._metadata.retryCount]).toEqual([k, '1', 2]);
      expect((retry.json as any).messageId).toBe((first.json as any).messageId);
    }
    // A reset is retried by Chromium's network stack, not by the SDK: the same bytes again (same sentAt, no
    // X-Retry-Count), and the SDK only sees the second answer.
    const [reset1, reset2] = byEvent('reset');
    expect(reset2.text).toBe(reset1.text);
    expect(reset2.headers['x-retry-count']).toBeUndefined();
    const errors = await errorsInPage();
    expect(errors.map((e: any) => [e.event, e.code, e.reason]).sort()).toEqual([
      ['s400', 'delivery_failure', 'Non-retryable error: 400'],
      ['s413', 'delivery_failure', 'Non-retryable error: 413'],
      ['s501', 'delivery_failure', 'Non-retryable error: 501'],
    ]);
  }, 60_000);

  test('batching retries: a 503 resends the same batch with X-Retry-Count and _metadata.retryCount; a 400 drops it silently', async () => {
    api.script({ status: 503 });
    const strategy = { strategy: 'batching', config: { size: 2, timeout: 200 } };
    await run({ seg: segSettings({ deliveryStrategy: strategy }), calls: ['E1', 'E2'] });
    const [first, retry] = await api.waitFor(2);
    expect(retry.headers['x-retry-count']).toBe('1');
    expect((retry.json as any).batch.map((e: any) => e.messageId)).toEqual((first.json as any).batch.map((e: any) => e.messageId));
    expect((retry.json as any).batch.map((e: any) => e._metadata.retryCount)).toEqual([1, 1]);

    api.clear();
    api.script({ status: 400 });
    await page.evaluate(() => {
      void (globalThis as any).ajs.track('E3');
      void (globalThis as any).ajs.track('E4');
    });
    await api.waitFor(1);
    await page.waitForTimeout(1500);
    expect(api.posts.length).toBe(1);
    expect(await errorsInPage()).toEqual([]);
  });

  test('leaving the page, batching: the buffer is sent at pagehide with keepalive (preflighted) and arrives', async () => {
    const strategy = { strategy: 'batching', config: { size: 10, timeout: 60_000 } };
    await run({ seg: segSettings({ deliveryStrategy: strategy }), calls: ['E1', 'E2'] });
    // track() is not awaited (a batching delivery resolves only when sent): let both events reach the buffer first,
    // which takes longer than a navigation on a busy machine.
    await page.waitForTimeout(2_000);
    await page.goto(`${site.url}/next`);
    const [r] = await api.waitFor(1);
    expect(r.path).toBe('/prod/v1/b');
    expect((r.json as any).batch.map((e: any) => e.event)).toEqual(['E1', 'E2']);
    expect(api.requests.filter((x) => x.kind === 'preflight').length).toBe(1);
    expect((await fetchesLogged()).map((f) => [f.url.endsWith('/b'), f.keepalive])).toEqual([[true, true]]);
  });

  test('leaving the page, standard: events in flight are kept in localStorage and sent again on the next load (same messageId)', async () => {
    // The first two requests are answered after 3 s, so both are still in flight when the page goes.
    api.setReply(async (_r, n) => {
      if (n < 2) await new Promise((res) => setTimeout(res, 3000));
      return { status: 200, body: { success: true } };
    });
    await run({ seg: segSettings(), calls: ['E1', 'E2'] });
    await new Promise((res) => setTimeout(res, 300));
    await page.goto(`${site.url}/next`);
    const stored = await page.evaluate(() => (globalThis as any).localStorage.getItem('persisted-queue:v1:wk_test:dest-Segment.io:items'));
    expect(JSON.parse(stored).map((x: any) => x.event.event).sort()).toEqual(['E1', 'E2']);
    await page.goto(`${site.url}/app`);
    await run({ seg: segSettings(), calls: [] });
    const posts = await api.waitFor(4, undefined, 15_000);
    const ids = posts.map((r) => `${(r.json as any).event}:${(r.json as any).messageId}`);
    expect(new Set(ids).size).toBe(2);
    expect(posts.filter((r) => (r.json as any).event === 'E1').length).toBe(2);
  }, 60_000);

  test('metrics: {apiHost}/m with {series} when apiHost is also in load options; otherwise they go to api.segment.io', async () => {
    await run({ seg: segSettings(), metrics: { flushTimer: 300 }, calls: ['E1'] });
    const [m] = await api.waitFor(1, (r) => r.path.endsWith('/m'));
    expect(m.path).toBe('/prod/v1/m');
    expect(m.headers['content-type']).toBe('text/plain');
    expect(m.headers.authorization).toBeUndefined();
    expect(m.json).toEqual({
      // tags ['track'] become {track: undefined}, which JSON drops.
      series: [{ type: 'Counter', metric: 'analytics_js.invoke', value: 1, tags: { library: 'analytics.js', library_version: `next-${NEXT_VERSION}` } }],
    });
    expect(onlyLoopback()).toEqual([]);
    checkFixture(FIXTURES, 'browser-m', toFixture(m, {
      package: '@segment/analytics-next',
      version: NEXT_VERSION,
      runtime: `Chromium ${browser.version()} (UMD bundle)`,
      how: "cdnSettings.metrics {flushTimer: 300}; load options integrations['Segment.io'] {apiHost, protocol}; track('E1')",
    }));

    // apiHost only in cdnSettings: the metrics client keeps Segment's host.
    await page.goto(`${site.url}/app`);
    urls.length = 0;
    await run({ seg: segSettings(), options: {}, metrics: { flushTimer: 300 }, calls: ['E2'] });
    await page.waitForTimeout(1500);
    expect(onlyLoopback()).toContain('https://api.segment.io/v1/m');
  });
});

// ---------------------------------------------------------------------------------------------------------------------
describe('segment-analytics-python (scripts/local/python-senders.sh)', () => {
  let server: CaptureServer;
  let PYTHON: string;
  beforeAll(async () => {
    PYTHON = sendersPython();
    server = await CaptureServer.start();
  });
  afterAll(async () => server?.close());

  type PyErrors = Record<string, Array<{ error: string; status: number | null; code: string | null; count: number }>>;
  /** Runs the Python client(s): one Client per entry, all flushed at once. */
  function py(opts: { gzip?: boolean; clients: Array<{ writeKey: string; calls?: string[] }> }): Promise<{ version: string; errors: PyErrors }> {
    return new Promise((resolve, reject) => {
      execFile(PYTHON, [PY_SCRIPT, JSON.stringify({ host: `${server.url}/prod`, ...opts })], { timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
      });
    });
  }

  test('POST host + "/v1/batch" (a stage path in host is kept), JSON {batch, sentAt, writeKey}, Basic auth; gzip opt-in', async () => {
    server.clear();
    const plain = await py({ clients: [{ writeKey: WRITE_KEY }] });
    const gz = await py({ gzip: true, clients: [{ writeKey: 'wk_gzip' }] });
    expect(plain.errors).toEqual({ [WRITE_KEY]: [] });
    expect(gz.errors).toEqual({ wk_gzip: [] });
    const [r, g] = server.posts;
    expect(server.posts.length).toBe(2);
    expect(r.path).toBe('/prod/v1/batch');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['user-agent']).toBe(`analytics-python/${plain.version}`);
    expect(r.headers.authorization).toBe(BASIC);
    expect(r.headers['content-encoding']).toBeUndefined();
    const body = r.json as any;
    expect(Object.keys(body)).toEqual(['batch', 'sentAt', 'writeKey']);
    expect(body.writeKey).toBe(WRITE_KEY);
    expect(body.sentAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/);
    expect(body.batch.map((e: any) => e.type)).toEqual(['track', 'identify', 'page', 'screen', 'group', 'alias']);
    for (const e of body.batch) {
      expect(e.messageId).toMatch(UUID);
      expect(e.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
      expect(e.context).toEqual({ library: { name: 'analytics-python', version: plain.version } });
      expect(e.integrations).toEqual({});
      // anonymousId is sent as null when not given; no writeKey or sentAt per event.
      expect(e.anonymousId).toBeNull();
      expect(e).not.toHaveProperty('writeKey');
    }
    expect(body.batch[5]).toMatchObject({ type: 'alias', previousId: 'u1', userId: 'u2' });
    expect(body.batch[3]).toMatchObject({ type: 'screen', name: 'Main', category: null });

    expect(g.headers['content-encoding']).toBe('gzip');
    expect(g.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect((g.json as any).writeKey).toBe('wk_gzip');

    const sender = { package: 'segment-analytics-python', version: plain.version, runtime: 'CPython', how: '' };
    checkFixture(FIXTURES, 'python-batch', toFixture(r, { ...sender, how: "Client(write_key='wk_test', host='http://127.0.0.1:PORT/prod'); track, identify, page, screen, group, alias; flush()" }));
    checkFixture(FIXTURES, 'python-batch-gzip', toFixture(g, { ...sender, how: "Client(write_key='wk_gzip', host=..., gzip=True); the same six calls" }));
  });

  /** One client per case (writeKey = case name), all at once, max_retries 2: the first retry is immediate, then 0.5 s, 1 s. */
  const PY_CASES: Array<{ name: string; replies: Reply[]; requests: number; error?: { status: number | null; code: string | null } }> = [
    { name: 'p200', replies: [{ status: 200 }], requests: 1 },
    { name: 'p201', replies: [{ status: 201 }], requests: 1 },
    { name: 'p204', replies: [{ status: 204 }], requests: 1 },
    { name: 'p302', replies: [{ status: 302 }], requests: 1, error: { status: 302, code: 'redirect' } },
    { name: 'p400', replies: [{ status: 400, body: { code: 'invalid_request', message: 'bad' } }], requests: 1, error: { status: 400, code: 'invalid_request' } },
    { name: 'p413', replies: [{ status: 413, body: 'too large' }], requests: 1, error: { status: 413, code: 'unknown' } },
    { name: 'p429', replies: [{ status: 429 }], requests: 2 },
    { name: 'p500x3', replies: [{ status: 500 }, { status: 500 }, { status: 500 }], requests: 3, error: { status: 500, code: 'unknown' } },
    { name: 'p503ra1', replies: [{ status: 503, headers: { 'retry-after': '1' } }], requests: 2 },
    { name: 'p501', replies: [{ status: 501 }], requests: 1, error: { status: 501, code: 'unknown' } },
    { name: 'preset', replies: [{ reset: true }], requests: 2 },
  ];

  test('statuses: 2xx success; 3xx and 4xx (not 408/410/429/460) fail at once; Retry-After honoured on any retryable status', async () => {
    server.clear();
    server.setReply(perKey(basicUser, Object.fromEntries(PY_CASES.map((c) => [c.name, c.replies]))));
    const { errors } = await py({ clients: PY_CASES.map((c) => ({ writeKey: c.name, calls: ['track'] })) });
    server.setReply({ status: 200, body: { success: true } });
    PY_CASES.forEach((c) => {
      const reqs = server.posts.filter((r) => basicUser(r) === c.name);
      expect({ name: c.name, requests: reqs.length, errors: errors[c.name].map((e) => ({ status: e.status, code: e.code })) })
        .toEqual({ name: c.name, requests: c.requests, errors: c.error ? [c.error] : [] });
      // Counted retries carry X-Retry-Count; a Retry-After retry re-queues the batch and starts over without it.
      expect([c.name, reqs.map((r) => r.headers['x-retry-count'])]).toEqual([c.name, reqs.map((_, j) => (j === 0 || c.name === 'p503ra1' ? undefined : String(j)))]);
    });
    const reqsOf = (name: string) => server.posts.filter((r) => basicUser(r) === name);
    expect(gaps(reqsOf('p503ra1'))[0]).toBeGreaterThanOrEqual(950);
    expect(gaps(reqsOf('p429'))[0]).toBeLessThan(500); // first counted retry is immediate
    expect(errors.p400[0].error).toBe('[Segment] invalid_request: bad (400)');
  }, 60_000);
});
