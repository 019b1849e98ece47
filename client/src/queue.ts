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
export const cost = (entry: Entry, limits: BatchLimits): number => entry.bytes + 1 + limits.envelopeBytes;

/** Whether one event can ever be sent. */
export const fits = (entry: Entry, limits: BatchLimits): boolean => BODY_OVERHEAD + cost(entry, limits) <= limits.maxBytes;

/** A FIFO of entries bounded in events and bytes, with a running byte count. */
export class Queue {
  /** The entries, oldest first. */
  readonly items: Entry[] = [];
  /** UTF-8 bytes of the entries' JSON. */
  bytes = 0;
  readonly #maxEvents: number;
  readonly #maxBytes: number;

  constructor(maxEvents: number, maxBytes: number) {
    this.#maxEvents = maxEvents;
    this.#maxBytes = maxBytes;
  }

  get length(): number {
    return this.items.length;
  }

  /** Appends, or returns false when the queue is full. */
  push(entry: Entry): boolean {
    if (this.items.length >= this.#maxEvents || this.bytes + entry.bytes > this.#maxBytes) return false;
    this.items.push(entry);
    this.bytes += entry.bytes;
    return true;
  }

  /** Puts entries back at the head (a retry keeps its place in line; the bounds do not apply to events already accepted). */
  unshift(entries: readonly Entry[]): void {
    this.items.unshift(...entries);
    for (const entry of entries) this.bytes += entry.bytes;
  }

  /** Removes and returns the longest head that fits one request (always at least one entry when there is one). */
  take(limits: BatchLimits): Entry[] {
    let count = 0;
    let size = BODY_OVERHEAD;
    while (
      count < this.items.length &&
      count < limits.maxEvents &&
      (count === 0 || size + cost(this.items[count], limits) <= limits.maxBytes)
    ) {
      size += cost(this.items[count++], limits);
    }
    return this.takeFirst(count);
  }

  /** Removes and returns the first `count` entries. */
  takeFirst(count: number): Entry[] {
    const taken = this.items.splice(0, count);
    for (const entry of taken) this.bytes -= entry.bytes;
    return taken;
  }

  /** Whether the queue holds a full request's worth. */
  holdsFullBatch(limits: BatchLimits): boolean {
    return (
      this.items.length >= limits.maxEvents ||
      BODY_OVERHEAD + this.bytes + this.items.length * (1 + limits.envelopeBytes) >= limits.maxBytes
    );
  }
}
