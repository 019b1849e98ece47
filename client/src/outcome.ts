import { HttpError } from './errors';
import { Answer } from './transport';

/** What the client does with an answer to a batch of events (README "Client" lists the same table). */
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
function failedIndices(body: unknown, eventCount: number): number[] | undefined {
  const answer = body as { error?: unknown; failed?: unknown } | null;
  if (answer?.error !== 'PartialFailure' || !Array.isArray(answer.failed)) return undefined;
  const indices: unknown[] = answer.failed.map((failure: { index?: unknown }) => failure?.index);
  const valid = indices.length > 0 && indices.every((index) => Number.isInteger(index) && (index as number) >= 0 && (index as number) < eventCount);
  return valid ? [...new Set(indices as number[])] : undefined;
}

/** What to do with `answer` to a batch of `eventCount` events. */
export function classify(answer: Answer, eventCount: number, retryAfter?: number): Outcome {
  const status = answer.status;
  if (status >= 200 && status < 300) return { kind: 'stored' };
  const error = new HttpError(status, answer.body);
  if (status === 500) {
    const failed = failedIndices(answer.body, eventCount);
    // A PartialFailure whose indices cannot be read is retried whole: duplicates are removed by event id, losses are not recoverable.
    if (failed) return { kind: 'partial', failed, error, retryAfter };
  }
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', error, retryAfter };
  if (status === 413) return { kind: 'split', error };
  if (status === 400) return { kind: 'invalid', error };
  return { kind: 'stop', error };
}
