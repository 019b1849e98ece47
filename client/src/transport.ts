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
export async function post(url: string, body: string, o: PostOptions): Promise<Answer> {
  const ac = new AbortController();
  const timer = o.clock.setTimeout(() => ac.abort(), o.timeout);
  try {
    const res = await o.fetch(url, { method: 'POST', headers: o.headers, body, keepalive: o.keepalive, signal: ac.signal });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: parsed };
  } catch (e) {
    throw ac.signal.aborted ? new TimeoutError(o.timeout) : new NetworkError(e);
  } finally {
    o.clock.clearTimeout(timer);
  }
}
