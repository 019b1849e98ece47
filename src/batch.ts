import { PACKED_MAX_EVENTS, PUT_RECORD_BATCH_MAX_RECORDS } from './limits';
import { IntegrationResponseSpec } from './private/responses';
import { FIREHOSE_TARGET } from './private/targets/firehose';
import { RecordCall, WriteTarget } from './private/targets/target';
import { BatchTemplateOptions, packedBatchTemplate, putRecordBatchTemplate } from './private/templates';


/**
 * How a batch request is written to Firehose.
 */
export class BatchMode {
  /**
   * One Firehose record per event, written with one `PutRecordBatch` call
   * (at most 500 events and 4 MiB per request). Billing rounds each record up
   * to 5 KB. Partial failures are answered 500 with the failed indices.
   */
  public static readonly RECORD_PER_EVENT = new BatchMode('RECORD_PER_EVENT', 'PutRecordBatch', PUT_RECORD_BATCH_MAX_RECORDS,
    putRecordBatchTemplate);

  /**
   * All events of a request packed, one JSON line each, into a single Firehose
   * record written with `PutRecord` (at most 1,000 KiB per request, answered
   * 413 beyond). The cheapest mode: one 5 KB billing unit can hold dozens of
   * small events. The request is stored whole or not at all.
   */
  public static readonly PACKED = new BatchMode('PACKED', 'PutRecord', PACKED_MAX_EVENTS, packedBatchTemplate);

  private constructor(
    /** The mode's name. */
    public readonly name: string,
    /**
     * The Firehose action the method calls. With a Kinesis data stream (`IngestTarget.kinesisStream`), PutRecord
     * stays PutRecord and PutRecordBatch becomes PutRecords.
     */
    public readonly firehoseAction: string,
    /** The largest `maxEvents` this mode allows. */
    public readonly maxEventsLimit: number,
    private readonly template: (opts: BatchTemplateOptions) => string,
  ) {}

  /** @internal The request template of a batch request in this mode. */
  public _requestTemplate(opts: BatchTemplateOptions): string {
    return this.template(opts);
  }

  /** @internal What the batch method answers in this mode, writing to `target`. */
  public _responses(target: WriteTarget = FIREHOSE_TARGET): IntegrationResponseSpec[] {
    return target.responses(this.firehoseAction as RecordCall);
  }
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
