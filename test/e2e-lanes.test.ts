import * as fs from 'fs';
import * as path from 'path';

/** scripts/e2e.sh runs every end-to-end suite in exactly one lane: a suite in none would never run in CI. */
test('every end-to-end suite is in exactly one lane of scripts/e2e.sh, and every lane names existing suites', () => {
  const script = fs.readFileSync(path.join(__dirname, '..', 'scripts', 'e2e.sh'), 'utf-8');
  const lanes = [...script.matchAll(/^ {2}\[(\w+)\]="([^"]*)"$/gm)].map((m) => ({ lane: m[1], suites: m[2].split(/\s+/).filter(Boolean) }));
  expect(lanes.map((l) => l.lane).sort()).toEqual(['http', 'query', 'senders', 'streams']);
  const listed = lanes.flatMap((l) => l.suites);
  const suites = fs.readdirSync(path.join(__dirname, 'e2e')).filter((f) => f.endsWith('.e2e.test.ts')).map((f) => f.replace('.e2e.test.ts', ''));
  expect([...listed].sort()).toEqual([...suites].sort());
  expect(new Set(listed).size).toBe(listed.length);
});
