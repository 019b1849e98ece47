/**
 * The request templates: how a request becomes Firehose records. Options in, mapping template text out; no
 * constructs. Each envelope field's own VTL comes from its kind (field-kinds.ts); the primitives from vtl.ts.
 */
import { RecordEnvelope } from '../record-envelope';
import { FieldKind, TemplateScope, kindOf } from './field-kinds';
import { MAX_BATCH_BODY_CHARS, MAX_RECORD_BODY_CHARS } from '../limits';
import { BodyFormat, EMPTY_BODY, PRELUDE, RejectReason, jsonStringLiteral, vtlJsonEscape, vtlReject } from './vtl';

/** Inputs of the request template builders. */
export interface RequestTemplateOptions {
  /** The delivery stream name (a literal or a CDK token string; passed through uninspected). */
  readonly streamName: string;
  /** The record shape. */
  readonly envelope: RecordEnvelope;
  /** How the body is read. @default BodyFormat.JSON */
  readonly bodyFormat?: BodyFormat;
}

function isWritten(kind: FieldKind, scope: TemplateScope): boolean {
  return scope === 'batch' || !kind.batchOnly;
}

/** VTL setting `$body` to the JSON text of the event. `jsonPath` selects the event in JSON mode. */
export function vtlBody(format: BodyFormat, jsonPath: string): string {
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
  return vtlJsonValue('$body', jsonPath);
}

/** VTL that sets `target` to the JSON text of the value at `jsonPath`, re-serialised, on one line (see vtlBody). */
export function vtlJsonValue(target: string, jsonPath: string): string {
  return [
    `#set(${target} = $input.json(${jsonPath}).replaceAll("[\\r\\n\\t]+", " "))`,
    `#if(${target}.matches("(?s).*[\\uD800-\\uDFFF].*"))` +
      `#set(${target} = $util.escapeJavaScript(${target}).replaceAll("\\\\([\\\\\\x22\\x27/])", '$1'))#end`,
  ].join('\n');
}

/** A JSON member an input adds to each record, before the body: its name and the VTL reference of its JSON value. */
export interface ExtraMember {
  readonly name: string;
  readonly ref: string;
}

/** VTL that sets `$rec` to one JSON line from `$body`, the fields `$f<i>` and an input's extra members. */
export function vtlRecord(envelope: RecordEnvelope, scope: TemplateScope, extra: ExtraMember[] = []): string {
  if (envelope.raw) return '#set($rec = "${body}${nl}")';
  const parts: string[] = [];
  envelope.fields.forEach((f, i) => {
    if (isWritten(kindOf(f), scope)) parts.push(`${jsonStringLiteral(f.name)}:\${f${i}}`);
  });
  for (const m of extra) parts.push(`${jsonStringLiteral(m.name)}:\${${m.ref.replace(/^\$/, '')}}`);
  parts.push(`${jsonStringLiteral(envelope.bodyField)}:\${body}`);
  // Field names are identifiers, so the only quotes here come from jsonStringLiteral; emit them via ${q}
  // (formal notation, so a following name is not read as part of the reference).
  const text = '{' + parts.join(',') + '}';
  return `#set($rec = "${text.replace(/"/g, '${q}')}\${nl}")`;
}

/** VTL that sets `$f<i>` for the fields written in `scope`: in a batch, either those set once or those set per event. */
export function vtlFields(envelope: RecordEnvelope, scope: TemplateScope, perEvent: boolean, format = BodyFormat.JSON): string {
  if (envelope.raw) return '';
  return envelope.fields
    .map((f, i) => ({ f, i, kind: kindOf(f) }))
    .filter(({ kind }) => isWritten(kind, scope) && (scope === 'single' ? !perEvent : kind.perEvent === perEvent))
    .map(({ f, i, kind }) => kind.vtl(f, `$f${i}`, scope, format))
    .join('\n');
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
