/**
 * The log shippers' documented requests (test/senders/fixtures/shippers/*.json, derived from their source and docs;
 * no binary was run): each fixture cites its source and its body has the framing its content type claims.
 * See docs/senders/shippers.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const DIR = path.join(__dirname, 'fixtures', 'shippers');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

function load(f: string): any {
  return JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'));
}

function header(fx: any, name: string): string | undefined {
  return fx.request.headers.find(([k]: [string, string]) => k.toLowerCase() === name)?.[1];
}

test('six shipper fixtures', () => {
  expect(files).toEqual([
    'fluent-bit-5.1.1-http-json-gzip.json',
    'fluent-bit-5.1.1-http-json.json',
    'fluent-bit-5.1.1-http-json_lines.json',
    'logstash-output-http-6.0.1-json_batch.json',
    'vector-0.57.0-http-json-array.json',
    'vector-0.57.0-http-ndjson-gzip.json',
  ]);
});

describe.each(files)('%s', (f) => {
  const fx = load(f);
  const body: string = fx.request.body ?? fx.request.decodedBody;

  test('cites its sources and carries a configuration and semantics', () => {
    expect(fx.source.length).toBeGreaterThan(0);
    for (const s of fx.source) expect(s.file ?? s.page).toBeTruthy();
    expect(fx.config.length).toBeGreaterThan(20);
    expect(Object.keys(fx.semantics)).toEqual(expect.arrayContaining(['success', 'retry', 'drop', 'batching']));
    expect(fx.request.method).toBe('POST');
    expect(fx.request.path).toBe('/prod/v1/logs');
    expect(header(fx, 'x-api-key')).toBeTruthy();
    if (fx.request.decodedBody !== undefined) expect(header(fx, 'content-encoding')).toBe(fx.request.contentEncoding);
    else expect(header(fx, 'content-encoding')).toBeUndefined();
  });

  test('the body has the framing of its content type', () => {
    const ct = header(fx, 'content-type');
    if (ct === 'application/json') {
      const parsed = JSON.parse(body);
      expect(Array.isArray(parsed)).toBe(true);
      expect(parsed.length).toBe(2);
      expect(body.endsWith(']')).toBe(true);
    } else {
      expect(ct).toBe('application/x-ndjson');
      const lines = body.split('\n');
      // Fluent Bit ends every line with \n; Vector removes the final newline.
      if (fx.shipper === 'Fluent Bit') expect(lines.pop()).toBe('');
      else expect(body.endsWith('\n')).toBe(false);
      expect(lines.map((l) => JSON.parse(l))).toHaveLength(2);
    }
  });
});

test('Fluent Bit puts the time key first in each record', () => {
  const json = JSON.parse(load('fluent-bit-5.1.1-http-json.json').request.body);
  expect(Object.keys(json[0])[0]).toBe('date');
  expect(typeof json[0].date).toBe('number');
  const lines = load('fluent-bit-5.1.1-http-json_lines.json').request.body.trim().split('\n').map((l: string) => JSON.parse(l));
  expect(Object.keys(lines[0])[0]).toBe('ts');
  expect(lines[0].ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});
