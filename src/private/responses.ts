import { REJECT_MARKER, RejectReason, vtlJsonEscape } from './vtl';

/**
 * Pure builders for the integration response templates and gateway response
 * bodies. API Gateway matches an AWS integration response's `selectionPattern`
 * (a Java regex, whole match) against Firehose's HTTP status code; the
 * response without a pattern is the default and is used for 2xx.
 *
 * Nothing here renders a 2xx unless Firehose's own answer proves the write:
 * a RecordId for PutRecord, `FailedPutCount == 0` for PutRecordBatch.
 */

/** One integration response: the selection pattern, the status it declares and its template. */
export interface IntegrationResponseSpec {
  /** Java regex on Firehose's HTTP status; undefined for the default response. */
  readonly selectionPattern?: string;
  /** The method status code declared for this response (the template may override it). */
  readonly statusCode: string;
  /** The application/json response template. */
  readonly template: string;
  /** Static response headers, e.g. Retry-After. */
  readonly headers?: Record<string, string>;
}

/** Every method status code the templates can produce, for the method responses. */
export const METHOD_STATUS_CODES = ['200', '400', '413', '500', '502', '503'];

/** Firehose 403: the gateway role is wrong. A server fault, not the caller's. */
export const PATTERN_FORBIDDEN = '403';
/** Every other 4xx from Firehose (400-402, 404-499). */
export const PATTERN_CLIENT_ERROR = '4(0[0-24-9]|[1-9][0-9])';
/** Every 5xx from Firehose. */
export const PATTERN_SERVER_ERROR = '5[0-9]{2}';

/** VTL reading the backend's error type (`__type`, else `code`) into `$type` and its message into `$msg`. */
export const ERROR_TYPE = [
  '#set($type = "$!input.path(\'$.__type\')")',
  '#if($type.length() == 0)#set($type = "$!input.path(\'$.code\')")#end',
  '#set($msg = "$!input.path(\'$.message\')$!input.path(\'$.Message\')")',
].join('\n');

/** A JSON error body. `code` and `message` are fixed strings chosen here, never Firehose's own text. */
export function errorBody(code: string, message: string, extra = ''): string {
  return `{"error":"${code}","message":"${message}","requestId":"$context.requestId"${extra}}`;
}

/**
 * Template for Firehose 4xx answers (other than 403). Firehose's own message is
 * not passed through: it can name the stream's ARN and account.
 *
 * The error type decides first; the message is only searched for a size complaint afterwards, because
 * it can name the stream, and a stream (default names derive from construct ids) may be called
 * "...BatchSize..." without any record being too large.
 */
export function clientErrorTemplate(extra: string[] = []): string {
  return [
    ERROR_TYPE,
    rejectedByTemplate('#if', extra),
    '#elseif($type.contains("ResourceNotFound") || $type.contains("KMS") || $type.contains("AccessDenied") || $type.contains("UnrecognizedClient"))',
    '#set($context.responseOverride.status = 500)',
    errorBody('DeliveryStreamUnavailable', 'The delivery stream is not available; nothing was stored.'),
    '#elseif($type.contains("LimitExceeded") || $type.contains("Throttl"))',
    '#set($context.responseOverride.status = 503)',
    errorBody('Throttled', 'Firehose is throttling writes; retry later. Nothing was stored.'),
    '#elseif($msg.matches("(?is).*(size|length|too large).*"))',
    '#set($context.responseOverride.status = 413)',
    errorBody('PayloadTooLarge', 'The record is larger than Firehose allows (1,000 KiB per record, 4 MiB per batch); nothing was stored.'),
    '#elseif($type.contains("Serialization") || $type.contains("Validation"))',
    '#set($context.responseOverride.status = 400)',
    errorBody('InvalidRequest', 'Firehose refused the record as invalid; nothing was stored.'),
    '#else',
    '#set($context.responseOverride.status = 400)',
    errorBody('RejectedByFirehose', 'Firehose rejected the record; it was not stored.'),
    '#end',
  ].join('\n');
}

/** Template for Firehose 403 (the gateway role may not write): a 500, since the caller can do nothing about it. */
export function forbiddenTemplate(extra: string[] = []): string {
  return [
    ERROR_TYPE,
    rejectedByTemplate('#if', extra),
    '#else',
    '#set($context.responseOverride.status = 500)',
    errorBody('DeliveryStreamUnavailable', 'The API may not write to its delivery stream; the event was not stored.'),
    '#end',
  ].join('\n');
}

/**
 * The branch for requests the request template refused itself (see `vtlReject` in envelope.ts): the
 * Firehose error names the stream `ApiToFirehoseRejected.<reason>`, whatever its error type.
 */
export function rejectedByTemplate(directive: '#if' | '#elseif', extra: string[] = [],
  tooLarge = 'The request is larger than one Firehose record (1,000 KiB) or batch (4 MiB) allows; nothing was stored.'): string {
  return [
    `${directive}($msg.contains("${REJECT_MARKER}.${RejectReason.TOO_LARGE}"))`,
    '#set($context.responseOverride.status = 413)',
    errorBody('PayloadTooLarge', tooLarge),
    ...extra,
    `#elseif($msg.contains("${REJECT_MARKER}.${RejectReason.EMPTY_BODY}"))`,
    '#set($context.responseOverride.status = 400)',
    errorBody('InvalidRequest', 'The request body is empty; nothing was stored.'),
    `#elseif($msg.contains("${REJECT_MARKER}."))`,
    '#set($context.responseOverride.status = 400)',
    errorBody('InvalidRequest', 'The request holds no events; nothing was stored.'),
  ].join('\n');
}

/** Template for Firehose 5xx: 503 when Firehose says it is unavailable or throttling, else 502. */
export function serverErrorTemplate(): string {
  return [
    ERROR_TYPE,
    '#if($type.contains("ServiceUnavailable") || $type.contains("Throttl") || $type.length() == 0)',
    '#set($context.responseOverride.status = 503)',
    errorBody('ServiceUnavailable', 'Firehose is unavailable or throttling; retry later. The event was not stored.'),
    '#else',
    '#set($context.responseOverride.status = 502)',
    errorBody('FirehoseError', 'Firehose failed to store the event; retry later.'),
    '#end',
  ].join('\n');
}

/** Default (2xx) template for PutRecord: 200 only when Firehose returned a RecordId. */
export function putRecordSuccessTemplate(): string {
  return [
    '#set($recordId = "$!input.path(\'$.RecordId\')")',
    '#if($recordId.length() == 0)',
    '#set($context.responseOverride.status = 502)',
    errorBody('UnexpectedFirehoseResponse', 'Firehose did not confirm the write; the event may not have been stored.'),
    '#else',
    `{"recordId":"${vtlJsonEscape('$recordId')}","requestId":"$context.requestId"}`,
    '#end',
  ].join('\n');
}

/**
 * Default (2xx) template for PutRecordBatch. Firehose answers HTTP 200 even
 * when records failed, so this template decides from the entries themselves
 * (an entry failed when it has an ErrorCode or no RecordId):
 * - all accepted and `FailedPutCount == 0`: 200 `{"count", "recordIds", "requestId"}`;
 * - none accepted: 503 (nothing was stored; retry the whole batch);
 * - some accepted: 500 `PartialFailure` listing the failed indices and error
 *   codes; retry only those (retrying all would duplicate the stored ones);
 * - no entries, no `FailedPutCount`, or a `FailedPutCount` no entry accounts for: 502.
 */
export function putRecordBatchResultTemplate(): string {
  return batchResultTemplate({
    resultsPath: '$.RequestResponses',
    failedCountPath: '$.FailedPutCount',
    idField: 'RecordId',
    unexpectedCode: 'UnexpectedFirehoseResponse',
    service: 'Firehose',
  });
}

/** What differs between a target's batch answer (Firehose PutRecordBatch, Kinesis PutRecords). */
export interface BatchResultShape {
  /** JSONPath of the per-record entries and of the failed count. */
  readonly resultsPath: string;
  readonly failedCountPath: string;
  /** The member of an entry that proves the write (RecordId, SequenceNumber). */
  readonly idField: string;
  /** The error code and the service's name when the answer proves nothing. */
  readonly unexpectedCode: string;
  readonly service: string;
  /** A VTL line added when nothing was stored (e.g. a Retry-After header override). */
  readonly onAllFailed?: string;
}

/**
 * The default (2xx) template of a batch call that answers HTTP 200 even when records failed: it decides from the
 * entries (an entry failed when it has an ErrorCode or no id). All stored and a failed count of 0: 200
 * `{"count", "recordIds", "requestId"}`; none stored: 503 BatchFailed; some: 500 PartialFailure with the failed
 * indices and codes (retry only those); no entries, no count, or a count no entry accounts for: 502.
 */
export function batchResultTemplate(t: BatchResultShape): string {
  const unexpected = errorBody(t.unexpectedCode, `${t.service} did not confirm the writes; the events may not have been stored.`);
  const isFailed = `"$!r.ErrorCode" != "" || "$!r.${t.idField}" == ""`;
  return [
    `#set($results = $input.path('${t.resultsPath}'))`,
    `#set($failed = "$!input.path('${t.failedCountPath}')")`,
    '#set($count = "$!results.size()")',
    '#if(!$count.matches("[1-9][0-9]*") || !$failed.matches("[0-9]+"))',
    '#set($context.responseOverride.status = 502)',
    unexpected,
    '#else',
    '#set($bad = 0)',
    `#foreach($r in $results)#if(${isFailed})#set($bad = $bad + 1)#end#end`,
    '#if($bad == 0 && $failed == "0")',
    `{"count":$count,"recordIds":[#foreach($r in $results)"${vtlJsonEscape(`"$!r.${t.idField}"`)}"#if($foreach.hasNext),#end#end],"requestId":"$context.requestId"}`,
    '#elseif($bad == 0)',
    '#set($context.responseOverride.status = 502)',
    unexpected,
    '#else',
    '#if("$bad" == $count)',
    '#set($context.responseOverride.status = 503)',
    ...(t.onAllFailed ? [t.onAllFailed] : []),
    '#set($code = "BatchFailed")',
    '#else',
    '#set($context.responseOverride.status = 500)',
    '#set($code = "PartialFailure")',
    '#end',
    '{"error":"$code","message":"Some events were not stored: retry only the failed indices.","requestId":"$context.requestId",' +
      '"count":$count,"failedCount":$bad,"failed":[#set($sep = "")#foreach($r in $results)#if(' + isFailed + ')' +
      `#set($ec = "$!r.ErrorCode")#if($ec.length() == 0)#set($ec = "Missing${t.idField}")#end` +
      `$sep{"index":$foreach.index,"errorCode":"${vtlJsonEscape('$ec')}"}#set($sep = ",")#end#end],` +
      `"recordIds":[#foreach($r in $results)#if(${isFailed})null#else"${vtlJsonEscape(`"$!r.${t.idField}"`)}"#end#if($foreach.hasNext),#end#end]}`,
    '#end',
    '#end',
  ].join('\n');
}

/** Integration responses for a method whose backend call is PutRecord (single and packed batch). */
export function putRecordResponses(extraRefusals: string[] = []): IntegrationResponseSpec[] {
  return withErrorResponses({ statusCode: '200', template: putRecordSuccessTemplate() }, extraRefusals);
}

/**
 * The branch of a refusal of an input's own (an `#elseif` placed before the generic ones): the reason its request
 * template rendered, the status and the error body.
 */
export function refusalBranch(reason: RejectReason, status: number, code: string, message: string): string[] {
  return [
    `#elseif($msg.contains("${REJECT_MARKER}.${reason}"))`,
    `#set($context.responseOverride.status = ${status})`,
    errorBody(code, message),
  ];
}

/** Integration responses for a method whose backend call is PutRecordBatch. */
export function putRecordBatchResponses(extraRefusals: string[] = []): IntegrationResponseSpec[] {
  return withErrorResponses({ statusCode: '200', template: putRecordBatchResultTemplate() }, extraRefusals);
}

function withErrorResponses(success: IntegrationResponseSpec, extraRefusals: string[] = []): IntegrationResponseSpec[] {
  return [
    success,
    { selectionPattern: PATTERN_FORBIDDEN, statusCode: '500', template: forbiddenTemplate(extraRefusals) },
    { selectionPattern: PATTERN_CLIENT_ERROR, statusCode: '400', template: clientErrorTemplate(extraRefusals) },
    {
      selectionPattern: PATTERN_SERVER_ERROR,
      statusCode: '503',
      template: serverErrorTemplate(),
      headers: { 'Retry-After': "'1'" },
    },
  ];
}

/**
 * Body of API Gateway's own error responses (missing or invalid key, throttled,
 * quota, unsupported media type, too large, ...): JSON with the response type
 * as the error code. `messageString` is already a quoted JSON string.
 */
export function gatewayResponseTemplate(): string {
  return '{"error":"$context.error.responseType","message":$context.error.messageString,"requestId":"$context.requestId"}';
}

/**
 * Body of BAD_REQUEST_BODY. Gateway response templates are not VTL (AWS: "only simple variable
 * substitution"), so nothing can be escaped here: `$context.error.validationErrorString` is left out,
 * since it quotes schema fragments and the caller's input (`["records"]`) and would break the JSON.
 */
export function badRequestBodyTemplate(): string {
  return '{"error":"BAD_REQUEST_BODY","message":$context.error.messageString,"requestId":"$context.requestId"}';
}
