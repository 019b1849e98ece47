/**
 * A local HTTP server that speaks the construct's contract for `POST /batch` (status codes and JSON bodies of
 * src/responses.ts and README "Responses") and injects faults. Every request is recorded; stored events are kept
 * in `stored` (duplicates included, as S3 would hold them).
 */
import { once } from 'node:events';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { BATCH_RECORDS_PROPERTY, DEFAULT_MAX_EVENTS, MAX_RECORD_BODY_CHARS } from '../../src/limits';

/** One fault for one request. */
export type Fault =
  | { kind: 'status'; status: 413 | 429 | 502 | 503; retryAfter?: string }
  | { kind: 'partial'; failed: number[] } // 500 PartialFailure (record-per-event mode); all failed = 503 BatchFailed
  | { kind: 'reset' } // the connection is destroyed before an answer
  | { kind: 'stall' } // no answer at all (the client's timeout must end it)
  | { kind: 'storeThenStall' }; // stored, then no answer: the client cannot know, resends; dedupe by id

export interface Received {
  readonly ids: string[];
  readonly status: number | 'reset' | 'stall';
  readonly headers: http.IncomingHttpHeaders;
  readonly bodyChars: number;
}

export interface FaultServerOptions {
  apiKey?: string;
  /** 'packed': 200 {recordId}; 'perEvent': 200 {count, recordIds}. */
  mode?: 'packed' | 'perEvent';
  /** The construct's `batch.maxEvents`. @default DEFAULT_MAX_EVENTS of src/limits.ts */
  maxEvents?: number;
  /** Larger bodies are answered 413. @default MAX_RECORD_BODY_CHARS of src/limits.ts (the packed templates' limit) */
  maxBodyChars?: number;
  /** The fault for the n-th request (0-based), if any. */
  fault?: (n: number, records: Record<string, unknown>[]) => Fault | undefined;
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

export class FaultServer {
  readonly received: Received[] = [];
  readonly stored: Record<string, unknown>[] = [];
  url = '';
  private server?: http.Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  private n = 0;

  constructor(public options: FaultServerOptions = {}) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/prod`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise((r) => this.server!.close(r));
  }

  /** Stored events by id: how many times each was stored. */
  storedCounts(field = 'eventId'): Map<string, number> {
    const m = new Map<string, number>();
    for (const e of this.stored) m.set(String(e[field]), (m.get(String(e[field])) ?? 0) + 1);
    return m;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => this.answer(req, res, Buffer.concat(chunks).toString('utf8')));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const requestId = `req-${this.n}`;
    const o = this.options;
    const record = (status: Received['status'], ids: string[] = []) =>
      this.received.push({ ids, status, headers: req.headers, bodyChars: raw.length });
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type,x-api-key' });
      return void res.end();
    }
    if (req.method !== 'POST' || req.url !== '/prod/batch') {
      record(404);
      return json(res, 404, { error: 'MISSING_AUTHENTICATION_TOKEN', message: 'Missing Authentication Token', requestId });
    }
    if (o.apiKey !== undefined && req.headers['x-api-key'] !== o.apiKey) {
      record(403);
      return json(res, 403, { error: 'INVALID_API_KEY', message: 'Forbidden', requestId });
    }
    if (req.headers['content-type'] !== 'application/json') {
      record(415);
      return json(res, 415, { error: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported Media Type', requestId });
    }
    let records: Record<string, unknown>[];
    try {
      const body = JSON.parse(raw) as Record<string, unknown>;
      if (!Array.isArray(body[BATCH_RECORDS_PROPERTY])) throw new Error('no records');
      records = body[BATCH_RECORDS_PROPERTY] as Record<string, unknown>[];
    } catch {
      record(400);
      return json(res, 400, { error: 'BAD_REQUEST_BODY', message: 'Invalid request body', requestId });
    }
    const ids = records.map((r) => String(r?.eventId));
    const n = this.n++;
    // The request validator: 1..maxEvents objects, each valid for the event schema (here: no `poison` property).
    const invalid = records.length === 0 || records.length > (o.maxEvents ?? DEFAULT_MAX_EVENTS)
      || records.some((r) => !r || typeof r !== 'object' || Array.isArray(r) || 'poison' in r);
    if (invalid) {
      record(400, ids);
      return json(res, 400, { error: 'BAD_REQUEST_BODY', message: 'Invalid request body', requestId });
    }
    if (raw.length > (o.maxBodyChars ?? MAX_RECORD_BODY_CHARS)) {
      record(413, ids);
      return json(res, 413, {
        error: 'PayloadTooLarge',
        message: 'The request is larger than one Firehose record (1,000 KiB) or batch (4 MiB) allows; nothing was stored.',
        requestId,
      });
    }
    const f = o.fault?.(n, records);
    if (f?.kind === 'reset') {
      record('reset', ids);
      return void req.socket.destroy();
    }
    if (f?.kind === 'stall' || f?.kind === 'storeThenStall') {
      record('stall', ids);
      if (f.kind === 'storeThenStall') this.stored.push(...records);
      return; // never answered; stop() destroys the socket
    }
    if (f?.kind === 'status') {
      record(f.status, ids);
      const headers: Record<string, string> = f.retryAfter ? { 'retry-after': f.retryAfter } : {};
      if (f.status === 413) {
        return json(res, 413, { error: 'PayloadTooLarge', message: 'The request is larger than one Firehose record (1,000 KiB) or batch (4 MiB) allows; nothing was stored.', requestId });
      }
      if (f.status === 429) return json(res, 429, { error: 'THROTTLED', message: 'Too Many Requests', requestId }, headers);
      if (f.status === 502) return json(res, 502, { error: 'FirehoseError', message: 'Firehose failed to store the event; retry later.', requestId });
      return json(res, 503, { error: 'ServiceUnavailable', message: 'Firehose is unavailable or throttling; retry later. The event was not stored.', requestId }, headers);
    }
    if (f?.kind === 'partial') {
      const failed = new Set(f.failed.filter((i) => i < records.length));
      records.forEach((r, i) => failed.has(i) || this.stored.push(r));
      const all = failed.size === records.length;
      record(all ? 503 : 500, ids);
      return json(res, all ? 503 : 500, {
        error: all ? 'BatchFailed' : 'PartialFailure',
        message: 'Some events were not stored: retry only the failed indices.',
        requestId,
        count: records.length,
        failedCount: failed.size,
        failed: [...failed].sort((a, b) => a - b).map((index) => ({ index, errorCode: 'ServiceUnavailableException' })),
        recordIds: records.map((_, i) => (failed.has(i) ? null : `rec-${n}-${i}`)),
      });
    }
    this.stored.push(...records);
    record(200, ids);
    if (o.mode === 'perEvent') return json(res, 200, { count: records.length, recordIds: records.map((_, i) => `rec-${n}-${i}`), requestId });
    return json(res, 200, { recordId: `rec-${n}`, requestId });
  }
}

/** A seeded PRNG (mulberry32), for reproducible fault plans. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
