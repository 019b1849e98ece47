import { Clock, sleep, systemClock } from './clock';
import { DEFAULT_MAX_EVENTS, MAX_RECORD_BODY_CHARS } from './contract';
import { isEventId, uuid } from './ids';
import { isOnline, watchPage } from './lifecycle';
import { DropReason, EventClientOptions, FlushResult } from './options';
import { classify, Outcome } from './outcome';
import { load, save } from './persistence';
import { BatchLimits, Entry, fits, Queue } from './queue';
import { parseRetryAfter, retryDelay, RetryTiming } from './retry-timing';
import { batchBody, utf8Length } from './size';
import { post, PostOptions } from './transport';

type Beacon = { sendBeacon?(url: string, body: unknown): boolean };

/**
 * Batches events and posts them to `${url}/batch`, retrying what can be retried and reporting, once,
 * every event it gives up on. No global state: every timer and listener belongs to this instance and
 * `close()` removes them.
 */
export class EventClient {
  readonly #options: EventClientOptions;
  readonly #batchUrl: string;
  readonly #limits: BatchLimits;
  readonly #retryTiming: RetryTiming;
  readonly #queue: Queue;
  readonly #requestOptions: PostOptions;
  readonly #clock: Clock;
  /** Events taken from the queue and not yet stored, dropped or put back. */
  readonly #inFlight = new Set<Entry>();
  readonly #removeListeners: () => void;
  /** The last flush: each flush starts when the one before has ended. */
  #flushChain: Promise<unknown> = Promise.resolve();
  #flushTimer: unknown;
  #draining = false;
  #saveScheduled = false;
  #closing?: Promise<FlushResult>;
  /** Set by an answer that retrying cannot fix (403, 404, 415): timers stop until flush() is called. */
  #stoppedBy?: Error;
  /** Consecutive failed requests, for the backoff. */
  #consecutiveFailures = 0;
  /** No timer flush before this time (a backoff or Retry-After that outlived a flush). */
  #resumeAt = 0;
  #sentCount = 0;
  #droppedCount = 0;
  /** The parts of a bisection waiting out a backoff. */
  #heldParts?: Entry[][];

  constructor(options: EventClientOptions) {
    if (typeof options?.url !== 'string' || !/^https?:\/\//.test(options.url)) {
      throw new TypeError(`EventClient: url must be an http(s) URL, got ${options?.url}`);
    }
    this.#options = options;
    this.#batchUrl = options.url.replace(/\/+$/, '') + '/batch';
    this.#clock = options.clock ?? systemClock;
    this.#limits = {
      maxEvents: options.maxEvents ?? DEFAULT_MAX_EVENTS,
      maxBytes: options.maxBytes ?? MAX_RECORD_BODY_CHARS,
      envelopeBytes: options.envelopeBytes ?? 256,
    };
    this.#retryTiming = { base: options.retryBase ?? 500, cap: options.retryCap ?? 30_000 };
    this.#queue = new Queue(options.maxQueueEvents ?? 10_000, options.maxQueueBytes ?? 5_000_000);
    this.#requestOptions = {
      fetch: options.fetch ?? ((...args) => fetch(...args)),
      clock: this.#clock,
      timeout: options.timeout ?? 10_000,
      headers: { 'content-type': 'application/json', ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}), ...options.headers },
    };
    if (options.persistence) for (const event of load(this.#storageKey)) this.track(event);
    this.#removeListeners = options.lifecycle === false ? () => {} : watchPage({
      hide: () => this.#onHide(),
      online: () => {
        if (!this.#stoppedBy) void this.flush();
      },
    });
  }

  /** Events queued or in flight. */
  get pending(): number {
    return this.#queue.length + this.#inFlight.size;
  }

  /**
   * Queues a copy of `event` with its id in `idField` and returns the id, which stays the same across
   * retries. An event that can never be sent, or finds the queue full, is reported through `onDrop`.
   */
  track(event: object): string {
    if (this.#closing) throw new Error('EventClient: track() after close()');
    if (!event || typeof event !== 'object' || Array.isArray(event)) throw new TypeError('EventClient: an event must be a JSON object');
    const idField = this.#options.idField ?? 'eventId';
    const givenId = (event as Record<string, unknown>)[idField];
    const id = isEventId(givenId) ? givenId : uuid();
    const copy = { ...event, [idField]: id };
    const json = JSON.stringify(copy);
    const entry: Entry = { id, event: copy, json, bytes: utf8Length(json), attempts: 0 };
    if (!fits(entry, this.#limits)) {
      this.#drop([entry], 'too-large');
    } else if (!this.#queue.push(entry)) {
      this.#drop([entry], 'queue-full');
    } else {
      this.#scheduleSave();
      if (this.#queue.holdsFullBatch(this.#limits) && !this.#draining && !this.#stoppedBy) void this.flush();
      else this.#armTimer();
    }
    return id;
  }

  /** Sends what is queued, retrying for at most `maxRetryTime`. Resumes a client stopped by a 403. */
  flush(): Promise<FlushResult> {
    const sentBefore = this.#sentCount;
    const droppedBefore = this.#droppedCount;
    const result = this.#flushChain
      .then(() => this.#drain(this.#clock.now() + (this.#options.maxRetryTime ?? 60_000)))
      .then(() => ({ sent: this.#sentCount - sentBefore, dropped: this.#droppedCount - droppedBefore, pending: this.pending }));
    this.#flushChain = result.catch(() => {});
    return result;
  }

  /** Flushes, then removes every timer and listener. What could not be sent is dropped ('closed') unless persisted. */
  close(): Promise<FlushResult> {
    return (this.#closing ??= (async () => {
      this.#removeListeners();
      const result = await this.flush();
      this.#disarmTimer();
      if (this.#options.persistence) return result;
      const left = this.#queue.takeFirst(this.#queue.length);
      this.#drop(left, 'closed', this.#stoppedBy);
      return { sent: result.sent, dropped: result.dropped + left.length, pending: 0 };
    })());
  }

  get #storageKey(): string {
    return this.#options.storageKey ?? 'cdk-api-to-firehose-client';
  }

  async #drain(deadline: number): Promise<void> {
    this.#disarmTimer();
    this.#draining = true;
    this.#stoppedBy = undefined;
    try {
      while (this.#queue.length && !this.#stoppedBy && isOnline() && (await this.#deliver(this.#queue.take(this.#limits), deadline)));
    } finally {
      this.#draining = false;
      this.#scheduleSave();
      this.#armTimer();
    }
  }

  /**
   * Sends one batch, splitting it on 413 and bisecting it on 400 until each part is stored or each bad
   * event is isolated. On a retryable failure the unstored events go back to the head of the queue and
   * the client waits; false ends the flush (stopped, or the wait would pass the deadline).
   */
  async #deliver(batch: Entry[], deadline: number): Promise<boolean> {
    batch.forEach((entry) => this.#inFlight.add(entry));
    const parts = [batch];
    while (parts.length) {
      const part = parts.shift()!;
      const outcome = await this.#send(part);
      if (outcome.kind === 'stored') {
        this.#markSent(part);
        continue;
      }
      this.#reportError(outcome.error);
      if (outcome.kind === 'split' || outcome.kind === 'invalid') {
        const half = Math.ceil(part.length / 2);
        if (half === part.length) this.#drop(part, outcome.kind === 'split' ? 'too-large' : 'invalid', outcome.error);
        else parts.unshift(part.slice(0, half), part.slice(half));
        continue;
      }
      if (outcome.kind === 'stop') {
        this.#stoppedBy = outcome.error;
        this.#requeue([part, ...parts].flat());
        return false;
      }
      let retry = part;
      if (outcome.kind === 'partial') {
        const failed = new Set(outcome.failed);
        this.#markSent(part.filter((_, i) => !failed.has(i)));
        retry = part.filter((_, i) => failed.has(i));
      }
      retry.forEach((entry) => entry.attempts++);
      const maxAttempts = this.#options.maxAttempts ?? 10;
      this.#drop(retry.filter((entry) => entry.attempts >= maxAttempts), 'retries-exhausted', outcome.error);
      parts.unshift(retry.filter((entry) => entry.attempts < maxAttempts));
      const wait = retryDelay(this.#retryTiming, ++this.#consecutiveFailures, this.#options.random ?? Math.random, outcome.retryAfter);
      this.#resumeAt = this.#clock.now() + wait;
      // Not bisecting: back to the queue, where the next batch fills up around them. Bisecting: keep the parts
      // (a new batch would have to find the invalid events again), but where hide() can still send them.
      if (part === batch || this.#resumeAt > deadline) this.#requeue(parts.splice(0).flat());
      if (this.#resumeAt > deadline) return false;
      this.#heldParts = parts;
      await sleep(this.#clock, wait);
      this.#heldParts = undefined;
      if (part === batch) return true;
    }
    this.#consecutiveFailures = 0;
    return true;
  }

  async #send(part: Entry[], keepalive?: boolean): Promise<Outcome> {
    try {
      const body = batchBody(part.map((entry) => entry.json));
      const answer = await post(this.#batchUrl, body, { ...this.#requestOptions, keepalive });
      return classify(answer, part.length, parseRetryAfter(answer.retryAfter, this.#clock.now()));
    } catch (error) {
      return { kind: 'retry', error: error as Error };
    }
  }

  /** The page is hidden or unloading: send the queue now, within the keepalive (or beacon) budget. */
  #onHide(): void {
    let budget = this.#options.unloadBytes ?? 60_000;
    if (this.#heldParts) this.#requeue(this.#heldParts.splice(0).flat());
    while (this.#queue.length && isOnline()) {
      const part = this.#queue.take({ ...this.#limits, maxBytes: Math.min(this.#limits.maxBytes, budget) });
      const body = batchBody(part.map((entry) => entry.json));
      const size = utf8Length(body);
      if (size > budget) {
        this.#queue.unshift(part);
        break;
      }
      budget -= size;
      part.forEach((entry) => this.#inFlight.add(entry));
      const navigator = (globalThis as { navigator?: Beacon }).navigator;
      if (this.#options.beacon && navigator?.sendBeacon) {
        if (navigator.sendBeacon(this.#batchUrl, new Blob([body], { type: 'text/plain' }))) this.#markSent(part);
        else this.#requeue(part);
      } else {
        void this.#send(part, true).then((outcome) => {
          const failed = outcome.kind === 'partial' ? new Set(outcome.failed) : undefined;
          if (outcome.kind === 'stored') {
            this.#markSent(part);
          } else if (failed) {
            this.#markSent(part.filter((_, i) => !failed.has(i)));
            this.#requeue(part.filter((_, i) => failed.has(i)));
          } else {
            this.#requeue(part);
          }
          this.#armTimer();
        });
      }
    }
    this.#save();
  }

  #markSent(entries: Entry[]): void {
    if (!entries.length) return;
    entries.forEach((entry) => this.#inFlight.delete(entry));
    this.#sentCount += entries.length;
    this.#callUser(() => this.#options.onSent?.(entries.map((entry) => entry.id)));
    this.#scheduleSave();
  }

  #drop(entries: Entry[], reason: DropReason, error?: Error): void {
    if (!entries.length) return;
    entries.forEach((entry) => this.#inFlight.delete(entry));
    this.#droppedCount += entries.length;
    this.#callUser(() => this.#options.onDrop?.(entries.map((entry) => ({ id: entry.id, event: entry.event, reason, error }))));
    this.#scheduleSave();
  }

  #requeue(entries: Entry[]): void {
    entries.forEach((entry) => this.#inFlight.delete(entry));
    this.#queue.unshift(entries);
  }

  #reportError(error: Error): void {
    this.#callUser(() => this.#options.onError?.(error));
  }

  /** A user callback must not break delivery. */
  #callUser(callback: () => void): void {
    try {
      callback();
    } catch {
      // the callback's own failure is not the client's
    }
  }

  /** Arms the flush timer when something waits and nothing else will send it. */
  #armTimer(): void {
    if (this.#flushTimer || !this.#queue.length || this.#closing || this.#stoppedBy) return;
    const delay = Math.max(this.#options.flushInterval ?? 5_000, this.#resumeAt - this.#clock.now());
    this.#flushTimer = this.#clock.setTimeout(() => {
      this.#flushTimer = undefined;
      void this.flush();
    }, delay);
  }

  #disarmTimer(): void {
    if (this.#flushTimer) this.#clock.clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
  }

  /** Persists the queue once per task, when persistence is on. */
  #scheduleSave(): void {
    if (!this.#options.persistence || this.#saveScheduled) return;
    this.#saveScheduled = true;
    queueMicrotask(() => this.#save());
  }

  #save(): void {
    this.#saveScheduled = false;
    if (!this.#options.persistence) return;
    try {
      save(this.#storageKey, [...this.#inFlight, ...this.#queue.items].map((entry) => entry.json));
    } catch (error) {
      this.#reportError(error as Error);
    }
  }
}
