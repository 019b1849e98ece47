import { aws_apigateway as apigw } from 'aws-cdk-lib';
import { EnvelopeField, EnvelopeFieldSource } from '../../envelope-field';
import { MAX_RECORD_BODY_CHARS } from '../../limits';
import { RecordEnvelope } from '../../record-envelope';
import { ColumnRole } from '../field-kinds';
import { INPUT_COLUMN, InputSettings, InputTable } from '../input-settings';
import { Route } from '../request-shapes';
import { refusalBranch } from '../responses';
import { ident, lines, literal, recentPartitions, where } from '../sql';
import { WriteTarget } from '../targets/target';
import { batchLoopHead, vtlBody, vtlFields, vtlJsonValue, vtlRecord } from '../templates';
import { BodyFormat, EMPTY_BODY, PRELUDE, RejectReason } from '../vtl';
import { inputResponses, vtlInputRecord } from './packing';
import { SOURCE_MEMBER, WRITE_KEY_REFUSALS, vtlHoldsWriteKey, vtlWriteKeyCheck } from './write-keys';
import { SegmentSource } from '../../input';

/**
 * Segment's Tracking API (also spoken by RudderStack's and Jitsu's SDKs): the routes a Segment SDK posts to, read
 * from the SDKs' own sources (docs/senders/segment.md).
 * - `POST /v1/batch` (analytics-node, analytics-python; JSON `{"batch": [...], "sentAt", "context"?, "writeKey"?}`)
 *   and `/v1/b` (analytics-next's batching delivery; the same body as text/plain);
 * - `POST /v1/track|identify|page|screen|group|alias` (one event, JSON) and the browser SDK's short routes
 *   `/v1/t|i|p|s|g|a` (one event, text/plain, with `writeKey` and `sentAt` inside).
 * A request is one Firehose record (packed), stored whole or not at all; each event one JSON line, its `messageId`
 * the event id.
 */

/** Segment's limits: 32 KB per event, 500 KB per batch request (segment.com/docs/connections/sources/catalog/libraries/server/http-api). */
export const SEGMENT_EVENT_MAX_BYTES = 32 * 1024;
export const SEGMENT_BATCH_MAX_BYTES = 500 * 1024;
/** The most events one batch request holds: API Gateway ends a #foreach after 1,000 iterations. */
export const SEGMENT_BATCH_MAX_EVENTS = 1000;
/** The input's name, written to each record's `input` member: it tells a Segment line from the construct's own. */
export const SEGMENT_INPUT = 'segment';

/** The method throttle of each Segment route with declared sources, unless `throttle` is given. */
export const SEGMENT_DEFAULT_THROTTLE: apigw.ThrottleSettings = { rateLimit: 100, burstLimit: 200 };

/** Declared sources (write-key mode) and the method throttle of their routes. */
export interface SegmentWriteKeys {
  readonly sources: SegmentSource[];
  readonly throttle: apigw.ThrottleSettings;
}

/**
 * Wraps a template's body in the write-key check (when sources are declared): the request's source found first, or a
 * refusal; the record written only when no declared key's value is left in it.
 */
function withWriteKeys(target: WriteTarget, sources: SegmentSource[] | undefined, body: string[]): string[] {
  return sources ? [vtlWriteKeyCheck(sources, target), ...body, '#end'] : body;
}

/** The write of `record` (a VTL reference): refused when a declared key's value is still in it. */
function writeRecord(target: WriteTarget, streamName: string, record: string, sources?: SegmentSource[]): string[] {
  const put = vtlInputRecord(target, streamName, record);
  return sources ? [`#if(${vtlHoldsWriteKey(sources, record)})`, target.reject(RejectReason.WRITE_KEY_IN_EVENTS), '#else', put, '#end'] : [put];
}

/** The members a Segment line has before its body: the input, and the source when sources are declared. */
function sourceMember(sources?: SegmentSource[]) {
  return sources ? [{ name: SOURCE_MEMBER, ref: '$wk_source' }] : [];
}

/** Single-event routes: Segment's long names, and analytics-next's one-letter paths. */
const SINGLE_ROUTES = ['track', 'identify', 'page', 'screen', 'group', 'alias', 't', 'i', 'p', 's', 'g', 'a'];
/** Batch routes. */
const BATCH_ROUTES = ['batch', 'b'];

/**
 * Removes every `"writeKey": "<string>"` member from the JSON text in `target` (the write key is a secret; browser
 * SDKs copy it into each event). The text is API Gateway's re-serialisation, so a quote that is not escaped is
 * structural: `"writeKey"` followed by a colon is a member name, never string content. The model refuses a
 * `writeKey` that is not a string, so the member's value is always a JSON string. No group reference is used in a
 * replacement (API Gateway and LocalStack write them differently).
 */
function vtlStripWriteKey(target: string): string {
  const member = String.raw`"writeKey"\s*:\s*"(?:[^"\\]|\\.)*"`;
  return `#set(${target} = ${target}.replaceAll('\\s*,\\s*${member}', '').replaceAll('\\{\\s*${member}\\s*,?', '{'))`;
}

/**
 * VTL that refuses the request when the event in `$body` is larger than Segment allows: its UTF-8 size is read
 * from its base64 length (4 characters per 3 bytes).
 */
const EVENT_TOO_LARGE = `$util.base64Encode($body).length() > ${Math.ceil(SEGMENT_EVENT_MAX_BYTES / 3) * 4}`;

/** The envelope of Segment lines: the construct's, with every event id read from `messageId`. */
export function segmentEnvelope(envelope: RecordEnvelope): RecordEnvelope {
  return RecordEnvelope.withFields(envelope.fields.map((f) => (f.source === EnvelopeFieldSource.EVENT_ID
    ? EnvelopeField.eventId(f.name, 'messageId') : f)), { bodyField: envelope.bodyField });
}

/** One event per request: one Firehose record. */
function singleTemplate(streamName: string, envelope: RecordEnvelope, target: WriteTarget, sources?: SegmentSource[]): string {
  return [
    PRELUDE,
    `#set($input_name = '"${SEGMENT_INPUT}"')`,
    ...withWriteKeys(target, sources, [
      `#if(${EMPTY_BODY})`,
      target.reject(RejectReason.EMPTY_BODY),
      `#elseif($raw.length() > ${MAX_RECORD_BODY_CHARS})`,
      target.reject(RejectReason.TOO_LARGE),
      '#else',
      vtlFields(envelope, 'single', false, BodyFormat.JSON),
      vtlBody(BodyFormat.JSON, "'$'"),
      vtlStripWriteKey('$body'),
      `#if(${EVENT_TOO_LARGE})`,
      target.reject(RejectReason.EVENT_TOO_LARGE),
      '#else',
      vtlRecord(envelope, 'single', [{ name: 'input', ref: '$input_name' }, ...sourceMember(sources)]),
      ...writeRecord(target, streamName, '$rec', sources),
      '#end',
      '#end',
    ]),
  ].filter((l) => l !== '').join('\n');
}

/**
 * A batch: every event a JSON line, packed into one Firehose record, with the batch's `sentAt` and `context`
 * beside each event. Refused whole when the batch or any one event is larger than Segment allows.
 */
function batchTemplate(streamName: string, envelope: RecordEnvelope, target: WriteTarget, sources?: SegmentSource[]): string {
  return [
    PRELUDE,
    `#set($input_name = '"${SEGMENT_INPUT}"')`,
    ...withWriteKeys(target, sources, [
    // The construct's own batch head: $events from the body's `batch` array, refusals, the request-wide fields.
      batchLoopHead({ envelope, recordsProperty: 'batch', target }, SEGMENT_BATCH_MAX_BYTES),
      // The batch's own sentAt and context (JSON, or null when absent), written beside each event.
      vtlJsonValue('$sent_at', "'$.sentAt'"),
      '#if($sent_at == \'\' || $sent_at == \'""\')#set($sent_at = \'null\')#end',
      vtlJsonValue('$batch_context', "'$.context'"),
      '#if($batch_context == \'\' || $batch_context == \'""\')#set($batch_context = \'null\')#end',
      vtlStripWriteKey('$batch_context'),
      '#set($packed = "")',
      '#set($too_large = false)',
      '#foreach($event in $events)',
      vtlFields(envelope, 'batch', true),
      vtlBody(BodyFormat.JSON, '"$.batch[$foreach.index]"'),
      vtlStripWriteKey('$body'),
      `#if(${EVENT_TOO_LARGE})#set($too_large = true)#end`,
      vtlRecord(envelope, 'batch', [
        { name: 'input', ref: '$input_name' }, ...sourceMember(sources), { name: 'sentAt', ref: '$sent_at' },
        { name: 'context', ref: '$batch_context' },
      ]),
      '#set($packed = "${packed}${rec}")',
      '#end',
      '#if($too_large)',
      target.reject(RejectReason.EVENT_TOO_LARGE),
      '#else',
      ...writeRecord(target, streamName, '$packed', sources),
      '#end',
      '#end',
    ]),
  ].filter((l) => l !== '').join('\n');
}

const T = apigw.JsonSchemaType;
/** A Segment event: an object; a `writeKey` in it must be a string (it is removed before storing). */
const EVENT_SCHEMA: apigw.JsonSchema = {
  type: T.OBJECT,
  minProperties: 1,
  properties: { writeKey: { type: T.STRING }, messageId: { type: T.STRING }, type: { type: T.STRING } },
};
const BATCH_SCHEMA: apigw.JsonSchema = {
  type: T.OBJECT,
  required: ['batch'],
  properties: {
    batch: { type: T.ARRAY, minItems: 1, maxItems: SEGMENT_BATCH_MAX_EVENTS, items: EVENT_SCHEMA },
    writeKey: { type: T.STRING },
    context: { type: T.OBJECT },
  },
};

/** Segment SDKs send JSON, and the browser SDK text/plain (a simple request): both are read as JSON and validated. */
function route(pathParts: string[], modelId: string, schema: apigw.JsonSchema, template: string, target: WriteTarget,
  writeKeys?: SegmentWriteKeys): Route {
  const refusals = [
    ...refusalBranch(RejectReason.EVENT_TOO_LARGE, 400, 'EventTooLarge',
      'An event is larger than Segment allows (32 KB); nothing of the request was stored.'),
    ...(writeKeys ? WRITE_KEY_REFUSALS.flatMap(([reason, status, code, message]) => refusalBranch(reason, status, code, message)) : []),
  ];
  return {
    pathParts,
    firehoseAction: 'PutRecord',
    models: [
      { contentType: 'application/json', id: modelId, schema },
      { contentType: 'text/plain', id: `${modelId}Text`, schema },
    ],
    requestTemplates: { 'application/json': template, 'text/plain': template },
    // analytics-next sends Authorization (Basic writeKey) with every request, so its preflight asks for it.
    corsHeaders: ['Authorization'],
    responses: inputResponses(target, refusals),
    // With declared sources, the integration checks the write key: no x-api-key, a method throttle, and 401 answers.
    ...(writeKeys ? { writeKeyAccess: { throttle: writeKeys.throttle }, extraStatusCodes: ['401'] } : {}),
  };
}

/** The Segment routes under `<resourcePath>/<path>`; with declared sources, each checks the write key. */
export function segmentRoutes(s: InputSettings, pathParts: string[], writeKeys?: SegmentWriteKeys): Route[] {
  const envelope = segmentEnvelope(s.envelope);
  const base = [...s.resourceParts, ...pathParts];
  const single = singleTemplate(s.streamName, envelope, s.target, writeKeys?.sources);
  const batch = batchTemplate(s.streamName, envelope, s.target, writeKeys?.sources);
  return [
    ...BATCH_ROUTES.map((r) => route([...base, r], `Segment${r === 'b' ? 'B' : 'Batch'}Model`, BATCH_SCHEMA, batch, s.target, writeKeys)),
    ...SINGLE_ROUTES.map((r) => route([...base, r], `Segment${r[0].toUpperCase()}${r.slice(1)}Model`, EVENT_SCHEMA, single, s.target, writeKeys)),
  ];
}

/** The members Segment lines have besides the envelope's fields and the body. */
export const SEGMENT_MEMBERS = ['input', 'sentAt', 'context'];

/**
 * The Segment named queries read the partitions of this many days: without a bound, Athena lists and reads every
 * hour since firstDay (edit the interval in the query to look further back).
 */
const SEGMENT_QUERY_DAYS = 30;

/** Segment's common fields, as the view's columns: the event's JSON key, the column, and whether it is JSON. */
const VIEW_FIELDS: [string, string, boolean][] = [
  ['type', 'type', false], ['event', 'event', false], ['userId', 'user_id', false], ['anonymousId', 'anonymous_id', false],
  ['messageId', 'message_id', false], ['timestamp', 'timestamp', false], ['name', 'name', false], ['groupId', 'group_id', false],
  ['previousId', 'previous_id', false], ['properties', 'properties', true], ['traits', 'traits', true],
];

/**
 * What the Segment input adds to the events table: the `input`, `sentat` and `context` columns (JSON text), a view of
 * its lines with Segment's common fields as columns (one row per messageId within each partition: retried batches are
 * removed), and two named queries over that view.
 */
export const segmentTable: InputTable = {
  columns: [
    INPUT_COLUMN,
    { name: 'sentat', type: 'string', comment: 'Segment: the batch\'s sentAt' },
    { name: 'context', type: 'string', comment: 'Segment: the batch\'s context (JSON text)' },
  ],
  queries: (t) => {
    const body = t.body!;
    const view = `${ident(t.databaseName)}.${ident(`${t.tableName}_segment`)}`;
    const table = `${ident(t.databaseName)}.${ident(t.tableName)}`;
    const eventId = t.roles.find((r) => r.role === ColumnRole.EVENT_ID)?.column;
    const apiKeyId = t.roles.find((r) => r.role === ColumnRole.SCOPE)?.column;
    const receivedAt = t.roles.find((r) => r.role === ColumnRole.RECEIVED_AT)?.column;
    const kept = t.columns.filter((c) => !['input', 'sentat', 'context', body.name].includes(c.name)).map((c) => ident(c.name));
    const partitions = t.partitions.map((p) => ident(p.name));
    const json = (key: string) => `json_extract(${ident(body.name)}, ${literal(`$.${key}`)})`;
    const fields = VIEW_FIELDS.map(([key, column, isJson]) => (isJson
      ? `json_format(${json(key)}) AS ${ident(column)}`
      : `json_extract_scalar(${ident(body.name)}, ${literal(`$.${key}`)}) AS ${ident(column)}`));
    const key = [...partitions, ...(apiKeyId ? [ident(apiKeyId)] : []), eventId ? `coalesce(${ident(eventId)}, json_extract_scalar(${ident(body.name)}, '$.messageId'))`
      : `json_extract_scalar(${ident(body.name)}, '$.messageId')`];
    return [{
      id: 'SegmentView',
      name: `${t.tableName}: create the Segment view`,
      view: `${t.tableName}_segment`,
      description: `Creates ${t.tableName}_segment: Segment's events, their common fields as columns, one row per messageId`,
      sql: lines([
        `CREATE OR REPLACE VIEW ${view} AS`,
        `SELECT ${[...kept, ...fields,
          `coalesce(json_extract_scalar(${ident(body.name)}, '$.sentAt'), "sentat") AS "sent_at"`,
          `coalesce(json_format(${json('context')}), "context") AS "context"`,
          `${ident(body.name)} AS "event_json"`, ...partitions].join(',\n  ')}`,
        'FROM (',
        `  SELECT *, row_number() OVER (PARTITION BY ${key.join(', ')}${receivedAt ? ` ORDER BY ${ident(receivedAt)}` : ''}) AS "copy"`,
        `  FROM ${table}`,
        '  WHERE "input" = \'segment\'',
        ')',
        'WHERE "copy" = 1',
      ]),
    }, {
      id: 'SegmentEventsPerDay',
      name: `${t.tableName}: Segment events by type per day`,
      description: `Segment events per day and type (call type, and the event name of tracks) received in the last ${SEGMENT_QUERY_DAYS} days, from ${t.tableName}_segment`,
      sql: lines([
        'SELECT date_trunc(\'day\', try(from_iso8601_timestamp("timestamp"))) AS "day", "type", "event", count(*) AS "events"',
        `FROM ${view}`, ...where(recentPartitions(t, `'${SEGMENT_QUERY_DAYS}' DAY`)), 'GROUP BY 1, 2, 3', 'ORDER BY 1 DESC, 4 DESC',
      ]),
    }, {
      id: 'SegmentUsersFirstSeen',
      name: `${t.tableName}: Segment users by first seen`,
      description: `Each user (userId, else anonymousId) with the first and last time seen and their event count over the events received in the last ${SEGMENT_QUERY_DAYS} days, from ${t.tableName}_segment`,
      sql: lines([
        'SELECT coalesce("user_id", "anonymous_id") AS "user", min(try(from_iso8601_timestamp("timestamp"))) AS "first_seen",',
        '  max(try(from_iso8601_timestamp("timestamp"))) AS "last_seen", count(*) AS "events"',
        `FROM ${view}`, ...where(recentPartitions(t, `'${SEGMENT_QUERY_DAYS}' DAY`)), 'GROUP BY 1', 'ORDER BY 2 DESC',
      ]),
    }];
  },
};

/** The Segment table with declared sources: also the `segmentsource` column (the source's name; the view keeps it). */
export const segmentSourcesTable: InputTable = {
  columns: [...segmentTable.columns, { name: SOURCE_MEMBER.toLowerCase(), type: 'string', comment: 'Segment: the declared source whose write key sent the line' }],
  queries: segmentTable.queries,
};
