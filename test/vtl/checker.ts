/**
 * Shared by templates.test.ts and properties.test.ts: builds ApiToFirehose stacks for every envelope
 * configuration, pulls the mapping templates out of the synthesized CloudFormation, and checks a
 * rendered Firehose request against what the request should have produced.
 *
 * The checkers return a list of problems (empty = good) instead of throwing, so a test can also run
 * them on a deliberately broken template and expect them to complain.
 */
import { randomUUID } from 'crypto';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  apiGatewayContext,
  decodeFirehoseRequest,
  DecodedFirehoseRequest,
  EmptyBodyReading,
  findMethods,
  MethodInfo,
  parseJsonStrict,
  RenderRequest,
  RenderResult,
} from './harness';
import { ApiToFirehose, BatchMode, EnvelopeField, EnvelopeFieldSource, RecordEnvelope, TextPlainMode } from '../../src';
import { putRecordTemplate } from '../../src/private/templates';
import { BodyFormat, REJECT_MARKER } from '../../src/private/vtl';

/** The secret API key value in every rendered $context: it must never appear in any output. */
export const SECRET = `SECRET-KEY-VALUE-${randomUUID()}`;
export const STREAM_NAME = 'STREAM_NAME';

/** A constant with every character that is special in JSON or VTL. */
export const NASTY_CONSTANT = 'a"b\'c$d#e\\f\n😀';

export interface EnvelopeConfig {
  readonly name: string;
  readonly envelope: RecordEnvelope;
}

export const ENVELOPES: readonly EnvelopeConfig[] = [
  { name: 'DEFAULT', envelope: RecordEnvelope.DEFAULT },
  {
    name: 'ALL_FIELDS',
    envelope: RecordEnvelope.withFields([
      EnvelopeField.apiKeyId(),
      EnvelopeField.requestId(),
      EnvelopeField.receivedAt(),
      EnvelopeField.traceId(),
      EnvelopeField.sourceIp(),
      EnvelopeField.userAgent(),
      EnvelopeField.stage(),
      EnvelopeField.header('X-Tenant-Id', 'tenant'),
      EnvelopeField.queryParameter('source', 'source'),
      EnvelopeField.constant('nasty', NASTY_CONSTANT),
      EnvelopeField.eventId(),
      EnvelopeField.batchIndex(),
    ]),
  },
  {
    name: 'CUSTOM_BODY',
    envelope: RecordEnvelope.withFields([
      EnvelopeField.batchIndex('n'),
      EnvelopeField.apiKeyId('key'),
      EnvelopeField.constant('origin', 'web'),
      EnvelopeField.userAgent('ua'),
      // The id from another property, under another name.
      EnvelopeField.eventId('id', 'messageId'),
    ], { bodyField: 'event' }),
  },
  { name: 'RAW', envelope: RecordEnvelope.RAW },
];

/**
 * single: PutRecord of one JSON event; text: PutRecord of the body as a JSON string (the text/plain
 * template of `textPlain: AS_STRING`); packed / perEvent: batch methods.
 */
export type MethodKind = 'single' | 'text' | 'packed' | 'perEvent';
export const METHOD_KINDS: readonly MethodKind[] = ['single', 'text', 'packed', 'perEvent'];

export interface Subject {
  readonly name: string;
  readonly config: EnvelopeConfig;
  readonly kind: MethodKind;
  /** The request template as synthesized (application/json; text/plain for 'text'). */
  readonly template: string;
  /** The synthesized method (for 'text', the single method whose text/plain template this is). */
  readonly method?: MethodInfo;
  /** For 'text': the same template built directly with `putRecordTemplate({ bodyFormat: BodyFormat.TEXT })`. */
  readonly direct?: string;
}

export interface Synthesized {
  readonly config: EnvelopeConfig;
  readonly mode: 'packed' | 'perEvent';
  readonly methods: MethodInfo[];
}

function methodAt(methods: MethodInfo[], path: string): MethodInfo {
  const m = methods.filter((x) => x.resourcePath === path && x.httpMethod === 'POST');
  if (m.length !== 1) throw new Error(`expected one POST ${path}, found ${m.length}`);
  return m[0];
}

/** Synthesizes one ApiToFirehose stack per envelope config and batch mode. */
export function synthesizeAll(): Synthesized[] {
  const out: Synthesized[] = [];
  for (const config of ENVELOPES) {
    for (const mode of ['packed', 'perEvent'] as const) {
      const stack = new Stack(new App(), `Vtl${config.name.replace(/_/g, '')}${mode}`);
      // text/plain: stored as a JSON string next to the per-event batch, parsed as JSON next to the packed one.
      new ApiToFirehose(stack, 'Ingest', {
        envelope: config.envelope,
        ...(mode === 'perEvent'
          ? { batch: { mode: BatchMode.RECORD_PER_EVENT }, textPlain: TextPlainMode.AS_STRING }
          : { textPlain: TextPlainMode.AS_JSON }),
      });
      out.push({ config, mode, methods: findMethods(Template.fromStack(stack).toJSON()) });
    }
  }
  return out;
}

/** Every (envelope config x method kind) subject, with templates exactly as synthesized. */
export function buildSubjects(synth: Synthesized[] = synthesizeAll()): Subject[] {
  const subjects: Subject[] = [];
  for (const config of ENVELOPES) {
    const packed = synth.find((s) => s.config === config && s.mode === 'packed')!;
    const perEvent = synth.find((s) => s.config === config && s.mode === 'perEvent')!;
    const single = methodAt(packed.methods, '/');
    const packedBatch = methodAt(packed.methods, '/batch');
    const perEventBatch = methodAt(perEvent.methods, '/batch');
    const json = (m: MethodInfo) => {
      const t = m.requestTemplates['application/json'];
      if (!t) throw new Error(`${m.logicalId} has no application/json template`);
      return t;
    };
    const textSingle = methodAt(perEvent.methods, '/');
    if (json(textSingle) !== json(single)) throw new Error('the single template depends on the batch mode');
    const text = textSingle.requestTemplates['text/plain'];
    if (!text) throw new Error(`${textSingle.logicalId} has no text/plain template`);
    subjects.push(
      { name: `${config.name} single`, config, kind: 'single', template: json(single), method: single },
      {
        name: `${config.name} text`,
        config,
        kind: 'text',
        template: text,
        method: textSingle,
        direct: putRecordTemplate({ streamName: STREAM_NAME, envelope: config.envelope, bodyFormat: BodyFormat.TEXT }),
      },
      { name: `${config.name} packed`, config, kind: 'packed', template: json(packedBatch), method: packedBatch },
      { name: `${config.name} perEvent`, config, kind: 'perEvent', template: json(perEventBatch), method: perEventBatch },
    );
  }
  return subjects;
}

// ---------------------------------------------------------------------------------------------
// Requests and expectations
// ---------------------------------------------------------------------------------------------

export interface HttpRequest {
  readonly body: string;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  /** Overrides deep-merged into the default context (which carries SECRET as identity.apiKey). */
  readonly context?: Record<string, unknown>;
  /** How an empty body reads in `$input.body` (default 'object': AWS's recorded `{}`; 'empty': the raw text ""). */
  readonly emptyBody?: EmptyBodyReading;
}

/**
 * A body the templates refuse as empty: blank as Java's trim() sees it (every char <= U+0020), or exactly `{}`,
 * which is what an empty request reads as on AWS.
 */
export const refusedAsEmpty = (s: string): boolean => /^[\u0000-\u0020]*$/.test(s) || s === '{}';

export function requestContext(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return apiGatewayContext({ ...overrides, identity: { apiKey: SECRET, ...(overrides.identity as object | undefined) } });
}

export const DEFAULT_HEADERS: Record<string, string> = {
  'Content-Type': 'application/json',
  'User-Agent': 'curl/8.5.0',
  'X-Amzn-Trace-Id': 'Root=1-67891233-abcdef012345678912345678',
  'X-Tenant-Id': 'tenant-42',
  'X-Forwarded-For': '198.51.100.1',
};
export const DEFAULT_QUERY: Record<string, string> = { source: 'mobile' };

export function renderRequest(subject: Subject, req: HttpRequest): RenderRequest {
  return {
    template: subject.template,
    body: req.body,
    params: { header: req.headers ?? DEFAULT_HEADERS, querystring: req.query ?? DEFAULT_QUERY, path: {} },
    context: requestContext(req.context),
    ...(req.emptyBody ? { options: { emptyBody: req.emptyBody } } : {}),
  };
}

/**
 * A header as the templates read it: the exact name first; otherwise the first non-empty value whose
 * name matches case-insensitively (HTTP/2 clients send lower-case names).
 */
export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  if (headers[name]) return headers[name];
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name.toLowerCase() && v) return v;
  }
  return undefined;
}

function get(obj: unknown, path: string[]): unknown {
  let v = obj;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

const stringOrNull = (v: unknown): string | null => (v === undefined || v === null || String(v) === '' ? null : String(v));

/** The event id rule of EnvelopeField.eventId, restated: a top-level string of 1-128 of [A-Za-z0-9._:-], else null. */
export function expectedEventId(event: unknown, property: string): string | null {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return null;
  const v = (event as Record<string, unknown>)[property];
  return typeof v === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(v) ? v : null;
}

/**
 * The value an envelope field must have: always from $context, the real header / query value, synth time,
 * or (the event id) the event as sent, never anything else the caller wrote.
 */
export function expectedFieldValue(field: EnvelopeField, req: HttpRequest, index: number | undefined, event?: unknown): unknown {
  const ctx = requestContext(req.context);
  const headers = req.headers ?? DEFAULT_HEADERS;
  const query = req.query ?? DEFAULT_QUERY;
  switch (field.source) {
    case EnvelopeFieldSource.API_KEY_ID: return stringOrNull(get(ctx, ['identity', 'apiKeyId']));
    case EnvelopeFieldSource.REQUEST_ID: return stringOrNull(get(ctx, ['requestId']));
    case EnvelopeFieldSource.RECEIVED_AT: {
      const v = String(get(ctx, ['requestTimeEpoch']) ?? '');
      return /^[0-9]{1,19}$/.test(v) ? Number(v) : null;
    }
    case EnvelopeFieldSource.TRACE_ID: return stringOrNull(headerValue(headers, 'X-Amzn-Trace-Id'));
    case EnvelopeFieldSource.SOURCE_IP: return stringOrNull(get(ctx, ['identity', 'sourceIp']));
    case EnvelopeFieldSource.USER_AGENT: return stringOrNull(headerValue(headers, 'User-Agent'));
    case EnvelopeFieldSource.STAGE: return stringOrNull(get(ctx, ['stage']));
    case EnvelopeFieldSource.HEADER: return stringOrNull(headerValue(headers, field.argument!));
    case EnvelopeFieldSource.QUERY_PARAMETER: return stringOrNull(query[field.argument!]);
    case EnvelopeFieldSource.CONSTANT: return field.argument;
    case EnvelopeFieldSource.BATCH_INDEX: return index;
    // A text body (stored as a string) is a string event: no properties, so null.
    case EnvelopeFieldSource.EVENT_ID: return expectedEventId(event, field.argument!);
  }
}

/** The envelope keys of a line, in order (undefined for RAW). */
export function expectedKeys(config: EnvelopeConfig, batch: boolean): string[] | undefined {
  const env = config.envelope;
  if (env.raw) return undefined;
  return [...env.fields.filter((f) => batch || f.source !== EnvelopeFieldSource.BATCH_INDEX).map((f) => f.name), env.bodyField];
}

export function expectedLine(config: EnvelopeConfig, req: HttpRequest, event: unknown, index: number | undefined): unknown {
  const env = config.envelope;
  if (env.raw) return event;
  const line: Record<string, unknown> = {};
  for (const f of env.fields) {
    if (f.source === EnvelopeFieldSource.BATCH_INDEX && index === undefined) continue;
    line[f.name] = expectedFieldValue(f, req, index, event);
  }
  line[env.bodyField] = event;
  return line;
}

const isBatch = (kind: MethodKind) => kind === 'packed' || kind === 'perEvent';

/** The events a request carries (the body must be one the method accepts). */
export function expectedEvents(kind: MethodKind, body: string): unknown[] {
  if (kind === 'text') return [body];
  const parsed = JSON.parse(body) as unknown;
  if (!isBatch(kind)) return [parsed];
  return (parsed as { records: unknown[] }).records;
}

/** JSON value equality (numbers by ===, so 0 and -0 are equal; object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  return ak.length === bk.length && ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && jsonEqual(ao[k], bo[k]));
}

export function short(v: unknown, max = 120): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max)}…(${s.length} chars)` : s;
}

function secretProblems(result: RenderResult, records: string[] = []): string[] {
  const out: string[] = [];
  if (result.output.includes(SECRET)) out.push('the secret API key value appears in the rendered output');
  if (records.some((r) => r.includes(SECRET))) out.push('the secret API key value appears in a record');
  return out;
}

function decode(result: RenderResult, problems: string[]): DecodedFirehoseRequest | undefined {
  try {
    return decodeFirehoseRequest(result.output);
  } catch (e) {
    problems.push(`not a valid Firehose request: ${(e as Error).message.slice(0, 400)}`);
    return undefined;
  }
}

/** Compares one decoded line with the expected one; names forged / wrong envelope fields and stray keys. */
function lineProblems(where: string, config: EnvelopeConfig, actual: unknown, expected: unknown, batch: boolean): string[] {
  const keys = expectedKeys(config, batch);
  if (keys === undefined) {
    return jsonEqual(actual, expected) ? [] : [`${where}: event ${short(actual)} != sent ${short(expected)}`];
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${where}: not a JSON object: ${short(actual)}`];
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  const out: string[] = [];
  const actualKeys = Object.keys(a);
  for (const k of actualKeys) if (!keys.includes(k)) out.push(`${where}: unexpected top-level key ${short(k)} = ${short(a[k])}`);
  for (const k of keys) if (!actualKeys.includes(k)) out.push(`${where}: missing key ${short(k)}`);
  if (out.length === 0 && actualKeys.join('\u0000') !== keys.join('\u0000')) out.push(`${where}: keys out of order: ${actualKeys.join(',')}`);
  for (const k of keys) {
    if (k in a && !jsonEqual(a[k], e[k])) {
      const what = k === config.envelope.bodyField ? 'body' : 'envelope field';
      out.push(`${where}: ${what} ${short(k)} is ${short(a[k])}, expected ${short(e[k])}`);
    }
  }
  return out;
}

/**
 * Every problem with the Firehose request rendered for an accepted request: render errors, invalid
 * envelope JSON, records without exactly one trailing "\n" or with raw "\r"/"\n" inside, lines that
 * are not strict JSON (duplicate keys = a forged field), wrong record / line counts, envelope fields
 * that are not the server-side values, stray top-level keys, a body that differs from the one sent,
 * and the secret key value anywhere.
 */
export function checkAccepted(subject: Subject, req: HttpRequest, result: RenderResult): string[] {
  const problems: string[] = [];
  if (result.error) return [`render error: ${result.error.slice(0, 300)}`];
  problems.push(...secretProblems(result));
  const d = decode(result, problems);
  if (!d) return problems;
  problems.push(...secretProblems(result, d.records));
  if (d.streamName !== STREAM_NAME) problems.push(`DeliveryStreamName is ${short(d.streamName)}`);
  if (d.extraKeys.length) problems.push(`extra request keys: ${d.extraKeys.join(', ')}`);
  if (d.violations.length) problems.push(`Firehose limits: ${d.violations.join('; ')}`);
  const events = expectedEvents(subject.kind, req.body);
  const wantKind = subject.kind === 'perEvent' ? 'PutRecordBatch' : 'PutRecord';
  if (d.kind !== wantKind) problems.push(`${d.kind}, expected ${wantKind}`);
  const linesPerRecord = subject.kind === 'packed' ? events.length : 1;
  const recordCount = subject.kind === 'perEvent' ? events.length : 1;
  if (d.records.length !== recordCount) problems.push(`${d.records.length} records, expected ${recordCount}`);
  d.records.forEach((r, i) => {
    if (r.includes('\r')) problems.push(`record ${i} contains a raw "\\r"`);
    const nl = r.split('\n').length - 1;
    if (nl !== linesPerRecord) problems.push(`record ${i} has ${nl} "\\n", expected ${linesPerRecord}`);
  });
  if (d.events.length !== events.length) {
    problems.push(`${d.events.length} lines, expected ${events.length}`);
    return problems;
  }
  const batch = isBatch(subject.kind);
  events.forEach((event, i) => {
    const expected = expectedLine(subject.config, req, event, batch ? i : undefined);
    problems.push(...lineProblems(`line ${i}`, subject.config, d.events[i], expected, batch));
  });
  return problems;
}

/** The request must not reach Firehose with any record: parsable, DeliveryStreamName, reject marker, no Record(s). */
/** Problems unless `result` is a refused request (with the given reason, when one is given). */
export function checkRejected(result: RenderResult, reason?: string): string[] {
  if (result.error) return [`render error (API Gateway would answer 500, not a 4xx): ${result.error.slice(0, 200)}`];
  const problems = secretProblems(result);
  let v: unknown;
  try {
    v = parseJsonStrict(result.output);
  } catch (e) {
    return [...problems, (e as Error).message.slice(0, 300)];
  }
  const o = v as Record<string, unknown>;
  if (typeof o !== 'object' || o === null) return [...problems, 'not an object'];
  if (!isRejectedRequest(o)) problems.push(`not a refused request (stream ${REJECT_MARKER}.<reason>, empty Data): ${short(result.output, 300)}`);
  if (o.DeliveryStreamName === STREAM_NAME) problems.push('the real stream is called');
  if (reason !== undefined && o.DeliveryStreamName !== `${REJECT_MARKER}.${reason}`) {
    problems.push(`refused for another reason than ${reason}: ${String(o.DeliveryStreamName)}`);
  }
  return problems;
}

/**
 * A request the template refused: a PutRecord of no data to the stream `ApiToFirehoseRejected.<reason>`,
 * which the API's role may not write and which does not exist (see vtlReject in src/private/vtl.ts).
 */
export function isRejectedRequest(o: Record<string, unknown>, reason?: string): boolean {
  const name = o.DeliveryStreamName;
  const rec = o.Record as Record<string, unknown> | undefined;
  return typeof name === 'string' && (reason ? name === `${REJECT_MARKER}.${reason}` : name.startsWith(`${REJECT_MARKER}.`))
    && !('Records' in o) && rec !== undefined && rec.Data === '' && Object.keys(o).length === 2;
}

/**
 * For bodies whose content is unknown (not JSON, or any template of any method): either nothing is
 * sent (render error / rejected request), or every line is strict JSON whose top-level keys are
 * exactly the envelope's and whose envelope fields have the server-side values. Never the secret.
 */
export function checkNoForgery(config: EnvelopeConfig, kind: MethodKind, req: HttpRequest, result: RenderResult): string[] {
  if (result.error) return secretProblems(result);
  const problems = secretProblems(result);
  let o: Record<string, unknown>;
  try {
    o = parseJsonStrict(result.output) as Record<string, unknown>;
  } catch (e) {
    return [...problems, `rendered request is not strict JSON: ${(e as Error).message.slice(0, 300)}`];
  }
  if (o && typeof o === 'object' && isRejectedRequest(o)) return problems;
  const d = decode(result, problems);
  if (!d) return problems;
  problems.push(...secretProblems(result, d.records));
  if (d.extraKeys.length) problems.push(`extra request keys: ${d.extraKeys.join(', ')}`);
  const batch = isBatch(kind);
  const keys = expectedKeys(config, batch);
  d.events.forEach((line, i) => {
    if (keys === undefined) return;
    if (line === null || typeof line !== 'object' || Array.isArray(line)) {
      problems.push(`line ${i}: not a JSON object`);
      return;
    }
    const l = line as Record<string, unknown>;
    // Line i of a packed record, and record i of a PutRecordBatch, is event i.
    const expected = expectedLine(config, req, l[config.envelope.bodyField], batch ? i : undefined) as Record<string, unknown>;
    problems.push(...lineProblems(`line ${i}`, config, l, expected, batch));
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Hostile inputs
// ---------------------------------------------------------------------------------------------

/** Strings that are special to JSON, VTL, JavaScript, UTF-16 or line-oriented readers. */
export const HOSTILE_STRINGS: readonly string[] = [
  '"', '\\', "'", '\\"', '"\\', "\\'", "it's \"quoted\" \\ /", '\\u0022', '\\\\\\',
  '1,"apiKeyId":"x"', '{}}, "x": {', '","apiKeyId":"forged', '"},"apiKeyId":"forged","body":{"a":"',
  '\n', '\r\n', '\r', '\t', '\u0000', 'a\u0000b', '\u0001\u001f\u007f', '\b\f\v',
  '\u2028', '\u2029', 'line\u2028sep\u2029para', '\u0085', '\ud800', '\udc00', '\udfff\ud800', 'x\ud83d', '\ude00x',
  '😀', 'é', '\u00a0', '\uffff', '\ufeff', '𝕏𝕐',
  '$context.identity.apiKey', '${context.identity.apiKey}', '$!context.identity.apiKey', '$!{context.identity.apiKey}',
  '$context.requestId', '$context.identity.apiKeyId', '#set($x = 1)$x', '${x}', '$util.base64Decode("x")',
  '#evaluate("$context.identity.apiKey")', '#evaluate(\'$context.identity.apiKey\')', '## comment', '#* block *#',
  '#if(true)x#end', '#foreach($i in [1..3])$i#end', '$input.body', "$input.json('$')", '$q$nl$body$rec$f0$esc$src',
  '#[[unparsed]]#', '#stop', '#break', '</script>', '\\n', '%0A', 'null', '', ' ', '   ',
];

/** JSON values built from the hostile strings, plus numbers, scalars, and envelope-like keys. */
export function hostileJsonValues(): unknown[] {
  const values: unknown[] = [];
  for (const s of HOSTILE_STRINGS) {
    values.push({ s }, { [s || 'empty']: s });
  }
  values.push(
    'plain string', '', 0, -1, 1.1, 1.10, 1e21, 1e-7, 12345678901234567890, -0, true, false, null, [], {}, [[], {}], [null],
    { apiKeyId: 'forged', requestId: 'forged', receivedAt: 0, index: 99, body: 'forged', tenant: 'forged', source: 'forged' },
    { nested: { apiKeyId: 'forged', body: { body: 'x' } } },
    { a: HOSTILE_STRINGS, b: HOSTILE_STRINGS.map((s) => ({ [s || 'empty']: [s] })) },
  );
  return values;
}

/** Request bodies (JSON text) for the single method: compact, pretty-printed, CRLF and tab whitespace. */
export function hostileJsonBodies(): string[] {
  const bodies = hostileJsonValues().map((v) => JSON.stringify(v));
  bodies.push(
    '{ "a" : 1 ,\n\t"b" : [ 1 , 2 ]\r\n}',
    '\r\n\t {"pretty":\n\n"yes"}\n\n',
    JSON.stringify({ a: { b: ['c', { d: 'e\n"f' }] } }, null, 2),
    JSON.stringify({ a: { b: ['c'] } }, null, '\t'),
    '{"dup":1,"dup":2}',
    '{"apiKeyId":"x","apiKeyId":"y"}',
    '"\\ud800"',
    '{"lone":"\\udc00\\ud800x\\ud83d"}',
    '{"esc":"\\u0000\\u001f\\u2028\\u2029\\/\\b\\f"}',
    '{"big":123456789012345678901234567890,"f":1.5E+300,"neg":-0.0}',
  );
  return bodies;
}

export const LONG_STRING = 'x'.repeat(200 * 1024);
export const LONG_ESCAPES = '"\\\n\u2028😀\'$#'.repeat(20 * 1024);

export function deeplyNested(levels: number): unknown {
  let v: unknown = 'bottom "\\\n';
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { [`k${i}`]: v };
  return v;
}
