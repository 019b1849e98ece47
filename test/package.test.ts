/**
 * The npm tarball (what Construct Hub and npm users get) holds the library and its docs and nothing else. Runs
 * `npm pack --dry-run --json` over the compiled lib/ (projen build runs the tests after compile).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf-8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return (JSON.parse(out)[0].files as { path: string }[]).map((f) => f.path).sort();
}

describe('npm package', () => {
  // Every module under src/ (recursively), as lib/ paths without extension.
  const sources = (fs.readdirSync(path.join(ROOT, 'src'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.ts$/, '').split(path.sep).join('/'));
  const compiled = sources.every((s) => fs.existsSync(path.join(ROOT, 'lib', `${s}.js`))) && fs.existsSync(path.join(ROOT, '.jsii'));
  let files: string[] = [];
  beforeAll(() => {
    if (!compiled) throw new Error('lib/ or .jsii is missing: run `npx projen compile` first (projen build does).');
    files = packedFiles();
  });

  test('holds the compiled library, its jsii assembly and its docs', () => {
    const expected = [
      '.jsii', 'API.md', 'LICENSE', 'README.md', 'package.json',
      ...sources.flatMap((s) => [`lib/${s}.js`, `lib/${s}.d.ts`]),
    ].sort();
    expect(files).toEqual(expected);
  });

  test.each(['src/', 'test/', 'integ/', 'scripts/', 'docs/', 'client/', '.localstack/', '.github/', 'projenrc/', 'dist/', 'node_modules/'])(
    'holds nothing from %s', (dir) => {
      expect(files.filter((f) => f.startsWith(dir))).toEqual([]);
    });

  test('package.json points at what is packed', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8'));
    expect(files).toContain(pkg.main);
    expect(files).toContain(pkg.types);
    expect(pkg.stability).toBe('experimental');
    expect(pkg.repository.url).toBe('https://github.com/cdk-api-to-firehose/cdk-api-to-firehose.git');
  });
});
