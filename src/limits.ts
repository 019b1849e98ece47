/**
 * The service limits and the request contract that the templates enforce, in one place. The client package
 * (client/) takes its defaults from these numbers; client/test/contract.test.ts fails when the two differ.
 * Not exported from index.ts: jsii publishes types, not constants.
 */

/** Firehose PutRecordBatch: at most 500 records per call. */
export const PUT_RECORD_BATCH_MAX_RECORDS = 500;
/** Firehose PutRecordBatch: at most 4 MiB per call. */
export const PUT_RECORD_BATCH_MAX_BYTES = 4 * 1024 * 1024;
/** Firehose: at most 1,000 KiB per record (before base64). */
export const RECORD_MAX_BYTES = 1000 * 1024;
/** API Gateway ends a mapping template's #foreach after 1,000 iterations, so a batch request holds at most 1,000 events. */
export const PACKED_MAX_EVENTS = 1000;
/** The largest single-event or packed body (characters) a template forwards: Firehose takes 1,000 KiB per record. */
export const MAX_RECORD_BODY_CHARS = 1_000_000;
/** The largest record-per-event batch body (characters) a template forwards: PutRecordBatch takes 4 MiB per call. */
export const MAX_BATCH_BODY_CHARS = 4_000_000;
/** The JSON property of a batch request that holds the events. */
export const BATCH_RECORDS_PROPERTY = 'records';
/** The most events a batch request holds by default (`batch.maxEvents`). */
export const DEFAULT_MAX_EVENTS = 500;
/** Event ids the templates copy: 1-128 characters that are inert in JSON and VTL, so they need no escaping. */
export const EVENT_ID_PATTERN = '[A-Za-z0-9._:-]{1,128}';
