import { REJECT_MARKER } from './envelope';

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

const ERROR_TYPE = [
  '#set($type = "$!input.path(\'$.__type\')")',
  '#if($type.isEmpty())#set($type = "$!input.path(\'$.code\')")#end',
  '#set($msg = "$!input.path(\'$.message\')$!input.path(\'$.Message\')")',
].join('\n');

/** A JSON error body. `code` and `message` are fixed strings chosen here, never Firehose's own text. */
function errorBody(code: string, message: string, extra = ''): string {
  return `{"error":"${code}","message":"${message}","requestId":"$context.requestId"${extra}}`;
}

/**
 * Template for Firehose 4xx answers (other than 403). Firehose's own message is
 * not passed through: it can name the stream's ARN and account.
 */
export function clientErrorTemplate(): string {
  return [
    ERROR_TYPE,
    '#set($lower = $msg.toLowerCase())',
    '#if($lower.contains("size") || $lower.contains("length") || $lower.contains("too large"))',
    '#set($context.responseOverride.status = 413)',
    errorBody('PayloadTooLarge', 'The record is larger than Firehose allows (1,000 KiB per record, 4 MiB per batch); nothing was stored.'),
    '#elseif($type.contains("ResourceNotFound") || $type.contains("KMS") || $type.contains("AccessDenied") || $type.contains("UnrecognizedClient"))',
    '#set($context.responseOverride.status = 500)',
    errorBody('DeliveryStreamUnavailable', 'The delivery stream is not available; nothing was stored.'),
    '#elseif($type.contains("LimitExceeded") || $type.contains("Throttl"))',
    '#set($context.responseOverride.status = 503)',
    errorBody('Throttled', 'Firehose is throttling writes; retry later. Nothing was stored.'),
    `#elseif($msg.contains("${REJECT_MARKER}") || $type.contains("Serialization") || $type.contains("Validation"))`,
    '#set($context.responseOverride.status = 400)',
    errorBody('InvalidRequest', 'The request was refused (empty body, no events or an invalid record); nothing was stored.'),
    '#else',
    '#set($context.responseOverride.status = 400)',
    errorBody('RejectedByFirehose', 'Firehose rejected the record; it was not stored.'),
    '#end',
  ].join('\n');
}

/** Template for Firehose 403 (the gateway role may not write): a 500, since the caller can do nothing about it. */
export function forbiddenTemplate(): string {
  return [
    '#set($context.responseOverride.status = 500)',
    errorBody('DeliveryStreamUnavailable', 'The API may not write to its delivery stream; the event was not stored.'),
  ].join('\n');
}

/** Template for Firehose 5xx: 503 when Firehose says it is unavailable or throttling, else 502. */
export function serverErrorTemplate(): string {
  return [
    ERROR_TYPE,
    '#if($type.contains("ServiceUnavailable") || $type.contains("Throttl") || $type.isEmpty())',
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
    '#if($recordId.isEmpty())',
    '#set($context.responseOverride.status = 502)',
    errorBody('UnexpectedFirehoseResponse', 'Firehose did not confirm the write; the event may not have been stored.'),
    '#else',
    '{"recordId":"$util.escapeJavaScript($recordId)","requestId":"$context.requestId"}',
    '#end',
  ].join('\n');
}

/**
 * Default (2xx) template for PutRecordBatch. Firehose answers HTTP 200 even
 * when records failed, so this template decides:
 * - all accepted: 200 `{"count", "recordIds", "requestId"}`;
 * - none accepted: 503 (nothing was stored; retry the whole batch);
 * - some accepted: 500 `PartialFailure` listing the failed indices and error
 *   codes; retry only those (retrying all would duplicate the stored ones).
 */
export function putRecordBatchResultTemplate(): string {
  return [
    '#set($results = $input.path(\'$.RequestResponses\'))',
    '#set($failed = "$!input.path(\'$.FailedPutCount\')")',
    '#if("$!results" == "" || !$failed.matches("[0-9]+"))',
    '#set($context.responseOverride.status = 502)',
    errorBody('UnexpectedFirehoseResponse', 'Firehose did not confirm the writes; the events may not have been stored.'),
    '#elseif($failed == "0")',
    '{"count":$results.size(),"recordIds":[#foreach($r in $results)"$util.escapeJavaScript("$!r.RecordId")"#if($foreach.hasNext),#end#end],"requestId":"$context.requestId"}',
    '#else',
    '#if($failed == "$results.size()")',
    '#set($context.responseOverride.status = 503)',
    '#set($code = "BatchFailed")',
    '#else',
    '#set($context.responseOverride.status = 500)',
    '#set($code = "PartialFailure")',
    '#end',
    '{"error":"$code","message":"Some events were not stored: retry only the failed indices.","requestId":"$context.requestId","count":$results.size(),"failedCount":$failed,"failed":[#set($sep = "")#foreach($r in $results)#if("$!r.ErrorCode" != "")$sep{"index":$foreach.index,"errorCode":"$util.escapeJavaScript($r.ErrorCode)"}#set($sep = ",")#end#end],"recordIds":[#foreach($r in $results)#if("$!r.RecordId" != "" && "$!r.ErrorCode" == "")"$util.escapeJavaScript($r.RecordId)"#else null#end#if($foreach.hasNext),#end#end]}',
    '#end',
  ].join('\n');
}

/** Integration responses for a method whose backend call is PutRecord (single and packed batch). */
export function putRecordResponses(): IntegrationResponseSpec[] {
  return withErrorResponses({ statusCode: '200', template: putRecordSuccessTemplate() });
}

/** Integration responses for a method whose backend call is PutRecordBatch. */
export function putRecordBatchResponses(): IntegrationResponseSpec[] {
  return withErrorResponses({ statusCode: '200', template: putRecordBatchResultTemplate() });
}

function withErrorResponses(success: IntegrationResponseSpec): IntegrationResponseSpec[] {
  return [
    success,
    { selectionPattern: PATTERN_FORBIDDEN, statusCode: '500', template: forbiddenTemplate() },
    { selectionPattern: PATTERN_CLIENT_ERROR, statusCode: '400', template: clientErrorTemplate() },
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

/** Body of BAD_REQUEST_BODY: adds the model validation errors, escaped (they can quote the caller's input). */
export function badRequestBodyTemplate(): string {
  return '{"error":"BAD_REQUEST_BODY","message":$context.error.messageString,"details":"$util.escapeJavaScript($context.error.validationErrorString).replaceAll("\\\\\'", "\'")","requestId":"$context.requestId"}';
}
