/** The API answered with a status the client cannot treat as stored. */
export class HttpError extends Error {
  override name = 'HttpError';
  /** The API's `error` code (e.g. `PartialFailure`, `BAD_REQUEST_BODY`), when its body has one. */
  readonly code?: string;
  constructor(
    /** The HTTP status. */
    readonly status: number,
    /** The parsed JSON body, or the text when it is not JSON. */
    readonly body: unknown,
  ) {
    const answer = body as { error?: unknown; message?: unknown } | null;
    super(`HTTP ${status}${typeof answer?.message === 'string' ? `: ${answer.message}` : ''}`);
    if (typeof answer?.error === 'string') this.code = answer.error;
  }
}

/** The request took longer than `timeout` (it may still have been stored: the event id tells). */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(readonly timeout: number) {
    super(`Request timed out after ${timeout} ms`);
  }
}

/** The request failed before an answer arrived (connection refused or reset, DNS, CORS, offline). */
export class NetworkError extends Error {
  override name = 'NetworkError';
  constructor(override readonly cause: unknown) {
    super(`Network error: ${(cause as Error)?.message ?? cause}`);
  }
}
