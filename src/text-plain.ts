/**
 * How `text/plain` requests are handled.
 */
export enum TextPlainMode {
  /** Not accepted: 415, nothing is written. */
  REJECT = 'REJECT',
  /** The body is stored as a JSON string, escaped, whatever it contains. */
  AS_STRING = 'AS_STRING',
  /** The body must be JSON (validated against the event schema, 400 otherwise) and is stored as JSON. */
  AS_JSON = 'AS_JSON',
}
