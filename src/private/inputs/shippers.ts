import { aws_apigateway as apigw } from 'aws-cdk-lib';
import { RecordEnvelope } from '../../record-envelope';
import { InputSettings } from '../input-settings';
import { Route } from '../request-shapes';
import { refusalBranch } from '../responses';
import { FIREHOSE_TARGET } from '../targets/firehose';
import { WriteTarget } from '../targets/target';
import { vtlFields, vtlRecord } from '../templates';
import { EMPTY_BODY, PRELUDE, RejectReason, vtlJsonEscape } from '../vtl';
import { MAX_TEMPLATE_ITERATIONS, inputResponses, isArrayAt, packedArrayTemplate, vtlItemFields, vtlPackedPutRecord } from './packing';

/**
 * Log shippers' HTTP outputs (docs/senders/shippers.md): Fluent Bit `http` (`format json` or `json_lines`), Vector's
 * `http` sink (`encoding.codec = "json"`, optionally `framing.method = "newline_delimited"`) and Logstash's `http`
 * output (`format => "json_batch"`).
 *
 * - `application/json`, a top-level array of objects: each object one line, the object as the body.
 * - `application/x-ndjson`: a mapping template cannot parse a line of text as JSON (`$input.json` reads the whole body,
 *   and VTL has no JSON serialiser for a parsed value), so each non-blank line is stored as a JSON **string** in the
 *   body (escaped like any caller text: a line can never close the string, forge an envelope field or add a line).
 *   The query side parses it (`json_parse(body)`).
 *
 * A request is one Firehose record, stored whole or not at all. The shippers have no event id (null); the batch
 * index is the line's position in the request; each line's `input` member is "shipper".
 */

/** The input's name, written to each line's `input` member. */
export const SHIPPER_INPUT = 'shipper';

/** The envelope of shipper lines: the construct's fields. */
function shipperEnvelope(envelope: RecordEnvelope): RecordEnvelope {
  return RecordEnvelope.withFields(envelope.fields, { bodyField: envelope.bodyField });
}

const EXTRA = [{ name: 'input', ref: '$input_name' }];

/** A top-level JSON array of objects (Fluent Bit `json`, Vector `json`, Logstash `json_batch`). */
export function shipperArrayTemplate(streamName: string, envelope: RecordEnvelope, target: WriteTarget = FIREHOSE_TARGET): string {
  return packedArrayTemplate(streamName, envelope, {
    inputName: SHIPPER_INPUT,
    selectEvents: `#if(!$raw.matches("[\\x00-\\x20]*"))#if(${isArrayAt("'$'")})#set($events = $input.path('$'))#else#set($bad = true)#end#end`,
    itemPath: '"$[$foreach.index]"',
    perEventFields: vtlItemFields(envelope, '$foreach.index'),
  }, target);
}

/**
 * NDJSON (Fluent Bit `json_lines`, every line ending in a newline; Vector `newline_delimited`, no final newline):
 * each non-blank line a JSON string. The number of lines is counted from the newlines before the loop (more than
 * 1,000 is refused), and the loop's iterations are compared with it after.
 */
export function shipperNdjsonTemplate(streamName: string, envelope: RecordEnvelope, target: WriteTarget = FIREHOSE_TARGET): string {
  return [
    PRELUDE,
    `#set($input_name = '"${SHIPPER_INPUT}"')`,
    // Trailing newlines and blanks go first: split(..., -1) then yields exactly (newlines + 1) parts.
    '#set($text = $raw.replaceAll("[\\x00-\\x20]+$", ""))',
    '#set($n_parts = $text.length() - $text.replace($nl, "").length() + 1)',
    `#if(${EMPTY_BODY})`,
    target.reject(RejectReason.EMPTY_BODY),
    `#elseif($n_parts > ${MAX_TEMPLATE_ITERATIONS})`,
    target.reject(RejectReason.TOO_MANY_EVENTS),
    '#else',
    vtlFields(envelope, 'batch', false),
    '#set($packed = "")',
    '#set($n = 0)',
    '#set($it = 0)',
    '#foreach($part in $text.split($nl, -1))',
    '#set($it = $it + 1)',
    // A CR of CRLF endings, and blanks around the line, are not part of it; a blank line is skipped.
    '#set($line = $part.trim())',
    '#if($line.length() > 0)',
    vtlItemFields(envelope, '$n'),
    `#set($esc = ${vtlJsonEscape('$line')})`,
    '#set($body = "${q}${esc}${q}")',
    vtlRecord(envelope, 'batch', EXTRA),
    '#set($packed = "${packed}${rec}")',
    '#set($n = $n + 1)',
    '#end',
    '#end',
    '#if($it != $n_parts)',
    target.reject(RejectReason.TOO_MANY_EVENTS),
    '#elseif($n == 0)',
    target.reject(RejectReason.NO_EVENTS),
    '#else',
    vtlPackedPutRecord(streamName, RejectReason.TOO_LARGE, target),
    '#end',
    '#end',
  ].filter((l) => l !== '').join('\n');
}

function shipperRefusals(): string[] {
  return [
    ...refusalBranch(RejectReason.TOO_MANY_EVENTS, 413, 'TooManyEvents',
      `The request holds more than ${MAX_TEMPLATE_ITERATIONS} events or lines; nothing was stored. Send smaller batches.`),
    ...refusalBranch(RejectReason.MALFORMED, 400, 'InvalidShipperPayload',
      'The JSON body is not an array of objects; nothing was stored.'),
  ];
}

const T = apigw.JsonSchemaType;
/** The JSON model: an array of objects. NDJSON has no model (it is not JSON). */
export const SHIPPER_ARRAY_SCHEMA: apigw.JsonSchema = {
  type: T.ARRAY, minItems: 1, maxItems: MAX_TEMPLATE_ITERATIONS, items: { type: T.OBJECT },
};

/** The shippers' route `<resourcePath>/<path>`. */
export function shipperRoutes(s: InputSettings, pathParts: string[]): Route[] {
  const envelope = shipperEnvelope(s.envelope);
  return [{
    pathParts: [...s.resourceParts, ...pathParts],
    firehoseAction: 'PutRecord',
    models: [{ contentType: 'application/json', id: 'ShipperArrayModel', schema: SHIPPER_ARRAY_SCHEMA }],
    requestTemplates: {
      'application/json': shipperArrayTemplate(s.streamName, envelope, s.target),
      'application/x-ndjson': shipperNdjsonTemplate(s.streamName, envelope, s.target),
    },
    responses: inputResponses(s.target, shipperRefusals()),
  }];
}
