/**
 * The request and response mapping templates, rendered exactly as synthesized by ApiToFirehose, against
 * hostile input. Rendering uses the Velocity 1.7 engine of ./harness (API Gateway emulation; its guesses
 * are listed in harness.ts and java/src/main/java/VtlRenderer.java).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  checkAccepted,
  checkNoForgery,
  checkRejected,
  DEFAULT_HEADERS,
  deeplyNested,
  ENVELOPES,
  HOSTILE_STRINGS,
  hostileJsonBodies,
  hostileJsonValues,
  HttpRequest,
  LONG_ESCAPES,
  refusedAsEmpty,
  LONG_STRING,
  renderRequest,
  requestContext,
  SECRET,
  short,
  Subject,
  synthesizeAll,
  buildSubjects,
  MethodKind,
  METHOD_KINDS,
} from './checker';
import {
  decodeFirehoseRequest,
  IntegrationResponseInfo,
  MethodInfo,
  parseJsonStrict,
  renderGatewayResponseTemplate,
  RenderRequest,
  RenderResult,
  selectIntegrationResponse,
  simulateIntegration,
  VtlEngine,
} from './harness';
import { ApiToFirehose, EnvelopeFieldSource } from '../../src';
import { badRequestBodyTemplate, gatewayResponseTemplate } from '../../src/private/responses';
import { REJECT_MARKER } from '../../src/private/vtl';

const engine = new VtlEngine();
afterAll(async () => engine.close());

/** Every render of this file goes through here, so the last test can assert the secret never showed up. */
const secretLeaks: string[] = [];
let renderCount = 0;
async function renderMany(reqs: readonly RenderRequest[]): Promise<RenderResult[]> {
  const results = await engine.renderMany(reqs);
  renderCount += results.length;
  results.forEach((r, i) => {
    const decoded = decodedRecords(r.output);
    if (r.output.includes(SECRET) || decoded.some((d) => d.includes(SECRET))) secretLeaks.push(short(reqs[i].body ?? '', 200));
  });
  return results;
}

/** Base64 payloads of a rendered request, decoded (best effort), so a secret hidden in Data is found too. */
function decodedRecords(output: string): string[] {
  return [...output.matchAll(/"Data":"([A-Za-z0-9+/=]*)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
}

const synth = synthesizeAll();
const subjects = buildSubjects(synth);
const isBatch = (k: MethodKind) => k === 'packed' || k === 'perEvent';
/** A body the subject accepts, carrying `events` (or the one event). */
function bodyFor(kind: MethodKind, events: unknown[]): string {
  if (kind === 'text') return typeof events[0] === 'string' ? events[0] : JSON.stringify(events[0]);
  return isBatch(kind) ? JSON.stringify({ records: events }) : JSON.stringify(events[0]);
}

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** Renders and checks; returns "case i (body): problem" lines. */
async function problemsFor(
  subject: Subject, reqs: HttpRequest[], check: (req: HttpRequest, r: RenderResult) => string[],
): Promise<string[]> {
  const results = await renderMany(reqs.map((r) => renderRequest(subject, r)));
  return results.flatMap((r, i) => check(reqs[i], r).map((p) => `${subject.name} case ${i} body=${short(reqs[i].body, 80)} ` +
    `headers=${short(reqs[i].headers ?? 'default', 80)}: ${p}`));
}

/** Hostile accepted requests (default headers) for one method kind. */
function acceptedRequests(kind: MethodKind): HttpRequest[] {
  const values = hostileJsonValues();
  const big = [LONG_STRING, LONG_ESCAPES, deeplyNested(200), { long: LONG_STRING }];
  if (kind === 'single') {
    // A body of exactly {} is what an empty request reads as on AWS: refused as empty (tested below).
    return [...hostileJsonBodies(), ...big.map((v) => JSON.stringify(v))].filter((b) => !refusedAsEmpty(b)).map((body) => ({ body }));
  }
  if (kind === 'text') {
    const texts = [...HOSTILE_STRINGS, ...hostileJsonBodies(), '1,"apiKeyId":"x"', '{}}, "x": {', 'not json', LONG_STRING, LONG_ESCAPES];
    return texts.filter((t) => !refusedAsEmpty(t)).map((body) => ({ body }));
  }
  const bodies = [
    ...values.map((v) => bodyFor(kind, [v])),
    ...chunk(values, 7).map((c) => bodyFor(kind, c)),
    bodyFor(kind, values.slice(0, 20)),
    JSON.stringify({ records: [{ a: 1 }, { b: '\n' }, [1, 2]] }, null, 2),
    '{\r\n"records":\t[ {"a" :1} ,\n\n{"b":"c"} ]\r\n}',
    '{"records":[{"apiKeyId":"x","index":7,"body":"y"}],"apiKeyId":"forged","index":9}',
    '{"records":[{"a":1}],"records":[{"dup":"last wins"}]}',
    bodyFor(kind, [LONG_STRING, deeplyNested(200), LONG_ESCAPES]),
  ];
  return bodies.map((body) => ({ body }));
}

/** A small accepted body for header / query tests. */
function simpleBody(kind: MethodKind): string {
  if (kind === 'text') return 'hello';
  return isBatch(kind) ? '{"records":[{"a":1},{"b":"two"},{"c":[3]}]}' : '{"a":1}';
}

describe('synthesized methods', () => {
  test.each(subjects.filter((s) => s.method).map((s) => [s.name, s] as const))('%s: AWS integration, passthrough NEVER, right action', (_n, s) => {
    const m = s.method!;
    expect(m.integrationType).toBe('AWS');
    expect(m.passthroughBehavior).toBe('NEVER');
    expect(m.integrationUri).toMatch(s.kind === 'perEvent' ? /firehose:action\/PutRecordBatch$/ : /firehose:action\/PutRecord$/);
    expect(m.requestParameters['integration.request.header.X-Amz-Target'])
      .toBe(s.kind === 'perEvent' ? "'Firehose_20150804.PutRecordBatch'" : "'Firehose_20150804.PutRecord'");
  });
  test.each(subjects.filter((s) => s.kind === 'text').map((s) => [s.name, s] as const))(
    '%s: the synthesized text/plain template is putRecordTemplate({ bodyFormat: BodyFormat.TEXT })', (_n, s) => {
      expect(s.template).toBe(s.direct);
      expect(s.template).toContain('$util.escapeJavaScript($input.body)');
      expect(s.template).not.toContain("$input.json('$')");
    });
  test('every envelope config and method kind is covered', () => {
    expect(subjects.map((s) => s.name)).toEqual(ENVELOPES.flatMap((c) => ['single', 'text', 'packed', 'perEvent'].map((k) => `${c.name} ${k}`)));
  });
});

describe.each(subjects.map((s) => [s.name, s] as const))('%s', (_name, subject) => {
  test('accepted hostile bodies: one valid JSON line per event, exact body, server-side envelope fields', async () => {
    const reqs = acceptedRequests(subject.kind);
    expect(reqs.length).toBeGreaterThan(40);
    expect(await problemsFor(subject, reqs, (req, r) => checkAccepted(subject, req, r))).toEqual([]);
  });

  test('hostile User-Agent, X-Amzn-Trace-Id, X-Tenant-Id and ?source= values are copied exactly, never parsed', async () => {
    const body = simpleBody(subject.kind);
    const reqs: HttpRequest[] = [
      ...HOSTILE_STRINGS.map((p) => ({
        body,
        headers: { ...DEFAULT_HEADERS, 'User-Agent': p, 'X-Amzn-Trace-Id': p, 'X-Tenant-Id': p },
        query: { source: p },
      })),
      // Header names as HTTP/2 clients send them (lower case).
      ...HOSTILE_STRINGS.map((p) => ({
        body,
        headers: { 'content-type': 'application/json', 'user-agent': p, 'x-amzn-trace-id': p, 'x-tenant-id': p },
        query: { source: p, Source: 'other', sourcex: 'x' },
      })),
      { body, headers: {}, query: {} },
      { body, headers: { 'User-Agent': '', 'X-Tenant-Id': '', 'X-Amzn-Trace-Id': '' }, query: { source: '' } },
      { body, headers: { 'User-Agent': '', 'user-agent': 'second', 'X-TENANT-ID': 'upper' }, query: { SOURCE: 'not the parameter' } },
      // A header is never read from the query string, nor a query parameter from a header ($input.params(x) would do both).
      { body, headers: { source: 'header, not query' }, query: { 'User-Agent': 'q', 'X-Tenant-Id': 'q', 'X-Amzn-Trace-Id': 'q' } },
      // Server-side values: no API key (no apiKeyId), odd requestTimeEpoch.
      { body, context: { identity: { apiKeyId: null, sourceIp: '2001:db8::1' }, requestTimeEpoch: 'x1' } },
      { body, context: { identity: { apiKeyId: '' }, requestTimeEpoch: '1700000000000' } },
    ];
    expect(await problemsFor(subject, reqs, (req, r) => checkAccepted(subject, req, r))).toEqual([]);
  });

  // AWS reads an empty request's $input.body as {} (recorded); a raw-text reading gives "": the refusal must hold under both.
  test.each(['object', 'empty'] as const)('empty ($input.body read as %s), blank and {} bodies are refused as empty; so are batches without events', async (emptyBody) => {
    const empty = ['', ' ', '\n', '\r\n\t  \u0000', '{}'];
    const problems = await problemsFor(subject, empty.map((body) => ({ body, emptyBody })), (_req, r) => checkRejected(r, 'empty-body'));
    const noEvents = ['{"records":[]}', '{ "records" : [ ] }', '{ }', '{"records":null}', '{"records":"abc"}', '{"records":{"a":1,"b":2}}',
      '{"records":0}', '{"records":true}', '{"other":[{"a":1}]}', '[]', '[{"a":1}]', '"records"', 'null'];
    if (isBatch(subject.kind)) {
      problems.push(...await problemsFor(subject, noEvents.map((body) => ({ body, emptyBody })), (_req, r) => checkRejected(r)));
    }
    expect(problems).toEqual([]);
  });

  test('bodies that close the JSON early: refused by the validator (400); the template itself sends no forged field', async () => {
    const forging = [
      '1,"apiKeyId":"x"', '{}}, "x": {', '{"a":1},"apiKeyId":"x"', '{"a":1}, "x": 1', '"a","apiKeyId":"forged"',
      '{"a":"b"}\n{"apiKeyId":"forged"}', '{"a":1}}', '{"records":[{"a":1}]},"apiKeyId":"x"', '{"records":[{"a":1}]}\n{"x":1}',
      '{"records":[{"a":1}],"x":1}}', 'not json', '{"a":', "{'a':1}", '{"a":1,}', '\u00a0{"a":1}',
    ];
    const reqs = forging.map((body) => ({ body }));
    const results = await renderMany(reqs.map((r) => renderRequest(subject, r)));
    const problems = results.flatMap((r, i) => {
      if (subject.kind === 'text') return refusedAsEmpty(reqs[i].body) ? [] : checkAccepted(subject, reqs[i], r).map((p) => `${i}: ${p}`);
      const own = checkNoForgery(subject.config, subject.kind, reqs[i], r).map((p) => `${i}: ${p}`);
      // $input.json / $input.path fail on a body that is not JSON: API Gateway answers 500 and calls nothing.
      // The batch templates may instead find no events and render the refused request.
      if (!r.error && checkRejected(r).length > 0) own.push(`${i}: a Firehose request was rendered for ${short(reqs[i].body)}`);
      return own;
    });
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Event ids (EnvelopeField.eventId)
// ---------------------------------------------------------------------------------------------

describe('event id: a safe top-level string id is copied, anything else is null, the event is stored untouched', () => {
  const UUID = '0b9b7f0e-7a3c-4d5e-9f10-2a3b4c5d6e7f';
  const same = Symbol('same');
  // [case, value of the id property (undefined = absent), what the envelope field must hold]
  const CASES: Array<[string, unknown, string | null | typeof same]> = [
    ['a UUID v4', UUID, same],
    ['the caller\'s own id with every allowed character', 'AZaz09._:-', same],
    ['one character', 'x', same],
    ['128 characters (the longest allowed)', 'a'.repeat(128), same],
    ['a ULID-like id', '01ARZ3NDEKTSV4RRFFQ69G5FAV', same],
    ['missing', undefined, null],
    ['129 characters', 'a'.repeat(129), null],
    ['the empty string', '', null],
    ['a number', 12345, null],
    ['a float', 1.5, null],
    ['zero', 0, null],
    ['a boolean', true, null],
    ['false', false, null],
    ['null', null, null],
    ['an object', { eventId: UUID }, null],
    ['an array', [UUID], null],
    ['a space inside', 'a b', null],
    ['a trailing newline', `${UUID}\n`, null],
    ['a quote', 'a"b', null],
    ['a forged field', '","apiKeyId":"forged', null],
    ['a backslash', 'a\\b', null],
    ['a single quote', "a'b", null],
    ['a slash', 'a/b', null],
    ['a VTL reference', '$context.identity.apiKey', null],
    ['a formal VTL reference', '${context.identity.apiKey}', null],
    ['a quiet reference', '$!{q}', null],
    ['a directive', '#set($x = 1)', null],
    ['a comment', '##', null],
    ['the template\'s own variables', '$q$nl$body$rec$f0', null],
    ['non-ASCII letters', 'é', null],
    ['an emoji', '😀', null],
    ['a lone surrogate', '\ud800', null],
    ['a NUL', 'a\u0000b', null],
    ['a line separator', 'a\u2028b', null],
    ['a full-width digit', '１', null],
  ];
  const withId = subjects.filter((s) => s.config.envelope.fields.some((f) => f.source === EnvelopeFieldSource.EVENT_ID));
  const idField = (s: Subject) => s.config.envelope.fields.find((f) => f.source === EnvelopeFieldSource.EVENT_ID)!;
  const eventsFor = (s: Subject) => CASES.map(([, v], n) => {
    const e: Record<string, unknown> = { n };
    if (v !== undefined) e[idField(s).argument!] = v;
    return e;
  });
  const expected = CASES.map(([, v, want]) => (want === same ? v : want));

  test('the configs with an event id cover every method kind, a custom property and a custom field name', () => {
    expect(withId.map((s) => s.name)).toEqual(['DEFAULT', 'ALL_FIELDS', 'CUSTOM_BODY'].flatMap((c) => METHOD_KINDS.map((k) => `${c} ${k}`)));
    expect(withId.map((s) => [idField(s).name, idField(s).argument])).toContainEqual(['id', 'messageId']);
  });

  test.each(withId.filter((s) => s.kind !== 'text').map((s) => [s.name, s] as const))('%s', async (_n, subject) => {
    const events = eventsFor(subject);
    const field = idField(subject);
    // One event per request, and (batches) all of them in one request, pretty-printed too.
    const reqs: HttpRequest[] = isBatch(subject.kind)
      ? [...events.map((e) => ({ body: bodyFor(subject.kind, [e]) })), { body: bodyFor(subject.kind, events) },
        { body: JSON.stringify({ records: events }, null, 2) }]
      : events.map((e) => ({ body: JSON.stringify(e) }));
    const results = await renderMany(reqs.map((r) => renderRequest(subject, r)));
    expect(results.flatMap((r, i) => checkAccepted(subject, reqs[i], r).map((p) => `${i}: ${p}`))).toEqual([]);
    const stored = results.flatMap((r) => decodeFirehoseRequest(r.output).events as Array<Record<string, unknown>>);
    const perCase = isBatch(subject.kind) ? stored.slice(0, CASES.length) : stored;
    expect(perCase.map((l) => l[field.name])).toEqual(expected);
    if (isBatch(subject.kind)) {
      expect(stored.slice(CASES.length, 2 * CASES.length).map((l) => l[field.name])).toEqual(expected);
      expect(stored.slice(2 * CASES.length).map((l) => l[field.name])).toEqual(expected);
    }
    // The event is stored as sent, id property included, whatever the id was.
    expect(stored.map((l) => l[subject.config.envelope.bodyField])).toEqual(isBatch(subject.kind) ? [...events, ...events, ...events] : events);
  });

  test.each(withId.filter((s) => s.kind === 'text').map((s) => [s.name, s] as const))(
    '%s (textPlain AS_STRING): the body is a string, so the id is null even when the text is JSON with an id', async (_n, subject) => {
      const reqs: HttpRequest[] = [{ body: JSON.stringify({ eventId: UUID, messageId: UUID }) }, { body: UUID }];
      const results = await renderMany(reqs.map((r) => renderRequest(subject, r)));
      expect(results.flatMap((r, i) => checkAccepted(subject, reqs[i], r))).toEqual([]);
      expect(results.map((r) => (decodeFirehoseRequest(r.output).events[0] as Record<string, unknown>)[idField(subject).name])).toEqual([null, null]);
    });

  test('textPlain AS_JSON uses the application/json templates, so the same proofs hold for sendBeacon bodies', () => {
    const packedStacks = synth.filter((s) => s.mode === 'packed' && !s.config.envelope.raw);
    expect(packedStacks.length).toBe(3);
    for (const s of packedStacks) {
      for (const m of s.methods.filter((x) => x.httpMethod === 'POST')) {
        expect(m.requestTemplates['text/plain']).toBe(m.requestTemplates['application/json']);
      }
    }
  });

  test('a nested id, or one under another property, is not the event id', async () => {
    const subject = withId.find((s) => s.name === 'DEFAULT single')!;
    const bodies = [{ nested: { eventId: UUID } }, { EventId: UUID, eventid: UUID, event_id: UUID }, { a: [{ eventId: UUID }] }];
    const results = await renderMany(bodies.map((b) => renderRequest(subject, { body: JSON.stringify(b) })));
    expect(results.map((r) => (decodeFirehoseRequest(r.output).events[0] as Record<string, unknown>).eventId)).toEqual([null, null, null]);
  });
});

describe('the secret API key value never appears in any output', () => {
  const payloads = [
    '$context.identity.apiKey', '${context.identity.apiKey}', '$!context.identity.apiKey', '$!{context.identity.apiKey}',
    '#evaluate("$context.identity.apiKey")', '#set($k = $context.identity.apiKey)$k', '$util.base64Encode($context.identity.apiKey)',
    '#evaluate($input.body)', '#evaluate($input.path(\'$.x\'))',
  ];
  test.each(subjects.map((s) => [s.name, s] as const))('%s', async (_n, subject) => {
    const reqs: HttpRequest[] = payloads.flatMap((p) => [
      { body: subject.kind === 'text' ? p : bodyFor(subject.kind, [{ x: p, [p]: [p] }]) },
      {
        body: simpleBody(subject.kind),
        headers: { 'User-Agent': p, 'X-Amzn-Trace-Id': p, 'X-Tenant-Id': p, 'X-Api-Key': p, 'x-api-key': SECRET },
        query: { source: p },
      },
    ]);
    const results = await renderMany(reqs.map((r) => renderRequest(subject, r)));
    // (The caller's own x-api-key header carries the secret too: no template copies it.)
    const leaks = results.filter((r) => (r.output + decodedRecords(r.output).join()).includes(SECRET));
    expect(leaks).toEqual([]);
    expect(results.filter((r) => r.error)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Integration responses
// ---------------------------------------------------------------------------------------------

interface Answer {
  readonly name: string;
  /** Firehose's HTTP status. */
  readonly status: number;
  readonly body: string;
}
interface Rendered {
  readonly status: number;
  readonly body: string;
  readonly json?: Record<string, unknown>;
  readonly jsonError?: string;
  readonly headers: Record<string, string>;
  readonly render: RenderResult;
  readonly response?: IntegrationResponseInfo;
}

const RESPONSE_CONTEXT = requestContext({ requestId: 'resp-req-id-1' });

/** Picks the integration response for Firehose's status (selectionPattern), renders its template. */
async function respond(method: MethodInfo, answers: readonly Answer[]): Promise<Rendered[]> {
  const picked = answers.map((a) => selectIntegrationResponse(method.integrationResponses, a.status));
  const results = await renderMany(answers.map((a, i) => ({
    template: picked[i]?.responseTemplates['application/json'] ?? '',
    body: a.body,
    context: RESPONSE_CONTEXT,
  })));
  return results.map((render, i) => {
    const response = picked[i];
    // No matching response, or a template that fails: API Gateway answers 500 Internal server error.
    const status = !response || render.error ? 500 : Number(render.responseOverride.status ?? response.statusCode);
    let json: Record<string, unknown> | undefined;
    let jsonError: string | undefined;
    try {
      json = parseJsonStrict(render.output) as Record<string, unknown>;
    } catch (e) {
      jsonError = (e as Error).message;
    }
    const headers = Object.fromEntries(Object.entries(response?.responseParameters ?? {})
      .map(([k, v]) => [k.replace(/^method\.response\.header\./, ''), v.replace(/^'(.*)'$/, '$1')]));
    return { status, body: render.output, json, jsonError, headers, render, response };
  });
}

const err = (type: string, message: string) => JSON.stringify({ __type: type, message });
const RECORD_ID = '49546986683135544286507457936321625675700192471156785154';

interface ErrorCase extends Answer {
  readonly expectStatus: number;
  readonly expectError?: string;
}

/** Firehose answers to a PutRecord (single and packed batch) that mean nothing was stored. */
const PUT_RECORD_FAILURES: readonly ErrorCase[] = [
  { name: '200 without RecordId', status: 200, body: '{"Encrypted":false}', expectStatus: 502, expectError: 'UnexpectedFirehoseResponse' },
  { name: '200 with empty RecordId', status: 200, body: '{"RecordId":"","Encrypted":false}', expectStatus: 502, expectError: 'UnexpectedFirehoseResponse' },
  { name: '200 with null RecordId', status: 200, body: '{"RecordId":null}', expectStatus: 502, expectError: 'UnexpectedFirehoseResponse' },
  { name: '200 with an empty body', status: 200, body: '', expectStatus: 502, expectError: 'UnexpectedFirehoseResponse' },
  { name: '302 (default response)', status: 302, body: '', expectStatus: 502, expectError: 'UnexpectedFirehoseResponse' },
  {
    name: '400 record too large',
    status: 400,
    body: err('InvalidArgumentException', 'Record size exceeds the maximum allowed size of 1000 KiB.'),
    expectStatus: 413,
    expectError: 'PayloadTooLarge',
  },
  {
    name: '400 data length validation',
    status: 400,
    body: err('ValidationException', "1 validation error detected: Value at 'record.data' failed to satisfy constraint: Member must have length less than or equal to 1024000"),
    expectStatus: 413,
    expectError: 'PayloadTooLarge',
  },
  // Requests the template refused (src/private/vtl.ts vtlReject) go to the stream ApiToFirehoseRejected.<reason>.
  // AWS: the role may not write it (AccessDenied, 400 or 403); LocalStack: it does not exist (ResourceNotFound, 400).
  {
    name: 'refused too-large, AWS reading (403 AccessDenied naming the stream)',
    status: 403,
    body: err('AccessDeniedException', 'User: arn:aws:sts::123456789012:assumed-role/R/x is not authorized to perform: firehose:PutRecord ' +
      'on resource: arn:aws:firehose:us-east-1:123456789012:deliverystream/ApiToFirehoseRejected.too-large'),
    expectStatus: 413,
    expectError: 'PayloadTooLarge',
  },
  {
    name: 'refused too-large, LocalStack reading (400 ResourceNotFound naming the stream)',
    status: 400,
    body: err('ResourceNotFoundException', 'Firehose ApiToFirehoseRejected.too-large under account 000000000000 not found.'),
    expectStatus: 413,
    expectError: 'PayloadTooLarge',
  },
  {
    name: 'refused empty body, AWS reading as 400 AccessDenied',
    status: 400,
    body: err('AccessDeniedException', 'not authorized to perform: firehose:PutRecord on resource: arn:aws:firehose:us-east-1:1:deliverystream/ApiToFirehoseRejected.empty-body'),
    expectStatus: 400,
    expectError: 'InvalidRequest',
  },
  {
    name: 'refused batch without events, LocalStack reading',
    status: 400,
    body: err('ResourceNotFoundException', 'Firehose ApiToFirehoseRejected.no-events under account 000000000000 not found.'),
    expectStatus: 400,
    expectError: 'InvalidRequest',
  },
  {
    name: '400 stream not found',
    status: 400,
    body: err('ResourceNotFoundException', 'Firehose stream STREAM_NAME under account 123456789012 not found.'),
    expectStatus: 500,
    expectError: 'DeliveryStreamUnavailable',
  },
  {
    // Default stream names come from construct ids: a name containing "Size"/"Length" must not read as "too large".
    name: '400 stream not found, stream named after a size',
    status: 400,
    body: err('ResourceNotFoundException', 'Firehose stream S-BatchSizeLengthTest-Ingest-ABC under account 123456789012 not found.'),
    expectStatus: 500,
    expectError: 'DeliveryStreamUnavailable',
  },
  {
    name: '400 KMS',
    status: 400,
    body: err('InvalidKMSResourceException', 'KMS key is disabled'),
    expectStatus: 500,
    expectError: 'DeliveryStreamUnavailable',
  },
  {
    name: '400 no record (refused empty body)',
    status: 400,
    body: err('ValidationException', "1 validation error detected: Value null at 'record' failed to satisfy constraint: Member must not be null"),
    expectStatus: 400,
    expectError: 'InvalidRequest',
  },
  { name: '400 serialization', status: 400, body: err('SerializationException', 'Unexpected field'), expectStatus: 400, expectError: 'InvalidRequest' },
  {
    name: '400 limit exceeded',
    status: 400,
    body: err('LimitExceededException', 'Rate exceeded for stream STREAM_NAME'),
    expectStatus: 503,
    expectError: 'Throttled',
  },
  { name: '400 other', status: 400, body: err('InvalidArgumentException', 'Something else'), expectStatus: 400, expectError: 'RejectedByFirehose' },
  { name: '400 namespaced type', status: 400, body: err('com.amazonaws.firehose#Weird', 'x'), expectStatus: 400, expectError: 'RejectedByFirehose' },
  { name: '400 empty body', status: 400, body: '', expectStatus: 400, expectError: 'RejectedByFirehose' },
  { name: '404', status: 404, body: '{}', expectStatus: 400, expectError: 'RejectedByFirehose' },
  { name: '429', status: 429, body: '{"message":"Too Many Requests"}', expectStatus: 400 },
  { name: '499', status: 499, body: '{}', expectStatus: 400 },
  {
    name: '403 access denied',
    status: 403,
    body: err('AccessDeniedException', 'User: arn:aws:sts::123456789012:assumed-role/x is not authorized'),
    expectStatus: 500,
    expectError: 'DeliveryStreamUnavailable',
  },
  { name: '403 empty', status: 403, body: '', expectStatus: 500, expectError: 'DeliveryStreamUnavailable' },
  { name: '500 internal failure', status: 500, body: err('InternalFailure', 'Internal error'), expectStatus: 502, expectError: 'FirehoseError' },
  {
    name: '503 service unavailable',
    status: 503,
    body: err('ServiceUnavailableException', 'Slow down.'),
    expectStatus: 503,
    expectError: 'ServiceUnavailable',
  },
  { name: '502 empty', status: 502, body: '', expectStatus: 503, expectError: 'ServiceUnavailable' },
  { name: '504 empty', status: 504, body: '', expectStatus: 503, expectError: 'ServiceUnavailable' },
  { name: '599 odd type', status: 599, body: err('X"Y\'Z\\', 'm'), expectStatus: 502, expectError: 'FirehoseError' },
];

function batchAnswer(entries: Array<{ RecordId?: string | null; ErrorCode?: string; ErrorMessage?: string }>, failed?: number): string {
  return JSON.stringify({ ...(failed === undefined ? {} : { FailedPutCount: failed }), Encrypted: false, RequestResponses: entries });
}
const ok = (i: number) => ({ RecordId: `rid-${i}` });
const failedEntry = (code: string) => ({ ErrorCode: code, ErrorMessage: `${code}: "quoted" \\ 'message'` });

/** Firehose answers to a PutRecordBatch that mean at least one record was not stored. */
const PUT_RECORD_BATCH_FAILURES: readonly ErrorCase[] = [
  { name: 'partial failure', status: 200, body: batchAnswer([ok(0), failedEntry('ServiceUnavailableException'), ok(2), failedEntry('InternalFailure'), ok(4)], 2), expectStatus: 500, expectError: 'PartialFailure' },
  { name: 'all failed', status: 200, body: batchAnswer([failedEntry('ServiceUnavailableException'), failedEntry('ServiceUnavailableException')], 2), expectStatus: 503, expectError: 'BatchFailed' },
  { name: 'missing FailedPutCount', status: 200, body: batchAnswer([ok(0)]), expectStatus: 502, expectError: 'UnexpectedFirehoseResponse' },
  { name: 'missing RequestResponses', status: 200, body: '{"FailedPutCount":0}', expectStatus: 502, expectError: 'UnexpectedFirehoseResponse' },
  { name: 'empty body', status: 200, body: '', expectStatus: 502, expectError: 'UnexpectedFirehoseResponse' },
  { name: 'FailedPutCount not a number', status: 200, body: '{"FailedPutCount":"x","RequestResponses":[{"RecordId":"a"}]}', expectStatus: 502, expectError: 'UnexpectedFirehoseResponse' },
  { name: 'no entries', status: 200, body: batchAnswer([], 0), expectStatus: 502, expectError: 'UnexpectedFirehoseResponse' },
  { name: 'FailedPutCount 0 but an entry failed', status: 200, body: batchAnswer([ok(0), failedEntry('InternalFailure')], 0), expectStatus: 500, expectError: 'PartialFailure' },
  { name: 'FailedPutCount 0 but an entry has no RecordId', status: 200, body: batchAnswer([ok(0), { RecordId: null }], 0), expectStatus: 500, expectError: 'PartialFailure' },
  { name: 'FailedPutCount 1 but no entry failed', status: 200, body: batchAnswer([ok(0), ok(1)], 1), expectStatus: 502, expectError: 'UnexpectedFirehoseResponse' },
  { name: 'odd error code', status: 200, body: batchAnswer([ok(0), failedEntry('Odd"Code\'\\')], 1), expectStatus: 500, expectError: 'PartialFailure' },
  {
    name: '400 batch too large',
    status: 400,
    body: err('InvalidArgumentException', 'Records size exceeds 4 MiB limit'),
    expectStatus: 413,
    expectError: 'PayloadTooLarge',
  },
  ...PUT_RECORD_FAILURES.filter((c) => c.status !== 200 && c.status !== 302),
];

const putRecordMethods = subjects.filter((s) => s.kind === 'single' || s.kind === 'packed').map((s) => [s.name, s.method!] as const);
const putRecordBatchMethods = subjects.filter((s) => s.kind === 'perEvent').map((s) => [s.name, s.method!] as const);

function errorBodyProblems(r: Rendered, c: ErrorCase): string[] {
  const p: string[] = [];
  if (!r.json) return [`${c.name}: body is not JSON (${r.jsonError}): ${short(r.body, 300)}`];
  if (typeof r.json.error !== 'string' || !r.json.error) p.push(`${c.name}: no error code`);
  if (typeof r.json.message !== 'string' || !r.json.message) p.push(`${c.name}: no message`);
  if (r.json.requestId !== 'resp-req-id-1') p.push(`${c.name}: requestId is ${short(r.json.requestId)}`);
  if (c.expectError && r.json.error !== c.expectError) p.push(`${c.name}: error ${short(r.json.error)}, expected ${c.expectError}`);
  if (r.status !== c.expectStatus) p.push(`${c.name}: status ${r.status}, expected ${c.expectStatus}`);
  if (r.body.includes(SECRET)) p.push(`${c.name}: secret in body`);
  return p;
}

describe('PutRecord integration responses (single and packed batch methods)', () => {
  test.each(putRecordMethods)('%s: 200 with a RecordId -> 200 {recordId, requestId}', async (_n, method) => {
    const [r, q] = await respond(method, [
      { name: 'ok', status: 200, body: JSON.stringify({ RecordId: RECORD_ID, Encrypted: false }) },
      { name: 'odd id', status: 200, body: JSON.stringify({ RecordId: 'x"y\'z\\/é', Encrypted: true }) },
    ]);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ recordId: RECORD_ID, requestId: 'resp-req-id-1' });
    expect(Object.keys(r.json!)).toEqual(['recordId', 'requestId']);
    expect(q.status).toBe(200);
    expect(q.json).toEqual({ recordId: 'x"y\'z\\/é', requestId: 'resp-req-id-1' });
  });

  test.each(putRecordMethods)('%s: every failure maps to its status with a JSON error body', async (_n, method) => {
    const rendered = await respond(method, PUT_RECORD_FAILURES);
    expect(rendered.flatMap((r, i) => errorBodyProblems(r, PUT_RECORD_FAILURES[i]))).toEqual([]);
  });

  test.each(putRecordMethods)('%s: Firehose 5xx responses carry Retry-After; 403 and 4xx do not', async (_n, method) => {
    const [s503, s500, s403, s400] = await respond(method, [
      { name: '503', status: 503, body: err('ServiceUnavailableException', 'x') },
      { name: '500', status: 500, body: err('InternalFailure', 'x') },
      { name: '403', status: 403, body: '' },
      { name: '400', status: 400, body: err('LimitExceededException', 'x') },
    ]);
    expect(s503.status).toBe(503);
    expect(s503.headers).toEqual({ 'Retry-After': '1' });
    expect(s500.headers).toEqual({ 'Retry-After': '1' });
    expect(s403.headers).toEqual({});
    expect(s400.headers).toEqual({});
  });
});

describe('PutRecordBatch integration responses (RECORD_PER_EVENT batch method)', () => {
  test.each(putRecordBatchMethods)('%s: FailedPutCount 0 -> 200 with count and recordIds', async (_n, method) => {
    const [r] = await respond(method, [{ name: 'ok', status: 200, body: batchAnswer([ok(0), ok(1), { RecordId: 'q"\'\\' }], 0) }]);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ count: 3, recordIds: ['rid-0', 'rid-1', 'q"\'\\'], requestId: 'resp-req-id-1' });
  });

  test.each(putRecordBatchMethods)('%s: 2 of 5 failed -> 500 listing exactly the failed indices', async (_n, method) => {
    const [r] = await respond(method, [PUT_RECORD_BATCH_FAILURES[0]]);
    expect(r.status).toBe(500);
    expect(r.json).toEqual({
      error: 'PartialFailure',
      message: expect.any(String),
      requestId: 'resp-req-id-1',
      count: 5,
      failedCount: 2,
      failed: [{ index: 1, errorCode: 'ServiceUnavailableException' }, { index: 3, errorCode: 'InternalFailure' }],
      recordIds: ['rid-0', null, 'rid-2', null, 'rid-4'],
    });
  });

  test.each(putRecordBatchMethods)('%s: all failed -> 503; inconsistent answers are never 200', async (_n, method) => {
    const rendered = await respond(method, PUT_RECORD_BATCH_FAILURES);
    expect(rendered.flatMap((r, i) => errorBodyProblems(r, PUT_RECORD_BATCH_FAILURES[i]))).toEqual([]);
    const all = rendered[1].json!;
    expect(all).toMatchObject({ error: 'BatchFailed', count: 2, failedCount: 2, recordIds: [null, null] });
    const odd = rendered[PUT_RECORD_BATCH_FAILURES.findIndex((c) => c.name === 'odd error code')].json!;
    expect(odd.failed).toEqual([{ index: 1, errorCode: 'Odd"Code\'\\' }]);
    const noId = rendered[PUT_RECORD_BATCH_FAILURES.findIndex((c) => c.name === 'FailedPutCount 0 but an entry has no RecordId')].json!;
    expect(noId).toMatchObject({ failedCount: 1, failed: [{ index: 1 }], recordIds: ['rid-0', null] });
  });
});

describe('no template renders a 2xx for a failed write', () => {
  const cases = [
    ...putRecordMethods.map(([n, m]) => [n, m, PUT_RECORD_FAILURES] as const),
    ...putRecordBatchMethods.map(([n, m]) => [n, m, PUT_RECORD_BATCH_FAILURES] as const),
  ];
  test.each(cases)('%s', async (_n, method, failures) => {
    const extra: Answer[] = [
      { name: 'non-JSON 500', status: 500, body: '<html>Internal</html>' },
      { name: 'non-JSON 200', status: 200, body: 'OK' },
      ...[400, 401, 403, 404, 408, 409, 413, 415, 429, 500, 501, 502, 503, 504].map((status) => ({ name: `${status}`, status, body: '' })),
    ];
    const rendered = await respond(method, [...failures, ...extra]);
    const twoHundreds = rendered.map((r, i) => [[...failures, ...extra][i].name, r.status] as const).filter(([, s]) => s >= 200 && s < 300);
    expect(twoHundreds).toEqual([]);
    // Every rendered error body is JSON with error / message / requestId (render failures are API Gateway's own 500).
    const bad = rendered.filter((r) => !r.render.error && !(r.json && r.json.error && r.json.message && r.json.requestId));
    expect(bad.map((r) => r.body)).toEqual([]);
  });
});

describe('end to end through simulateIntegration', () => {
  const readings = ['object', 'empty'] as const;
  test.each(subjects.filter((s) => s.method).flatMap((s) => readings.map((r) => [s.name, r, s] as const)))('%s: a refused empty request ($input.body read as %s) -> Firehose 400 -> 400', async (_n, emptyBody, s) => {
    const contentType = s.kind === 'text' ? 'text/plain' : 'application/json';
    const sim = await simulateIntegration(engine, s.method!, { contentType, body: '', emptyBody, params: { header: DEFAULT_HEADERS }, context: RESPONSE_CONTEXT }, {
      status: 400,
      body: err('ValidationException', `1 validation error detected: Value null at '${s.kind === 'perEvent' ? 'records' : 'record'}' failed to satisfy constraint: Member must not be null`),
    });
    expect(sim.requestRender?.output).toContain(REJECT_MARKER);
    expect(sim.firehose).toBeUndefined();
    expect(sim.status).toBe(400);
    expect(parseJsonStrict(sim.body)).toMatchObject({ error: 'InvalidRequest', requestId: 'resp-req-id-1' });
  });

  test('a content type without a template is refused with 415 (passthrough NEVER), so no raw body reaches Firehose', async () => {
    const methods = subjects.filter((s) => s.method).map((s) => s.method!);
    for (const m of methods) {
      for (const contentType of ['application/x-www-form-urlencoded', 'application/octet-stream', 'text/csv']) {
        const sim = await simulateIntegration(engine, m, { contentType, body: '1,"apiKeyId":"x"' }, { status: 200 });
        expect(sim.status).toBe(415);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Gateway responses
// ---------------------------------------------------------------------------------------------

describe('gateway responses', () => {
  const stack = new Stack(new App(), 'GatewayResponses');
  new ApiToFirehose(stack, 'Ingest');
  const cfn = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
  const synthesized = Object.values(cfn.Resources)
    .filter((r) => r.Type === 'AWS::ApiGateway::GatewayResponse')
    .map((r) => [String(r.Properties.ResponseType), String(r.Properties.ResponseTemplates['application/json'])] as const);

  const errors = [
    { responseType: 'INVALID_API_KEY', message: 'Forbidden', validationErrorString: '' },
    { responseType: 'THROTTLED', message: 'Too Many Requests', validationErrorString: '' },
    { responseType: 'MISSING_AUTHENTICATION_TOKEN', message: 'Missing Authentication Token', validationErrorString: '' },
    { responseType: 'BAD_REQUEST_BODY', message: 'Invalid request body', validationErrorString: '[object has missing required properties (["records"])]' },
    {
      responseType: 'BAD_REQUEST_BODY',
      message: 'Invalid request body',
      validationErrorString: '[instance value ("a\\"b\'c\\\\d$context.identity.apiKey") not found in enum (possible values: ["x"])]\n\r\t\u2028',
    },
    { responseType: 'DEFAULT_4XX', message: 'He said "no" \\ \'twice\' \n', validationErrorString: '"\\' },
  ];
  const contexts = errors.map((e) => requestContext({ requestId: 'gw-req-1', error: { ...e, messageString: JSON.stringify(e.message) } }));
  const templates = [
    ['gatewayResponseTemplate()', gatewayResponseTemplate()] as const,
    ['badRequestBodyTemplate()', badRequestBodyTemplate()] as const,
    ...synthesized.map(([t, text]) => [`synthesized ${t}`, text] as const),
  ];

  test('the construct defines JSON gateway responses', () => {
    expect(synthesized.map(([t]) => t).sort()).toEqual(expect.arrayContaining(['BAD_REQUEST_BODY', 'DEFAULT_4XX', 'DEFAULT_5XX']));
  });

  test.each(templates)('%s renders JSON (VTL engine and AWS simple substitution) with error, message, requestId', async (_n, template) => {
    const rendered = await renderMany(contexts.map((context) => ({ template, context })));
    const outputs = [
      ...rendered.map((r) => ({ how: 'velocity', text: r.output, error: r.error })),
      ...contexts.map((c) => ({ how: 'substitution', text: renderGatewayResponseTemplate(template, c), error: null })),
    ];
    const problems: string[] = [];
    outputs.forEach(({ how, text, error }, i) => {
      const e = errors[i % errors.length];
      if (error) return problems.push(`${how} ${i}: ${error}`);
      let j: Record<string, unknown>;
      try {
        j = parseJsonStrict(text) as Record<string, unknown>;
      } catch (x) {
        return problems.push(`${how} ${i}: ${(x as Error).message}`);
      }
      if (typeof j.error !== 'string' || j.message !== e.message || j.requestId !== 'gw-req-1') problems.push(`${how} ${i}: ${text}`);
      if (text.includes(SECRET)) problems.push(`${how} ${i}: secret`);
      return undefined;
    });
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The checks can fail
// ---------------------------------------------------------------------------------------------

describe('a deliberately broken template (raw $input.body spliced into the record) fails the same checks', () => {
  const good = subjects.find((s) => s.name === 'ALL_FIELDS single')!;
  // The event id is read with $input.path, which parses the body: a body that is not JSON would fail the render and
  // hide the splice. The broken template writes null there instead (what the checker expects for these bodies).
  const EVENT_ID_READ = /^#if\(\$raw\.matches[^\n]*\$input\.path\('\$\.eventId'\)[^\n]*#end$/m;
  const eventIdLine = good.template.match(EVENT_ID_READ)?.[0] ?? '';
  const eventIdVar = eventIdLine.match(/#set\((\$f\d+) = /)?.[1];
  const broken: Subject = {
    ...good,
    name: 'BROKEN single',
    template: good.template.split("$input.json('$')").join('$input.body').replace(EVENT_ID_READ, `#set(${eventIdVar} = 'null')`),
  };

  test('the broken template differs from the real one only in how the body is read', () => {
    expect(eventIdVar).toMatch(/^\$f\d+$/);
    expect(good.template).toContain("$input.json('$')");
    expect(broken.template).not.toContain("$input.json('$')");
    expect(broken.template).toContain('$input.body');
  });

  test('the checker reports forged fields, extra keys and broken lines', async () => {
    const reqs: HttpRequest[] = [
      { body: '1,"apiKeyId":"forged"' },
      { body: '{"a":1}, "extra": true' },
      { body: '{}}, "x": {' },
      { body: '{"a":1}\r\n,"apiKeyId":"forged"' },
      { body: '{"a":"b"}\n{"apiKeyId":"forged"}' },
    ];
    const results = await renderMany(reqs.map((r) => renderRequest(broken, r)));
    const problems = results.map((r, i) => checkNoForgery(broken.config, broken.kind, reqs[i], r).join(' | '));
    expect(problems[0]).toMatch(/duplicate key "apiKeyId"/);
    expect(problems[1]).toMatch(/unexpected top-level key "extra"/);
    expect(problems[2]).toMatch(/not valid JSON/);
    expect(problems[3]).toMatch(/duplicate key "apiKeyId"/);
    expect(problems[4]).toMatch(/not valid JSON/);
    // What a lenient reader (JSON.parse keeps the last duplicate) would have stored:
    const data = JSON.parse(results[0].output).Record.Data as string;
    expect(JSON.parse(Buffer.from(data, 'base64').toString('utf8')).apiKeyId).toBe('forged');
    // The real template renders nothing for the same bodies (API Gateway answers 500; the validator 400 first).
    const real = await renderMany(reqs.map((r) => renderRequest(good, r)));
    expect(real.map((r) => r.error)).toEqual(reqs.map(() => expect.stringMatching(/body is not valid JSON/)));
  });

  test('checkAccepted reports raw line breaks and a changed body', async () => {
    // Also without the whitespace normalisation, a pretty-printed body splits the record into several lines.
    const worse: Subject = { ...broken, template: broken.template.split('.replaceAll("[\\r\\n\\t]+", " ")').join('') };
    expect(worse.template).not.toContain('[\\r\\n\\t]');
    const pretty: HttpRequest = { body: '{\n"a": 1\r\n}' };
    const [w, b, g] = await renderMany([worse, broken, good].map((t) => renderRequest(t, pretty)));
    expect(checkAccepted(worse, pretty, w).join(' | ')).toMatch(/not valid JSON/);
    expect(checkAccepted(broken, pretty, b)).toEqual([]);
    expect(checkAccepted(good, pretty, g)).toEqual([]);
    // Raw splicing keeps the text of escapes, which still denote the same JSON value.
    const esc: HttpRequest = { body: '{"s":"\\u0041"}' };
    const [e] = await renderMany([renderRequest(broken, esc)]);
    expect(checkAccepted(broken, esc, e)).toEqual([]);
    // A body changed on the way is reported.
    const changed: Subject = { ...good, template: good.template.replace("$input.json('$')", "$input.json('$.a')") };
    const [c] = await renderMany([renderRequest(changed, { body: '{"a":{"b":1}}' })]);
    expect(checkAccepted(changed, { body: '{"a":{"b":1}}' }, c).join(' | ')).toMatch(/body "body" is \{"b":1\}, expected \{"a":\{"b":1\}\}/);
    // A template that writes a wrong envelope value is caught too.
    const wrong: Subject = { ...good, template: good.template.replace('context.identity.apiKeyId', 'context.requestId') };
    const [x] = await renderMany([renderRequest(wrong, { body: '{"a":1}' })]);
    expect(checkAccepted(wrong, { body: '{"a":1}' }, x).join(' | ')).toMatch(/envelope field "apiKeyId" is "c6af9ac6/);
  });
});

// ---------------------------------------------------------------------------------------------
// Every template of every synthesized method, whatever its content type
// ---------------------------------------------------------------------------------------------

describe('every request template of every synthesized method', () => {
  const all = synth.flatMap((s) => s.methods.flatMap((m) => Object.entries(m.requestTemplates).map(([ct, template]) => ({
    name: `${s.config.name} ${s.mode} ${m.resourcePath} ${ct}`,
    config: s.config,
    kind: (m.resourcePath === '/' ? 'single' : s.mode) as MethodKind,
    template,
  }))));
  const bodies = [
    ...HOSTILE_STRINGS, ...hostileJsonBodies().slice(-12), '1,"apiKeyId":"x"', '{}}, "x": {', '{"records":[{"a":1}]},"apiKeyId":"x"',
    '{"records":[1,"x",{"apiKeyId":"forged"}]}', '{"records":[{"a":1}], "apiKeyId":"forged"}',
  ];
  test.each(all.map((t) => [t.name, t] as const))('%s: nothing forged, no secret', async (_n, t) => {
    const subject: Subject = { name: t.name, config: t.config, kind: t.kind, template: t.template };
    const reqs = bodies.map((body, i) => ({
      body, headers: { ...DEFAULT_HEADERS, 'User-Agent': HOSTILE_STRINGS[i % HOSTILE_STRINGS.length] }, query: { source: body },
    }));
    const results = await renderMany(reqs.map((r) => renderRequest(subject, r)));
    const problems = results.flatMap((r, i) => checkNoForgery(t.config, t.kind, reqs[i], r).map((p) => `${short(reqs[i].body)}: ${p}`));
    expect(problems).toEqual([]);
  });
});

test('no render in this file ever contained the secret API key value', () => {
  expect(renderCount).toBeGreaterThan(3000);
  expect(secretLeaks).toEqual([]);
});
