import { Clock } from './clock';

/** Why the client gave up on an event. Each dropped event is reported once, through `onDrop`. */
export type DropReason =
  /** The API answered 400 for this event alone (its message is in `error`); never retried. */
  | 'invalid'
  /** The event can never fit one request (`maxBytes`), or the API answered 413 for it alone. */
  | 'too-large'
  /** The queue was full (`maxQueueEvents` / `maxQueueBytes`) when it was tracked. */
  | 'queue-full'
  /** `maxAttempts` requests carried it and none stored it. */
  | 'retries-exhausted'
  /** `close()` could not deliver it within `maxRetryTime` (and no persistence keeps it). */
  | 'closed';

export interface DroppedEvent {
  readonly id: string;
  /** The event as it was queued (with its id). */
  readonly event: Record<string, unknown>;
  readonly reason: DropReason;
  /** The API's answer (HttpError) or the last failure, when there is one. */
  readonly error?: Error;
}

/** What one `flush()` or `close()` did. */
export interface FlushResult {
  /** Events the API confirmed as stored. */
  readonly sent: number;
  /** Events given up on (each also reported through `onDrop`). */
  readonly dropped: number;
  /** Events still queued or in flight. */
  readonly pending: number;
}

export interface EventClientOptions {
  /** The API's URL (the construct's `url`); batches go to `${url}/batch`. */
  readonly url: string;
  /** Sent as `x-api-key` when given. */
  readonly apiKey?: string;
  /** More request headers (each one makes a browser send a CORS preflight the API must allow). */
  readonly headers?: Record<string, string>;
  /** The event property holding its id; a valid id already there (1-128 of [A-Za-z0-9._:-]) is kept. @default 'eventId' */
  readonly idField?: string;
  /** Events per request; the construct's `batch.maxEvents`. @default 500 */
  readonly maxEvents?: number;
  /** Bytes per request: UTF-8 body plus `envelopeBytes` per event; at most the construct's 1,000,000-character limit. @default 1_000_000 */
  readonly maxBytes?: number;
  /** Bytes per event kept free for the envelope the API writes around it (1,000 KiB per packed record). @default 256 */
  readonly envelopeBytes?: number;
  /** Longest time an event waits in the queue before a flush, ms. @default 5000 */
  readonly flushInterval?: number;
  /** Queue bound, events. @default 10000 */
  readonly maxQueueEvents?: number;
  /** Queue bound, UTF-8 bytes of the events. @default 5_000_000 */
  readonly maxQueueBytes?: number;
  /** Requests that may carry one event before it is dropped. @default 10 */
  readonly maxAttempts?: number;
  /** First backoff ceiling, ms (full jitter: a random wait below base * 2^retry). @default 500 */
  readonly retryBase?: number;
  /** Longest wait between retries, ms; also bounds `Retry-After`. @default 30000 */
  readonly retryCap?: number;
  /** Longest time one flush() or close() keeps retrying, ms; what is left stays queued (close: dropped or persisted). @default 60000 */
  readonly maxRetryTime?: number;
  /** Request timeout, ms. @default 10000 */
  readonly timeout?: number;
  /** Browser: body bytes sent with `keepalive` when the page is hidden (the browser allows 64 KiB in flight). @default 60000 */
  readonly unloadBytes?: number;
  /** Browser: on hide, use `navigator.sendBeacon` (text/plain, no headers: needs `apiKeyRequired: false` and `TextPlainMode.AS_JSON`). @default false */
  readonly beacon?: boolean;
  /** Browser: listen to visibilitychange, pagehide and online. @default true */
  readonly lifecycle?: boolean;
  /** Keep the queue in localStorage so that a reload loses nothing. @default - none */
  readonly persistence?: 'localStorage';
  /** localStorage key (one client per key). @default 'cdk-api-to-firehose-client' */
  readonly storageKey?: string;
  /** Called with the events given up on, each once. */
  readonly onDrop?: (dropped: DroppedEvent[]) => void;
  /** Called with every failed request (retried or not) and every persistence error. */
  readonly onError?: (error: Error) => void;
  /** Called with the ids of the events the API stored. */
  readonly onSent?: (ids: string[]) => void;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Time source for timers and backoff (tests). @default the system clock */
  readonly clock?: Clock;
  /** Random numbers in [0, 1) for jitter (tests). @default Math.random */
  readonly random?: () => number;
}
