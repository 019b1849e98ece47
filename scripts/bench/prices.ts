/** Typed access to docs/prices.json (the one dated price file the benchmarks use). */
import * as fs from 'fs';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const PRICES_FILE = path.join(REPO_ROOT, 'docs', 'prices.json');

export interface Tier {
  /** Cumulative requests a month up to which this price applies; null = no upper bound. */
  readonly upToRequests: number | null;
  /** USD per million requests. */
  readonly usd: number;
}

export interface Prices {
  readonly date: string;
  readonly region: string;
  readonly sources: string[];
  readonly units: { readonly bytesPerGB: number; readonly secondsPerMonth: number };
  readonly apiGatewayRest: { readonly perMillionRequestsTiers: Tier[] };
  readonly firehoseDirectPut: { readonly perGBIngested: number; readonly recordRoundingBytes: number };
  readonly s3Standard: { readonly perThousandPutRequests: number; readonly perGBMonth: number };
  readonly lambda: {
    readonly perMillionRequests: number;
    readonly perGBSecond: number;
    readonly memoryMB: number;
    readonly assumedAverageDurationMs: number;
  };
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${PRICES_FILE}: ${what} must be a non-negative number, got ${JSON.stringify(v)}`);
  return v;
}

/** Reads and checks docs/prices.json. */
export function loadPrices(file = PRICES_FILE): Prices {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Prices;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(p.date ?? '')) throw new Error(`${file}: date must be YYYY-MM-DD`);
  if (!Array.isArray(p.sources) || p.sources.length === 0) throw new Error(`${file}: sources must list the pricing pages`);
  num(p.units.bytesPerGB, 'units.bytesPerGB');
  num(p.units.secondsPerMonth, 'units.secondsPerMonth');
  const tiers = p.apiGatewayRest.perMillionRequestsTiers;
  if (!Array.isArray(tiers) || tiers.length === 0 || tiers[tiers.length - 1].upToRequests !== null) {
    throw new Error(`${file}: apiGatewayRest.perMillionRequestsTiers must end with an unbounded tier`);
  }
  tiers.forEach((t, i) => num(t.usd, `apiGatewayRest tier ${i}`));
  num(p.firehoseDirectPut.perGBIngested, 'firehoseDirectPut.perGBIngested');
  num(p.firehoseDirectPut.recordRoundingBytes, 'firehoseDirectPut.recordRoundingBytes');
  num(p.s3Standard.perThousandPutRequests, 's3Standard.perThousandPutRequests');
  num(p.s3Standard.perGBMonth, 's3Standard.perGBMonth');
  num(p.lambda.perMillionRequests, 'lambda.perMillionRequests');
  num(p.lambda.perGBSecond, 'lambda.perGBSecond');
  num(p.lambda.memoryMB, 'lambda.memoryMB');
  num(p.lambda.assumedAverageDurationMs, 'lambda.assumedAverageDurationMs');
  return p;
}

/** Cost of `requests` REST API requests in one month, through the volume tiers. */
export function apiGatewayCost(requests: number, tiers: readonly Tier[]): number {
  let cost = 0;
  let done = 0;
  for (const t of tiers) {
    const cap = t.upToRequests ?? Infinity;
    const n = Math.max(0, Math.min(requests, cap) - done);
    cost += (n / 1e6) * t.usd;
    done += n;
    if (done >= requests) break;
  }
  return cost;
}
