import { EnvelopeFieldSource } from '../../envelope-field';
import { RECORD_MAX_BYTES } from '../../limits';
import { RecordEnvelope } from '../../record-envelope';
import { IntegrationResponseSpec } from '../responses';
import { FIREHOSE_TARGET } from '../targets/firehose';
import { WriteTarget } from '../targets/target';
import { vtlBody, vtlFields, vtlRecord } from '../templates';
import { BodyFormat, EMPTY_BODY, PRELUDE, RejectReason } from '../vtl';

/**
 * What the inputs that pack a request's items into one record share (Segment, OTLP logs, Snowplow, log shippers):
 * the structure tests, the per-item envelope fields, and the one PutRecord (to Firehose or to the Kinesis stream)
 * with its size check and its answers.
 */

/**
 * VTL rendering the write of an input's one record: the target's request (Firehose PutRecord, or Kinesis PutRecord
 * with its partition key) for the lines in the VTL reference `data`, or, when `encoded`, for the base64 text in it.
 * The record holds every event of the request, so it is keyed as a packed batch's record: a per-event key (an
 * event id) falls back to the request id, as it does for the construct's own packed batches.
 */
export function vtlInputRecord(target: WriteTarget, streamName: string, data: string, encoded = false): string {
  return [
    target.partitionKey('packed', BodyFormat.JSON),
    encoded ? target.putEncodedRecord(streamName, data) : target.putRecord(streamName, data),
  ].filter((l) => l !== '').join('\n');
}

/** The integration responses of an input's route (one PutRecord): the target's, with the input's own refusals first. */
export function inputResponses(target: WriteTarget, refusals: string[]): IntegrationResponseSpec[] {
  return target.responses('PutRecord', refusals);
}

/**
 * The most `#foreach` iterations one request may need. API Gateway ends a `#foreach` after 1,000 iterations
 * ("Iterations in a #foreach ... #end loop in mapping templates: 1,000", REST API quotas). Whether the quota counts
 * each loop or all loops of a template is not documented, so nested loops are held to 1,000 in total, which is
 * safe under both readings.
 */
export const MAX_TEMPLATE_ITERATIONS = 1000;

/** The largest base64 text of one record: Firehose takes at most 1,000 KiB of data per record, before base64. */
export const MAX_RECORD_BASE64_CHARS = Math.ceil(RECORD_MAX_BYTES / 3) * 4;

/** VTL condition: the JSON text of the value at `jsonPath` (a VTL string expression) is an object. */
export function isObjectAt(jsonPath: string): string {
  return `$input.json(${jsonPath}).matches("(?s)\\s*\\{.*")`;
}

/** VTL condition: the JSON text of the value at `jsonPath` (a VTL string expression) is an array. */
export function isArrayAt(jsonPath: string): string {
  return `$input.json(${jsonPath}).matches("(?s)\\s*\\[.*")`;
}

/** VTL condition: the value at `jsonPath` is missing (`$input.json` gives `""` or nothing) or null. */
export function isAbsentAt(jsonPath: string): string {
  return `$input.json(${jsonPath}).matches("\\s*(null|\\x22\\x22)?\\s*")`;
}

/**
 * VTL that sets the per-item envelope fields `$f<i>` inside an input's own loops: as a batch's, except that the
 * batch index is `indexRef` (the item's position in the request, across nested loops; `$foreach.index` is only
 * the innermost loop's) and, when `eventIdRef` is undefined, the event id is null (the format has no event id).
 */
export function vtlItemFields(envelope: RecordEnvelope, indexRef: string, eventIdRef?: string): string {
  const lines = [vtlFields(envelope, 'batch', true)];
  envelope.fields.forEach((f, i) => {
    if (f.source === EnvelopeFieldSource.BATCH_INDEX) lines.push(`#set($f${i} = ${indexRef})`);
    if (f.source === EnvelopeFieldSource.EVENT_ID && eventIdRef === undefined) lines.push(`#set($f${i} = 'null')`);
  });
  return lines.filter((l) => l !== '').join('\n');
}

/**
 * VTL that renders the one PutRecord of the lines in `$packed`, or refuses with 413 when they are larger than one
 * Firehose record allows (`tooLarge`: the reason rendered). The size is the base64 text's, so it counts UTF-8 bytes exactly.
 */
export function vtlPackedPutRecord(streamName: string, tooLarge = RejectReason.TOO_LARGE, target: WriteTarget = FIREHOSE_TARGET): string {
  return [
    '#set($data = $util.base64Encode($packed))',
    `#if($data.length() > ${MAX_RECORD_BASE64_CHARS})`,
    target.reject(tooLarge),
    '#else',
    vtlInputRecord(target, streamName, '$data', true),
    '#end',
  ].join('\n');
}

/** What differs between inputs whose request is an array of objects packed into one record, one line each. */
export interface PackedArrayShape {
  /** The input's name, written to each line's `input` member. */
  readonly inputName: string;
  /** VTL that sets `$events` to the array, or `$bad` to true when the body is not of the input's shape. */
  readonly selectEvents: string;
  /** The JSONPath (a VTL string literal) of item `$foreach.index`, e.g. `"$.data[$foreach.index]"`. */
  readonly itemPath: string;
  /** VTL that sets the per-event envelope fields of the item. */
  readonly perEventFields: string;
  /** The refusal of a record over 1,000 KiB. @default RejectReason.TOO_LARGE */
  readonly tooLarge?: RejectReason;
}

/**
 * The request template of an array of objects: every item one line (the envelope, `input`, the item as body),
 * packed into one PutRecord. Refused whole when the body is not of the shape, an item is not an object, there are
 * more items than a loop may visit (or the loop stopped early), or the record would be too large.
 */
export function packedArrayTemplate(streamName: string, envelope: RecordEnvelope, t: PackedArrayShape,
  target: WriteTarget = FIREHOSE_TARGET): string {
  return [
    PRELUDE,
    `#set($input_name = '"${t.inputName}"')`,
    '#set($events = [])',
    '#set($bad = false)',
    t.selectEvents,
    `#if(${EMPTY_BODY})`,
    target.reject(RejectReason.EMPTY_BODY),
    '#elseif($bad)',
    target.reject(RejectReason.MALFORMED),
    `#elseif($events.size() > ${MAX_TEMPLATE_ITERATIONS})`,
    target.reject(RejectReason.TOO_MANY_EVENTS),
    '#elseif($events.size() == 0)',
    target.reject(RejectReason.NO_EVENTS),
    '#else',
    vtlFields(envelope, 'batch', false),
    '#set($packed = "")',
    '#set($n = 0)',
    '#foreach($event in $events)',
    `#if(!${isObjectAt(t.itemPath)})#set($bad = true)#end`,
    t.perEventFields,
    vtlBody(BodyFormat.JSON, t.itemPath),
    vtlRecord(envelope, 'batch', [{ name: 'input', ref: '$input_name' }]),
    '#set($packed = "${packed}${rec}")',
    '#set($n = $n + 1)',
    '#end',
    '#if($bad)',
    target.reject(RejectReason.MALFORMED),
    '#elseif($n != $events.size())',
    target.reject(RejectReason.TOO_MANY_EVENTS),
    '#else',
    vtlPackedPutRecord(streamName, t.tooLarge, target),
    '#end',
    '#end',
  ].filter((l) => l !== '').join('\n');
}
