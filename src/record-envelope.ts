import { EnvelopeField } from './envelope-field';
import { checkFieldName, checkUniqueFieldNames } from './private/validation';

/** Options for `RecordEnvelope.withFields`. */
export interface EnvelopeOptions {
  /**
   * The JSON field that holds the request body.
   * @default 'body'
   */
  readonly bodyField?: string;
}

/**
 * The shape of each record written to Firehose.
 *
 * Every record is one line of JSON followed by exactly one newline, so each
 * S3 object, decompressed, is valid JSON Lines.
 */
export class RecordEnvelope {
  /** The default envelope: `{"apiKeyId", "requestId", "receivedAt", "eventId", "index" (batch only), "body"}`. */
  public static readonly DEFAULT = RecordEnvelope.withFields([
    EnvelopeField.apiKeyId(),
    EnvelopeField.requestId(),
    EnvelopeField.receivedAt(),
    EnvelopeField.eventId(),
    EnvelopeField.batchIndex(),
  ]);

  /** No envelope: each record is the event body alone (re-serialised JSON), plus the newline. */
  public static readonly RAW = new RecordEnvelope([], 'body', true);

  /** An envelope with the given fields, in this order, followed by the body field. */
  public static withFields(fields: EnvelopeField[], options?: EnvelopeOptions): RecordEnvelope {
    const bodyField = options?.bodyField ?? 'body';
    checkFieldName(bodyField);
    checkUniqueFieldNames(fields.map((f) => f.name), bodyField);
    return new RecordEnvelope([...fields], bodyField, false);
  }

  private constructor(
    /** The envelope fields, in order. */
    public readonly fields: EnvelopeField[],
    /** The JSON field holding the body (unused when raw). */
    public readonly bodyField: string,
    /** Whether records are the bare body with no envelope. */
    public readonly raw: boolean,
  ) {}
}
