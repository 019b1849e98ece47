import {
  BATCH_RECORDS_PROPERTY, DEFAULT_MAX_EVENTS, PACKED_MAX_EVENTS, PUT_RECORD_BATCH_MAX_RECORDS,
} from './limits';
import { checkIntegerRange } from './validation';


/**
 * How a batch request is written to Firehose.
 */
export class BatchMode {
  /**
   * One Firehose record per event, written with one `PutRecordBatch` call
   * (at most 500 events and 4 MiB per request). Billing rounds each record up
   * to 5 KB. Partial failures are answered 500 with the failed indices.
   */
  public static readonly RECORD_PER_EVENT = new BatchMode('RECORD_PER_EVENT', 'PutRecordBatch', PUT_RECORD_BATCH_MAX_RECORDS);

  /**
   * All events of a request packed, one JSON line each, into a single Firehose
   * record written with `PutRecord` (at most 1,000 KiB per request, answered
   * 413 beyond). The cheapest mode: one 5 KB billing unit can hold dozens of
   * small events. The request is stored whole or not at all.
   */
  public static readonly PACKED = new BatchMode('PACKED', 'PutRecord', PACKED_MAX_EVENTS);

  private constructor(
    /** The mode's name. */
    public readonly name: string,
    /** The Firehose action the method calls. */
    public readonly firehoseAction: string,
    /** The largest `maxEvents` this mode allows. */
    public readonly maxEventsLimit: number,
  ) {}
}

/**
 * Batch ingestion options.
 */
export interface BatchOptions {
  /**
   * Whether the batch method is created.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Path of the batch method, relative to the single-event resource.
   * @default 'batch'
   */
  readonly path?: string;
  /**
   * How events are written to Firehose.
   * @default BatchMode.PACKED
   */
  readonly mode?: BatchMode;
  /**
   * The most events one request may hold; more are answered 400 by the request validator.
   * @default 500
   * @see https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html
   */
  readonly maxEvents?: number;
}

/** Checks batch options at synth time and fills in defaults. */
export function resolveBatchOptions(opts: BatchOptions | undefined): Required<BatchOptions> {
  const mode = opts?.mode ?? BatchMode.PACKED;
  const maxEvents = opts?.maxEvents ?? DEFAULT_MAX_EVENTS;
  checkIntegerRange(`batch.maxEvents (${mode.name})`, maxEvents, 1, mode.maxEventsLimit);
  return {
    enabled: opts?.enabled ?? true,
    path: opts?.path ?? 'batch',
    mode,
    maxEvents,
  };
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
