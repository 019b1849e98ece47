/**
 * Captured requests as JSON fixtures (test/senders/fixtures/<sender>/*.json), for the template tests that come later.
 *
 * A fixture holds one request exactly as a sender sent it: method, path, query, the headers in the order and case
 * received, and the body as the UTF-8 text of the bytes received (plus base64 of the raw bytes when the body was
 * content-encoded, e.g. gzip). `json` is the parsed body, for reading.
 *
 * The capture tests compare each new capture with its fixture by shape (header names; JSON keys and value types,
 * not values), so a sender whose request changes fails the test. `SENDER_FIXTURES=write` rewrites the fixtures.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import { RecordedRequest } from './capture-server';

export interface RequestFixture {
  /** Which package and version sent it, and how (options, calls). */
  readonly sender: { readonly package: string; readonly version: string; readonly runtime: string; readonly how: string };
  readonly request: {
    readonly method: string;
    readonly path: string;
    readonly query: Record<string, string | string[]>;
    /** Names as received (case kept), in order; repeated names joined with ', '. */
    readonly headers: Record<string, string>;
    /** The body bytes as UTF-8 text, after Content-Encoding was undone. */
    readonly body: string;
    /** The raw body bytes in base64, only when a Content-Encoding was applied. */
    readonly bodyBase64?: string;
  };
  readonly json?: unknown;
}

export const WRITE = process.env.SENDER_FIXTURES === 'write';

export function toFixture(r: RecordedRequest, sender: RequestFixture['sender']): RequestFixture {
  const headers: Record<string, string> = {};
  for (let i = 0; i < r.rawHeaders.length; i += 2) {
    const name = r.rawHeaders[i];
    headers[name] = headers[name] === undefined ? r.rawHeaders[i + 1] : `${headers[name]}, ${r.rawHeaders[i + 1]}`;
  }
  const encoded = r.headers['content-encoding'] !== undefined;
  return {
    sender,
    request: {
      method: r.method,
      path: r.path,
      query: r.query,
      headers,
      body: r.text,
      ...(encoded ? { bodyBase64: r.body.toString('base64') } : {}),
    },
    ...(r.json !== undefined ? { json: r.json } : {}),
  };
}

/** Replaces every leaf by its type, keeping object keys (sorted) and array lengths. */
export function shapeOf(v: unknown): unknown {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.map(shapeOf);
  if (typeof v === 'object') {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, shapeOf((v as Record<string, unknown>)[k])]));
  }
  return typeof v;
}

function headerNames(f: RequestFixture): string[] {
  return Object.keys(f.request.headers).map((h) => h.toLowerCase()).sort();
}

/**
 * Writes the fixture (SENDER_FIXTURES=write), or checks the capture against the committed one: same method and path,
 * same header names, same JSON shape. Returns the committed fixture.
 */
export function checkFixture(dir: string, name: string, captured: RequestFixture): RequestFixture {
  const file = path.join(dir, `${name}.json`);
  if (WRITE) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(captured, null, 2) + '\n');
    return captured;
  }
  if (!existsSync(file)) throw new Error(`fixture ${file} missing: run with SENDER_FIXTURES=write to capture it`);
  const committed = JSON.parse(readFileSync(file, 'utf8')) as RequestFixture;
  expect({ method: captured.request.method, path: captured.request.path, headers: headerNames(captured), json: shapeOf(captured.json) })
    .toEqual({ method: committed.request.method, path: committed.request.path, headers: headerNames(committed), json: shapeOf(committed.json) });
  return committed;
}
