/** Retry timing: exponential backoff with full jitter, and the `Retry-After` header (seconds or HTTP-date). */
export interface RetryTiming {
  /** First backoff ceiling, ms. */
  readonly base: number;
  /** Largest wait, ms (also bounds a `Retry-After`). */
  readonly cap: number;
}

/**
 * How long to wait before retry number `failures` (1 for the first retry): a uniform random time in
 * [0, min(cap, base * 2^(failures - 1))) ("full jitter"), but never less than the server asked for.
 */
export function retryDelay(timing: RetryTiming, failures: number, random: () => number, retryAfter?: number): number {
  const jitter = random() * Math.min(timing.cap, timing.base * 2 ** Math.max(0, failures - 1));
  return Math.min(timing.cap, Math.max(jitter, retryAfter ?? 0));
}

/** `Retry-After` in ms from now: delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
