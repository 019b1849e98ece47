import { aws_apigateway as apigw } from 'aws-cdk-lib';
import { IntegrationResponseSpec } from './responses';
import { FIREHOSE_TARGET } from './targets/firehose';
import { WriteTarget } from './targets/target';
import { putRecordTemplate } from './templates';
import { BodyFormat } from './vtl';
import { BatchMode } from '../batch';
import { BATCH_RECORDS_PROPERTY } from '../limits';
import { RecordEnvelope } from '../record-envelope';
import { TextPlainMode } from '../text-plain';

/**
 * One route of the API: where it lives, what a request must look like, how the request becomes Firehose records,
 * and what it answers. The methods builder turns each route into a resource, models and a method, and asks
 * nothing else; a new request shape is a new producer of routes.
 */
export interface Route {
  /** The resource's path parts from the API root. */
  readonly pathParts: string[];
  /** The Firehose action the integration calls (PutRecord or PutRecordBatch; the target names its own). */
  readonly firehoseAction: string;
  /** The request models, by content type: the construct id of each model and its schema. */
  readonly models: { readonly contentType: string; readonly id: string; readonly schema: apigw.JsonSchema }[];
  /** The mapping template of each accepted content type (any other is answered 415). */
  readonly requestTemplates: Record<string, string>;
  /** The integration responses. */
  readonly responses: IntegrationResponseSpec[];
  /** Request headers the route's senders send besides the CORS settings' (e.g. Segment's `Authorization`). */
  readonly corsHeaders?: string[];
  /**
   * The route's browser senders fetch with credentials (Snowplow's browser tracker: `credentials: 'include'`), so
   * its answers and preflight carry `Access-Control-Allow-Credentials: true` (with the one configured origin).
   */
  readonly corsCredentials?: boolean;
  /**
   * The route's integration checks a write key itself (Segment sources): its method requires no API key and no
   * authorizer, whatever the construct's, and gets its own method throttle on the stage.
   */
  readonly writeKeyAccess?: { readonly throttle: apigw.ThrottleSettings };
  /** Status codes the route's templates answer besides METHOD_STATUS_CODES (e.g. Segment's 401). */
  readonly extraStatusCodes?: string[];
}

/** What the request shapes need to know: resolved settings only. */
export interface ShapeSettings {
  readonly envelope: RecordEnvelope;
  readonly eventSchema: apigw.JsonSchema;
  readonly textPlain: TextPlainMode;
  /** Path parts of the single-event resource from the API root. */
  readonly resourceParts: string[];
}

/** Resolved batch settings. */
export interface BatchSettings {
  readonly mode: BatchMode;
  readonly maxEvents: number;
  /** Path parts of the batch resource below the single-event resource. */
  readonly pathParts: string[];
}

/** The models of a route: JSON, and text/plain read as JSON when `TextPlainMode.AS_JSON` asks for it. */
function models(id: string, schema: apigw.JsonSchema, textPlain: TextPlainMode): Route['models'] {
  return [
    { contentType: 'application/json', id, schema },
    ...(textPlain === TextPlainMode.AS_JSON ? [{ contentType: 'text/plain', id: `${id}Text`, schema }] : []),
  ];
}

/** One JSON event per request (and text/plain as `textPlain` says): one Firehose record. */
export function singleEventRoute(s: ShapeSettings, streamName: string, target: WriteTarget = FIREHOSE_TARGET): Route {
  const { envelope } = s;
  const requestTemplates: Record<string, string> = {
    'application/json': putRecordTemplate({ streamName, envelope, bodyFormat: BodyFormat.JSON, target }),
  };
  if (s.textPlain !== TextPlainMode.REJECT) {
    requestTemplates['text/plain'] = putRecordTemplate({
      streamName, envelope, bodyFormat: s.textPlain === TextPlainMode.AS_JSON ? BodyFormat.JSON : BodyFormat.TEXT, target,
    });
  }
  return {
    pathParts: s.resourceParts,
    firehoseAction: 'PutRecord',
    models: models('EventModel', s.eventSchema, s.textPlain),
    requestTemplates,
    responses: target.responses('PutRecord'),
  };
}

/** `{"records": [...]}`: written as the batch mode says (one packed record, or a record per event). */
export function batchRoute(s: ShapeSettings, b: BatchSettings, streamName: string, target: WriteTarget = FIREHOSE_TARGET): Route {
  const template = b.mode._requestTemplate({ streamName, envelope: s.envelope, recordsProperty: BATCH_RECORDS_PROPERTY, target });
  return {
    pathParts: [...s.resourceParts, ...b.pathParts],
    firehoseAction: b.mode.firehoseAction,
    models: models('BatchModel', batchRequestSchema(b.maxEvents, s.eventSchema as Record<string, unknown>) as apigw.JsonSchema, s.textPlain),
    requestTemplates: {
      'application/json': template,
      ...(s.textPlain === TextPlainMode.AS_JSON ? { 'text/plain': template } : {}),
    },
    responses: b.mode._responses(target),
  };
}

/** The routes of the construct's own request shapes: the single event, and the batch unless batching is off. */
export function eventRoutes(s: ShapeSettings, batch: BatchSettings | undefined, streamName: string,
  target: WriteTarget = FIREHOSE_TARGET): Route[] {
  return [singleEventRoute(s, streamName, target), ...(batch ? [batchRoute(s, batch, streamName, target)] : [])];
}

/** JSON Schema (draft-04) of a batch request body. */
export function batchRequestSchema(maxEvents: number, eventSchema: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'object',
    required: [BATCH_RECORDS_PROPERTY],
    additionalProperties: false,
    properties: {
      [BATCH_RECORDS_PROPERTY]: {
        type: 'array',
        minItems: 1,
        maxItems: maxEvents,
        items: eventSchema,
      },
    },
  };
}
