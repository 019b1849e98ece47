import { EnvelopeField, EnvelopeFieldSource } from '../envelope-field';
import { BodyFormat, jsonStringLiteral, vtlEventId, vtlHeaderStringOrNull, vtlJsonStringOrNull } from './vtl';

/** Where a template writes a field: a single-event request, or one event of a batch. */
export type TemplateScope = 'single' | 'batch';

/** What a field's column means to the named queries: the time order, and the key of the deduplicated view. */
export enum ColumnRole {
  /** When the request was received (epoch milliseconds): the order of recent events and the hour of events per hour. */
  RECEIVED_AT = 'RECEIVED_AT',
  /** The event's own id: the key, scoped by the API key when there is one. */
  EVENT_ID = 'EVENT_ID',
  /** The request id: the key (with the batch index) when there is no event id, and its fallback. */
  REQUEST = 'REQUEST',
  /** The position in a batch request, beside the request id. */
  INDEX = 'INDEX',
  /** The API key id: scopes client event ids, which are unique per client only. */
  SCOPE = 'SCOPE',
}

/**
 * Everything the library knows about one envelope field source: how a template writes it, its Glue column, whether
 * it varies per event of a batch, whether it can partition the S3 output, and its meaning to the named queries. Adding a
 * source to `EnvelopeFieldSource` is a compile error here until its kind is written, and nowhere else.
 */
export interface FieldKind {
  /** VTL that sets `target` to the field's JSON value. */
  readonly vtl: (field: EnvelopeField, target: string, scope: TemplateScope, format: BodyFormat) => string;
  /** Whether the value differs per event of a batch, so a batch template sets it inside the loop. */
  readonly perEvent: boolean;
  /** Whether the field exists only for events of a batch request (not written for single events). */
  readonly batchOnly?: boolean;
  /** The Glue/Hive type of its column. */
  readonly glueType: string;
  /** The column comment. */
  readonly comment: (field: EnvelopeField) => string;
  /**
   * Why partitioning by the field is refused (a prefix per request or per event), or undefined when it can
   * partition the S3 output.
   */
  readonly partitionRefusal?: string;
  /**
   * How partition projection lists the values of a partition by this field: an `enum` of known values, or
   * `injected` (queries name the value).
   */
  readonly projection: (field: EnvelopeField, apiKeyIds: () => string[]) => { type: 'enum' | 'injected'; values?: () => string };
  /** What its column means to the named queries, if anything. */
  readonly role?: ColumnRole;
}

const injected = () => ({ type: 'injected' as const });
const describeSource = (f: EnvelopeField) => `${f.source.toLowerCase().replace(/_/g, ' ')} of the request`;

/** A field read from the request context: the same for every event of a request. */
function contextField(expr: string, extra: Partial<FieldKind> = {}): FieldKind {
  return {
    vtl: (_f, target) => vtlJsonStringOrNull(target, expr),
    perEvent: false,
    glueType: 'string',
    comment: describeSource,
    projection: injected,
    ...extra,
  };
}

/** A field read from a request header (caller-controlled, escaped). */
function headerField(headerName: (f: EnvelopeField) => string, extra: Partial<FieldKind> = {}): FieldKind {
  return {
    vtl: (f, target) => vtlHeaderStringOrNull(target, headerName(f)),
    perEvent: false,
    glueType: 'string',
    comment: describeSource,
    projection: injected,
    ...extra,
  };
}

/** The behaviour of every envelope field source. */
export const FIELD_KINDS: Record<EnvelopeFieldSource, FieldKind> = {
  [EnvelopeFieldSource.API_KEY_ID]: contextField('{context.identity.apiKeyId}', {
    comment: () => 'Public id of the API key that sent the event',
    // The keys this construct knows (read when the app is synthesized, so tenants added later count) and 'none'.
    projection: (_f, apiKeyIds) => ({ type: 'enum', values: () => [...apiKeyIds(), 'none'].join(',') }),
    role: ColumnRole.SCOPE,
  }),
  [EnvelopeFieldSource.REQUEST_ID]: contextField('{context.requestId}', {
    comment: () => 'API Gateway request id',
    partitionRefusal: 'request_id',
    role: ColumnRole.REQUEST,
  }),
  [EnvelopeFieldSource.SOURCE_IP]: contextField('{context.identity.sourceIp}'),
  [EnvelopeFieldSource.STAGE]: contextField('{context.stage}'),
  [EnvelopeFieldSource.USER_AGENT]: headerField(() => 'User-Agent'),
  [EnvelopeFieldSource.TRACE_ID]: headerField(() => 'X-Amzn-Trace-Id', { partitionRefusal: 'trace_id' }),
  [EnvelopeFieldSource.HEADER]: headerField((f) => f.argument!, { comment: (f) => `Request header ${f.argument}` }),
  [EnvelopeFieldSource.QUERY_PARAMETER]: contextField('', {
    vtl: (f, target) => vtlJsonStringOrNull(target, `{query.get('${f.argument}')}`),
    comment: (f) => `Query string parameter ${f.argument}`,
  }),
  [EnvelopeFieldSource.RECEIVED_AT]: {
    // requestTimeEpoch is a number set by API Gateway; keep only digits so the field is always a JSON number or null.
    vtl: (_f, target) => [
      '#set($src = "$!{context.requestTimeEpoch}")',
      `#if($src.matches("[0-9]{1,19}"))#set(${target} = $src)#else#set(${target} = 'null')#end`,
    ].join('\n'),
    perEvent: false,
    glueType: 'bigint',
    comment: () => 'When API Gateway received the request (epoch milliseconds)',
    partitionRefusal: 'received_at',
    projection: injected,
    role: ColumnRole.RECEIVED_AT,
  },
  [EnvelopeFieldSource.CONSTANT]: {
    vtl: (f, target) => `#set(${target} = '${jsonStringLiteral(f.argument ?? '')}')`,
    perEvent: false,
    glueType: 'string',
    comment: (f) => `Constant '${f.argument}'`,
    projection: (f) => ({ type: 'enum', values: () => f.argument! }),
  },
  [EnvelopeFieldSource.BATCH_INDEX]: {
    vtl: (_f, target) => `#set(${target} = $foreach.index)`,
    perEvent: true,
    batchOnly: true,
    glueType: 'int',
    comment: () => 'Position in the batch request (null for single events)',
    partitionRefusal: 'batch_index',
    projection: injected,
    role: ColumnRole.INDEX,
  },
  [EnvelopeFieldSource.EVENT_ID]: {
    vtl: (f, target, scope, format) => {
      // A text body stored as a string has no properties (and $input.path would fail on text that is not JSON).
      if (format === BodyFormat.TEXT) return `#set(${target} = 'null')`;
      // Batch: the loop variable (one event of the parsed body). Single: the body's property, read only when the
      // body is an object (a JSONPath into a JSON null fails the render on Velocity 1.7's JSONPath).
      return scope === 'batch'
        ? vtlEventId(target, `event.${f.argument}`)
        : vtlEventId(target, `input.path('$.${f.argument}')`, '$raw.matches("(?s)[\\x00-\\x20]*\\{.*")');
    },
    perEvent: true,
    glueType: 'string',
    comment: describeSource,
    partitionRefusal: 'event_id',
    projection: injected,
    role: ColumnRole.EVENT_ID,
  },
};

/** The behaviour of a field. */
export function kindOf(field: EnvelopeField): FieldKind {
  return FIELD_KINDS[field.source];
}
