import { HttpError } from './errors';
import { Answer } from './transport';

/** What the client does with an answer to a batch of `n` events (README "Client" lists the same table). */
export type Outcome =
  /** 2xx: every event is stored. */
  | { readonly kind: 'stored' }
  /** 500 PartialFailure: the events at `failed` were not stored, the others were. */
  | { readonly kind: 'partial'; readonly failed: readonly number[]; readonly error: HttpError; readonly retryAfter?: number }
  /** 429, 503, 5xx, network error, timeout: send again later. `retryAfter` in ms when the server said. */
  | { readonly kind: 'retry'; readonly error: Error; readonly retryAfter?: number }
  /** 413: too large; split (a single event is dropped). */
  | { readonly kind: 'split'; readonly error: HttpError }
  /** 400: some event is invalid; bisect (a single event is dropped with the API's message). */
  | { readonly kind: 'invalid'; readonly error: HttpError }
  /** 401, 403, 404, 415, other 4xx: the configuration is wrong (key, URL, content type); stop and keep the queue. */
  | { readonly kind: 'stop'; readonly error: HttpError };

/** The failed indices of a 500 PartialFailure, or undefined when the body does not list valid ones. */
function failedIndices(body: unknown, n: number): number[] | undefined {
  const b = body as { error?: unknown; failed?: unknown } | null;
  if (b?.error !== 'PartialFailure' || !Array.isArray(b.failed)) return undefined;
  const idx = b.failed.map((f: { index?: unknown }) => f?.index);
  const ok = idx.length > 0 && idx.every((i) => Number.isInteger(i) && (i as number) >= 0 && (i as number) < n);
  return ok ? [...new Set(idx as number[])] : undefined;
}

export function classify(a: Answer, n: number, retryAfter?: number): Outcome {
  const s = a.status;
  if (s >= 200 && s < 300) return { kind: 'stored' };
  const error = new HttpError(s, a.body);
  if (s == 500) {
    const failed = failedIndices(a.body, n);
    // A PartialFailure whose indices cannot be read is retried whole: duplicates are removed by event id, losses are not recoverable.
    if (failed) return { kind: 'partial', failed, error, retryAfter };
  }
  if (s == 408 || s == 429 || s >= 500) return { kind: 'retry', error, retryAfter };
  if (s == 413) return { kind: 'split', error };
  if (s == 400) return { kind: 'invalid', error };
  return { kind: 'stop', error };
}
