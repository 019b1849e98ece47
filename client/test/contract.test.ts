/**
 * The client keeps its own copy of the endpoint's contract (src/contract.ts: it is a package of its own, with no
 * dependencies); the construct defines it in src/limits.ts at the repository root. These tests fail when the two
 * differ, and check that the client uses its copy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as server from '../../src/limits';
import { EventClient } from '../src';
import * as client from '../src/contract';
import { isEventId } from '../src/ids';
import { batchBody, BODY_OVERHEAD } from '../src/size';

test('every constant of src/contract.ts has the value of the same name in the construct\'s src/limits.ts', () => {
  const names = Object.keys(client);
  assert.ok(names.length >= 4, names.join(', '));
  for (const name of names) {
    assert.ok(name in server, `${name} is not in src/limits.ts`);
    assert.deepEqual(client[name as keyof typeof client], server[name as keyof typeof server], name);
  }
});

test('isEventId accepts and refuses the ids that EVENT_ID_PATTERN of the templates does', () => {
  const template = new RegExp(`^(?:${server.EVENT_ID_PATTERN})$`);
  const ids = ['', 'a', 'order-1:2.3_x', 'A.b:c-d_9', 'x'.repeat(127), 'x'.repeat(128), 'x'.repeat(129), 'a b', 'a\nb', 'é', 'a/b'];
  // Every character of the Basic Multilingual Plane alone, then in a 128-character id.
  for (let code = 0; code < 0x10000; code++) ids.push(String.fromCharCode(code), String.fromCharCode(code).padEnd(128, 'x'));
  const differ = ids.filter((id) => isEventId(id) !== template.test(id));
  assert.deepEqual(differ, []);
  assert.ok(ids.filter((id) => isEventId(id)).length > 2 * 65, 'letters, digits and ._:- are accepted');
});

test('a request body holds the events under BATCH_RECORDS_PROPERTY', () => {
  const body = JSON.parse(batchBody(['{"a":1}', '{"b":2}'])) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), [server.BATCH_RECORDS_PROPERTY]);
  assert.deepEqual(body[server.BATCH_RECORDS_PROPERTY], [{ a: 1 }, { b: 2 }]);
  assert.equal(BODY_OVERHEAD, `{"${server.BATCH_RECORDS_PROPERTY}":[]}`.length);
});

test('by default a request carries at most DEFAULT_MAX_EVENTS events and MAX_RECORD_BODY_CHARS characters', async () => {
  /** A client with the default limits, and the number of events in each request it makes. */
  const withDefaults = () => {
    const requests: number[] = [];
    const bodyChars: number[] = [];
    const fetch: typeof globalThis.fetch = async (_url, init) => {
      bodyChars.push(String(init?.body).length);
      requests.push((JSON.parse(String(init?.body)) as { records: unknown[] }).records.length);
      return new Response('{}', { status: 200 });
    };
    return { c: new EventClient({ url: 'https://example.invalid/prod', fetch, lifecycle: false }), requests, bodyChars };
  };
  const byCount = withDefaults();
  for (let i = 0; i < server.DEFAULT_MAX_EVENTS + 1; i++) byCount.c.track({ i });
  await byCount.c.close();
  assert.deepEqual(byCount.requests, [server.DEFAULT_MAX_EVENTS, 1]);
  // Events of a quarter of the limit each: with the envelope allowance, 3 fit in one request, not 4.
  const bySize = withDefaults();
  for (let i = 0; i < 4; i++) bySize.c.track({ pad: 'x'.repeat(server.MAX_RECORD_BODY_CHARS / 4 - 200) });
  await bySize.c.close();
  assert.deepEqual(bySize.requests, [3, 1]);
  assert.ok(bySize.bodyChars.every((chars) => chars <= server.MAX_RECORD_BODY_CHARS), String(bySize.bodyChars));
});
