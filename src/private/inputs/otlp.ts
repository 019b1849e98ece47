import { aws_apigateway as apigw } from 'aws-cdk-lib';
import { RecordEnvelope } from '../../record-envelope';
import { InputSettings } from '../input-settings';
import { Route } from '../request-shapes';
import { refusalBranch } from '../responses';
import { FIREHOSE_TARGET } from '../targets/firehose';
import { WriteTarget } from '../targets/target';
import { vtlBody, vtlFields, vtlJsonValue, vtlRecord } from '../templates';
import { BodyFormat, PRELUDE, REJECT_MARKER, RejectReason } from '../vtl';
import { MAX_TEMPLATE_ITERATIONS, inputResponses, isAbsentAt, isArrayAt, isObjectAt, vtlItemFields, vtlPackedPutRecord } from './packing';

/**
 * OpenTelemetry logs over OTLP/HTTP with JSON encoding, as the OTLP exporters send them (docs/senders/otel.md):
 * `POST /v1/logs`, `{"resourceLogs":[{"resource","scopeLogs":[{"scope","logRecords":[...]}]}]}`.
 *
 * A request is one Firehose record, stored whole or not at all. Each log record becomes one JSON line: the
 * construct's envelope, `"input":"otlp"`, its resource and its scope (as sent) beside it, and the log record itself
 * (as sent, in OTLP's JSON mapping: attributes stay lists of `{key, value:{stringValue|intValue|...}}`) as the body.
 * The batch index is the record's position in the request; OTLP has no event id, so the event id is null.
 */

/** The input's name, written to each line's `input` member. */
export const OTLP_INPUT = 'otlp';

/** Protobuf is refused (415): a mapping template cannot read it. */
const CONTENT_TYPES = ['application/json'];

/** The paths into the request, with VTL references for the loop positions. */
const RESOURCE = '"$.resourceLogs[$ri]"';
const SCOPE = '"$.resourceLogs[$ri].scopeLogs[$si]"';
const RECORD = '"$.resourceLogs[$ri].scopeLogs[$si].logRecords[$foreach.index]"';

/** The envelope of OTLP lines: the construct's fields, never the raw body alone (a line needs its resource). */
export function otlpEnvelope(envelope: RecordEnvelope): RecordEnvelope {
  return RecordEnvelope.withFields(envelope.fields, { bodyField: envelope.bodyField });
}

/**
 * The request template. A first pass over resources and scopes (log record lists counted by their size) counts
 * the iterations both passes need, and a request needing more than 1,000 in total is refused (413), so API
 * Gateway's loop quota can never cut a batch short. (JSONPath wildcards would count without a loop, but
 * LocalStack's JSONPath returns a lone match as the value itself, not a list.) After the loops it compares the records written with that count and refuses
 * (413) if they differ, whichever way a loop was cut. A list that is not a list, or an item that is not an object,
 * refuses the request (400): API Gateway's model refuses these first; the template does not rely on it.
 */
export function otlpLogsTemplate(streamName: string, envelope: RecordEnvelope, target: WriteTarget = FIREHOSE_TARGET): string {
  return [
    PRELUDE,
    `#set($input_name = '"${OTLP_INPUT}"')`,
    '#set($resources = [])',
    '#set($bad = false)',
    '#set($n_items = 0)',
    '#set($n_records = 0)',
    `#if(!$raw.matches("[\\x00-\\x20]*") && ${isObjectAt("'$'")})`,
    `#if(${isArrayAt("'$.resourceLogs'")})#set($resources = $input.path('$.resourceLogs'))` +
      `#elseif(!${isAbsentAt("'$.resourceLogs'")})#set($bad = true)#end`,
    '#end',
    // Counting pass: resources and scopes only (a log record list is counted by its size), so it needs R + S
    // iterations. Its visits are compared with the lists' sizes, so a cut in this pass is seen too.
    '#set($n_res = 0)',
    '#set($n_scopes = 0)',
    '#set($n_scopes_listed = 0)',
    `#if($resources.size() <= ${MAX_TEMPLATE_ITERATIONS})`,
    '#foreach($res in $resources)',
    '#set($n_res = $n_res + 1)',
    '#set($ri = $foreach.index)',
    `#if(!${isObjectAt(RESOURCE)})#set($bad = true)`,
    `#elseif(!${isArrayAt('"$.resourceLogs[$ri].scopeLogs"')})` +
      `#if(!${isAbsentAt('"$.resourceLogs[$ri].scopeLogs"')})#set($bad = true)#end`,
    '#else',
    '#set($scopes = $input.path("$.resourceLogs[$ri].scopeLogs"))',
    '#set($n_scopes_listed = $n_scopes_listed + $scopes.size())',
    '#foreach($sc in $scopes)',
    '#set($n_scopes = $n_scopes + 1)',
    '#set($si = $foreach.index)',
    `#if(!${isObjectAt(SCOPE)})#set($bad = true)` +
      `#elseif(${isArrayAt('"$.resourceLogs[$ri].scopeLogs[$si].logRecords"')})` +
      '#set($n_records = $n_records + $input.path("$.resourceLogs[$ri].scopeLogs[$si].logRecords").size())' +
      `#elseif(!${isAbsentAt('"$.resourceLogs[$ri].scopeLogs[$si].logRecords"')})#set($bad = true)#end`,
    '#end',
    '#end',
    '#end',
    '#end',
    // Both passes together: 2 x (resources + scopes) + records iterations.
    '#set($n_items = $resources.size() + $n_scopes_listed)',
    '#set($n_items = $n_items + $n_items + $n_records)',
    '#if($n_res != $resources.size() || $n_scopes != $n_scopes_listed)',
    `#set($n_items = ${MAX_TEMPLATE_ITERATIONS + 1})`,
    '#end',
    '#if($bad)',
    target.reject(RejectReason.MALFORMED),
    `#elseif($n_items > ${MAX_TEMPLATE_ITERATIONS})`,
    target.reject(RejectReason.TOO_MANY_EVENTS),
    '#elseif($n_records == 0)',
    target.reject(RejectReason.NOTHING_TO_STORE),
    '#else',
    vtlFields(envelope, 'batch', false),
    '#set($packed = "")',
    '#set($n = 0)',
    '#foreach($res in $resources)',
    '#set($ri = $foreach.index)',
    `#if(!${isObjectAt(RESOURCE)})#set($bad = true)#else`,
    vtlJsonValue('$resource', '"$.resourceLogs[$ri].resource"'),
    "#if($resource == '' || $resource == '\"\"')#set($resource = 'null')#end",
    '#set($scopes = [])',
    `#if(${isArrayAt('"$.resourceLogs[$ri].scopeLogs"')})#set($scopes = $input.path("$.resourceLogs[$ri].scopeLogs"))` +
      `#elseif(!${isAbsentAt('"$.resourceLogs[$ri].scopeLogs"')})#set($bad = true)#end`,
    '#foreach($sc in $scopes)',
    '#set($si = $foreach.index)',
    `#if(!${isObjectAt(SCOPE)})#set($bad = true)#else`,
    vtlJsonValue('$scope', '"$.resourceLogs[$ri].scopeLogs[$si].scope"'),
    "#if($scope == '' || $scope == '\"\"')#set($scope = 'null')#end",
    '#set($records = [])',
    `#if(${isArrayAt('"$.resourceLogs[$ri].scopeLogs[$si].logRecords"')})` +
      '#set($records = $input.path("$.resourceLogs[$ri].scopeLogs[$si].logRecords"))' +
      `#elseif(!${isAbsentAt('"$.resourceLogs[$ri].scopeLogs[$si].logRecords"')})#set($bad = true)#end`,
    '#foreach($event in $records)',
    `#if(!${isObjectAt(RECORD)})#set($bad = true)#end`,
    vtlItemFields(envelope, '$n'),
    vtlBody(BodyFormat.JSON, RECORD),
    vtlRecord(envelope, 'batch', [
      { name: 'input', ref: '$input_name' }, { name: 'resource', ref: '$resource' }, { name: 'scope', ref: '$scope' },
    ]),
    '#set($packed = "${packed}${rec}")',
    '#set($n = $n + 1)',
    '#end',
    '#end',
    '#end',
    '#end',
    '#end',
    '#if($bad)',
    target.reject(RejectReason.MALFORMED),
    '#elseif($n != $n_records)',
    target.reject(RejectReason.TOO_MANY_EVENTS),
    '#else',
    vtlPackedPutRecord(streamName, RejectReason.TOO_LARGE, target),
    '#end',
    '#end',
  ].filter((l) => l !== '').join('\n');
}

/**
 * What OTLP expects on success: 200 with an `ExportLogsServiceResponse`; `{}` is a full success. Only when the
 * target confirmed the write (Firehose's RecordId, Kinesis's SequenceNumber; otherwise 502, which the exporters retry).
 */
export function otlpSuccessTemplate(target: WriteTarget = FIREHOSE_TARGET): string {
  const c = target.confirmation;
  return [
    `#set($recordId = "$!input.path('${c.idPath}')")`,
    '#if($recordId.length() == 0)',
    '#set($context.responseOverride.status = 502)',
    `{"error":"${c.unexpectedCode}","message":"${c.service} did not confirm the write; retry.","requestId":"$context.requestId"}`,
    '#else',
    '{}',
    '#end',
  ].join('\n');
}

/** The refusals of this input, before the generic ones. An export with no log records is a success with nothing to store. */
function otlpRefusals(): string[] {
  return [
    `#elseif($msg.contains("${REJECT_MARKER}.${RejectReason.NOTHING_TO_STORE}"))`,
    '#set($context.responseOverride.status = 200)',
    '{}',
    ...refusalBranch(RejectReason.TOO_MANY_EVENTS, 413, 'TooManyLogRecords',
      `The request needs more than ${MAX_TEMPLATE_ITERATIONS} template loop iterations (2 x (resources + scopes) + log records); ` +
      'nothing was stored. Set the exporter\'s batch smaller (maxExportBatchSize).'),
    ...refusalBranch(RejectReason.MALFORMED, 400, 'InvalidOtlpRequest',
      'The body is not an OTLP/JSON ExportLogsServiceRequest; nothing was stored.'),
  ];
}

const T = apigw.JsonSchemaType;
/** The model: the lists are lists and their items objects (a map would otherwise be iterated as if it were a list). */
export const OTLP_LOGS_SCHEMA: apigw.JsonSchema = {
  type: T.OBJECT,
  properties: {
    resourceLogs: {
      type: T.ARRAY,
      items: {
        type: T.OBJECT,
        properties: {
          resource: { type: T.OBJECT },
          scopeLogs: {
            type: T.ARRAY,
            items: {
              type: T.OBJECT,
              properties: {
                scope: { type: T.OBJECT },
                logRecords: { type: T.ARRAY, maxItems: MAX_TEMPLATE_ITERATIONS, items: { type: T.OBJECT } },
              },
            },
          },
        },
      },
    },
  },
};

/** The OTLP logs route `<resourcePath>/<path>/logs`. */
export function otlpRoutes(s: InputSettings, pathParts: string[]): Route[] {
  const envelope = otlpEnvelope(s.envelope);
  const template = otlpLogsTemplate(s.streamName, envelope, s.target);
  const [success, ...errors] = inputResponses(s.target, otlpRefusals());
  return [{
    pathParts: [...s.resourceParts, ...pathParts, 'logs'],
    firehoseAction: 'PutRecord',
    models: CONTENT_TYPES.map((contentType) => ({ contentType, id: 'OtlpLogsModel', schema: OTLP_LOGS_SCHEMA })),
    requestTemplates: Object.fromEntries(CONTENT_TYPES.map((c) => [c, template])),
    responses: [{ ...success, template: otlpSuccessTemplate(s.target) }, ...errors],
  }];
}
