import { IntegrationResponseSpec } from '../responses';
import { BodyFormat, RejectReason } from '../vtl';

/**
 * The two calls a route makes: one record (a single event, a packed batch) or one record per event. Routes name
 * the call by Firehose's action; each target names its own (Kinesis: PutRecord, PutRecords).
 */
export type RecordCall = 'PutRecord' | 'PutRecordBatch';

/**
 * Where in a request template the partition key is set: before a single event's record, before a packed batch's
 * one record, before a record-per-event batch's loop (a key shared by every record), or inside it (a key per event).
 */
export type KeyPlace = 'single' | 'packed' | 'batchHead' | 'batchEvent';

/**
 * What the API writes to: the service and its JSON protocol, the request bodies the templates render, the
 * role's actions, what the methods answer, and the limits. Firehose Direct PUT and a Kinesis data stream each
 * implement it (firehose.ts, kinesis.ts); templates, methods and responses ask the target and name no service.
 */
export interface WriteTarget {
  /** The integration's AWS service ('firehose', 'kinesis'). */
  readonly service: string;
  /** The service's JSON protocol prefix of `X-Amz-Target` (e.g. 'Firehose_20150804'). */
  readonly jsonTargetPrefix: string;
  /** The end of a many-records request. */
  readonly putRecordsClose: string;
  /** What proves a one-record write: the answer's id member, and the error code and service named when it is missing. */
  readonly confirmation: WriteConfirmation;
  /** The service's action for a call. */
  action(call: RecordCall): string;
  /** VTL that sets `$pk` where the target needs a partition key ('' when it needs none); `format` is how the body is read. */
  partitionKey(place: KeyPlace, format: BodyFormat): string;
  /** The request writing the text in the VTL reference `data` as one record. */
  putRecord(streamName: string, data: string): string;
  /** The request writing one record whose data, already base64, is the VTL reference `base64` (a size-checked record). */
  putEncodedRecord(streamName: string, base64: string): string;
  /** The request writing many records: its opening and one entry (data in the VTL reference `data`). */
  putRecordsOpen(streamName: string): string;
  putRecordsEntry(data: string): string;
  /** The request a template renders when it refuses the call: a write to a stream that does not exist. */
  reject(reason: RejectReason): string;
  /**
   * The integration responses of a call. `extraRefusals` are a route's own refusal branches (`refusalBranch`),
   * placed before the generic ones in the 4xx templates (an input's EventTooLarge, TooManyEvents, ...).
   */
  responses(call: RecordCall, extraRefusals?: string[]): IntegrationResponseSpec[];
}

/** What in a PutRecord answer proves the write (Firehose: RecordId; Kinesis: SequenceNumber). */
export interface WriteConfirmation {
  /** The JSONPath of the record's id in the answer. */
  readonly idPath: string;
  /** The error code when the answer has no id. */
  readonly unexpectedCode: string;
  /** The service's name in messages. */
  readonly service: string;
}
