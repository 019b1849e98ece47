import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApiToFirehose } from '../src';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The fenced code blocks of README.md with their language. */
function blocks(lang: string): string[] {
  return [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)].filter((m) => m[1] === lang).map((m) => m[2]);
}

describe('README.md', () => {
  test('starts with the two commands: the demo, then the whole test suite', () => {
    const first = readme.match(/```bash\n([\s\S]*?)```/)![1].trim().split('\n').map((l) => l.replace(/\s+#.*$/, ''));
    expect(first).toEqual(['bash scripts/demo.sh', 'bash scripts/test.sh']);
    expect(readme.indexOf('```bash')).toBeLessThan(readme.indexOf('\n## '));
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
  ])('the %s example is an excerpt of %s (kept in sync)', (lang, file) => {
    const source = readFileSync(join(root, file), 'utf8');
    const [example] = blocks(lang);
    expect(example).toBeDefined();
    for (const line of example.split('\n').filter((l) => l.trim() !== '')) {
      expect(source).toContain(line);
    }
  });

  test('the Query section\'s SQL is what the construct synthesizes', () => {
    const stack = new Stack(new App(), 'S');
    new ApiToFirehose(stack, 'Ingest', { query: { databaseName: 'analytics' } });
    const synthesized = Object.values(Template.fromStack(stack).findResources('AWS::Athena::NamedQuery'))
      .map((q: any) => `-- ${q.Properties.Name}\n${q.Properties.QueryString};`).join('\n\n');
    expect(blocks('sql')).toEqual([`${synthesized}\n`]);
  });
});
