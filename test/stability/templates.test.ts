import * as fs from 'fs';
import * as path from 'path';
import { CONFIGURATIONS, synthesize } from './configurations';

/**
 * Each configuration's template, byte for byte, against the committed one. The consumer-app template is also
 * compared with the Python, Java and Go consumers' output by scripts/consumers.sh (test/consumers/compare-templates.js).
 */
const DIR = path.join(__dirname, 'templates');
const update = process.env.UPDATE_TEMPLATES === '1';

test('the configurations set every prop of ApiToFirehoseProps', () => {
  const src = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'props.ts'), 'utf-8');
  const configs = fs.readFileSync(path.join(__dirname, 'configurations.ts'), 'utf-8');
  const props = [...src.matchAll(/^ {2}readonly (\w+)\?:/gm)].map((m) => m[1]);
  expect(props.length).toBeGreaterThan(30);
  expect(props.filter((p) => !new RegExp(`\\b${p}[:,]`).test(configs))).toEqual([]);
});

test.each(CONFIGURATIONS.map((c) => [c.name, c]))('%s synthesizes the committed template', (name, config) => {
  const file = path.join(DIR, `${name}.json`);
  const text = synthesize(config as typeof CONFIGURATIONS[number]);
  if (update) {
    fs.mkdirSync(DIR, { recursive: true });
    fs.writeFileSync(file, text);
  }
  expect(fs.existsSync(file)).toBe(true);
  // Compare as text (byte-identical); on a difference, show the first differing line rather than 100 kB.
  const want = fs.readFileSync(file, 'utf-8');
  if (text !== want) {
    const a = text.split('\n');
    const b = want.split('\n');
    const i = a.findIndex((line, n) => line !== b[n]);
    expect(`line ${i + 1}: ${a[i]}`).toBe(`line ${i + 1}: ${b[i]}`);
  }
  expect(text.length).toBe(want.length);
});
