/**
 * End-to-end from Node: cdk-api-to-firehose-client (its CommonJS build, client/dist/cjs, built by the client step of
 * scripts/test.sh) sends 5,000 events to the example stack on LocalStack; S3 must hold each exactly once by eventId.
 * LocalStack writes one object per Firehose call, so every object under the prefix is read.
 * Run inside `scripts/local/localstack.sh run -- ...` (scripts/test.sh).
 */
import { randomUUID } from 'crypto';
import { existsSync } from 'fs';
import * as path from 'path';
import { DEPLOY_HOOK_MS, releaseExample, sharedExample } from './shared-example';
import { listObjects } from '../../scripts/local/deploy';
import { DeployedExample } from '../../scripts/local/example';

jest.setTimeout(600_000);

const CJS = path.join(__dirname, '..', '..', 'client', 'dist', 'cjs', 'index.js');
const EVENTS = 5000;

let ex: DeployedExample;

beforeAll(async () => {
  if (!existsSync(CJS)) throw new Error(`client build missing: ${CJS}. Build it first (the client step of scripts/test.sh).`);
  ex = await sharedExample();
}, DEPLOY_HOOK_MS);

afterAll(async () => {
  await releaseExample(ex);
});

test(`${EVENTS.toLocaleString('en-US')} events from Node: all reported sent, none dropped, S3 holds each exactly once by eventId`, async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EventClient } = require(CJS);
  const marker = randomUUID();
  const dropped: unknown[] = [];
  const errors: string[] = [];
  const requests: number[] = [];
  const client = new EventClient({
    url: ex.baseUrl,
    apiKey: ex.apiKey,
    maxEvents: 500,
    // LocalStack renders a 500-event batch in several seconds (docs/benchmarks.md).
    timeout: 120_000,
    maxRetryTime: 300_000,
    onDrop: (d: unknown[]) => dropped.push(...d),
    onError: (e: Error) => errors.push(e.message),
    onSent: (ids: string[]) => requests.push(ids.length),
  });
  const t0 = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < EVENTS; i++) {
    // Every 10th event brings its own valid id, which the client keeps.
    ids.push(client.track(i % 10 === 0 ? { marker, i, eventId: `own:${marker}.${i}` } : { marker, i, text: `event ${i} "q" \\ é` }));
  }
  const result = await client.close();
  const seconds = (Date.now() - t0) / 1000;
  expect(dropped).toEqual([]);
  // close() reports what its own last flush did; the flushes that track() started when a batch was full sent the rest.
  expect(result).toMatchObject({ dropped: 0, pending: 0 });
  expect(requests.reduce((a, b) => a + b, 0)).toBe(EVENTS);
  expect(ids.filter((id, i) => i % 10 === 0 && id !== `own:${marker}.${i}`)).toEqual([]);
  expect(new Set(ids).size).toBe(EVENTS);

  const lines: any[] = [];
  for (const o of await listObjects(ex.eventsBucket, 'events/')) {
    for (const line of o.body.split('\n').filter((l) => l !== '')) {
      const parsed = JSON.parse(line);
      if (parsed.body?.marker === marker) lines.push(parsed);
    }
  }
  const stored = lines.map((l) => l.eventId);
  expect(lines.every((l) => l.body.eventId === l.eventId && l.apiKeyId === ex.apiKeyId)).toBe(true);
  expect(new Set(stored).size).toBe(stored.length);
  expect([...stored].sort()).toEqual([...ids].sort());
  // One packed batch per request: the lines carry its requestId and their index in it.
  const perRequest = new Map<string, number>();
  for (const l of lines) perRequest.set(l.requestId, (perRequest.get(l.requestId) ?? 0) + 1);
  console.log(`client: ${EVENTS} tracked, ${requests.length} requests (${[...perRequest.values()].join(', ')} events), ` +
    `${errors.length} failed attempts, ${stored.length} stored once each, ${seconds.toFixed(1)} s`);
  expect(perRequest.size).toBe(requests.length);
  expect([...perRequest.values()].every((n) => n <= 500)).toBe(true);
});
