/**
 * A Kinesis data stream as the write target: PutRecord for one record, PutRecords for a record per event. The
 * request bodies follow the shapes API Gateway was recorded sending to Kinesis (test/vtl/aws-recorded:
 * `{"StreamName","Data","PartitionKey"}` and `{"StreamName","Records":[{"Data","PartitionKey"}]}`), and the
 * success checks read Kinesis's recorded answers (`SequenceNumber`; `FailedRecordCount` and `Records`).
 */
import { KeyPlace, WriteTarget } from './target';
import { EnvelopeField, EnvelopeFieldSource } from '../../envelope-field';
import { kindOf } from '../field-kinds';
import {
  ERROR_TYPE, IntegrationResponseSpec, PATTERN_CLIENT_ERROR, PATTERN_FORBIDDEN, PATTERN_SERVER_ERROR, batchResultTemplate, errorBody,
  rejectedByTemplate,
} from '../responses';
import { BodyFormat, REJECT_MARKER, RejectReason, vtlJsonEscape, vtlJsonStringOrNull } from '../vtl';

/** Kinesis: a partition key is 1-256 Unicode characters. As a JSON string literal, with its quotes, at most 258. */
export const PARTITION_KEY_MAX_CHARS = 256;

/** Sets `$pk` to the request id as a JSON string (API Gateway always sets it; a constant if it ever is empty). */
const REQUEST_ID_KEY = [
  vtlJsonStringOrNull('$pk', '{context.requestId}'),
  '#if($pk == \'null\')#set($pk = \'"-"\')#end',
].join('\n');

/**
 * VTL setting `$pk` to the field's value as a JSON string literal (escaped by the field's kind), or to the request
 * id when the value is missing, empty, or longer than a partition key may be. The check is on the escaped
 * literal, which is never shorter than the value, so a key that passes is at most 256 characters.
 */
function fieldKey(field: EnvelopeField, scope: 'single' | 'batch', format: BodyFormat): string {
  if (field.source === EnvelopeFieldSource.REQUEST_ID) return REQUEST_ID_KEY;
  return [
    kindOf(field).vtl(field, '$pk', scope, format),
    `#if($pk == 'null' || $pk.length() > ${PARTITION_KEY_MAX_CHARS + 2})`,
    REQUEST_ID_KEY,
    '#end',
  ].join('\n');
}

/** 429 and throttling answers carry Retry-After (set by the template: the 4xx integration response has no static one). */
const RETRY_AFTER = '#set($context.responseOverride.header.Retry-After = "1")';

const TOO_LARGE = 'The request is larger than one Kinesis record (1,000,000 characters) or PutRecords call (4,000,000 characters) '
  + 'allows; nothing was stored.';

/**
 * Kinesis 4xx (other than 403). Throttling comes first: ProvisionedThroughputExceededException and
 * KMSThrottlingException (a KMS-encrypted stream over its key's request quota) are the stream being busy, so 503
 * with Retry-After. Kinesis's own message is not passed through: it names the stream's ARN and account.
 */
export function kinesisClientErrorTemplate(extraRefusals: string[] = []): string {
  return [
    ERROR_TYPE,
    rejectedByTemplate('#if', extraRefusals, TOO_LARGE),
    '#elseif($type.contains("ProvisionedThroughputExceeded") || $type.contains("Throttl") || $type.contains("LimitExceeded"))',
    '#set($context.responseOverride.status = 503)',
    RETRY_AFTER,
    errorBody('Throttled', 'The stream is throttling writes; retry later. Nothing was stored.'),
    '#elseif($type.contains("ResourceNotFound") || $type.contains("ResourceInUse") || $type.contains("KMS") || $type.contains("AccessDenied") || $type.contains("UnrecognizedClient"))',
    '#set($context.responseOverride.status = 500)',
    errorBody('StreamUnavailable', 'The stream is not available; nothing was stored.'),
    '#elseif($msg.matches("(?is).*(size|length|too large).*"))',
    '#set($context.responseOverride.status = 413)',
    errorBody('PayloadTooLarge', 'The record is larger than Kinesis allows (1 MiB per record, 5 MiB per PutRecords call); nothing was stored.'),
    '#elseif($type.contains("Serialization") || $type.contains("Validation") || $type.contains("InvalidArgument"))',
    '#set($context.responseOverride.status = 400)',
    errorBody('InvalidRequest', 'Kinesis refused the record as invalid; nothing was stored.'),
    '#else',
    '#set($context.responseOverride.status = 400)',
    errorBody('RejectedByStream', 'Kinesis rejected the record; it was not stored.'),
    '#end',
  ].join('\n');
}

/** Kinesis 403 (the gateway role may not write): a 500, since the caller can do nothing about it. */
export function kinesisForbiddenTemplate(extraRefusals: string[] = []): string {
  return [
    ERROR_TYPE,
    rejectedByTemplate('#if', extraRefusals, TOO_LARGE),
    '#else',
    '#set($context.responseOverride.status = 500)',
    errorBody('StreamUnavailable', 'The API may not write to its stream; the event was not stored.'),
    '#end',
  ].join('\n');
}

/** Kinesis 5xx (InternalFailure, ServiceUnavailable): 503 when unavailable or throttling, else 502. */
export function kinesisServerErrorTemplate(): string {
  return [
    ERROR_TYPE,
    '#if($type.contains("ServiceUnavailable") || $type.contains("Throttl") || $type.length() == 0)',
    '#set($context.responseOverride.status = 503)',
    errorBody('ServiceUnavailable', 'Kinesis is unavailable or throttling; retry later. The event was not stored.'),
    '#else',
    '#set($context.responseOverride.status = 502)',
    errorBody('StreamError', 'Kinesis failed to store the event; retry later.'),
    '#end',
  ].join('\n');
}

/** Default (2xx) template for PutRecord: 200 only when Kinesis returned a SequenceNumber. */
export function kinesisPutRecordSuccessTemplate(): string {
  return [
    '#set($seq = "$!input.path(\'$.SequenceNumber\')")',
    '#set($shard = "$!input.path(\'$.ShardId\')")',
    '#if($seq.length() == 0)',
    '#set($context.responseOverride.status = 502)',
    errorBody('UnexpectedStreamResponse', 'Kinesis did not confirm the write; the event may not have been stored.'),
    '#else',
    `{"recordId":"${vtlJsonEscape('$seq')}","shardId":"${vtlJsonEscape('$shard')}","requestId":"$context.requestId"}`,
    '#end',
  ].join('\n');
}

/**
 * Default (2xx) template for PutRecords, which answers HTTP 200 even when records failed (per-record `ErrorCode`,
 * e.g. ProvisionedThroughputExceededException). An entry failed when it has an ErrorCode or no SequenceNumber:
 * - all stored and `FailedRecordCount == 0`: 200 `{"count", "recordIds" (sequence numbers), "requestId"}`;
 * - none stored: 503 BatchFailed with Retry-After (retry the whole batch);
 * - some stored: 500 PartialFailure listing the failed indices and error codes (the body Firehose batches give,
 *   which the client resends by index);
 * - no entries, no `FailedRecordCount`, or a count no entry accounts for: 502.
 */
export function kinesisPutRecordsResultTemplate(): string {
  return batchResultTemplate({
    resultsPath: '$.Records',
    failedCountPath: '$.FailedRecordCount',
    idField: 'SequenceNumber',
    unexpectedCode: 'UnexpectedStreamResponse',
    service: 'Kinesis',
    onAllFailed: RETRY_AFTER,
  });
}

function withKinesisErrors(success: IntegrationResponseSpec, extraRefusals: string[]): IntegrationResponseSpec[] {
  return [
    success,
    { selectionPattern: PATTERN_FORBIDDEN, statusCode: '500', template: kinesisForbiddenTemplate(extraRefusals) },
    { selectionPattern: PATTERN_CLIENT_ERROR, statusCode: '400', template: kinesisClientErrorTemplate(extraRefusals) },
    { selectionPattern: PATTERN_SERVER_ERROR, statusCode: '503', template: kinesisServerErrorTemplate(), headers: { 'Retry-After': "'1'" } },
  ];
}

/** The Kinesis target, keyed by `partitionKey` (an envelope field source that yields a string). */
export function kinesisTarget(partitionKey: EnvelopeField): WriteTarget {
  const perEvent = kindOf(partitionKey).perEvent;
  const key = (place: KeyPlace, format: BodyFormat): string => {
    switch (place) {
      case 'single': return fieldKey(partitionKey, 'single', format);
      // One record holds every event of a packed batch: a per-event key cannot key it, so the request id does.
      case 'packed': return perEvent ? REQUEST_ID_KEY : fieldKey(partitionKey, 'batch', format);
      case 'batchHead': return perEvent ? '' : fieldKey(partitionKey, 'batch', format);
      case 'batchEvent': return perEvent ? fieldKey(partitionKey, 'batch', format) : '';
    }
  };
  return {
    service: 'kinesis',
    jsonTargetPrefix: 'Kinesis_20131202',
    action: (call) => (call === 'PutRecord' ? 'PutRecord' : 'PutRecords'),
    partitionKey: key,
    putRecord: (streamName, data) => `{"StreamName":"${streamName}","Data":"$util.base64Encode(${data})","PartitionKey":$pk}`,
    putEncodedRecord: (streamName, base64) => `{"StreamName":"${streamName}","Data":"${base64}","PartitionKey":$pk}`,
    putRecordsOpen: (streamName) => `{"StreamName":"${streamName}","Records":[`,
    putRecordsEntry: (data) => `{"Data":"$util.base64Encode(${data})","PartitionKey":$pk}`,
    putRecordsClose: ']}',
    // A stream that does not exist and that the role may not write: Kinesis answers 4xx naming it.
    reject: (reason: RejectReason) => `{"StreamName":"${REJECT_MARKER}.${reason}","Data":"","PartitionKey":"rejected"}`,
    responses: (call, extraRefusals = []) => withKinesisErrors({
      statusCode: '200',
      template: call === 'PutRecord' ? kinesisPutRecordSuccessTemplate() : kinesisPutRecordsResultTemplate(),
    }, extraRefusals),
    confirmation: { idPath: '$.SequenceNumber', unexpectedCode: 'UnexpectedStreamResponse', service: 'Kinesis' },
  };
}
