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

// The package as consumers load it: ESM import, CommonJS require, and the IIFE's global.
import { createRequire } from 'node:module';
import vm from 'node:vm';
const esm = await import(join(root, 'dist', 'esm', 'index.js'));
const cjs = createRequire(import.meta.url)(join(root, 'dist', 'cjs', 'index.js'));
const sandbox = { crypto: globalThis.crypto };
vm.runInNewContext(code.toString('utf8'), sandbox);
for (const [how, m] of [['import', esm], ['require', cjs], ['IIFE ApiToFirehoseClient', sandbox.ApiToFirehoseClient]]) {
  if (typeof m?.EventClient !== 'function' || typeof m?.HttpError !== 'function') {
    console.error(`dist: ${how} does not export EventClient and HttpError`);
    process.exit(1);
  }
}
console.log('dist: import (ESM), require (CommonJS) and the IIFE global ApiToFirehoseClient export EventClient');
process.exit(ok ? 0 : 1);
