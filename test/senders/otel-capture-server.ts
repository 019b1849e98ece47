/**
 * A minimal HTTP capture server for sender tests (loopback only, ports 4730-4750).
 *
 * It records every request as it arrived: method, path, the raw header list (original case and order), the
 * lower-cased header map, the exact body bytes, and the body decoded from its Content-Encoding (gzip, deflate).
 * Each answer is scriptable: `respond(request, index)` returns the status, headers and body to send back.
 *
 * Used in-process by test/senders/*.test.ts, and as a command for senders in other languages:
 *
 *   npx ts-node test/senders/otel-capture-server.ts 4740 /tmp/capture-dir [status]
 *
 * writes each request to /tmp/capture-dir/NNN.json (body as text and base64) and answers `status` (default 200)
 * with the body `{}`.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export interface CapturedRequest {
  readonly method: string;
  /** The request target as sent (path and query). */
  readonly path: string;
  /** Raw header pairs in the order and case they were sent. */
  readonly rawHeaders: ReadonlyArray<[string, string]>;
  /** Node's lower-cased header map. */
  readonly headers: http.IncomingHttpHeaders;
  /** The exact body bytes. */
  readonly body: Buffer;
  /** The body after undoing Content-Encoding (gzip, x-gzip, deflate); equal to `body` otherwise. */
  readonly decoded: Buffer;
  /** Milliseconds since the server started. */
  readonly at: number;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Delay the answer by this many milliseconds. */
  readonly delayMs?: number;
}

export type Responder = (request: CapturedRequest, index: number) => ScriptedResponse;

export interface CaptureServer {
  readonly port: number;
  readonly origin: string;
  readonly requests: CapturedRequest[];
  /** Replace the responder (applies to the next request). */
  respondWith(responder: Responder): void;
  /** Forget the recorded requests. */
  reset(): void;
  /** Resolves once at least `count` requests have been recorded (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<CapturedRequest[]>;
  close(): Promise<void>;
}

export const OK_EMPTY_JSON: Responder = () => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{}',
});

export function decodeBody(body: Buffer, contentEncoding: string | string[] | undefined): Buffer {
  const enc = (Array.isArray(contentEncoding) ? contentEncoding.join(',') : contentEncoding ?? '').trim().toLowerCase();
  if (enc === 'gzip' || enc === 'x-gzip') return zlib.gunzipSync(body);
  if (enc === 'deflate') {
    // HTTP "deflate" is zlib (RFC 1950); some senders send raw deflate (RFC 1951).
    try {
      return zlib.inflateSync(body);
    } catch {
      return zlib.inflateRawSync(body);
    }
  }
  return body;
}

function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

/**
 * Starts a capture server on 127.0.0.1, on the first free port of `ports` (default 4730-4750).
 */
export async function startCaptureServer(options: {
  ports?: number[];
  respond?: Responder;
} = {}): Promise<CaptureServer> {
  const ports = options.ports ?? Array.from({ length: 21 }, (_, i) => 4730 + i);
  const started = Date.now();
  const requests: CapturedRequest[] = [];
  let responder: Responder = options.respond ?? OK_EMPTY_JSON;
  let waiters: Array<() => void> = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let decoded: Buffer;
      try {
        decoded = decodeBody(body, req.headers['content-encoding']);
      } catch {
        decoded = body;
      }
      const captured: CapturedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        rawHeaders: pairs(req.rawHeaders),
        headers: req.headers,
        body,
        decoded,
        at: Date.now() - started,
      };
      const index = requests.length;
      requests.push(captured);
      const answer = responder(captured, index);
      const send = () => {
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
        const w = waiters;
        waiters = [];
        w.forEach((f) => f());
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 1000;

  let port: number | undefined;
  for (const candidate of ports) {
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: Error) => {
          server.off('listening', onListening);
          reject(e);
        };
        const onListening = () => {
          server.off('error', onError);
          resolve();
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen(candidate, '127.0.0.1');
      });
      port = (server.address() as AddressInfo).port;
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
  if (port === undefined) throw new Error(`no free port among ${ports.join(',')}`);

  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    respondWith(r) {
      responder = r;
    },
    reset() {
      requests.length = 0;
    },
    waitFor(count, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${count} requests (have ${requests.length})`)),
          timeoutMs,
        );
        const check = () => {
          if (requests.length >= count) {
            clearTimeout(timer);
            resolve(requests.slice());
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** A JSON-safe record of a captured request (the body as UTF-8 text when it is text, and always as base64). */
export function toRecord(r: CapturedRequest): Record<string, unknown> {
  const text = r.decoded.toString('utf8');
  return {
    method: r.method,
    path: r.path,
    rawHeaders: r.rawHeaders,
    bodyBytes: r.body.length,
    decodedBytes: r.decoded.length,
    bodyBase64: r.body.toString('base64'),
    decodedText: Buffer.from(text, 'utf8').equals(r.decoded) ? text : undefined,
    at: r.at,
  };
}

// Command mode: record requests from senders in other languages (Python, …) to a directory.
if (require.main === module) {
  const port = Number(process.argv[2] ?? 4740);
  const dir = process.argv[3] ?? '/tmp/capture';
  const status = Number(process.argv[4] ?? 200);
  fs.mkdirSync(dir, { recursive: true });
  void startCaptureServer({
    ports: [port],
    respond: (r, i) => {
      fs.writeFileSync(path.join(dir, `${String(i).padStart(3, '0')}.json`), JSON.stringify(toRecord(r), null, 1));
      return { status, headers: { 'content-type': 'application/json' }, body: '{}' };
    },
  }).then((s) => {
    // eslint-disable-next-line no-console
    console.log(`capturing on ${s.origin}, writing to ${dir}`);
  });
}
