/**
 * The endpoint's request contract, as the construct defines it in src/limits.ts at the repository root. The client
 * is a package of its own with no dependencies, so it keeps a copy, under the same names;
 * test/contract.test.ts fails when any value here differs from the construct's.
 */

/** Event ids the construct's `EnvelopeField.eventId()` copies into the record: 1-128 characters, inert in JSON and VTL. */
export const EVENT_ID_PATTERN = '[A-Za-z0-9._:-]{1,128}';

/** The JSON property of a batch request that holds the events. */
export const BATCH_RECORDS_PROPERTY = 'records';

/** The most events a batch request holds by default (the construct's `batch.maxEvents`): the client's `maxEvents`. */
export const DEFAULT_MAX_EVENTS = 500;

/** The largest body (characters) the packed template forwards, one Firehose record: the client's `maxBytes`. */
export const MAX_RECORD_BODY_CHARS = 1_000_000;
