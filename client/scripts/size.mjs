// Bundle size of dist/browser/cdk-api-to-firehose-client.min.js: minified and minified + gzip (level 9).
// Fails above the budget (4 KB = 4,096 bytes gzip). Writes the figures to ../docs/benchmarks/client-size.json.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_GZIP = 4096;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, 'dist', 'browser', 'cdk-api-to-firehose-client.min.js');
const code = readFileSync(file);
const gz = gzipSync(code, { level: 9 }).length;
const ok = gz <= BUDGET_GZIP;
console.log(`client bundle dist/browser/cdk-api-to-firehose-client.min.js: ${code.length} B minified, ${gz} B min+gzip ` +
  `(budget ${BUDGET_GZIP} B: ${ok ? 'within' : 'OVER'}, ${((gz / BUDGET_GZIP) * 100).toFixed(0)} %)`);
const out = join(root, '..', 'docs', 'benchmarks');
if (existsSync(out) && process.env.CLIENT_SIZE_WRITE !== '0') {
  writeFileSync(join(out, 'client-size.json'), JSON.stringify({ generatedBy: 'client/scripts/size.mjs', minifiedBytes: code.length, gzipBytes: gz, budgetGzipBytes: BUDGET_GZIP, withinBudget: ok }, null, 2) + '\n');
}

// The package as consumers load it: ESM import, CommonJS require, and the IIFE's global. Each one is driven through
// its public API (options, methods, callbacks, error fields), so a minifier setting that renamed a public name fails here.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import vm from 'node:vm';

/** Tracks 4 events through `api.EventClient` against a fake fetch (a 503, then 200s) and checks what came out. */
async function usePublicApi(api) {
  const requests = [];
  const answers = [{ status: 503, text: '{"error":"ServiceUnavailable","message":"retry later"}' }];
  const fetch = async (url, init) => {
    requests.push({ url, init, body: JSON.parse(init.body) });
    const { status, text } = answers.shift() ?? { status: 200, text: '{}' };
    return { status, headers: { get: () => null }, text: async () => text };
  };
  // Only the 0 ms backoff runs; the flush timer and the request timeout never fire.
  const clock = { now: () => 0, setTimeout: (fn, ms) => ms === 0 && void Promise.resolve().then(fn), clearTimeout: () => {} };
  const sent = [];
  const dropped = [];
  const errors = [];
  const client = new api.EventClient({
    url: 'https://example.invalid/prod/', apiKey: 'key', headers: { 'x-extra': '1' }, idField: 'id', maxEvents: 2, maxBytes: 1000,
    retryBase: 0, random: () => 0, fetch, clock, lifecycle: false,
    onSent: (ids) => sent.push(...ids), onDrop: (events) => dropped.push(...events), onError: (error) => errors.push(error),
  });
  const ids = [client.track({ id: 'order-1' }), client.track({ n: 2 }), client.track({ n: 3 })];
  const tooLarge = client.track({ pad: 'x'.repeat(1000) });
  assert.equal(ids[0], 'order-1');
  const result = await client.close();
  assert.deepEqual(Object.keys(result).sort(), ['dropped', 'pending', 'sent']);
  assert.equal(client.pending, 0);
  assert.deepEqual([...sent].sort(), [...ids].sort());
  assert.deepEqual(dropped.map((d) => [d.id, d.reason, d.event.id]), [[tooLarge, 'too-large', tooLarge]]);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof api.HttpError);
  assert.deepEqual([errors[0].name, errors[0].status, errors[0].code, errors[0].message], ['HttpError', 503, 'ServiceUnavailable', 'HTTP 503: retry later']);
  for (const { url, init, body } of requests) {
    assert.equal(url, 'https://example.invalid/prod/batch');
    assert.deepEqual({ ...init.headers }, { 'content-type': 'application/json', 'x-api-key': 'key', 'x-extra': '1' });
    assert.ok(body.records.length <= 2 && body.records.every((event) => ids.includes(event.id)));
  }
  assert.throws(() => client.track({}), /after close/);
  const timeout = new api.TimeoutError(5);
  assert.deepEqual([timeout.name, timeout.timeout], ['TimeoutError', 5]);
  const cause = new Error('reset');
  assert.deepEqual([new api.NetworkError(cause).name, new api.NetworkError(cause).cause], ['NetworkError', cause]);
  assert.equal(api.retryDelay({ base: 500, cap: 30_000 }, 3, () => 0.5), 1000);
  assert.equal(api.parseRetryAfter('2', 0), 2000);
}

const esm = await import(join(root, 'dist', 'esm', 'index.js'));
const cjs = createRequire(import.meta.url)(join(root, 'dist', 'cjs', 'index.js'));
const sandbox = { crypto: globalThis.crypto, AbortController };
vm.runInNewContext(code.toString('utf8'), sandbox);
for (const [how, api] of [['import', esm], ['require', cjs], ['IIFE ApiToFirehoseClient', sandbox.ApiToFirehoseClient]]) {
  try {
    await usePublicApi(api);
  } catch (error) {
    console.error(`dist: ${how}: the public API does not work as documented`, error);
    process.exit(1);
  }
}
console.log('dist: import (ESM), require (CommonJS) and the IIFE global ApiToFirehoseClient: EventClient, its options and errors work');
process.exit(ok ? 0 : 1);
