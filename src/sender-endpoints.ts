/**
 * What each sender is configured with: the URLs and hosts of the routes this construct serves, on the custom domain
 * when there is one (else on the stage's execute-api URL). Read them from `ApiToFirehose.endpoints`.
 */
export interface SenderEndpoints {
  /** The single-event route (`POST`, one JSON event): the same as `ApiToFirehose.url`. */
  readonly url?: string;
  /** The batch route (`POST {"records": [...]}`): the client package's `url` posts here. Undefined without batching. */
  readonly batchUrl?: string;
  /** What Segment's SDKs are configured with (with `Input.segment()`). */
  readonly segment?: SegmentEndpoints;
  /** What OpenTelemetry exporters are configured with (with an OTLP input). */
  readonly otlp?: OtlpEndpoints;
  /**
   * The Snowplow trackers' collector endpoint (with `Input.snowplow()`): the URL to which they append
   * `/com.snowplowanalytics.snowplow/tp2`.
   */
  readonly snowplowCollectorUrl?: string;
  /** The URL the log shippers' HTTP outputs post to (with `Input.logShippers()`). */
  readonly logShippersUrl?: string;
}

/** Segment's settings, as each SDK takes them. */
export interface SegmentEndpoints {
  /**
   * `@segment/analytics-node`'s `host`: the origin, scheme included. analytics-node builds `new URL(path, host)`, so a
   * path in `host` is dropped: the stage and the routes' folder belong in `path`.
   */
  readonly host: string;
  /** `@segment/analytics-node`'s `path`: the batch route on `host`, e.g. `/prod/v1/batch`. */
  readonly path: string;
  /**
   * `@segment/analytics-next`'s `integrations['Segment.io'].apiHost`: host and path without a scheme, ending with the
   * routes' folder, e.g. `abc123.execute-api.us-east-1.amazonaws.com/prod/v1` (the SDK appends `/t`, `/b`...).
   */
  readonly apiHost: string;
  /**
   * The URL below which Segment's `/v1/...` routes are served: `segment-analytics-python`'s `host` (it appends
   * `/v1/batch`) and the endpoint of the other server SDKs. Undefined when the input's `path` does not end with `v1`.
   */
  readonly baseUrl?: string;
  /** The batch route's whole URL (`.../v1/batch`), for HTTP clients. */
  readonly batchUrl: string;
}

/** OpenTelemetry's settings. */
export interface OtlpEndpoints {
  /**
   * `OTEL_EXPORTER_OTLP_ENDPOINT`: the base URL to which OTLP/HTTP exporters append `/v1/logs` (and the other
   * signals' paths). Undefined when the input's `path` does not end with `v1`: then set each signal's URL.
   */
  readonly endpoint?: string;
  /** `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: the traces route's whole URL (used as is), when traces are served. */
  readonly tracesUrl?: string;
  /** `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`: the metrics route's whole URL (used as is), when metrics are served. */
  readonly metricsUrl?: string;
  /** `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`: the logs route's whole URL (used as is), when logs are served. */
  readonly logsUrl?: string;
}
