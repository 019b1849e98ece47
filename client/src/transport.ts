import { Clock } from './clock';
import { NetworkError, TimeoutError } from './errors';

/** What came back from one POST. */
export interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  /** Parsed JSON, or the text when the body is not JSON. */
  readonly body: unknown;
}

export interface PostOptions {
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly timeout: number;
  readonly headers: Record<string, string>;
  readonly keepalive?: boolean;
}

/** POSTs `body`; throws TimeoutError past `timeout` (headers and body included) and NetworkError when no answer came. */
export async function post(url: string, body: string, options: PostOptions): Promise<Answer> {
  const abort = new AbortController();
  const timer = options.clock.setTimeout(() => abort.abort(), options.timeout);
  try {
    const init = { method: 'POST', headers: options.headers, body, keepalive: options.keepalive, signal: abort.signal };
    const response = await options.fetch(url, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: parsed };
  } catch (error) {
    throw abort.signal.aborted ? new TimeoutError(options.timeout) : new NetworkError(error);
  } finally {
    options.clock.clearTimeout(timer);
  }
}
