/**
 * Sender fixtures: a captured request is stored as two files under test/senders/fixtures/<dir>/:
 *   <name>.request.json  method, path, raw headers (Host's port replaced by PORT), body size, notes
 *   <name>.body.<ext>    the exact body bytes as sent (before any Content-Encoding is undone when `decoded`)
 *
 * A test compares a fresh capture with the stored files; `UPDATE_SENDER_FIXTURES=1` (re)writes them instead. Like the
 * project's snapshots, a missing fixture fails rather than being written silently.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CapturedRequest } from './otel-capture-server';

export const FIXTURES_DIR = path.join(__dirname, 'fixtures');
export const UPDATE = process.env.UPDATE_SENDER_FIXTURES === '1';

export interface RequestFixture {
  readonly sender: string;
  readonly capturedWith: string;
  readonly method: string;
  readonly path: string;
  readonly rawHeaders: Array<[string, string]>;
  /** null when the request had no body (GET). */
  readonly bodyFile: string | null;
  readonly bodyBytes: number;
  readonly contentEncoding?: string;
  readonly decodedBytes?: number;
  readonly notes: string[];
}

/** Raw headers with the port of Host (which changes from run to run) replaced by PORT. */
export function stableHeaders(r: CapturedRequest): Array<[string, string]> {
  return r.rawHeaders.map(([k, v]) => [k, k.toLowerCase() === 'host' ? v.replace(/:\d+$/, ':PORT') : v]);
}

export function fixturePaths(dir: string, name: string, ext = 'json') {
  const base = path.join(FIXTURES_DIR, dir);
  return { base, request: path.join(base, `${name}.request.json`), body: path.join(base, `${name}.body.${ext}`), bodyFile: `${name}.body.${ext}` };
}

/**
 * Writes the fixture when UPDATE_SENDER_FIXTURES=1, and returns the stored fixture and body otherwise.
 * `body` is what is stored as the body file (the exact bytes sent unless the caller passes the decoded bytes).
 */
export function saveOrLoad(
  dir: string,
  name: string,
  r: CapturedRequest,
  meta: { sender: string; capturedWith: string; notes: string[] },
  options: { ext?: string; body?: Buffer } = {},
): { fixture: RequestFixture; body: Buffer } {
  const p = fixturePaths(dir, name, options.ext);
  const body = options.body ?? r.body;
  if (!UPDATE && !fs.existsSync(p.request)) {
    throw new Error(`missing fixture ${p.request}: run with UPDATE_SENDER_FIXTURES=1 and review it`);
  }
  if (UPDATE) {
    const enc = r.headers['content-encoding'];
    const fixture: RequestFixture = {
      sender: meta.sender,
      capturedWith: meta.capturedWith,
      method: r.method,
      path: r.path,
      rawHeaders: stableHeaders(r),
      bodyFile: body.length ? p.bodyFile : null,
      bodyBytes: body.length,
      ...(enc ? { contentEncoding: String(enc), decodedBytes: r.decoded.length } : {}),
      notes: meta.notes,
    };
    fs.mkdirSync(p.base, { recursive: true });
    fs.writeFileSync(p.request, JSON.stringify(fixture, null, 2) + '\n');
    if (body.length) fs.writeFileSync(p.body, body);
  }
  const fixture = JSON.parse(fs.readFileSync(p.request, 'utf8')) as RequestFixture;
  return { fixture, body: fixture.bodyFile ? fs.readFileSync(path.join(p.base, fixture.bodyFile)) : Buffer.alloc(0) };
}
