import { checkEventPropertyName, checkFieldName, checkHeaderName, checkQueryParameterName } from './private/validation';

/**
 * Where the value of an envelope field comes from.
 */
export enum EnvelopeFieldSource {
  /** The public id of the API key that called (`$context.identity.apiKeyId`), never the secret key value. */
  API_KEY_ID = 'API_KEY_ID',
  /** API Gateway's request id (`$context.requestId`). */
  REQUEST_ID = 'REQUEST_ID',
  /** When API Gateway received the request, epoch milliseconds (`$context.requestTimeEpoch`). */
  RECEIVED_AT = 'RECEIVED_AT',
  /** The caller's `X-Amzn-Trace-Id` header (caller-controlled, escaped). */
  TRACE_ID = 'TRACE_ID',
  /** The caller's source IP (`$context.identity.sourceIp`). */
  SOURCE_IP = 'SOURCE_IP',
  /** The caller's `User-Agent` (caller-controlled, escaped). */
  USER_AGENT = 'USER_AGENT',
  /** The stage name (`$context.stage`). */
  STAGE = 'STAGE',
  /** A named request header (caller-controlled, escaped). */
  HEADER = 'HEADER',
  /** A named query string parameter (caller-controlled, escaped). */
  QUERY_PARAMETER = 'QUERY_PARAMETER',
  /** A constant string fixed at synth time. */
  CONSTANT = 'CONSTANT',
  /** The event's 0-based position in a batch request (batch records only). */
  BATCH_INDEX = 'BATCH_INDEX',
  /**
   * The event's own id: a top-level string property of the event (e.g. `eventId`, set by the client at
   * `track()`), copied when it is 1-128 characters of `[A-Za-z0-9._:-]`, else `null`.
   */
  EVENT_ID = 'EVENT_ID',
}

/**
 * One field of the JSON envelope written around each event.
 *
 * Every value that a caller controls (headers, query parameters) is escaped
 * before it is placed in the record, so no caller can forge or break a field.
 * A value that is absent in the request is written as JSON `null`.
 */
export class EnvelopeField {
  /** The id of the API key used (public id, not the secret value). @default name 'apiKeyId' */
  public static apiKeyId(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.API_KEY_ID, name ?? 'apiKeyId');
  }
  /** API Gateway's request id. @default name 'requestId' */
  public static requestId(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.REQUEST_ID, name ?? 'requestId');
  }
  /** The time API Gateway received the request, as a JSON number of epoch milliseconds. @default name 'receivedAt' */
  public static receivedAt(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.RECEIVED_AT, name ?? 'receivedAt');
  }
  /** The `X-Amzn-Trace-Id` request header. @default name 'traceId' */
  public static traceId(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.TRACE_ID, name ?? 'traceId');
  }
  /** The caller's source IP address. @default name 'sourceIp' */
  public static sourceIp(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.SOURCE_IP, name ?? 'sourceIp');
  }
  /** The `User-Agent` request header. @default name 'userAgent' */
  public static userAgent(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.USER_AGENT, name ?? 'userAgent');
  }
  /** The API Gateway stage name. @default name 'stage' */
  public static stage(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.STAGE, name ?? 'stage');
  }
  /**
   * A request header, e.g. `EnvelopeField.header('X-Tenant-Id', 'tenant')`.
   * @param headerName the HTTP header to copy (letters, digits, '-')
   * @param name the JSON field name
   */
  public static header(headerName: string, name: string): EnvelopeField {
    checkHeaderName(headerName);
    return new EnvelopeField(EnvelopeFieldSource.HEADER, name, headerName);
  }
  /**
   * A query string parameter, e.g. `EnvelopeField.queryParameter('source', 'source')`.
   * @param parameterName the query string parameter to copy
   * @param name the JSON field name
   */
  public static queryParameter(parameterName: string, name: string): EnvelopeField {
    checkQueryParameterName(parameterName);
    return new EnvelopeField(EnvelopeFieldSource.QUERY_PARAMETER, name, parameterName);
  }
  /**
   * A constant string, e.g. `EnvelopeField.constant('source', 'web')`.
   * @param name the JSON field name
   * @param value any string; it is JSON-escaped at synth time
   */
  public static constant(name: string, value: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.CONSTANT, name, value);
  }
  /** The event's 0-based index within a batch request; not written for single-event requests. @default name 'index' */
  public static batchIndex(name?: string): EnvelopeField {
    return new EnvelopeField(EnvelopeFieldSource.BATCH_INDEX, name ?? 'index');
  }

  /**
   * The event's own id, copied from a top-level string property of the event, e.g. the UUID that
   * cdk-api-to-firehose-client adds to every event as `eventId`. With it, a retried request (a timeout makes
   * at-least-once delivery unavoidable) leaves duplicates that a query removes: `SELECT DISTINCT` by the id.
   *
   * The value is written as a JSON string only when the property is a string of 1-128 characters from
   * `[A-Za-z0-9._:-]` (a UUID, a ULID, `tenant:123`); anything else (missing, a number, an object, too long,
   * other characters) is written as `null`. The event is stored either way, its body untouched. A `text/plain`
   * body stored as a string (`TextPlainMode.AS_STRING`) has no properties: its id is always `null`.
   * @param name the JSON field name (default 'eventId')
   * @param eventProperty the top-level event property to read, an identifier (default 'eventId')
   * @default name 'eventId', eventProperty 'eventId'
   */
  public static eventId(name?: string, eventProperty?: string): EnvelopeField {
    const property = eventProperty ?? 'eventId';
    checkEventPropertyName(property);
    return new EnvelopeField(EnvelopeFieldSource.EVENT_ID, name ?? 'eventId', property);
  }

  /**
   * @param source where the value comes from
   * @param name the JSON field name
   * @param argument the header, parameter or event property name, or the constant value
   */
  private constructor(
    public readonly source: EnvelopeFieldSource,
    public readonly name: string,
    public readonly argument?: string,
  ) {
    checkFieldName(name);
  }
}
