import { aws_apigateway as apigw } from 'aws-cdk-lib';
import { ApiLocation, folderPath, folderUrl, originOf, pathOf, urlOf, v1BaseUrl } from './private/endpoints';
import { InputSettings, InputTable, inputColumnTable } from './private/input-settings';
import { OTLP_LOGS, OTLP_METRICS, OTLP_TRACES, otlpRoutes } from './private/inputs/otlp';
import { otlpTable } from './private/inputs/otlp-table';
import { SEGMENT_DEFAULT_THROTTLE, SEGMENT_MEMBERS, segmentRoutes, segmentSourcesTable, segmentTable } from './private/inputs/segment';
import { shipperRoutes } from './private/inputs/shippers';
import { snowplowRoutes } from './private/inputs/snowplow';
import { SOURCE_MEMBER, checkSegmentSources } from './private/inputs/write-keys';
import { Route } from './private/request-shapes';
import { checkIntegerRange, normalizeResourcePath } from './private/validation';
import { SenderEndpoints } from './sender-endpoints';

/** What an input tells its senders: its part of `ApiToFirehose.endpoints`, from where the API is reached. */
type EndpointsOf = (at: ApiLocation, resourceParts: string[]) => SenderEndpoints;

/**
 * A Segment source that may send: its name, written to each of its lines, and its write key (two while rotating).
 */
export interface SegmentSource {
  /** The source's name, written to the `segmentSource` member of each line it sends (never the write key). */
  readonly name: string;
  /**
   * The source's write keys: one, or two while rotating (add the new key, move the SDKs to it, remove the old one).
   * A literal, or a token resolved at deploy time, such as an SSM parameter
   * (`ssm.StringParameter.valueForStringParameter`) or a secret (`SecretValue.secretsManager(...).unsafeUnwrap()`); either
   * way the value ends up in the API's method configuration (docs/senders/segment.md says where it is visible).
   */
  readonly writeKeys: string[];
}

/** Options of the Segment input. */
export interface SegmentInputOptions {
  /**
   * The path of Segment's routes below the construct's `resourcePath`. Segment SDKs post to `<host>/v1/...`.
   * @default 'v1'
   */
  readonly path?: string;

  /**
   * The Segment sources that may send, each with its write key(s). When given, the Segment routes need no
   * `x-api-key`: a request is accepted when the write key every Segment SDK sends (`Authorization: Basic
   * base64(writeKey:)`, or `writeKey` in the body) is a declared source's; each line records the source's name in
   * `segmentSource` (column `segmentsource`). No key, an unknown key, or two different keys: 401 with a JSON
   * reason, nothing stored; a declared key's value elsewhere in the events: 400, nothing stored. The construct's
   * other routes keep its `apiKeyRequired`. See docs/senders/segment.md for where keys are visible and rotation.
   * @default - none: the Segment routes require `x-api-key` like the construct's other routes (usage plans per key)
   */
  readonly sources?: SegmentSource[];

  /**
   * The method throttle of each Segment route when `sources` are declared (usage plans need API keys, so this and
   * the stage throttle are what bound a source; add `webAclArn` for rate rules per IP).
   * @default - 100 requests per second, burst 200, per route
   */
  readonly throttle?: apigw.ThrottleSettings;
}

/** Options of the OpenTelemetry logs input. */
export interface OtlpLogsInputOptions {
  /**
   * The path below the construct's `resourcePath` under which `logs` is served. OTLP exporters post to
   * `<endpoint>/v1/logs`.
   * @default 'v1'
   */
  readonly path?: string;
}

/** The OpenTelemetry signals, each served at `<base>/<signal>` (OTLP/HTTP's `/v1/traces`, `/v1/metrics`, `/v1/logs`). */
export enum OtlpSignal {
  /** Spans, `POST <base>/traces`: one line per span. */
  TRACES = 'traces',
  /** Metrics, `POST <base>/metrics`: one line per data point, with its metric's name, type and unit. */
  METRICS = 'metrics',
  /** Log records, `POST <base>/logs`: one line per log record. */
  LOGS = 'logs',
}

/** Options of the OpenTelemetry input. */
export interface OtlpInputOptions {
  /**
   * The path below the construct's `resourcePath` under which each signal is served. An SDK set up with
   * `OTEL_EXPORTER_OTLP_ENDPOINT=<stage URL>` posts to `<endpoint>/v1/traces`, `/v1/metrics` and `/v1/logs`.
   * @default 'v1'
   */
  readonly path?: string;
  /**
   * The signals served. An SDK set up with the base endpoint sends every signal it has a provider for, and logs an
   * export error for each one refused, so serve every signal your senders emit.
   * @default - all three: OtlpSignal.TRACES, OtlpSignal.METRICS, OtlpSignal.LOGS
   */
  readonly signals?: OtlpSignal[];
}

/** Options of the Snowplow input. */
export interface SnowplowInputOptions {
  /**
   * The path below the construct's `resourcePath` under which the tracker protocol's
   * `com.snowplowanalytics.snowplow/tp2` is served. Trackers post to `<endpoint>/com.snowplowanalytics.snowplow/tp2`,
   * so the default serves a tracker whose endpoint is the stage URL (with the construct's `resourcePath`, if any).
   * @default '' (directly below the construct's `resourcePath`)
   */
  readonly path?: string;
}

/** Options of the log shippers input. */
export interface LogShippersInputOptions {
  /**
   * The path of the route below the construct's `resourcePath`: the URI the shippers' HTTP outputs post to.
   * @default 'logs'
   */
  readonly path?: string;
}

/**
 * A wire format the API accepts besides its own `POST /` and `POST /batch`: the routes a sender already posts to,
 * how one request becomes events (one JSON line each, with the construct's envelope), and what it answers.
 * Add inputs with the `inputs` prop, e.g. `inputs: [Input.segment()]`. With `target: IngestTarget.kinesisStream()`
 * every input writes the same lines to the stream: a request is one Kinesis record (PutRecord), keyed by the
 * target's partition key (a per-event key uses the request id, since the record holds all the request's events).
 */
export class Input {
  /**
   * Segment's Tracking API, as Segment's SDKs (and RudderStack's and Jitsu's) send it: `POST /v1/batch` and the
   * browser SDK's `/v1/b`, and the single-event routes `/v1/track|identify|page|screen|group|alias` and
   * `/v1/t|i|p|s|g|a`. JSON and text/plain bodies (the browser SDK's) are both read as JSON. A request is one
   * Firehose record, stored whole or not at all; each event becomes one line whose event id is its `messageId`
   * and whose `input` member is "segment", with the batch's `sentAt` and `context` beside it. No `writeKey` is
   * stored. An event over 32 KB (Segment's limit) refuses the request with 400, a batch over 500 KB with 413.
   * With `sources`, the routes take the write key every Segment SDK sends instead of `x-api-key` (so an SDK needs
   * only its host and write key), and each line names its source in `segmentSource`.
   * @see https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/
   */
  public static segment(options: SegmentInputOptions = {}): Input {
    const pathParts = normalizeResourcePath('segment path', options.path ?? 'v1');
    const sources = options.sources;
    if (sources) checkSegmentSources(sources);
    checkIntegerRange('segment throttle.rateLimit', options.throttle?.rateLimit, 0, 1_000_000);
    checkIntegerRange('segment throttle.burstLimit', options.throttle?.burstLimit, 0, 1_000_000);
    const writeKeys = sources ? { sources, throttle: options.throttle ?? SEGMENT_DEFAULT_THROTTLE } : undefined;
    return new Input('segment', (s) => segmentRoutes(s, pathParts, writeKeys),
      sources ? [...SEGMENT_MEMBERS, SOURCE_MEMBER] : SEGMENT_MEMBERS, sources ? segmentSourcesTable : segmentTable, (at, resourceParts) => {
        const folder = [...resourceParts, ...pathParts];
        return {
          segment: {
            host: originOf(at),
            path: pathOf(at, [...folder, 'batch']),
            apiHost: `${at.host}${folderPath(at, folder)}`,
            baseUrl: v1BaseUrl(at, folder),
            batchUrl: urlOf(at, [...folder, 'batch']),
          },
        };
      });
  }

  /**
   * OpenTelemetry logs over OTLP/HTTP with JSON encoding (`POST /v1/logs`), as the OTLP exporters send them
   * (`@opentelemetry/exporter-logs-otlp-http`, Python's `opentelemetry-exporter-otlp-json-http`, the Collector's
   * `otlphttp` exporter with `encoding: json`). A request is one Firehose record, stored whole or not at all; each
   * log record becomes one line whose `input` member is "otlp", with its `resource` and `scope` beside it and the
   * log record, in OTLP's JSON mapping, as the body. Answers 200 `{}`; 503 (with Retry-After) when Firehose
   * throttles. A request whose template loops would exceed 1,000 iterations, 2 x (resources + scopes) + records
   * (996 records under one resource and scope), or whose lines exceed one
   * Firehose record (1,000 KiB), is refused with 413, which the exporters drop: keep the exporter's batch at
   * most 512 records (its default). Protobuf bodies are refused with 415. Each line also has `"signal":"logs"`.
   * The same as `Input.otlp({ path, signals: [OtlpSignal.LOGS] })`; an SDK set up with the base endpoint also
   * sends traces and metrics, which need `Input.otlp()`.
   * @see https://opentelemetry.io/docs/specs/otlp/#otlphttp
   */
  public static otlpLogs(options: OtlpLogsInputOptions = {}): Input {
    return Input.otlp({ path: options.path, signals: [OtlpSignal.LOGS] });
  }

  /**
   * OpenTelemetry traces, metrics and logs over OTLP/HTTP with JSON encoding, under one base URL: `POST /v1/traces`,
   * `/v1/metrics` and `/v1/logs`, as the OTLP exporters send them when only `OTEL_EXPORTER_OTLP_ENDPOINT` is set
   * (`@opentelemetry/exporter-{trace,metrics,logs}-otlp-http`, Python's `opentelemetry-exporter-otlp-json-http`, the
   * Collector's `otlphttp` exporter with `encoding: json`, which is the path for protobuf and gRPC senders:
   * docs/senders/otel.md). A request is one Firehose record, stored whole or not at all. Each span, each metric data
   * point and each log record becomes one line whose `input` member is "otlp" and whose `signal` member is "traces",
   * "metrics" or "logs", with its `resource` and `scope` beside it and the item, in OTLP's JSON mapping, as the
   * body; a data point's line also has a `metric` member (name, description, unit, metadata, type, aggregation
   * temporality, monotonicity). Gauges, sums, histograms, exponential histograms and summaries are all stored.
   * Answers 200 `{}`, and 503 (with Retry-After) when Firehose throttles, which the exporters retry. A request whose
   * template loops would exceed 1,000 iterations (2 x (resources + scopes) + spans or log records; 2 x (resources +
   * scopes + metrics) + data points), or whose lines exceed one Firehose record (1,000 KiB), is refused with 413,
   * which the exporters drop: keep the span and log batches at most 512 (the SDKs' default). Protobuf bodies are
   * refused with 415.
   * @see https://opentelemetry.io/docs/specs/otlp/#otlphttp
   */
  public static otlp(options: OtlpInputOptions = {}): Input {
    const pathParts = normalizeResourcePath('otlp path', options.path ?? 'v1');
    const signals = options.signals ?? [OtlpSignal.TRACES, OtlpSignal.METRICS, OtlpSignal.LOGS];
    if (signals.length === 0 || new Set(signals).size !== signals.length) {
      throw new Error(`otlp signals must name each signal at most once and at least one, got [${signals.join(', ')}].`);
    }
    const shapes = signals.map((sg) => ({ traces: OTLP_TRACES, metrics: OTLP_METRICS, logs: OTLP_LOGS })[sg]);
    const metrics = signals.includes(OtlpSignal.METRICS);
    return new Input('otlp', (s) => otlpRoutes(s, pathParts, shapes), ['input', 'signal', 'resource', 'scope', ...(metrics ? ['metric'] : [])],
      otlpTable(signals),
      (at, resourceParts) => ({
        otlp: {
          endpoint: v1BaseUrl(at, [...resourceParts, ...pathParts]),
          ...Object.fromEntries(signals.map((sg) => [`${sg}Url`, urlOf(at, [...resourceParts, ...pathParts, sg])])),
        },
      }), false, signals.map((sg) => `otlp_${sg}`));
  }

  /**
   * Snowplow's tracker protocol, as its trackers send it (`@snowplow/node-tracker`, `@snowplow/browser-tracker`,
   * `snowplow-tracker` for Python): `POST <endpoint>/com.snowplowanalytics.snowplow/tp2` with a `payload_data`
   * body. A request is one Firehose record, stored whole or not at all; each event of `data` becomes one line whose
   * event id is its `eid` and whose `input` member is "snowplow", the event as sent as the body (`ue_px`/`cx` stay
   * base64url: decode them when querying). The browser tracker fetches with credentials, so this route's CORS
   * answers allow credentials, and `cors.allowOrigin` must be one origin, not '*'. A request this input cannot
   * take (over 1,000 events, or over one Firehose record of 1,000 KiB) is answered 400, which the trackers drop:
   * they retry a 413 without end.
   * @see https://docs.snowplow.io/docs/sources/trackers/snowplow-tracker-protocol/
   */
  public static snowplow(options: SnowplowInputOptions = {}): Input {
    const pathParts = normalizeResourcePath('snowplow path', options.path ?? '');
    return new Input('snowplow', (s) => snowplowRoutes(s, pathParts), ['input'], inputColumnTable([]),
      (at, resourceParts) => ({ snowplowCollectorUrl: folderUrl(at, [...resourceParts, ...pathParts]) }), true);
  }

  /**
   * Log shippers' HTTP outputs, on one route (`POST /logs` by default): a top-level JSON array of objects
   * (`application/json`: Fluent Bit `format json`, Vector's `json` codec, Logstash `format => "json_batch"`), each
   * object one line with the object as the body; and NDJSON (`application/x-ndjson`: Fluent Bit `json_lines`,
   * Vector `framing.method = "newline_delimited"`), each non-blank line one line with the line's text as a JSON
   * string body (a mapping template cannot parse it; query with `json_parse`). Each line's `input` member is
   * "shipper"; the event id is null. A request is one Firehose record, stored whole or not at all: more than 1,000
   * objects or lines, or more than 1,000 KiB of lines, is refused with 413, which the shippers drop, so configure
   * their batches below that (docs/senders/shippers.md). gzip and deflate bodies are decompressed by API Gateway;
   * zstd and snappy are refused (415).
   */
  public static logShippers(options: LogShippersInputOptions = {}): Input {
    const pathParts = normalizeResourcePath('logShippers path', options.path ?? 'logs');
    return new Input('shipper', (s) => shipperRoutes(s, pathParts), ['input'], inputColumnTable([]),
      (at, resourceParts) => ({ logShippersUrl: urlOf(at, [...resourceParts, ...pathParts]) }));
  }

  private constructor(
    /** The input's name, also written to the `input` member of each record it writes. */
    public readonly name: string,
    private readonly routesOf: (s: InputSettings) => Route[],
    /** The members its lines have besides the envelope's fields and the body. */
    private readonly members: string[],
    /** What it adds to the events table. */
    private readonly table: InputTable,
    /** What its senders are configured with. */
    private readonly endpointsOf: EndpointsOf,
    /** @internal Whether the input's browser senders fetch with credentials (CORS must allow them). */
    public readonly _corsCredentials: boolean = false,
    /** The kinds of event its lines are, each of which may have a curated table (by default, one: the input's name). */
    private readonly curatedKinds: string[] = [name],
  ) {}

  /** @internal The kinds of event its lines are, for the curated tables (`segment`; `otlp_traces`, `otlp_logs`, ...). */
  public _curatedKinds(): string[] {
    return [...this.curatedKinds];
  }

  /** @internal The input's routes, for the methods builder. */
  public _routes(s: InputSettings): Route[] {
    return this.routesOf(s);
  }

  /** @internal The members its lines have besides the envelope's fields and the body. */
  public _members(): string[] {
    return [...this.members];
  }

  /** @internal What its senders are configured with, given where the API is reached and the construct's resource path. */
  public _endpoints(at: ApiLocation, resourceParts: string[]): SenderEndpoints {
    return this.endpointsOf(at, resourceParts);
  }

  /** @internal What it adds to the events table: columns and named queries. */
  public _table(): InputTable {
    return this.table;
  }
}
