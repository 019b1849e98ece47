export * from './api-to-firehose';
export { EnvelopeField, EnvelopeFieldSource, EnvelopeOptions, RecordEnvelope } from './envelope';
export { BatchMode, BatchOptions } from './batch';
