import { Clock, sleep, systemClock } from './clock';
import { isEventId, uuid } from './ids';
import { isOnline, watchPage } from './lifecycle';
import { DropReason, EventClientOptions, FlushResult } from './options';
import { classify, Outcome } from './outcome';
import { load, save } from './persistence';
import { BatchLimits, Entry, fits, Queue } from './queue';
import { parseRetryAfter, retryDelay, RetryTiming } from './retry-timing';
import { batchBody, utf8Length } from './size';
import { post, PostOptions } from './transport';

/**
 * Batches events and posts them to `${url}/batch`, retrying what can be retried and reporting, once,
 * every event it gives up on. No global state: every timer and listener belongs to this instance and
 * `close()` removes them.
 */
export class EventClient {
  private readonly url: string;
  private readonly limits: BatchLimits;
  private readonly timing: RetryTiming;
  private readonly q: Queue;
  private readonly http: PostOptions;
  private readonly clock: Clock;
  private readonly inflight = new Set<Entry>();
  private readonly unwatch: () => void;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: unknown;
  private busy = false;
  private saving = false;
  private closed?: Promise<FlushResult>;
  /** Set by an answer that retrying cannot fix (403, 404, 415): timers stop until flush() is called. */
  private stopped?: Error;
  /** Consecutive failed requests, for the backoff. */
  private failures = 0;
  /** No timer flush before this time (a backoff or Retry-After that outlived a flush). */
  private resumeAt = 0;
  private sent = 0;
  private dropped = 0;
  /** The parts of a bisection waiting out a backoff. */
  private held?: Entry[][];

  constructor(private readonly o: EventClientOptions) {
    if (typeof o?.url != 'string' || !/^https?:\/\//.test(o.url)) throw new TypeError(`EventClient: url must be an http(s) URL, got ${o?.url}`);
    this.url = o.url.replace(/\/+$/, '') + '/batch';
    this.clock = o.clock ?? systemClock;
    this.limits = { maxEvents: o.maxEvents ?? 500, maxBytes: o.maxBytes ?? 1e6, envelopeBytes: o.envelopeBytes ?? 256 };
    this.timing = { base: o.retryBase ?? 500, cap: o.retryCap ?? 3e4 };
    this.q = new Queue(o.maxQueueEvents ?? 1e4, o.maxQueueBytes ?? 5e6);
    this.http = {
      fetch: o.fetch ?? ((...a) => fetch(...a)),
      clock: this.clock,
      timeout: o.timeout ?? 1e4,
      headers: { 'content-type': 'application/json', ...(o.apiKey ? { 'x-api-key': o.apiKey } : {}), ...o.headers },
    };
    if (o.persistence) for (const e of load(this.storageKey)) this.track(e);
    this.unwatch = o.lifecycle === false ? () => {} : watchPage({ hide: () => this.hide(), online: () => this.stopped || void this.flush() });
  }

  /** Events queued or in flight. */
  get pending(): number {
    return this.q.length + this.inflight.size;
  }

  /**
   * Queues a copy of `event` with its id in `idField` and returns the id, which stays the same across
   * retries. An event that can never be sent, or finds the queue full, is reported through `onDrop`.
   */
  track(event: object): string {
    if (this.closed) throw new Error('EventClient: track() after close()');
    if (!event || typeof event != 'object' || Array.isArray(event)) throw new TypeError('EventClient: an event must be a JSON object');
    const f = this.o.idField ?? 'eventId';
    const given = (event as Record<string, unknown>)[f];
    const id = isEventId(given) ? given : uuid();
    const copy = { ...event, [f]: id };
    const json = JSON.stringify(copy);
    const e: Entry = { id, event: copy, json, bytes: utf8Length(json), attempts: 0 };
    if (!fits(e, this.limits)) this.drop([e], 'too-large');
    else if (!this.q.push(e)) this.drop([e], 'queue-full');
    else {
      this.changed();
      if (this.q.full(this.limits) && !this.busy && !this.stopped) void this.flush();
      else this.arm();
    }
    return id;
  }

  /** Sends what is queued, retrying for at most `maxRetryTime`. Resumes a client stopped by a 403. */
  flush(): Promise<FlushResult> {
    const [sent, dropped] = [this.sent, this.dropped];
    const p = this.chain
      .then(() => this.drain(this.clock.now() + (this.o.maxRetryTime ?? 6e4)))
      .then(() => ({ sent: this.sent - sent, dropped: this.dropped - dropped, pending: this.pending }));
    this.chain = p.catch(() => {});
    return p;
  }

  /** Flushes, then removes every timer and listener. What could not be sent is dropped ('closed') unless persisted. */
  close(): Promise<FlushResult> {
    return (this.closed ??= (async () => {
      this.unwatch();
      const r = await this.flush();
      this.disarm();
      if (this.o.persistence) return r;
      const left = this.q.drop(this.q.length);
      this.drop(left, 'closed', this.stopped);
      return { sent: r.sent, dropped: r.dropped + left.length, pending: 0 };
    })());
  }

  private get storageKey(): string {
    return this.o.storageKey ?? 'cdk-api-to-firehose-client';
  }

  private async drain(deadline: number): Promise<void> {
    this.disarm();
    this.busy = true;
    this.stopped = undefined;
    try {
      while (this.q.length && !this.stopped && isOnline() && (await this.deliver(this.q.take(this.limits), deadline)));
    } finally {
      this.busy = false;
      this.changed();
      this.arm();
    }
  }

  /**
   * Sends one batch, splitting it on 413 and bisecting it on 400 until each part is stored or each bad
   * event is isolated. On a retryable failure the unstored events go back to the head of the queue and
   * the client waits; false ends the flush (stopped, or the wait would pass the deadline).
   */
  private async deliver(batch: Entry[], deadline: number): Promise<boolean> {
    batch.forEach((e) => this.inflight.add(e));
    const parts = [batch];
    while (parts.length) {
      const part = parts.shift()!;
      const out = await this.send(part);
      if (out.kind == 'stored') {
        this.done(part);
        continue;
      }
      this.report(out.error);
      if (out.kind == 'split' || out.kind == 'invalid') {
        const h = Math.ceil(part.length / 2);
        if (h == part.length) this.drop(part, out.kind == 'split' ? 'too-large' : 'invalid', out.error);
        else parts.unshift(part.slice(0, h), part.slice(h));
        continue;
      }
      if (out.kind == 'stop') {
        this.stopped = out.error;
        this.requeue([part, ...parts].flat());
        return false;
      }
      let again = part;
      if (out.kind == 'partial') {
        const failed = new Set(out.failed);
        this.done(part.filter((_, i) => !failed.has(i)));
        again = part.filter((_, i) => failed.has(i));
      }
      again.forEach((e) => e.attempts++);
      const max = this.o.maxAttempts ?? 10;
      this.drop(again.filter((e) => e.attempts >= max), 'retries-exhausted', out.error);
      parts.unshift(again.filter((e) => e.attempts < max));
      const wait = retryDelay(this.timing, ++this.failures, this.o.random ?? Math.random, out.retryAfter);
      this.resumeAt = this.clock.now() + wait;
      // Not bisecting: back to the queue, where the next batch fills up around them. Bisecting: keep the parts
      // (a new batch would have to find the invalid events again), but where hide() can still send them.
      if (part == batch || this.resumeAt > deadline) this.requeue(parts.splice(0).flat());
      if (this.resumeAt > deadline) return false;
      this.held = parts;
      await sleep(this.clock, wait);
      this.held = undefined;
      if (part == batch) return true;
    }
    this.failures = 0;
    return true;
  }

  private async send(part: Entry[], keepalive?: boolean): Promise<Outcome> {
    try {
      const a = await post(this.url, batchBody(part.map((e) => e.json)), { ...this.http, keepalive });
      return classify(a, part.length, parseRetryAfter(a.retryAfter, this.clock.now()));
    } catch (error) {
      return { kind: 'retry', error: error as Error };
    }
  }

  /** The page is hidden or unloading: send the queue now, within the keepalive (or beacon) budget. */
  private hide(): void {
    let budget = this.o.unloadBytes ?? 6e4;
    if (this.held) this.requeue(this.held.splice(0).flat());
    while (this.q.length && isOnline()) {
      const part = this.q.take({ ...this.limits, maxBytes: Math.min(this.limits.maxBytes, budget) });
      const body = batchBody(part.map((e) => e.json));
      const size = utf8Length(body);
      if (size > budget) {
        this.q.unshift(part);
        break;
      }
      budget -= size;
      part.forEach((e) => this.inflight.add(e));
      const nav = (globalThis as { navigator?: { sendBeacon?(u: string, b: unknown): boolean } }).navigator;
      if (this.o.beacon && nav?.sendBeacon) {
        if (nav.sendBeacon(this.url, new Blob([body], { type: 'text/plain' }))) this.done(part);
        else this.requeue(part);
      } else {
        void this.send(part, true).then((out) => {
          const failed = out.kind == 'partial' ? new Set(out.failed) : undefined;
          if (out.kind == 'stored') this.done(part);
          else if (failed) {
            this.done(part.filter((_, i) => !failed.has(i)));
            this.requeue(part.filter((_, i) => failed.has(i)));
          } else this.requeue(part);
          this.arm();
        });
      }
    }
    this.save();
  }

  private done(es: Entry[]): void {
    if (!es.length) return;
    es.forEach((e) => this.inflight.delete(e));
    this.sent += es.length;
    this.call(() => this.o.onSent?.(es.map((e) => e.id)));
    this.changed();
  }

  private drop(es: Entry[], reason: DropReason, error?: Error): void {
    if (!es.length) return;
    es.forEach((e) => this.inflight.delete(e));
    this.dropped += es.length;
    this.call(() => this.o.onDrop?.(es.map((e) => ({ id: e.id, event: e.event, reason, error }))));
    this.changed();
  }

  private requeue(es: Entry[]): void {
    es.forEach((e) => this.inflight.delete(e));
    this.q.unshift(es);
  }

  private report(error: Error): void {
    this.call(() => this.o.onError?.(error));
  }

  /** A user callback must not break delivery. */
  private call(f: () => void): void {
    try {
      f();
    } catch {
      // the callback's own failure is not the client's
    }
  }

  /** Arms the flush timer when something waits and nothing else will send it. */
  private arm(): void {
    if (this.timer || !this.q.length || this.closed || this.stopped) return;
    const ms = Math.max(this.o.flushInterval ?? 5e3, this.resumeAt - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }

  private disarm(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Persists the queue once per task, when persistence is on. */
  private changed(): void {
    if (!this.o.persistence || this.saving) return;
    this.saving = true;
    queueMicrotask(() => this.save());
  }

  private save(): void {
    this.saving = false;
    if (!this.o.persistence) return;
    try {
      save(this.storageKey, [...this.inflight, ...this.q.items].map((e) => e.json));
    } catch (e) {
      this.report(e as Error);
    }
  }
}
