/**
 * Deterministic, realistic-looking JSON events (click / page view / telemetry) of a target size.
 * Same seed -> same events, so the cost figures are reproducible run to run.
 */

/** Park-Miller "minimal standard" PRNG (exact in doubles, no bitwise operators): good enough for test data. */
export function prng(seed: number): () => number {
  let state = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

export class Rand {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  public float(): number {
    return this.next();
  }
  public int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  public pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  public hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(this.next() * 16)];
    return s;
  }
  public alnum(n: number): string {
    const abc = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < n; i++) s += abc[Math.floor(this.next() * abc.length)];
    return s;
  }
  public uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${this.pick(['8', '9', 'a', 'b'])}${this.hex(3)}-${this.hex(12)}`;
  }
  public round(x: number, digits: number): number {
    const f = 10 ** digits;
    return Math.round(x * f) / f;
  }
}

const PAGES = ['/', '/pricing', '/docs/getting-started', '/products/espresso-machine-x2', '/cart', '/checkout/shipping', '/blog/2026/11/streaming-ingest', '/account/settings'];
const ELEMENTS = ['button#buy-now', 'a.nav-link[href="/pricing"]', 'div.card > button.add-to-cart', 'input#search', 'a.footer-link', 'button.accept-cookies'];
const BROWSERS = ['Chrome', 'Firefox', 'Safari', 'Edge'];
const OSES = ['Windows 11', 'macOS 15.1', 'iOS 19.1', 'Android 16', 'Ubuntu 24.04'];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'BR', 'IN', 'JP', 'CA'];
const REFERRERS = ['https://www.google.com/', 'https://news.ycombinator.com/', 'https://t.co/x1Yz9', '', 'https://www.bing.com/search?q=api+gateway+firehose'];
const CAMPAIGNS = ['black-friday-2026', 'newsletter-nov', 'retargeting-eu', 'organic'];
const METRICS = ['cpu.user', 'cpu.system', 'mem.rss', 'heap.used', 'gc.pause_ms', 'http.latency_ms', 'disk.read_bytes', 'net.tx_bytes'];
const LOG_LEVELS = ['debug', 'info', 'info', 'info', 'warn', 'error'];
const LOG_MESSAGES = [
  'request completed',
  'cache miss for key product:%s',
  'retrying upstream call after timeout',
  'user session refreshed',
  'slow query detected on orders table',
  'feature flag checkout_v2 evaluated to true',
];

/** Nominal sizes (bytes of compact JSON) used by the benchmarks. */
export const EVENT_SIZES = [
  { name: '200 B', target: 200 },
  { name: '1 KB', target: 1024 },
  { name: '10 KB', target: 10 * 1024 },
] as const;

type Json = Record<string, unknown>;

function baseEvent(r: Rand, i: number, kind: string): Json {
  return {
    eventId: r.uuid(),
    type: kind,
    ts: new Date(Date.UTC(2026, 10, 25, 12, 0, 0) + i * 37 + r.int(0, 36)).toISOString(),
    sessionId: `s_${r.alnum(12)}`,
    userId: `u_${r.int(100000, 999999)}`,
  };
}

/** Fields that make an event grow, in the order they are added. */
function* growth(r: Rand, i: number): Generator<[string, unknown]> {
  yield ['page', r.pick(PAGES)];
  yield ['element', r.pick(ELEMENTS)];
  yield ['x', r.int(0, 1920)];
  yield ['y', r.int(0, 1080)];
  yield ['seq', i];
  yield ['viewport', { w: r.pick([1280, 1440, 1920, 390, 412]), h: r.pick([720, 900, 1080, 844, 915]) }];
  yield ['device', { browser: r.pick(BROWSERS), browserVersion: `${r.int(100, 140)}.0.${r.int(1000, 7000)}`, os: r.pick(OSES), mobile: r.float() < 0.4 }];
  yield ['geo', { country: r.pick(COUNTRIES), region: r.alnum(2).toUpperCase(), city: r.pick(['Seattle', 'Berlin', 'Lyon', 'Leeds', 'Recife', 'Pune', 'Osaka', 'Toronto']) }];
  yield ['referrer', r.pick(REFERRERS)];
  yield ['utm', { source: r.pick(['google', 'newsletter', 'twitter', 'direct']), medium: r.pick(['cpc', 'email', 'social', 'none']), campaign: r.pick(CAMPAIGNS) }];
  yield ['experiment', { id: `exp_${r.int(100, 999)}`, variant: r.pick(['control', 'treatment-a', 'treatment-b']) }];
  yield ['cart', { items: r.int(0, 9), valueCents: r.int(0, 250000), currency: r.pick(['USD', 'EUR', 'GBP']) }];
  yield ['perf', { ttfbMs: r.int(20, 900), fcpMs: r.int(200, 4000), lcpMs: r.int(400, 6000), cls: r.round(r.float() * 0.3, 3), inpMs: r.int(16, 500) }];
  yield ['app', { name: 'storefront-web', version: `4.${r.int(0, 30)}.${r.int(0, 99)}`, build: r.hex(7), env: 'production' }];
  // Telemetry: samples and log lines until the target is reached.
  let n = 0;
  for (;;) {
    if (n % 4 === 3) {
      yield [`log${n}`, { level: r.pick(LOG_LEVELS), msg: r.pick(LOG_MESSAGES).replace('%s', String(r.int(1, 99999))), traceId: r.hex(32), ms: r.int(0, 2000) }];
    } else {
      const samples: number[] = [];
      for (let k = 0; k < 6; k++) samples.push(r.round(r.float() * 1000, 2));
      yield [`m${n}`, { name: r.pick(METRICS), unit: r.pick(['ms', 'bytes', 'percent', 'count']), samples }];
    }
    n++;
  }
}

/**
 * One event whose compact JSON is as close to `target` bytes as the field granularity allows
 * (fields are added while they keep the event within target + 3 %).
 */
export function makeEvent(r: Rand, i: number, target: number): Json {
  const kind = target <= 300 ? 'click' : target <= 2048 ? 'page_view' : 'telemetry';
  const ev = baseEvent(r, i, kind);
  let size = Buffer.byteLength(JSON.stringify(ev));
  let misses = 0;
  for (const [k, v] of growth(r, i)) {
    const add = Buffer.byteLength(JSON.stringify({ [k]: v })) - 1; // ,"k":v
    if (size + add <= target * 1.03) {
      ev[k] = v;
      size += add;
    } else if (++misses > 3 || size >= target * 0.97) {
      break;
    }
  }
  return ev;
}

/** `n` distinct events of about `target` bytes each, deterministic for a given seed. */
export function makeEvents(n: number, target: number, seed = 20261125): Json[] {
  const r = new Rand(seed + target);
  const out: Json[] = [];
  for (let i = 0; i < n; i++) out.push(makeEvent(r, i, target));
  return out;
}
