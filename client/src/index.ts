export { EventClient } from './client';
export type { DropReason, DroppedEvent, EventClientOptions, FlushResult } from './options';
export type { Clock } from './clock';
export { HttpError, NetworkError, TimeoutError } from './errors';
export { parseRetryAfter, retryDelay } from './retry-timing';
