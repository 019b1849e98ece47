import { BODY_OVERHEAD } from './size';

/** One tracked event, serialised once at track(). */
export interface Entry {
  readonly id: string;
  readonly event: Record<string, unknown>;
  readonly json: string;
  /** UTF-8 bytes of `json`. */
  readonly bytes: number;
  /** Requests that carried this event and did not store it. */
  attempts: number;
}

/** How many events and bytes one request may carry. */
export interface BatchLimits {
  readonly maxEvents: number;
  /** Bytes of the request body plus `envelopeBytes` per event. */
  readonly maxBytes: number;
  /** Allowance per event for the envelope the API adds, and the comma. */
  readonly envelopeBytes: number;
}

/** Bytes an entry counts for in a batch. */
export const cost = (e: Entry, l: BatchLimits): number => e.bytes + 1 + l.envelopeBytes;

/** Whether one event can ever be sent. */
export const fits = (e: Entry, l: BatchLimits): boolean => BODY_OVERHEAD + cost(e, l) <= l.maxBytes;

/** A FIFO of entries bounded in events and bytes, with a running byte count. */
export class Queue {
  items: Entry[] = [];
  bytes = 0;

  constructor(private readonly maxEvents: number, private readonly maxBytes: number) {}

  get length(): number {
    return this.items.length;
  }

  /** Appends, or returns false when the queue is full. */
  push(e: Entry): boolean {
    if (this.items.length >= this.maxEvents || this.bytes + e.bytes > this.maxBytes) return false;
    this.items.push(e);
    this.bytes += e.bytes;
    return true;
  }

  /** Puts entries back at the head (a retry keeps its place in line; the bounds do not apply to events already accepted). */
  unshift(es: readonly Entry[]): void {
    this.items.unshift(...es);
    for (const e of es) this.bytes += e.bytes;
  }

  /** Removes and returns the longest head that fits one request. */
  take(l: BatchLimits): Entry[] {
    let n = 0;
    let size = BODY_OVERHEAD;
    while (n < this.items.length && n < l.maxEvents && (n == 0 || size + cost(this.items[n], l) <= l.maxBytes)) {
      size += cost(this.items[n++], l);
    }
    return this.drop(n);
  }

  /** Removes and returns the first `n` entries. */
  drop(n: number): Entry[] {
    const out = this.items.splice(0, n);
    for (const e of out) this.bytes -= e.bytes;
    return out;
  }

  /** Whether the queue holds a full request's worth. */
  full(l: BatchLimits): boolean {
    return this.items.length >= l.maxEvents || BODY_OVERHEAD + this.bytes + this.items.length * (1 + l.envelopeBytes) >= l.maxBytes;
  }
}
