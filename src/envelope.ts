import { EVENT_ID_PATTERN, MAX_BATCH_BODY_CHARS, MAX_RECORD_BODY_CHARS } from './limits';
import { checkEventPropertyName, checkFieldName, checkHeaderName, checkQueryParameterName, checkUniqueFieldNames } from './validation';

/**
 * Where the value of an envelope field comes from.
 */
export enum EnvelopeFieldSource {
  /** The public id of the API key that called (`$context.identity.apiKeyId`), never the secret key value. */
  API_KEY_ID = 'API_KEY_ID',
  /** API Gateway's request id (`$context.requestId`). */
  REQUEST_ID = 'REQUEST_ID',
  /** When API Gateway received the request, epoch milliseconds (`$context.requestTimeEpoch`). */
  RECEIVED_AT = 'RECEIVED_AT',
  /** The caller's `X-Amzn-Trace-Id` header (caller-controlled, escaped). */
  TRACE_ID = 'TRACE_ID',
  /** The caller's source IP (`$context.identity.sourceIp`). */
  SOURCE_IP = 'SOURCE_IP',
  /** The caller's `User-Agent` (caller-controlled, escaped). */
  USER_AGENT = 'USER_AGENT',
  /** The stage name (`$context.stage`). */
  STAGE = 'STAGE',
  /** A named request header (caller-controlled, escaped). */
  HEADER = 'HEADER',
  /** A named query string parameter (caller-controlled, escaped). */
  QUERY_PARAMETER = 'QUERY_PARAMETER',
  /** A constant string fixed at synth time. */
  CONSTANT = 'CONSTANT',
  /** The event's 0-based position in a batch request (batch records only). */
  BATCH_INDEX = 'BATCH_INDEX',
  /**
   * The event's own id: a top-level string property of the event (e.g. `eventId`, set by the client at
   * `track()`), copied when it is 1-128 characters of `[A-Za-z0-9._:-]`, else `null`.
   */
  EVENT_ID = 'EVENT_ID',
}

/**
 * One field of the JSON envelope written around each event.
 *
 * Every value that a caller controls (headers, query parameters) is escaped
 * before it is placed in the record, so no caller can forge or break a field.
 * A value that is absent in the request is written as JSON `null`.
 */
export class EnvelopeField {
  /** The id of the API key used (public id, not the secret value). @default name 'apiKeyId' */
  public static apiKeyId(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.API_KEY_ID, name ?? 'apiKeyId');
  }
  /** API Gateway's request id. @default name 'requestId' */
  public static requestId(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.REQUEST_ID, name ?? 'requestId');
  }
  /** The time API Gateway received the request, as a JSON number of epoch milliseconds. @default name 'receivedAt' */
  public static receivedAt(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.RECEIVED_AT, name ?? 'receivedAt');
  }
  /** The `X-Amzn-Trace-Id` request header. @default name 'traceId' */
  public static traceId(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.TRACE_ID, name ?? 'traceId');
  }
  /** The caller's source IP address. @default name 'sourceIp' */
  public static sourceIp(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.SOURCE_IP, name ?? 'sourceIp');
  }
  /** The `User-Agent` request header. @default name 'userAgent' */
  public static userAgent(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.USER_AGENT, name ?? 'userAgent');
  }
  /** The API Gateway stage name. @default name 'stage' */
  public static stage(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.STAGE, name ?? 'stage');
  }
  /**
   * A request header, e.g. `EnvelopeField.header('X-Tenant-Id', 'tenant')`.
   * @param headerName the HTTP header to copy (letters, digits, '-')
   * @param name the JSON field name
   */
  public static header(headerName: string, name: string): EnvelopeField {
    checkHeaderName(headerName);
    return new EnvelopeField(EnvelopeFieldSource.HEADER, name, headerName);
  }
  /**
   * A query string parameter, e.g. `EnvelopeField.queryParameter('source', 'source')`.
   * @param parameterName the query string parameter to copy
   * @param name the JSON field name
   */
  public static queryParameter(parameterName: string, name: string): EnvelopeField {
    checkQueryParameterName(parameterName);
    return new EnvelopeField(EnvelopeFieldSource.QUERY_PARAMETER, name, parameterName);
  }
  /**
   * A constant string, e.g. `EnvelopeField.constant('source', 'web')`.
   * @param name the JSON field name
   * @param value any string; it is JSON-escaped at synth time
   */
  public static constant(name: string, value: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.CONSTANT, name, value);
  }
  /** The event's 0-based index within a batch request; not written for single-event requests. @default name 'index' */
  public static batchIndex(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.BATCH_INDEX, name ?? 'index');
  }

  /**
   * The event's own id, copied from a top-level string property of the event, e.g. the UUID that
   * cdk-api-to-firehose-client adds to every event as `eventId`. With it, a retried request (a timeout makes
   * at-least-once delivery unavoidable) leaves duplicates that a query removes: `SELECT DISTINCT` by the id.
   *
   * The value is written as a JSON string only when the property is a string of 1-128 characters from
   * `[A-Za-z0-9._:-]` (a UUID, a ULID, `tenant:123`); anything else (missing, a number, an object, too long,
   * other characters) is written as `null`. The event is stored either way, its body untouched. A `text/plain`
   * body stored as a string (`TextPlainMode.AS_STRING`) has no properties: its id is always `null`.
   * @param name the JSON field name (default 'eventId')
   * @param eventProperty the top-level event property to read, an identifier (default 'eventId')
   * @default name 'eventId', eventProperty 'eventId'
   */
  public static eventId(name?: string, eventProperty?: string): EnvelopeField {
    const property = eventProperty ?? 'eventId';
    checkEventPropertyName(property);
    return new EnvelopeField(EnvelopeFieldSource.EVENT_ID, name ?? 'eventId', property);
  }

  /**
   * @param source where the value comes from
   * @param name the JSON field name
   * @param argument the header, parameter or event property name, or the constant value
   */
  private constructor(
    public readonly source: EnvelopeFieldSource,
    public readonly name: string,
    public readonly argument?: string,
  ) {
    checkFieldName(name);
  }
}

/** Options for `RecordEnvelope.withFields`. */
export interface EnvelopeOptions {
  /**
   * The JSON field that holds the request body.
   * @default 'body'
   */
  readonly bodyField?: string;
}

/**
 * The shape of each record written to Firehose.
 *
 * Every record is one line of JSON followed by exactly one newline, so each
 * S3 object, decompressed, is valid JSON Lines.
 */
export class RecordEnvelope {
  /** The default envelope: `{"apiKeyId", "requestId", "receivedAt", "eventId", "index" (batch only), "body"}`. */
  public static readonly DEFAULT = RecordEnvelope.withFields([
    EnvelopeField.apiKeyId(),
    EnvelopeField.requestId(),
    EnvelopeField.receivedAt(),
    EnvelopeField.eventId(),
    EnvelopeField.batchIndex(),
  ]);

  /** No envelope: each record is the event body alone (re-serialised JSON), plus the newline. */
  public static readonly RAW = new RecordEnvelope([], 'body', true);

  /** An envelope with the given fields, in this order, followed by the body field. */
  public static withFields(fields: EnvelopeField[], options?: EnvelopeOptions): RecordEnvelope {
    const bodyField = options?.bodyField ?? 'body';
    checkFieldName(bodyField);
    checkUniqueFieldNames(fields.map((f) => f.name), bodyField);
    return new RecordEnvelope([...fields], bodyField, false);
  }

  private constructor(
    /** The envelope fields, in order. */
    public readonly fields: EnvelopeField[],
    /** The JSON field holding the body (unused when raw). */
    public readonly bodyField: string,
    /** Whether records are the bare body with no envelope. */
    public readonly raw: boolean,
  ) {}
}

// ---------------------------------------------------------------------------
// Pure VTL builders. Options in, mapping template text out; no constructs.
// Velocity 1.7 facts relied on (proved in test/vtl): single-quoted literals
// are not interpolated; values inserted by interpolation are never
// re-evaluated; `#set` with a null right-hand side keeps the old value, so
// optional values are read through "$!{...}".
// ---------------------------------------------------------------------------

/** How the request body is read. */
export enum BodyFormat {
  /** The body must be JSON; it is stored re-serialised by API Gateway (`$input.json`). */
  JSON = 'JSON',
  /** The body is stored as a JSON string, whatever it contains. */
  TEXT = 'TEXT',
}

/** Inputs of the request template builders. */
export interface RequestTemplateOptions {
  /** The delivery stream name (a literal or a CDK token string; passed through uninspected). */
  readonly streamName: string;
  /** The record shape. */
  readonly envelope: RecordEnvelope;
  /** How the body is read. @default BodyFormat.JSON */
  readonly bodyFormat?: BodyFormat;
}

/** The JSON error code a template uses when it refuses a request without writing anything. */
export const REJECT_MARKER = 'ApiToFirehoseRejected';

/**
 * Encodes a synth-time string as a JSON string literal that is also inert in
 * VTL and inside a single-quoted Velocity literal: every character outside a
 * small safe set (including `$ # ' " \` and all non-ASCII) becomes `\uXXXX`.
 */
export function jsonStringLiteral(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (/^[A-Za-z0-9 _.,:;/@+=?!%&*()[\]{}<>|^~`-]$/.test(ch)) {
      out += ch;
    } else if (cp > 0xffff) {
      const hi = Math.floor((cp - 0x10000) / 0x400) + 0xd800;
      const lo = ((cp - 0x10000) % 0x400) + 0xdc00;
      out += `\\u${hi.toString(16).padStart(4, '0')}\\u${lo.toString(16).padStart(4, '0')}`;
    } else {
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    }
  }
  return out + '"';
}

/**
 * VTL for the content of a JSON string holding the value of `expr`: `$util.escapeJavaScript`, then its
 * `\'` (not valid JSON) turned back into `'`. Escaped backslash pairs are set aside first (as U+0001,
 * which escaped output never contains), so only a `\'` that escapes a quote is touched. This is exact
 * on API Gateway (commons-lang escapes every `'`) and on LocalStack (which escapes none), and uses no
 * regex group reference, since the two engines write those differently.
 */
export function vtlJsonEscape(expr: string): string {
  return `$util.escapeJavaScript(${expr})` +
    '.replaceAll("\\\\\\\\", $util.urlDecode("%01"))' +
    '.replaceAll("\\\\\'", "\'")' +
    '.replaceAll($util.urlDecode("%01"), "\\\\\\\\")';
}

/** VTL that sets `$target` to a JSON string literal of the value in `$src`, or `null` when it is empty. */
function vtlEscapedSrc(target: string): string {
  return [
    `#if($src.length() == 0)#set(${target} = 'null')#else`,
    `#set($esc = ${vtlJsonEscape('$src')})`,
    `#set(${target} = "\${q}\${esc}\${q}")#end`,
  ].join('\n');
}

/** VTL that sets `$target` to a JSON string literal of the caller-controlled or server value `sourceExpr`, or `null` when empty. */
function vtlJsonStringOrNull(target: string, sourceExpr: string): string {
  return [`#set($src = "$!${sourceExpr}")`, vtlEscapedSrc(target)].join('\n');
}

/**
 * VTL that sets `$target` from a request header: the exact name first, then any name that matches
 * case-insensitively (HTTP/2 clients send header names in lower case; `$input.params().header` is a
 * plain map). `headerName` is checked at synth time (letters, digits, '-').
 */
function vtlHeaderStringOrNull(target: string, headerName: string): string {
  return [
    `#set($src = "$!{headers.get('${headerName}')}")`,
    `#if($src.length() == 0)#foreach($hname in $headers.keySet())#if($src.length() == 0 && $hname.matches("(?i)${headerName}"))` +
      '#set($src = "$!{headers.get($hname)}")#end#end#end',
    vtlEscapedSrc(target),
  ].join('\n');
}


/**
 * VTL that sets `target` to the event id as a JSON string, or `null`. `ref` is the id as a VTL reference
 * (no `$`): the event's property itself, read from the parsed body, so its type is the JSON type. Only a
 * string has `matches` (Velocity: a missing method is null; LocalStack's engine: None), so a number,
 * boolean, object, list, null or missing property is null, and a string is copied only when it matches
 * EVENT_ID_PATTERN in full. Such a string needs no JSON escaping, and interpolated values are never
 * re-evaluated. The reference is read twice rather than `#set` first: a null `#set` keeps the previous
 * event's value in a loop.
 */
function vtlEventId(target: string, ref: string, guard?: string): string {
  const test = `$${ref}.matches('${EVENT_ID_PATTERN}')`;
  return `#if(${guard ? `${guard} && ` : ''}${test})#set(${target} = "\${q}\${${ref}}\${q}")#else#set(${target} = 'null')#end`;
}

/** VTL that sets `$f<i>` to the JSON value of one field. */
function vtlField(field: EnvelopeField, index: number, scope: 'single' | 'batch', format: BodyFormat): string {
  const v = `$f${index}`;
  switch (field.source) {
    case EnvelopeFieldSource.API_KEY_ID:
      return vtlJsonStringOrNull(v, '{context.identity.apiKeyId}');
    case EnvelopeFieldSource.REQUEST_ID:
      return vtlJsonStringOrNull(v, '{context.requestId}');
    case EnvelopeFieldSource.SOURCE_IP:
      return vtlJsonStringOrNull(v, '{context.identity.sourceIp}');
    case EnvelopeFieldSource.STAGE:
      return vtlJsonStringOrNull(v, '{context.stage}');
    case EnvelopeFieldSource.USER_AGENT:
      return vtlHeaderStringOrNull(v, 'User-Agent');
    case EnvelopeFieldSource.TRACE_ID:
      return vtlHeaderStringOrNull(v, 'X-Amzn-Trace-Id');
    case EnvelopeFieldSource.HEADER:
      return vtlHeaderStringOrNull(v, field.argument!);
    case EnvelopeFieldSource.QUERY_PARAMETER:
      return vtlJsonStringOrNull(v, `{query.get('${field.argument}')}`);
    case EnvelopeFieldSource.RECEIVED_AT:
      // requestTimeEpoch is a number set by API Gateway; keep only digits so the field is always a JSON number or null.
      return [
        '#set($src = "$!{context.requestTimeEpoch}")',
        `#if($src.matches("[0-9]{1,19}"))#set(${v} = $src)#else#set(${v} = 'null')#end`,
      ].join('\n');
    case EnvelopeFieldSource.CONSTANT:
      return `#set(${v} = '${jsonStringLiteral(field.argument ?? '')}')`;
    case EnvelopeFieldSource.BATCH_INDEX:
      return scope === 'batch' ? `#set(${v} = $foreach.index)` : '';
    case EnvelopeFieldSource.EVENT_ID:
      // A text body stored as a string has no properties (and $input.path would fail on text that is not JSON).
      if (format === BodyFormat.TEXT) return `#set(${v} = 'null')`;
      // Batch: the loop variable (one event of the parsed body). Single: the body's property, read only when the
      // body is an object (a JSONPath into a JSON null fails the render on Velocity 1.7's JSONPath).
      return scope === 'batch'
        ? vtlEventId(v, `event.${field.argument}`)
        : vtlEventId(v, `input.path('$.${field.argument}')`, '$raw.matches("(?s)[\\x00-\\x20]*\\{.*")');
  }
}

/** Fields whose value differs per event of a batch: set inside the loop. */
function isPerEvent(field: EnvelopeField): boolean {
  return field.source === EnvelopeFieldSource.BATCH_INDEX || field.source === EnvelopeFieldSource.EVENT_ID;
}

function isWritten(field: EnvelopeField, scope: 'single' | 'batch'): boolean {
  return scope === 'batch' || field.source !== EnvelopeFieldSource.BATCH_INDEX;
}

/** VTL setting `$body` to the JSON text of the event. `jsonPath` selects the event in JSON mode. */
function vtlBody(format: BodyFormat, jsonPath: string): string {
  if (format === BodyFormat.TEXT) {
    return [
      `#set($esc = ${vtlJsonEscape('$input.body')})`,
      '#set($body = "${q}${esc}${q}")',
    ].join('\n');
  }
  // $input.json re-serialises the parsed body, so raw text can never close the envelope early.
  // Raw whitespace other than a space can only sit between JSON tokens (a serialiser escapes it inside
  // strings), where a space is equivalent: replace it so the record stays one line whatever the
  // serialiser does.
  // A lone UTF-16 surrogate (a JSON escape such as "\ud800" in the body) cannot be encoded as UTF-8, so
  // $util.base64Encode would turn it into '?'. Only then, escape every non-ASCII character as \uXXXX:
  // escapeJavaScript escapes them (and ", \\, ', /, which the single replaceAll pass turns back), so the
  // record keeps the exact JSON value. (Java regexes match a valid surrogate pair as one code point.)
  // The `$1` reference is Java's: this branch never runs on LocalStack, whose $input.json output is ASCII-escaped.
  return [
    `#set($body = $input.json(${jsonPath}).replaceAll("[\\r\\n\\t]+", " "))`,
    '#if($body.matches("(?s).*[\\uD800-\\uDFFF].*"))' +
      '#set($body = $util.escapeJavaScript($body).replaceAll("\\\\([\\\\\\x22\\x27/])", \'$1\'))#end',
  ].join('\n');
}

/** VTL that sets `$rec` to one JSON line from `$body` and the fields `$f<i>`. */
function vtlRecord(envelope: RecordEnvelope, scope: 'single' | 'batch'): string {
  if (envelope.raw) return '#set($rec = "${body}${nl}")';
  const parts: string[] = [];
  envelope.fields.forEach((f, i) => {
    if (isWritten(f, scope)) parts.push(`${jsonStringLiteral(f.name)}:\${f${i}}`);
  });
  parts.push(`${jsonStringLiteral(envelope.bodyField)}:\${body}`);
  // Field names are identifiers, so the only quotes here come from jsonStringLiteral; emit them via ${q}
  // (formal notation, so a following name is not read as part of the reference).
  const text = '{' + parts.join(',') + '}';
  return `#set($rec = "${text.replace(/"/g, '${q}')}\${nl}")`;
}

function vtlFields(envelope: RecordEnvelope, scope: 'single' | 'batch', perEvent: boolean, format = BodyFormat.JSON): string {
  if (envelope.raw) return '';
  return envelope.fields
    .map((f, i) => ({ f, i }))
    .filter(({ f }) => scope === 'single' ? !perEvent : isPerEvent(f) === perEvent)
    .map(({ f, i }) => vtlField(f, i, scope, format))
    .filter((s) => s !== '')
    .join('\n');
}

const PRELUDE = [
  '## Generated by cdk-api-to-firehose. Every caller-controlled value is escaped before it enters the record.',
  '#set($q = \'"\')',
  '#set($nl = $util.urlDecode("%0A"))',
  '#set($headers = $input.params().header)',
  '#set($query = $input.params().querystring)',
  '#set($raw = "$!input.body")',
].join('\n');

/**
 * Why a template refuses a request without writing anything. The reason is
 * carried in the stream name of the request it renders instead (see `vtlReject`).
 */
export enum RejectReason {
  EMPTY_BODY = 'empty-body',
  NO_EVENTS = 'no-events',
  TOO_LARGE = 'too-large',
}

/**
 * VTL condition: the request is empty. On AWS an empty request reaches the template as `$input.body` = `{}`
 * (recorded; LocalStack 4.13.1 too, with `$input.json('$')` = ""); an engine that hands over the raw text gives "".
 * So a body that is blank (as Java's trim() sees it: only characters up to
 * U+0020) or exactly `{}` counts as empty under both readings. A request whose body is literally `{}` cannot be
 * told apart from an empty one on AWS (no header or `$context` value tells them apart), so it is refused too.
 */
const EMPTY_BODY = '$raw.matches("[\\x00-\\x20]*") || $raw == "{}"';


/**
 * The request a template renders when it refuses the call: a PutRecord to the
 * stream `ApiToFirehoseRejected.<reason>`, which the API's role may not write
 * to and which does not exist. Firehose answers 4xx (AccessDenied on AWS,
 * ResourceNotFound on LocalStack) with a message naming that stream; the
 * error response templates look for the name and answer 400 or 413. The real
 * stream is never called, so nothing can be written.
 */
function vtlReject(reason: RejectReason): string {
  return `{"DeliveryStreamName":"${REJECT_MARKER}.${reason}","Record":{"Data":""}}`;
}

/** The request template of the single-event method: one event -> one Firehose PutRecord. */
export function putRecordTemplate(opts: RequestTemplateOptions): string {
  const format = opts.bodyFormat ?? BodyFormat.JSON;
  return [
    PRELUDE,
    `#if(${EMPTY_BODY})`,
    vtlReject(RejectReason.EMPTY_BODY),
    `#elseif($raw.length() > ${MAX_RECORD_BODY_CHARS})`,
    vtlReject(RejectReason.TOO_LARGE),
    '#else',
    vtlFields(opts.envelope, 'single', false, format),
    vtlBody(format, "'$'"),
    vtlRecord(opts.envelope, 'single'),
    `{"DeliveryStreamName":"${opts.streamName}","Record":{"Data":"$util.base64Encode($rec)"}}`,
    '#end',
  ].filter((l) => l !== '').join('\n');
}

/** Inputs of the batch request template builders. */
export interface BatchTemplateOptions extends RequestTemplateOptions {
  /** The JSON property of the request body holding the array of events. */
  readonly recordsProperty: string;
}

/**
 * Sets `$events` to the request's events, or to an empty list (refused) when the body is empty, is not
 * an object, or its events property is missing or is not an array (a string or an object would
 * otherwise be iterated as if it held events). The body is parsed only when it is not blank.
 */
function batchLoopHead(opts: BatchTemplateOptions, maxChars: number): string {
  const prop = opts.recordsProperty;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prop)) throw new Error(`recordsProperty must be an identifier, got '${prop}'.`);
  return [
    '#set($events = [])',
    // Only an object body is searched; a missing property reads as "" (not an array); a string or object would
    // otherwise be iterated as events.
    `#if(!$raw.matches("[\\x00-\\x20]*") && $input.json('$').matches("(?s)\\s*\\{.*") && $input.json('$.${prop}').matches("(?s)\\s*\\[.*"))` +
      `#set($events = $input.path('$.${prop}'))#end`,
    `#if(${EMPTY_BODY})`,
    vtlReject(RejectReason.EMPTY_BODY),
    `#elseif($raw.length() > ${maxChars})`,
    vtlReject(RejectReason.TOO_LARGE),
    '#elseif($events.size() == 0)',
    vtlReject(RejectReason.NO_EVENTS),
    '#else',
    vtlFields(opts.envelope, 'batch', false),
  ].filter((l) => l !== '').join('\n');
}

function batchEventRecord(opts: BatchTemplateOptions): string {
  return [
    vtlFields(opts.envelope, 'batch', true),
    vtlBody(BodyFormat.JSON, `"$.${opts.recordsProperty}[$foreach.index]"`),
    vtlRecord(opts.envelope, 'batch'),
  ].filter((l) => l !== '').join('\n');
}

/** Batch request template: one Firehose record per event, through PutRecordBatch (order preserved). */
export function putRecordBatchTemplate(opts: BatchTemplateOptions): string {
  return [
    PRELUDE,
    batchLoopHead(opts, MAX_BATCH_BODY_CHARS),
    `{"DeliveryStreamName":"${opts.streamName}","Records":[`,
    '#foreach($event in $events)',
    batchEventRecord(opts),
    '{"Data":"$util.base64Encode($rec)"}#if($foreach.hasNext),#end',
    '#end',
    ']}',
    '#end',
  ].join('\n');
}

/** Packed batch request template: all events, one JSON line each, in a single Firehose record (PutRecord). */
export function packedBatchTemplate(opts: BatchTemplateOptions): string {
  return [
    PRELUDE,
    batchLoopHead(opts, MAX_RECORD_BODY_CHARS),
    '#set($packed = "")',
    '#foreach($event in $events)',
    batchEventRecord(opts),
    '#set($packed = "${packed}${rec}")',
    '#end',
    `{"DeliveryStreamName":"${opts.streamName}","Record":{"Data":"$util.base64Encode($packed)"}}`,
    '#end',
  ].join('\n');
}
