export * from './api-to-firehose';
export { TextPlainMode } from './methods';
export type { CorsSettings } from './methods';
export type { TenantOptions } from './access';
export { EnvelopeField, EnvelopeFieldSource, RecordEnvelope } from './envelope';
export type { EnvelopeOptions } from './envelope';
export { BatchMode } from './batch';
export type { BatchOptions } from './batch';
export type { MonitoringOptions } from './alarms';
