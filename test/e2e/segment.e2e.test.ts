/**
 * Segment's published SDKs against the example stack on LocalStack (Input.segment() with the declared source
 * `example` on the `/` instance): each SDK is given the host and the write key ONLY (no header, no httpClient), and
 * every event must land in S3 once, with its fields, its messageId as the event id, the source's name, and no write
 * key anywhere.
 * - @segment/analytics-node: track, identify, page, screen, group and alias, through `host` + `path`; with a wrong
 *   write key the SDK reports the 401 and nothing is stored;
 * - the same SDK behind a fault-injecting proxy (503, 429, resets before and after forwarding): its own retries lose
 *   nothing, and the events that arrive twice share their messageId, which the dedup view keys on;
 * - @segment/analytics-next in headless Chromium, `apiHost` and `cdnSettings` only: standard delivery (a page that
 *   tracks, then navigates away) and batching; the Authorization header's preflight passes;
 * - segment-analytics-python (scripts/local/python-senders.sh) with `host` only.
 * Run inside `scripts/local/localstack.sh run -- ...` (scripts/test.sh).
 */
import { execFile } from 'child_process';
import { randomUUID } from 'crypto';
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import { Analytics } from '@segment/analytics-node';
import { chromium } from 'playwright-core';
import { DEPLOY_HOOK_MS } from './shared-example';
import { deleteStack, listObjects } from '../../scripts/local/deploy';
import { DeployedExample, deployExample } from '../../scripts/local/example';
import { CaptureServer } from '../senders/capture-server';
import { sendersPython } from '../senders/python-senders';

jest.setTimeout(600_000);

const CHROMIUM = '/usr/bin/chromium';
const NEXT_BUNDLE = path.join(__dirname, '..', '..', 'node_modules', '@segment', 'analytics-next', 'dist', 'umd', 'index.js');

let ex: DeployedExample;
let page: CaptureServer;

beforeAll(async () => {
  page = await CaptureServer.start({
    portRange: [4760, 4780],
    cors: false,
    files: {
      '/': { contentType: 'text/html', body: '<!doctype html><title>shop</title><script src="/analytics.js"></script>' },
      '/analytics.js': { contentType: 'text/javascript', body: existsSync(NEXT_BUNDLE) ? readFileSync(NEXT_BUNDLE) : '' },
      '/away': { contentType: 'text/html', body: '<!doctype html><title>away</title>' },
    },
  });
  ex = await deployExample(`Segment${Date.now().toString(36)}`, undefined, true, { corsOrigin: `http://127.0.0.1:${page.port}` });
}, DEPLOY_HOOK_MS);

afterAll(async () => {
  await page?.close();
  if (ex) await deleteStack(ex.stackName, { quiet: true }).catch(() => undefined);
});

/** LocalStack's invoke URL of the stage, split as analytics-node wants it: the origin as `host`, the rest as `path`. */
function stageUrl(): URL {
  return new URL(ex.baseUrl);
}

/** Every stored line whose event carries `marker` in its properties or traits. */
async function stored(marker: string): Promise<Record<string, any>[]> {
  const out: Record<string, any>[] = [];
  for (const o of await listObjects(ex.eventsBucket, 'events/')) {
    expect(o.body).not.toContain(ex.apiKey);
    for (const line of o.body.split('\n').filter((l) => l !== '')) {
      const parsed = JSON.parse(line);
      const b = parsed.body ?? {};
      if (b.properties?.marker === marker || b.traits?.marker === marker || b.context?.marker === marker) out.push(parsed);
    }
  }
  return out;
}

/** Waits until `n` lines with the marker are stored (LocalStack writes an object per Firehose call). */
async function waitForLines(marker: string, n: number, seconds = 60): Promise<Record<string, any>[]> {
  const t0 = Date.now();
  let lines: Record<string, any>[] = [];
  while (Date.now() - t0 < seconds * 1000) {
    lines = await stored(marker);
    if (lines.length >= n) return lines;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return lines;
}

/** analytics-node as a Segment user configures it when moving collectors: the write key, host and path (and the test's pace and patience). */
function nodeAnalytics(origin: string, writeKey: string): { analytics: Analytics; errors: unknown[] } {
  const url = stageUrl();
  const analytics = new Analytics({
    writeKey,
    host: origin,
    path: `${url.pathname}v1/batch`,
    maxRetries: 10,
    flushInterval: 200,
    // The first request to a fresh LocalStack API can take over the default 10 s on a loaded machine; the SDK would
    // then send the batch again while the first copy is being stored.
    httpRequestTimeout: 60_000,
  });
  const errors: unknown[] = [];
  analytics.on('error', (e) => errors.push(e));
  return { analytics, errors };
}

function trackAll(analytics: Analytics, marker: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const userId = `user-${i % 3}`;
    switch (i % 6) {
      case 0: analytics.track({ userId, event: 'Signed Up', properties: { marker, i, plan: 'pro "q" é' } }); break;
      case 1: analytics.identify({ userId, traits: { marker, i, email: 'a@example.com' } }); break;
      case 2: analytics.page({ userId, name: 'Home', properties: { marker, i } }); break;
      case 3: analytics.screen({ userId, name: 'Main', properties: { marker, i } }); break;
      case 4: analytics.group({ userId, groupId: 'g1', traits: { marker, i } }); break;
      default: analytics.alias({ userId, previousId: 'anon-1', context: { marker } } as any); break;
    }
  }
}

test('@segment/analytics-node: track, identify, page, screen, group, alias; each stored once with its fields, no writeKey', async () => {
  const marker = randomUUID();
  const { analytics, errors } = nodeAnalytics(stageUrl().origin, ex.segmentWriteKey);
  trackAll(analytics, marker, 60);
  await analytics.closeAndFlush({ timeout: 120_000 });
  expect(errors).toEqual([]);
  const lines = await waitForLines(marker, 60);
  expect(lines).toHaveLength(60);
  const types = lines.map((l) => l.body.type).sort();
  expect(new Set(types)).toEqual(new Set(['track', 'identify', 'page', 'screen', 'group', 'alias']));
  for (const l of lines) {
    expect(l).toMatchObject({ apiKeyId: null, segmentSource: 'example', input: 'segment', eventId: l.body.messageId, sentAt: expect.any(String) });
    expect(l.body.messageId).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(JSON.stringify(l)).not.toContain('writeKey');
  }
  expect(new Set(lines.map((l) => l.eventId)).size).toBe(60);
  // 15 events per batch by default: one Firehose record (one requestId) per batch.
  const perRequest = new Map<string, number>();
  for (const l of lines) perRequest.set(l.requestId, (perRequest.get(l.requestId) ?? 0) + 1);
  expect([...perRequest.values()].every((n) => n <= 15)).toBe(true);
});

test('analytics-node with a write key no source declared: the SDK reports the 401 and nothing is stored', async () => {
  const marker = randomUUID();
  const { analytics, errors } = nodeAnalytics(stageUrl().origin, 'wkNotDeclared000aaaa1111bbbb2222');
  trackAll(analytics, marker, 6);
  await analytics.closeAndFlush({ timeout: 60_000 });
  expect(errors.length).toBeGreaterThan(0);
  expect(errors.map((e: any) => [e.code, e.reason?.message ?? String(e.reason)].join(' ')).join('\n')).toMatch(/401/);
  // Give a write that should not have happened time to land, then look.
  await new Promise((r) => setTimeout(r, 2000));
  expect(await stored(marker)).toEqual([]);
});

test('analytics-node behind a fault-injecting proxy: its retries lose nothing; duplicates share their messageId', async () => {
  const marker = randomUUID();
  const origin = stageUrl().origin;
  const proxy = await CaptureServer.start({
    portRange: [4781, 4799],
    target: origin,
    seed: 7,
    retryAfter: '1',
    cors: false,
    faults: { 503: 0.15, 429: 0.1, resetBefore: 0.1, resetAfter: 0.1 },
  });
  try {
    const { analytics, errors } = nodeAnalytics(`http://127.0.0.1:${proxy.port}`, ex.segmentWriteKey);
    trackAll(analytics, marker, 150);
    await analytics.closeAndFlush({ timeout: 300_000 });
    const lines = await waitForLines(marker, 150);
    const ids = lines.map((l) => l.eventId);
    const unique = new Set(ids);
    const faults = proxy.requests.filter((r) => r.outcome?.fault !== undefined).length;
    console.log(`segment faults: ${proxy.requests.length} requests through the proxy, ${faults} faulted; ` +
      `${lines.length} lines stored, ${unique.size} distinct messageIds; SDK errors: ${errors.length}`);
    expect(faults).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(unique.size).toBe(150);
    // A reset after forwarding stores a batch the SDK sends again: the copies are whole batches with equal ids.
    expect(lines.length).toBeGreaterThanOrEqual(150);
  } finally {
    await proxy.close();
  }
});

test.each(['standard', 'batching'])('@segment/analytics-next in Chromium, apiHost and cdnSettings only, %s delivery: every event stored once', async (strategy) => {
  const marker = randomUUID();
  const api = stageUrl();
  const apiHost = `${api.host}${api.pathname}v1`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const foreign: string[] = [];
  const failed: string[] = [];
  const answers: number[] = [];
  try {
    const context = await browser.newContext();
    const tab = await context.newPage();
    tab.on('request', (r) => {
      const u = new URL(r.url());
      if (u.hostname !== '127.0.0.1') foreign.push(r.url());
    });
    // A request whose preflight fails never gets a response: it is reported here.
    tab.on('requestfailed', (r) => failed.push(`${r.method()} ${r.url()} ${r.failure()?.errorText}`));
    tab.on('response', (r) => { if (r.url().startsWith(`http://${apiHost}`) && r.request().method() === 'POST') answers.push(r.status()); });
    // The events of the requests whose answer was read to its end (a batch's, /v1/b, else one): 'response' comes with
    // the headers, and leaving the page before the body arrives aborts the request.
    let answered = 0;
    tab.on('requestfinished', (r) => {
      if (!r.url().startsWith(`http://${apiHost}`) || r.method() !== 'POST') return;
      const body = JSON.parse(r.postData() ?? '{}');
      answered += Array.isArray(body.batch) ? body.batch.length : 1;
    });
    await tab.goto(`http://127.0.0.1:${page.port}/`);
    const sent = await tab.evaluate(async ({ host, key, m, how }) => {
      const { AnalyticsBrowser } = (globalThis as any).AnalyticsNext;
      // The Segment.io settings a user changes when moving collectors: the write key (apiKey) and apiHost (http here).
      const seg = {
        apiKey: key,
        apiHost: host,
        protocol: 'http',
        ...(how === 'batching' ? { deliveryStrategy: { strategy: 'batching', config: { size: 3, timeout: 200 } } } : {}),
      };
      const [analytics] = await AnalyticsBrowser.load({ writeKey: key, cdnSettings: { integrations: { 'Segment.io': seg }, metrics: { sampleRate: 0 } } });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const ctx = await analytics.track('Clicked', { marker: m, i });
        ids.push(ctx.event.messageId);
      }
      const ctx = await analytics.page('Shop', { marker: m });
      ids.push(ctx.event.messageId);
      return ids;
    }, { host: apiHost, key: ex.segmentWriteKey, m: marker, how: strategy });
    // Leave the page once every event's request has been answered (page() resolves before its request is, and
    // batching sends on its timer): leaving earlier aborts a request still in flight (net::ERR_ABORTED; a loaded CI
    // machine showed it).
    for (let waited = 0; answered < sent.length && failed.length === 0 && waited < 120_000; waited += 200) await tab.waitForTimeout(200);
    await tab.goto(`http://127.0.0.1:${page.port}/away`);
    await context.close();
    const lines = await waitForLines(marker, sent.length);
    expect(foreign).toEqual([]);
    expect(failed).toEqual([]);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((status) => status === 200)).toBe(true);
    expect(lines.map((l) => l.eventId).sort()).toEqual([...sent].sort());
    for (const l of lines) {
      expect(l).toMatchObject({ input: 'segment', apiKeyId: null, segmentSource: 'example' });
      expect(JSON.stringify(l)).not.toContain('writeKey');
      expect(JSON.stringify(l)).not.toContain(ex.segmentWriteKey);
    }
  } finally {
    await browser.close();
  }
});

test('segment-analytics-python with host only: every event stored once', async () => {
  const marker = randomUUID();
  const python = sendersPython();
  const script = path.join(__dirname, '..', 'senders', 'segment_python_capture.py');
  // timeout: LocalStack can take longer than the SDK's 5 s to answer on a busy machine, and the SDK then sends the batch
  // again (a pacing option, as analytics-node's httpRequestTimeout; nothing about authentication).
  const opts = { host: ex.baseUrl.replace(/\/$/, ''), retries: 3, timeout: 60, marker, clients: [{ writeKey: ex.segmentWriteKey }] };
  const out: { errors: Record<string, unknown[]> } = await new Promise((resolve, reject) => {
    execFile(python, [script, JSON.stringify(opts)], { timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
  expect(out.errors).toEqual({ [ex.segmentWriteKey]: [] });
  const lines = await waitForLines(marker, 6);
  expect(lines.map((l) => l.body.type).sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
  expect(new Set(lines.map((l) => l.eventId)).size).toBe(6);
  for (const l of lines) {
    expect(l).toMatchObject({ input: 'segment', apiKeyId: null, segmentSource: 'example', eventId: l.body.messageId });
    expect(JSON.stringify(l)).not.toContain(ex.segmentWriteKey);
  }
});
