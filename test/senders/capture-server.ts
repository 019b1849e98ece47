/**
 * A small recording HTTP server on loopback, for capturing what real senders (Segment's SDKs, OTel exporters, ...)
 * put on the wire and for answering them with scripted statuses and faults.
 *
 * Two modes:
 * - answer (default): every request is recorded and answered from a script: a fixed reply, a queue of replies consumed
 *   one per request, or a function of the request. A reply is a status with headers and body, or a connection reset.
 * - proxy (`target`): every request is recorded and forwarded to an http target (e.g. LocalStack's API Gateway), and
 *   faults can be injected by a seeded schedule: a 503 or 429 instead of forwarding, a reset before forwarding (the
 *   target never sees the request), or a reset after forwarding (the target stored it; the sender sees a failure).
 *
 * CORS: with `cors: true` (default) a preflight (OPTIONS with Access-Control-Request-Method) is answered 204 with
 * Access-Control-Allow-Origin echoing the origin and Access-Control-Allow-Headers echoing what was asked, and every
 * reply carries Access-Control-Allow-Origin. Preflights are recorded like any request (kind 'preflight').
 *
 * `files` serves fixed files (a test page, a browser bundle) by path; they are recorded with kind 'file'.
 *
 * Ports: loopback only; pass `port`, or let it take the first free port of `portRange` (default 4700-4720).
 *
 * Command line (proxy in front of a local API, recording to JSON Lines):
 *   npx ts-node test/senders/capture-server.ts --port 4710 --target http://127.0.0.1:4566 \
 *     --seed 7 --faults 503=0.1,429=0.05,reset-before=0.05,reset-after=0.05 --retry-after 1 --log /tmp/capture.jsonl
 */
import { appendFileSync } from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as zlib from 'zlib';

/** One request as the server saw it. */
export interface RecordedRequest {
  /** 0-based order of arrival (all kinds). */
  readonly seq: number;
  /** Milliseconds since the server started. */
  readonly at: number;
  readonly kind: 'request' | 'preflight' | 'file';
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  readonly query: Record<string, string | string[]>;
  /** Header names lowercased, as node parses them. */
  readonly headers: http.IncomingHttpHeaders;
  /** Header names and values in the order and case received. */
  readonly rawHeaders: string[];
  /** The body bytes exactly as received. */
  readonly body: Buffer;
  /** The body after Content-Encoding (gzip, deflate, br) was undone; equal to body when not encoded. */
  readonly decoded: Buffer;
  /** decoded as UTF-8. */
  readonly text: string;
  /** text parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
  /** What the server did: answered with a status, reset the connection, or served a file. Filled in when done. */
  outcome?: { status?: number; reset?: 'before' | 'after'; fault?: string; upstreamStatus?: number; error?: string };
}

/** A scripted answer: a status with headers and body, or a connection reset. */
export type Reply =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string | Buffer | object }
  | { readonly reset: true };

/** A fixed reply, or a function of the request (and of how many non-preflight requests came before it). */
export type Responder = Reply | ((req: RecordedRequest, n: number) => Reply | Promise<Reply>);

/** Fault probabilities per request in proxy mode (each 0-1, their sum at most 1). */
export interface FaultRates {
  readonly 503?: number;
  readonly 429?: number;
  /** Reset the connection without forwarding (the target never sees the request). */
  readonly resetBefore?: number;
  /** Forward, then reset the connection instead of answering (the target handled it; the sender sees a failure). */
  readonly resetAfter?: number;
}

export interface CaptureServerOptions {
  /** Loopback address to bind. @default '127.0.0.1' */
  readonly host?: string;
  /** Exact port; when absent the first free port of portRange. */
  readonly port?: number;
  /** @default [4700, 4720] */
  readonly portRange?: readonly [number, number];
  /** The answer when no queued reply is left (answer mode). @default { status: 200, body: { success: true } } */
  readonly reply?: Responder;
  /** Answer CORS preflights and add Access-Control-Allow-Origin to replies. @default true */
  readonly cors?: boolean;
  /** Fixed files served by exact path (GET), e.g. a page and a script. */
  readonly files?: Record<string, { readonly contentType: string; readonly body: string | Buffer }>;
  /** Proxy mode: forward every request to this http origin (path and query kept). */
  readonly target?: string;
  /** Proxy mode: fault probabilities, drawn from a PRNG seeded with `seed`. */
  readonly faults?: FaultRates;
  /** @default 1 */
  readonly seed?: number;
  /** Retry-After value sent with injected 503/429. @default none */
  readonly retryAfter?: string;
  /** Append each recorded request as a JSON line to this file (headers, body as UTF-8 and base64, outcome). */
  readonly logFile?: string;
}

/** mulberry32: a small deterministic PRNG, so a fault schedule is the same for the same seed. */
/* eslint-disable no-bitwise */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

function decode(body: Buffer, encoding: string | undefined): Buffer {
  try {
    switch ((encoding ?? '').trim().toLowerCase()) {
      case 'gzip': case 'x-gzip': return zlib.gunzipSync(body);
      case 'deflate': return zlib.inflateSync(body);
      case 'br': return zlib.brotliDecompressSync(body);
      default: return body;
    }
  } catch {
    return body;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function queryOf(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** Resets the connection (TCP RST where node supports it). */
function reset(res: http.ServerResponse): void {
  const socket = res.socket as (import('net').Socket & { resetAndDestroy?: () => void }) | null;
  if (!socket) return;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

export class CaptureServer {
  /** Starts a server; resolves once it listens. */
  public static async start(options: CaptureServerOptions = {}): Promise<CaptureServer> {
    const s = new CaptureServer(options);
    await s.listen();
    return s;
  }

  /** Every request so far, in order of arrival. */
  public readonly requests: RecordedRequest[] = [];
  private readonly server: http.Server;
  private readonly started = Date.now();
  private readonly queue: Reply[] = [];
  private responder: Responder;
  private readonly random: () => number;
  private counted = 0;
  private waiters: Array<() => void> = [];
  private _port = 0;

  private constructor(private readonly options: CaptureServerOptions) {
    this.responder = options.reply ?? { status: 200, body: { success: true } };
    this.random = seededRandom(options.seed ?? 1);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        }
      });
    });
    // Keep idle connections short so a closing test does not wait on them.
    this.server.keepAliveTimeout = 1000;
  }

  /** The origin, e.g. http://127.0.0.1:4701. */
  public get url(): string {
    return `http://${this.options.host ?? '127.0.0.1'}:${this._port}`;
  }

  public get port(): number {
    return this._port;
  }

  /** Requests of kind 'request' (not preflights, not files). */
  public get posts(): RecordedRequest[] {
    return this.requests.filter((r) => r.kind === 'request');
  }

  /** Sets the reply used once the queue is empty. */
  public setReply(responder: Responder): void {
    this.responder = responder;
  }

  /** Queues replies, consumed one per request (not preflights or files) before the default reply. */
  public script(...replies: Reply[]): void {
    this.queue.push(...replies);
  }

  /** Forgets recorded requests, queued replies and the request count. */
  public clear(): void {
    this.requests.length = 0;
    this.queue.length = 0;
    this.counted = 0;
  }

  /** Resolves with the requests matching `pred` once there are at least `count`; rejects after `timeoutMs`. */
  public async waitFor(count: number, pred: (r: RecordedRequest) => boolean = (r) => r.kind === 'request', timeoutMs = 10_000): Promise<RecordedRequest[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.filter((r) => pred(r) && r.outcome !== undefined);
      if (found.length >= count) return found;
      const left = until - Date.now();
      if (left <= 0) throw new Error(`waited ${timeoutMs} ms for ${count} requests, got ${found.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  public async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    const host = this.options.host ?? '127.0.0.1';
    const [lo, hi] = this.options.port !== undefined ? [this.options.port, this.options.port] : this.options.portRange ?? [4700, 4720];
    let last: unknown;
    for (let port = lo; port <= hi; port++) {
      try {
        await new Promise<void>((resolve, reject) => {
          const onError = (e: Error) => {
            this.server.off('listening', onListening);
            reject(e);
          };
          const onListening = () => {
            this.server.off('error', onError);
            resolve();
          };
          this.server.once('error', onError);
          this.server.once('listening', onListening);
          this.server.listen(port, host);
        });
        this._port = (this.server.address() as AddressInfo).port;
        return;
      } catch (e) {
        last = e;
      }
    }
    throw new Error(`no free port in ${lo}-${hi} on ${host}: ${String(last)}`);
  }

  private notify(rec: RecordedRequest): void {
    if (this.options.logFile) {
      appendFileSync(this.options.logFile, JSON.stringify({
        seq: rec.seq,
        at: rec.at,
        kind: rec.kind,
        method: rec.method,
        path: rec.path,
        query: rec.query,
        headers: rec.headers,
        body: rec.text,
        bodyBase64: rec.body.toString('base64'),
        outcome: rec.outcome,
      }) + '\n');
    }
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://capture.invalid');
    const decoded = decode(body, req.headers['content-encoding']);
    const text = decoded.toString('utf8');
    const origin = req.headers.origin;
    const cors = this.options.cors ?? true;
    const isPreflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    const file = req.method === 'GET' ? this.options.files?.[url.pathname] : undefined;
    const rec: RecordedRequest = {
      seq: this.requests.length,
      at: Date.now() - this.started,
      kind: isPreflight ? 'preflight' : file ? 'file' : 'request',
      method: req.method ?? '',
      path: url.pathname,
      query: queryOf(url),
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body,
      decoded,
      text,
      json: parseJson(text),
    };
    this.requests.push(rec);
    const corsHeaders: Record<string, string> = cors && origin
      ? { 'access-control-allow-origin': origin, 'vary': 'Origin', 'access-control-expose-headers': 'retry-after' }
      : {};

    const send = (status: number, headers: Record<string, string>, payload?: string | Buffer | object) => {
      const bytes = payload === undefined ? Buffer.alloc(0)
        : Buffer.isBuffer(payload) ? payload
          : typeof payload === 'string' ? Buffer.from(payload)
            : Buffer.from(JSON.stringify(payload));
      const type = payload !== undefined && !Buffer.isBuffer(payload) && typeof payload === 'object'
        ? { 'content-type': 'application/json' } : {};
      res.writeHead(status, { ...corsHeaders, ...type, ...headers });
      res.end(bytes);
      rec.outcome = { ...rec.outcome, status };
      this.notify(rec);
    };

    if (isPreflight) {
      if (!cors) return send(403, {});
      return send(204, {
        ...corsHeaders,
        'access-control-allow-methods': 'POST, GET, OPTIONS',
        'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? ''),
        'access-control-max-age': '0',
      });
    }
    if (file) return send(200, { 'content-type': file.contentType, 'cache-control': 'no-store' }, file.body);

    const n = this.counted++;
    if (this.options.target) return this.proxy(req, res, rec, send);

    const queued = this.queue.shift();
    const reply = queued ?? (typeof this.responder === 'function' ? await this.responder(rec, n) : this.responder);
    if ('reset' in reply) {
      rec.outcome = { reset: 'before' };
      reset(res);
      this.notify(rec);
      return;
    }
    return send(reply.status, reply.headers ?? {}, reply.body);
  }

  private async proxy(
    req: http.IncomingMessage, res: http.ServerResponse, rec: RecordedRequest,
    send: (status: number, headers: Record<string, string>, payload?: string | Buffer | object) => void,
  ): Promise<void> {
    const f = this.options.faults ?? {};
    const draw = this.random();
    const edges: Array<[string, number]> = [['503', f[503] ?? 0], ['429', f[429] ?? 0], ['reset-before', f.resetBefore ?? 0], ['reset-after', f.resetAfter ?? 0]];
    let fault: string | undefined;
    let acc = 0;
    for (const [name, p] of edges) {
      acc += p;
      if (draw < acc) {
        fault = name;
        break;
      }
    }
    const retryAfter: Record<string, string> = this.options.retryAfter ? { 'retry-after': this.options.retryAfter } : {};
    if (fault === '503' || fault === '429') {
      rec.outcome = { fault };
      return send(Number(fault), { ...retryAfter }, { message: `injected ${fault}` });
    }
    if (fault === 'reset-before') {
      rec.outcome = { fault, reset: 'before' };
      reset(res);
      this.notify(rec);
      return;
    }
    const target = new URL(req.url ?? '/', this.options.target);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || ['host', 'connection', 'content-length', 'transfer-encoding'].includes(k)) continue;
      headers[k] = v;
    }
    let upstream: { status: number; headers: http.IncomingHttpHeaders; body: Buffer };
    try {
      upstream = await new Promise((resolve, reject) => {
        const up = http.request(target, { method: req.method, headers: { ...headers, 'content-length': String(rec.body.length) } }, (r) => {
          const parts: Buffer[] = [];
          r.on('data', (c: Buffer) => parts.push(c));
          r.on('end', () => resolve({ status: r.statusCode ?? 502, headers: r.headers, body: Buffer.concat(parts) }));
          r.on('error', reject);
        });
        up.on('error', reject);
        up.end(rec.body);
      });
    } catch (e) {
      rec.outcome = { error: String(e) };
      return send(502, {}, { message: `upstream error: ${String(e)}` });
    }
    if (fault === 'reset-after') {
      rec.outcome = { fault, reset: 'after', upstreamStatus: upstream.status };
      reset(res);
      this.notify(rec);
      return;
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(upstream.headers)) {
      if (v === undefined || ['connection', 'transfer-encoding', 'content-length', 'keep-alive'].includes(k)) continue;
      out[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    rec.outcome = { upstreamStatus: upstream.status };
    // Upstream CORS headers win over ours (the target's CORS is what is under test).
    res.writeHead(upstream.status, { ...out });
    res.end(upstream.body);
    rec.outcome = { ...rec.outcome, status: upstream.status };
    this.notify(rec);
  }
}

/** Parses `503=0.1,429=0.05,reset-before=0.05,reset-after=0.05`. */
export function parseFaults(spec: string): FaultRates {
  const out: Record<string, number> = {};
  for (const part of spec.split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    const key = ({ '503': '503', '429': '429', 'reset-before': 'resetBefore', 'reset-after': 'resetAfter' } as Record<string, string>)[k.trim()];
    if (!key) throw new Error(`unknown fault '${k}': use 503, 429, reset-before, reset-after`);
    out[key] = Number(v);
  }
  return out as FaultRates;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const port = opt('port');
  const status = opt('status');
  void CaptureServer.start({
    port: port ? Number(port) : undefined,
    target: opt('target'),
    faults: opt('faults') ? parseFaults(opt('faults')!) : undefined,
    seed: opt('seed') ? Number(opt('seed')) : undefined,
    retryAfter: opt('retry-after'),
    logFile: opt('log'),
    reply: status ? { status: Number(status), body: { success: Number(status) < 400 } } : undefined,
  }).then((s) => {
    process.stdout.write(`capture server on ${s.url}${opt('target') ? ` -> ${opt('target')}` : ''}\n`);
    const stop = () => void s.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
