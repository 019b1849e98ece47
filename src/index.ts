export * from './api-to-firehose';
export * from './envelope';
export * from './batch';
export * from './alarms';
