/**
 * The Kinesis target's mapping templates (IngestTarget.kinesisStream), rendered exactly as synthesized by
 * ApiToFirehose with the Velocity 1.7 engine of ./harness, against the hostile inputs of ./checker. A rendered
 * Kinesis request (PutRecord / PutRecords) is checked for its own shape (StreamName, Data, PartitionKey: the keys
 * API Gateway was recorded sending to Kinesis, test/vtl/aws-recorded cases util/base64-body and
 * compare/undefined-not-ne-empty) and its partition keys, then read as the Firehose request carrying the same
 * records, so the same envelope checks as the Firehose templates apply. The response templates are driven with
 * Kinesis's recorded answers (LocalStack's AWS-validated snapshot test_apigateway_kinesis: `{"SequenceNumber",
 * "ShardId"}` and `{"FailedRecordCount":0,"Records":[...]}`) and with Kinesis's documented errors.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  DEFAULT_HEADERS, ENVELOPES, EnvelopeConfig, HOSTILE_STRINGS, HttpRequest, LONG_STRING, MethodKind, STREAM_NAME, Subject,
  checkAccepted, checkNoForgery, checkRejected, deeplyNested, headerValue, hostileJsonBodies, hostileJsonValues, refusedAsEmpty,
  renderRequest, requestContext, short,
} from './checker';
import {
  MethodInfo, RenderResult, findMethods, parseJsonStrict, simulateIntegration, VtlEngine,
} from './harness';
import { ApiToFirehose, BatchMode, EnvelopeField, IngestTarget, PartitionKey, TextPlainMode } from '../../src';
import { REJECT_MARKER } from '../../src/private/vtl';

const engine = new VtlEngine();
afterAll(async () => engine.close());

interface KeyConfig {
  readonly name: string;
  readonly key: PartitionKey;
  /** The partition key the request should carry (before the request-id fallback). */
  readonly expected: (req: HttpRequest, event: unknown, kind: MethodKind) => string | null;
}

const ctx = (req: HttpRequest) => requestContext(req.context) as { requestId?: string; identity?: { apiKeyId?: string | null } };
const KEYS: KeyConfig[] = [
  { name: 'REQUEST_ID', key: PartitionKey.REQUEST_ID, expected: (req) => ctx(req).requestId ?? null },
  { name: 'API_KEY_ID', key: PartitionKey.API_KEY_ID, expected: (req) => ctx(req).identity?.apiKeyId ?? null },
  {
    name: 'HEADER',
    key: PartitionKey.fromField(EnvelopeField.header('X-Tenant-Id', 'tenant')),
    expected: (req) => headerValue(req.headers ?? DEFAULT_HEADERS, 'X-Tenant-Id') ?? null,
  },
  {
    name: 'EVENT_ID',
    key: PartitionKey.fromField(EnvelopeField.eventId()),
    expected: (_req, event, kind) => {
      if (kind === 'packed' || kind === 'text') return null; // a packed record holds many events; a text body has no properties
      const v = (event as Record<string, unknown> | null)?.eventId;
      return typeof v === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(v) ? v : null;
    },
  },
];

interface KinesisSubject extends Subject {
  readonly keyConfig: KeyConfig;
}

function synth(config: EnvelopeConfig, keyConfig: KeyConfig, mode: 'packed' | 'perEvent'): MethodInfo[] {
  const stack = new Stack(new App(), `K${config.name.replace(/_/g, '')}${keyConfig.name.replace(/_/g, '')}${mode}`);
  new ApiToFirehose(stack, 'Ingest', {
    envelope: config.envelope,
    target: IngestTarget.kinesisStream({ partitionKey: keyConfig.key }),
    ...(mode === 'perEvent'
      ? { batch: { mode: BatchMode.RECORD_PER_EVENT }, textPlain: TextPlainMode.AS_STRING }
      : { textPlain: TextPlainMode.AS_JSON }),
  });
  const template = Template.fromStack(stack).toJSON();
  const streamId = Object.entries<any>(template.Resources).find(([, r]) => r.Type === 'AWS::Kinesis::Stream')![0];
  return findMethods(template, { refs: { [streamId]: STREAM_NAME } });
}

function at(methods: MethodInfo[], path: string): MethodInfo {
  return methods.find((m) => m.resourcePath === path && m.httpMethod === 'POST')!;
}

const CONFIGS = ENVELOPES.filter((c) => ['DEFAULT', 'ALL_FIELDS', 'RAW'].includes(c.name));
const subjects: KinesisSubject[] = [];
for (const config of CONFIGS) {
  for (const keyConfig of KEYS) {
    const packed = synth(config, keyConfig, 'packed');
    const perEvent = synth(config, keyConfig, 'perEvent');
    const name = `${config.name} ${keyConfig.name}`;
    subjects.push(
      { name: `${name} single`, config, keyConfig, kind: 'single', template: at(packed, '/').requestTemplates['application/json'], method: at(packed, '/') },
      { name: `${name} text`, config, keyConfig, kind: 'text', template: at(perEvent, '/').requestTemplates['text/plain'], method: at(perEvent, '/') },
      { name: `${name} packed`, config, keyConfig, kind: 'packed', template: at(packed, '/batch').requestTemplates['application/json'], method: at(packed, '/batch') },
      { name: `${name} perEvent`, config, keyConfig, kind: 'perEvent', template: at(perEvent, '/batch').requestTemplates['application/json'], method: at(perEvent, '/batch') },
    );
  }
}

const isBatch = (k: MethodKind) => k === 'packed' || k === 'perEvent';

/**
 * Checks a rendered Kinesis request and returns the Firehose request with the same records (so ./checker's
 * envelope checks apply), or problems. Each PartitionKey must be 1-256 characters and equal the configured value,
 * or the request id when that value is missing, empty or too long.
 */
function readKinesis(s: KinesisSubject, req: HttpRequest, r: RenderResult): { firehose?: RenderResult; problems: string[] } {
  if (r.error) return { firehose: r, problems: [] };
  let o: Record<string, unknown>;
  try {
    o = parseJsonStrict(r.output, 'rendered Kinesis request') as Record<string, unknown>;
  } catch (e) {
    return { problems: [(e as Error).message.slice(0, 300)] };
  }
  const problems: string[] = [];
  const keyOk = (pk: unknown, event: unknown, where: string) => {
    if (typeof pk !== 'string' || pk.length < 1 || [...pk].length > 256) {
      problems.push(`${where}: PartitionKey ${short(pk)} is not 1-256 characters`);
      return;
    }
    const want = s.keyConfig.expected(req, event, s.kind);
    const expected = want !== null && want !== '' && JSON.stringify(want).length <= 258 ? want : ctx(req).requestId;
    if (pk !== expected) problems.push(`${where}: PartitionKey ${short(pk)}, expected ${short(expected)}`);
  };
  const name = o.StreamName;
  if (typeof name === 'string' && name.startsWith(`${REJECT_MARKER}.`)) {
    if (Object.keys(o).join() !== 'StreamName,Data,PartitionKey' || o.Data !== '') problems.push(`malformed refusal ${short(r.output, 200)}`);
    return { firehose: { ...r, output: JSON.stringify({ DeliveryStreamName: name, Record: { Data: o.Data } }) }, problems };
  }
  const events = (() => {
    try {
      if (s.kind === 'text') return [req.body];
      const parsed = JSON.parse(req.body) as unknown;
      return isBatch(s.kind) ? (parsed as { records: unknown[] }).records : [parsed];
    } catch {
      return [];
    }
  })();
  if (s.kind === 'perEvent') {
    if (Object.keys(o).join() !== 'StreamName,Records' || !Array.isArray(o.Records)) {
      return { problems: [`not a PutRecords request {StreamName, Records}: ${short(r.output, 200)}`] };
    }
    const recs = o.Records as Record<string, unknown>[];
    recs.forEach((x, i) => {
      if (Object.keys(x).join() !== 'Data,PartitionKey') problems.push(`record ${i} keys ${Object.keys(x).join()}`);
      keyOk(x.PartitionKey, events[i], `record ${i}`);
    });
    if (recs.length > 500) problems.push(`${recs.length} records (> 500 per PutRecords)`);
    return { firehose: { ...r, output: JSON.stringify({ DeliveryStreamName: name, Records: recs.map((x) => ({ Data: x.Data })) }) }, problems };
  }
  if (Object.keys(o).join() !== 'StreamName,Data,PartitionKey') {
    return { problems: [`not a PutRecord request {StreamName, Data, PartitionKey}: ${short(r.output, 200)}`] };
  }
  keyOk(o.PartitionKey, events[0], 'record');
  return { firehose: { ...r, output: JSON.stringify({ DeliveryStreamName: name, Record: { Data: o.Data } }) }, problems };
}

async function check(s: KinesisSubject, reqs: HttpRequest[], how: 'accepted' | 'noForgery' | 'rejected'): Promise<string[]> {
  const results = await engine.renderMany(reqs.map((q) => renderRequest(s, q)));
  return results.flatMap((r, i) => {
    const { firehose, problems } = readKinesis(s, reqs[i], r);
    if (firehose) {
      if (how === 'accepted') problems.push(...checkAccepted(s, reqs[i], firehose));
      if (how === 'noForgery') problems.push(...checkNoForgery(s.config, s.kind, reqs[i], firehose));
      if (how === 'rejected') problems.push(...checkRejected(firehose));
    }
    return problems.map((p) => `${s.name} case ${i} body=${short(reqs[i].body, 60)}: ${p}`);
  });
}

function accepted(kind: MethodKind): HttpRequest[] {
  const values = hostileJsonValues();
  const withIds = values.map((v, i) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...v, eventId: `id-${i}` } : v));
  if (kind === 'single') {
    return [...hostileJsonBodies(), JSON.stringify({ long: LONG_STRING }), JSON.stringify(deeplyNested(100)),
      ...withIds.map((v) => JSON.stringify(v)), JSON.stringify({ eventId: 'x'.repeat(129) }), JSON.stringify({ eventId: 'a"b' })]
      .filter((b) => !refusedAsEmpty(b)).map((body) => ({ body }));
  }
  if (kind === 'text') return [...HOSTILE_STRINGS, ...hostileJsonBodies(), 'not json'].filter((t) => !refusedAsEmpty(t)).map((body) => ({ body }));
  return [
    ...values.map((v) => JSON.stringify({ records: [v] })),
    JSON.stringify({ records: withIds }),
    JSON.stringify({ records: withIds.slice(0, 20) }),
    JSON.stringify({ records: [{ eventId: 'same' }, { eventId: 'same' }, { eventId: 'x'.repeat(200) }, { eventId: 7 }, {}] }),
  ].map((body) => ({ body }));
}

describe('the request shapes API Gateway was recorded sending to Kinesis (test/vtl/aws-recorded/cases.json)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cases = (require('./aws-recorded/cases.json') as { cases: { id: string; expect: { json?: any } }[] }).cases;
  test('PutRecord {StreamName, Data, PartitionKey} and PutRecords {StreamName, Records: [{Data, PartitionKey}]}: what readKinesis demands', () => {
    const putRecord = cases.find((c) => c.id === 'util/base64-body')!.expect.json;
    const putRecords = cases.find((c) => c.id === 'compare/undefined-not-ne-empty')!.expect.json;
    expect(Object.keys(putRecord)).toEqual(['StreamName', 'Data', 'PartitionKey']);
    expect(Object.keys(putRecords)).toEqual(['StreamName', 'Records']);
    expect(putRecords.Records.map((r: object) => Object.keys(r).join())).toEqual(['Data,PartitionKey', 'Data,PartitionKey', 'Data,PartitionKey']);
  });
});

describe('synthesized Kinesis methods', () => {
  test.each(subjects.filter((s) => s.kind !== 'text').map((s) => [s.name, s] as const))('%s: kinesis action, JSON protocol header', (_n, s) => {
    const m = s.method!;
    const action = s.kind === 'perEvent' ? 'PutRecords' : 'PutRecord';
    expect(m.integrationType).toBe('AWS');
    expect(m.passthroughBehavior).toBe('NEVER');
    expect(m.integrationUri).toMatch(new RegExp(`:kinesis:action/${action}$`));
    expect(m.requestParameters['integration.request.header.X-Amz-Target']).toBe(`'Kinesis_20131202.${action}'`);
  });
});

describe.each(subjects.map((s) => [s.name, s] as const))('%s', (_name, s) => {
  test('hostile accepted bodies: the Kinesis request carries one valid JSON line per event and the configured partition key', async () => {
    const reqs = accepted(s.kind);
    expect(reqs.length).toBeGreaterThan(20);
    expect(await check(s, reqs, 'accepted')).toEqual([]);
  });

  test('hostile headers and contexts: the partition key is escaped, at most 256 characters, else the request id', async () => {
    const body = s.kind === 'text' ? 'hello' : isBatch(s.kind) ? '{"records":[{"a":1,"eventId":"e1"},{"b":2}]}' : '{"a":1,"eventId":"e1"}';
    const reqs: HttpRequest[] = [
      ...HOSTILE_STRINGS.map((p) => ({ body, headers: { ...DEFAULT_HEADERS, 'X-Tenant-Id': p, 'User-Agent': p } })),
      { body, headers: { ...DEFAULT_HEADERS, 'X-Tenant-Id': 'k'.repeat(256) } },
      { body, headers: { ...DEFAULT_HEADERS, 'X-Tenant-Id': 'k'.repeat(257) } },
      { body, headers: { ...DEFAULT_HEADERS, 'X-Tenant-Id': '"'.repeat(200) } },
      { body, headers: { 'x-tenant-id': 'lower-case-name' } },
      { body, context: { identity: { apiKeyId: null } } },
      { body, context: { identity: { apiKeyId: '' } } },
      { body, context: { identity: { apiKeyId: 'key"with\\quotes' } } },
    ];
    expect(await check(s, reqs, 'accepted')).toEqual([]);
  });

  test.each(['object', 'empty'] as const)('empty bodies ($input.body read as %s) and batches without events are refused: the real stream is never called', async (emptyBody) => {
    const bodies = ['', ' ', '\n', '{}', ...(isBatch(s.kind) ? ['{"records":[]}', '{"records":"abc"}', '[]', 'null'] : [])];
    expect(await check(s, bodies.map((body) => ({ body, emptyBody })), 'rejected')).toEqual([]);
  });

  test('bodies that close the JSON early send no forged field (or fail the render: API Gateway answers 500 and writes nothing)', async () => {
    const forging = ['1,"apiKeyId":"x"', '{}}, "x": {', '{"a":1},"apiKeyId":"x"', '{"records":[{"a":1}]},"apiKeyId":"x"', 'not json', '{"a":'];
    const reqs = forging.map((body) => ({ body }));
    expect(await check(s, reqs, s.kind === 'text' ? 'accepted' : 'noForgery')).toEqual([]);
  });
});

describe('responses, driven with Kinesis answers', () => {
  const single = subjects.find((s) => s.name === 'DEFAULT REQUEST_ID single')!.method!;
  const batch = subjects.find((s) => s.name === 'DEFAULT REQUEST_ID perEvent')!.method!;
  const context = requestContext({ requestId: 'req-1' });
  const sim = (m: MethodInfo, body: string, status: number, answer: unknown) =>
    simulateIntegration(engine, m, { body, context }, { status, body: typeof answer === 'string' ? answer : JSON.stringify(answer) });
  const retryAfter = (r: Awaited<ReturnType<typeof sim>>) =>
    r.responseRender?.responseOverride.header['Retry-After'] ?? r.integrationResponse?.responseParameters['method.response.header.Retry-After'];
  const three = '{"records":[{"a":1},{"b":2},{"c":3}]}';

  test('PutRecord, as recorded on AWS ({SequenceNumber, ShardId}): 200 with the sequence number', async () => {
    const r = await sim(single, '{"a":1}', 200, { SequenceNumber: '49590338271490256608559692538361571095921575989136588898', ShardId: 'shardId-000000000000' });
    expect(r.status).toBe('200');
    expect(JSON.parse(r.body)).toEqual({ recordId: '49590338271490256608559692538361571095921575989136588898', shardId: 'shardId-000000000000', requestId: 'req-1' });
  });

  test('PutRecord without a SequenceNumber is not a success: 502', async () => {
    for (const answer of ['{}', '', { ShardId: 'shardId-000000000000' }, { SequenceNumber: '' }]) {
      const r = await sim(single, '{"a":1}', 200, answer);
      expect([r.status, JSON.parse(r.body).error]).toEqual([502, 'UnexpectedStreamResponse']);
    }
  });

  test('PutRecords, as recorded on AWS (FailedRecordCount 0): 200 with every sequence number', async () => {
    const answer = { FailedRecordCount: 0, Records: [1, 2, 3].map((i) => ({ SequenceNumber: `seq-${i}`, ShardId: 'shardId-000000000000' })) };
    const r = await sim(batch, three, 200, answer);
    expect(r.status).toBe('200');
    expect(JSON.parse(r.body)).toEqual({ count: 3, recordIds: ['seq-1', 'seq-2', 'seq-3'], requestId: 'req-1' });
  });

  test('a PutRecords partial failure answers 500 PartialFailure with the failed indices, the body the client resends by index', async () => {
    const answer = {
      FailedRecordCount: 2,
      Records: [
        { SequenceNumber: 'seq-1', ShardId: 'shardId-000000000000' },
        { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard shardId-000000000000 in stream s under account 123456789012.' },
        { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' },
      ],
    };
    const r = await sim(batch, three, 200, answer);
    expect(r.status).toBe(500);
    const body = JSON.parse(r.body);
    expect(body).toEqual({
      error: 'PartialFailure',
      message: 'Some events were not stored: retry only the failed indices.',
      requestId: 'req-1',
      count: 3,
      failedCount: 2,
      failed: [{ index: 1, errorCode: 'ProvisionedThroughputExceededException' }, { index: 2, errorCode: 'InternalFailure' }],
      recordIds: ['seq-1', null, null],
    });
    expect(r.body).not.toContain('123456789012');
  });

  test('every record throttled: 503 BatchFailed with Retry-After', async () => {
    const answer = { FailedRecordCount: 3, Records: [0, 1, 2].map(() => ({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' })) };
    const r = await sim(batch, three, 200, answer);
    expect([r.status, JSON.parse(r.body).error, retryAfter(r)]).toEqual([503, 'BatchFailed', '1']);
  });

  test('PutRecords answers no entry accounts for: 502', async () => {
    for (const answer of [{ FailedRecordCount: 1, Records: [{ SequenceNumber: 's' }] }, { Records: [{ SequenceNumber: 's' }] }, { FailedRecordCount: 0, Records: [] }, '{}']) {
      const r = await sim(batch, three, 200, answer);
      expect([r.status, JSON.parse(r.body).error]).toEqual([502, 'UnexpectedStreamResponse']);
    }
  });

  // Kinesis errors (API reference, PutRecord/PutRecords "Errors"): throttling is HTTP 400 with __type.
  const errors: [string, number, string, number, string, boolean][] = [
    ['ProvisionedThroughputExceededException', 400, 'Rate exceeded for shard shardId-000000000000 in stream s under account 123456789012.', 503, 'Throttled', true],
    ['KMSThrottlingException', 400, 'Rate exceeded for the KMS key.', 503, 'Throttled', true],
    ['LimitExceededException', 400, 'Rate exceeded', 503, 'Throttled', true],
    ['ResourceNotFoundException', 400, 'Stream s under account 123456789012 not found.', 500, 'StreamUnavailable', false],
    ['KMSAccessDeniedException', 400, 'denied', 500, 'StreamUnavailable', false],
    ['AccessDeniedException', 400, 'User: arn:aws:sts::123456789012:assumed-role/r is not authorized', 500, 'StreamUnavailable', false],
    ['ValidationException', 400, "1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576", 413, 'PayloadTooLarge', false],
    ['InvalidArgumentException', 400, 'Records is empty', 400, 'InvalidRequest', false],
    ['SerializationException', 400, 'Start of structure or map found where not expected', 400, 'InvalidRequest', false],
    ['AccessDeniedException', 403, 'not authorized', 500, 'StreamUnavailable', false],
    ['InternalFailure', 500, 'Internal service failure.', 502, 'StreamError', true],
    ['ServiceUnavailable', 503, 'Service unavailable', 503, 'ServiceUnavailable', true],
  ];
  test.each(errors)('%s (HTTP %d) answers %d %s, Retry-After when retrying helps, never Kinesis\'s message', async (type, status, message, want, code, retry) => {
    for (const m of [single, batch]) {
      const r = await sim(m, m === single ? '{"a":1}' : three, status, { __type: type, message });
      const body = JSON.parse(r.body);
      expect([r.status, body.error]).toEqual([want, code]);
      expect(body.requestId).toBe('req-1');
      expect(Boolean(retryAfter(r))).toBe(retry);
      expect(r.body).not.toContain('123456789012');
    }
  });

  test('a request the template refused (the marker stream, as AWS names it in AccessDenied and LocalStack in ResourceNotFound) answers 413 or 400', async () => {
    const cases: [string, string, number][] = [
      ['AccessDeniedException', `User: arn:aws:sts::123456789012:assumed-role/r is not authorized to perform: kinesis:PutRecord on resource: arn:aws:kinesis:us-east-1:123456789012:stream/${REJECT_MARKER}.too-large`, 413],
      ['ResourceNotFoundException', `Stream ${REJECT_MARKER}.empty-body under account 000000000000 not found.`, 400],
      ['ResourceNotFoundException', `Stream ${REJECT_MARKER}.no-events under account 000000000000 not found.`, 400],
    ];
    for (const [type, message, want] of cases) {
      const r = await sim(single, '{"a":1}', 400, { __type: type, message });
      expect(r.status).toBe(want);
      expect(JSON.parse(r.body).requestId).toBe('req-1');
    }
  });
});
