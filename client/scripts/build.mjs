// Builds the package: dist/esm (ESM), dist/cjs (CommonJS), dist/types (.d.ts from tsc), dist/browser (minified IIFE,
// global `ApiToFirehoseClient`). Types come from tsc; the JavaScript from esbuild.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

// One file per format: the package is small, and a bundled ESM file needs no extension-bearing import paths.
const common = { entryPoints: [join(root, 'src', 'index.ts')], bundle: true, target: 'es2022', platform: 'neutral', logLevel: 'warning' };
await build({ ...common, outfile: join(dist, 'esm', 'index.js'), format: 'esm' });
await build({ ...common, outfile: join(dist, 'cjs', 'index.js'), format: 'cjs' });
writeFileSync(join(dist, 'esm', 'package.json'), '{"type":"module","sideEffects":false}\n');
writeFileSync(join(dist, 'cjs', 'package.json'), '{"type":"commonjs"}\n');

// The browser bundle, minified (whitespace, syntax, identifiers; tree shaking is on for any bundle). Minifying
// identifiers also renames `#private` class members, where the client keeps its internals, so readable source costs no
// bytes. Public properties (the API, the options, the JSON the endpoint reads) are never renamed: no `mangleProps`.
// scripts/size.mjs checks the size budget and drives the public API through this file.
mkdirSync(join(dist, 'browser'), { recursive: true });
await build({
  entryPoints: [join(root, 'src', 'index.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  globalName: 'ApiToFirehoseClient',
  target: 'es2022',
  platform: 'browser',
  outfile: join(dist, 'browser', 'cdk-api-to-firehose-client.min.js'),
  logLevel: 'warning',
});
console.log('built dist/esm, dist/cjs, dist/types, dist/browser');
