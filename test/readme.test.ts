import { existsSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApiToFirehose } from '../src';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README.md', () => {
  test('"Try it locally", within the first screen, gives the two commands: the demo, then the whole test suite', () => {
    const section = readme.indexOf('\n## Try it locally\n');
    expect(section).toBeGreaterThan(0);
    expect(readme.slice(0, section).split('\n').length).toBeLessThan(80);
    expect([...readme.slice(0, section).matchAll(/^## /gm)].length).toBeLessThanOrEqual(3);
    const first = readme.slice(section).match(/```bash\n([\s\S]*?)```/)![1].trim().split('\n').map((l) => l.replace(/\s+#.*$/, ''));
    expect(first).toEqual(['bash scripts/demo.sh', 'bash scripts/test.sh']);
  });

  test('the first screen says what it is, how to install it, and a quick start that makes the construct', () => {
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings.slice(0, 3)).toEqual(['Install', 'Quick start', 'Try it locally']);
    expect(readme.slice(0, readme.indexOf('\n## ')).length).toBeLessThan(2500);
    const quick = readme.slice(readme.indexOf('\n## Quick start\n'), readme.indexOf('\n## Try it locally\n'));
    expect(quick).toMatch(/new ApiToFirehose\(stack, /);
  });

  test('.ci/run runs the README test command', () => {
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toMatch(/^exec bash scripts\/test\.sh$/m);
  });

  test('has no backslash-u: jsii copies the README into Java sources, where javac reads it as a unicode escape', () => {
    expect(readme).not.toMatch(/\\u/);
  });

  test.each([
    ['ts', 'test/consumers/typescript/app.ts'],
    ['python', 'test/consumers/python/app.py'],
    ['java', 'test/consumers/java/src/main/java/io/github/cdkapitofirehose/consumer/ConsumerApp.java'],
    ['go', 'test/consumers/go/app.go'],
  ])('the %s example of docs/guide/languages.md is an excerpt of %s (kept in sync)', (lang, file) => {
    const source = readFileSync(join(root, file), 'utf8');
    const section = readFileSync(join(root, 'docs', 'guide', 'languages.md'), 'utf8');
    const example = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].find((m) => m[1] === lang)?.[2];
    expect(example).toBeDefined();
    for (const line of example!.split('\n').filter((l) => l.trim() !== '')) {
      expect(source).toContain(line);
    }
  });

  describe('links and images resolve where Construct Hub, PyPI and Maven render the README (outside the repository)', () => {
    const REPO = 'https://github.com/cdk-api-to-firehose/cdk-api-to-firehose';
    const RAW = 'https://raw.githubusercontent.com/cdk-api-to-firehose/cdk-api-to-firehose/main/';
    const prose = readme.replace(/```[\s\S]*?```/g, '');
    const targets = [...prose.matchAll(/(!?)\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => ({ image: m[1] === '!', url: m[2] }));
    const htmlTargets = [...prose.matchAll(/<(?:img|a)\s[^>]*(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    /** GitHub's heading anchors. */
    const anchors = new Set([...prose.matchAll(/^#{1,6} (.+)$/gm)]
      .map((m) => m[1].trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));

    test('the README has links and an image to check', () => {
      expect(targets.filter((t) => t.image).length).toBeGreaterThan(0);
      expect(targets.length).toBeGreaterThan(5);
    });

    test('every link is absolute (https) or an anchor of a README heading', () => {
      const bad = [...targets.map((t) => t.url), ...htmlTargets]
        .filter((u) => !u.startsWith('https://') && !(u.startsWith('#') && anchors.has(u.slice(1))));
      expect(bad).toEqual([]);
    });

    test('images load from raw.githubusercontent.com (a GitHub blob page is HTML, not the image)', () => {
      const bad = targets.filter((t) => t.image && !t.url.startsWith(RAW)).map((t) => t.url);
      expect(bad).toEqual([]);
    });

    test('links into this repository name files that exist on this branch, and the repository is package.json\'s', () => {
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      expect(pkg.repository.url).toBe(`${REPO}.git`);
      const ours = targets.map((t) => t.url).filter((u) => u.startsWith(REPO) || u.startsWith(RAW));
      expect(ours.length).toBeGreaterThan(3);
      for (const url of ours) {
        const m = url.match(/^https:\/\/github\.com\/cdk-api-to-firehose\/cdk-api-to-firehose\/(blob|tree)\/main\/([^#?]+)/)
          ?? url.match(/^https:\/\/raw\.githubusercontent\.com\/cdk-api-to-firehose\/cdk-api-to-firehose\/main\/()([^#?]+)/);
        expect({ url, resolved: m !== null }).toEqual({ url, resolved: true });
        const file = join(root, m![2]);
        expect({ url, exists: existsSync(file) }).toEqual({ url, exists: true });
        expect({ url, kind: statSync(file).isDirectory() ? 'tree' : 'blob' }).toEqual({ url, kind: m![1] || 'blob' });
      }
    });
  });

  test('docs/guide/query.md\'s SQL is what the construct synthesizes', () => {
    const stack = new Stack(new App(), 'S');
    new ApiToFirehose(stack, 'Ingest', { query: { databaseName: 'analytics' } });
    const synthesized = Object.values(Template.fromStack(stack).findResources('AWS::Athena::NamedQuery'))
      .map((q: any) => `-- ${q.Properties.Name}\n${q.Properties.QueryString};`).join('\n\n');
    const guide = readFileSync(join(root, 'docs', 'guide', 'query.md'), 'utf8');
    const sql = [...guide.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(sql).toEqual([`${synthesized}\n`]);
  });
});
