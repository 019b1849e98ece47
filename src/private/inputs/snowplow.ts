import { aws_apigateway as apigw } from 'aws-cdk-lib';
import { EnvelopeField, EnvelopeFieldSource } from '../../envelope-field';
import { RecordEnvelope } from '../../record-envelope';
import { InputSettings } from '../input-settings';
import { Route } from '../request-shapes';
import { refusalBranch } from '../responses';
import { FIREHOSE_TARGET } from '../targets/firehose';
import { WriteTarget } from '../targets/target';
import { vtlFields } from '../templates';
import { RejectReason } from '../vtl';
import { MAX_TEMPLATE_ITERATIONS, inputResponses, isArrayAt, isObjectAt, packedArrayTemplate } from './packing';

/**
 * Snowplow's tracker protocol, as the trackers post it (docs/senders/snowplow.md):
 * `POST <endpoint>/com.snowplowanalytics.snowplow/tp2`, `{"schema":"iglu:.../payload_data/jsonschema/1-0-4",
 * "data":[{e, eid, tv, p, aid, dtm, stm, ...}]}`, every value a string.
 *
 * A request is one Firehose record, stored whole or not at all. Each item of `data` becomes one JSON line: the
 * construct's envelope with `eid` as the event id, `"input":"snowplow"`, and the item as sent as the body
 * (`ue_px`/`cx` stay base64url, `ue_pr`/`co` JSON text: the query side decodes them). Snowplow's JS trackers retry
 * every status but 400, 401, 403, 410 and 422 without end, so a request this input cannot take is answered 400
 * (dropped), never 413.
 */

/** The input's name, written to each line's `input` member. */
export const SNOWPLOW_INPUT = 'snowplow';
/** The tracker protocol's POST path (after the collector endpoint). */
export const SNOWPLOW_POST_PATH = ['com.snowplowanalytics.snowplow', 'tp2'];

/** The envelope of Snowplow lines: the construct's, with every event id read from `eid`. */
export function snowplowEnvelope(envelope: RecordEnvelope): RecordEnvelope {
  return RecordEnvelope.withFields(envelope.fields.map((f) => (f.source === EnvelopeFieldSource.EVENT_ID
    ? EnvelopeField.eventId(f.name, 'eid') : f)), { bodyField: envelope.bodyField });
}

/** The tp2 request template: every item of `data` one line, packed into one record. */
export function snowplowPostTemplate(streamName: string, envelope: RecordEnvelope, target: WriteTarget = FIREHOSE_TARGET): string {
  return packedArrayTemplate(streamName, envelope, {
    inputName: SNOWPLOW_INPUT,
    selectEvents: `#if(!$raw.matches("[\\x00-\\x20]*") && ${isObjectAt("'$'")})`
      + `#if(${isArrayAt("'$.data'")})#set($events = $input.path('$.data'))#else#set($bad = true)#end#end`,
    itemPath: '"$.data[$foreach.index]"',
    perEventFields: vtlFields(envelope, 'batch', true),
    tooLarge: RejectReason.OVERSIZED,
  }, target);
}

/** This input's refusals: all 400, since the trackers retry a 413 forever. */
function snowplowRefusals(): string[] {
  return [
    ...refusalBranch(RejectReason.OVERSIZED, 400, 'PayloadTooLarge',
      'The events are larger than one Firehose record (1,000 KiB); nothing was stored. Lower the tracker\'s maxPostBytes.'),
    ...refusalBranch(RejectReason.TOO_MANY_EVENTS, 400, 'TooManyEvents',
      `The request holds more than ${MAX_TEMPLATE_ITERATIONS} events; nothing was stored.`),
    ...refusalBranch(RejectReason.MALFORMED, 400, 'InvalidSnowplowPayload',
      'The body is not a Snowplow payload_data object with a list of events; nothing was stored.'),
  ];
}

const T = apigw.JsonSchemaType;
/** The payload_data model: `data` a list of objects (the events); their values are not checked. */
export const SNOWPLOW_PAYLOAD_SCHEMA: apigw.JsonSchema = {
  type: T.OBJECT,
  required: ['data'],
  properties: {
    schema: { type: T.STRING },
    data: { type: T.ARRAY, minItems: 1, maxItems: MAX_TEMPLATE_ITERATIONS, items: { type: T.OBJECT, properties: { eid: { type: T.STRING } } } },
  },
};

/** The Snowplow routes under `<resourcePath>/<path>`: the tracker protocol's POST. */
export function snowplowRoutes(s: InputSettings, pathParts: string[]): Route[] {
  const envelope = snowplowEnvelope(s.envelope);
  const template = snowplowPostTemplate(s.streamName, envelope, s.target);
  return [{
    pathParts: [...s.resourceParts, ...pathParts, ...SNOWPLOW_POST_PATH],
    firehoseAction: 'PutRecord',
    // The trackers send `application/json; charset=UTF-8`: API Gateway selects the template by the media type.
    models: [{ contentType: 'application/json', id: 'SnowplowPayloadModel', schema: SNOWPLOW_PAYLOAD_SCHEMA }],
    requestTemplates: { 'application/json': template },
    // The browser tracker fetches with credentials: 'include'.
    corsCredentials: true,
    responses: inputResponses(s.target, snowplowRefusals()),
  }];
}
