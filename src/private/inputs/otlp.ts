import { aws_apigateway as apigw } from 'aws-cdk-lib';
import { RecordEnvelope } from '../../record-envelope';
import { InputSettings } from '../input-settings';
import { Route } from '../request-shapes';
import { refusalBranch } from '../responses';
import { FIREHOSE_TARGET } from '../targets/firehose';
import { WriteTarget } from '../targets/target';
import { vtlBody, vtlFields, vtlJsonValue, vtlRecord } from '../templates';
import { BodyFormat, PRELUDE, REJECT_MARKER, RejectReason } from '../vtl';
import { MAX_TEMPLATE_ITERATIONS, inputResponses, isAbsentAt, isArrayAt, isObjectAt, vtlItemFields, vtlPackedPutRecord } from './packing';

/**
 * OpenTelemetry traces, metrics and logs over OTLP/HTTP with JSON encoding, as the OTLP exporters send them
 * (docs/senders/otel.md): `POST /v1/traces`, `/v1/metrics` and `/v1/logs` under one base URL, each body an
 * `Export<Signal>ServiceRequest`: `{"resource<Signal>":[{"resource","scope<Signal>":[{"scope","<items>":[...]}]}]}`.
 *
 * A request is one Firehose record, stored whole or not at all. Each item becomes one JSON line: the construct's
 * envelope, `"input":"otlp"`, `"signal"` ("traces", "metrics" or "logs"), its resource and its scope (as sent)
 * beside it, and the item itself (as sent, in OTLP's JSON mapping) as the body. A span's line and a log record's
 * line hold the span or the log record. A metric's line is one data point: the body is the point, and a `metric`
 * member carries what the point needs to be read (name, description, unit, metadata, type, aggregation
 * temporality, monotonicity). One point per line makes every query a plain filter on rows (no UNNEST of a list of
 * points), and it costs the template's loop budget one extra pass over the metrics (2 x (resources + scopes +
 * metrics) + points), which an SDK's export of a few hundred points fits. The batch index is the item's position
 * in the request; OTLP has no event id, so the event id is null.
 */

/** The input's name, written to each line's `input` member. */
export const OTLP_INPUT = 'otlp';

/** Protobuf is refused (415): a mapping template cannot read it. */
const CONTENT_TYPES = ['application/json'];

/** The metric data kinds of OTLP's `Metric.data` oneof, in their JSON names; each holds `dataPoints`. */
export const METRIC_TYPES = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];

/** What differs between the OTLP signals. */
export interface OtlpSignalShape {
  /** The signal's name: its path below the base (`/v1/<name>`) and each line's `signal` member. */
  readonly name: 'traces' | 'metrics' | 'logs';
  /** The request's top-level list, e.g. `resourceSpans`. */
  readonly resources: string;
  /** The list of scopes in each resource, e.g. `scopeSpans`. */
  readonly scopes: string;
  /** The list of items in each scope, e.g. `spans`. */
  readonly items: string;
  /** The model's id. */
  readonly modelId: string;
  /** The error code of a request past the loop budget, and what to set smaller. */
  readonly tooMany: { readonly code: string; readonly what: string; readonly advice: string };
}

export const OTLP_LOGS: OtlpSignalShape = {
  name: 'logs',
  resources: 'resourceLogs',
  scopes: 'scopeLogs',
  items: 'logRecords',
  modelId: 'OtlpLogsModel',
  tooMany: { code: 'TooManyLogRecords', what: 'log records', advice: 'Set the exporter\'s batch smaller (maxExportBatchSize).' },
};
export const OTLP_TRACES: OtlpSignalShape = {
  name: 'traces',
  resources: 'resourceSpans',
  scopes: 'scopeSpans',
  items: 'spans',
  modelId: 'OtlpTracesModel',
  tooMany: { code: 'TooManySpans', what: 'spans', advice: 'Set the exporter\'s batch smaller (maxExportBatchSize).' },
};
export const OTLP_METRICS: OtlpSignalShape = {
  name: 'metrics',
  resources: 'resourceMetrics',
  scopes: 'scopeMetrics',
  items: 'metrics',
  modelId: 'OtlpMetricsModel',
  tooMany: {
    code: 'TooManyDataPoints',
    what: 'metrics + data points',
    advice: 'Send fewer points per export (the Collector\'s batch processor send_batch_max_size, or fewer attribute sets per metric).',
  },
};

/** The envelope of OTLP lines: the construct's fields, never the raw body alone (a line needs its resource). */
export function otlpEnvelope(envelope: RecordEnvelope): RecordEnvelope {
  return RecordEnvelope.withFields(envelope.fields, { bodyField: envelope.bodyField });
}

/** VTL: `$target` set to the JSON text at `path`, `null` when it is absent. */
function jsonOrNull(target: string, path: string): string {
  return [vtlJsonValue(target, path), `#if(${target} == '' || ${target} == '""')#set(${target} = 'null')#end`].join('\n');
}

/**
 * VTL, inside the metrics loop (`$mp` the metric's JSONPath text): sets `$mtype` to the metric's data kind (empty
 * when it has none), `$points_path` to its data points' JSONPath and `$n_points` to their number; a metric with two
 * kinds, a kind that is not an object, or data points that are not a list set `$bad`.
 */
function vtlMetricKind(): string {
  const lines = ['#set($mtype = "")', '#set($n_kinds = 0)', '#set($n_points = 0)', '#set($points_path = "")'];
  for (const t of METRIC_TYPES) {
    lines.push(`#if(!${isAbsentAt(`"\${mp}.${t}"`)})#set($n_kinds = $n_kinds + 1)#set($mtype = "${t}")#end`);
  }
  lines.push(
    '#if($n_kinds > 1)#set($bad = true)',
    '#elseif($n_kinds == 1)',
    '#set($points_path = "${mp}.${mtype}.dataPoints")',
    `#if(!${isObjectAt('"${mp}.${mtype}"')})#set($bad = true)`,
    `#elseif(${isArrayAt('$points_path')})#set($n_points = $input.path($points_path).size())`,
    `#elseif(!${isAbsentAt('$points_path')})#set($bad = true)#end`,
    '#end',
  );
  return lines.join('\n');
}

/** VTL, inside the metrics loop after vtlMetricKind: `$metric`, the JSON text of the metric's `metric` member. */
function vtlMetricMember(): string {
  const fields = ['name', 'description', 'unit', 'metadata'];
  return [
    ...fields.map((f) => jsonOrNull(`$m_${f}`, `"\${mp}.${f}"`)),
    jsonOrNull('$m_temporality', '"${mp}.${mtype}.aggregationTemporality"'),
    jsonOrNull('$m_monotonic', '"${mp}.${mtype}.isMonotonic"'),
    '#set($metric = "{${q}name${q}:${m_name},${q}description${q}:${m_description},${q}unit${q}:${m_unit},' +
      '${q}metadata${q}:${m_metadata},${q}type${q}:${q}${mtype}${q},${q}aggregationTemporality${q}:${m_temporality},' +
      '${q}isMonotonic${q}:${m_monotonic}}")',
  ].join('\n');
}

/**
 * The request template of one signal. A first pass over resources and scopes (and, for metrics, metrics; the
 * innermost list counted by its size) counts the iterations both passes need, and a request needing more than
 * 1,000 in total is refused (413), so API Gateway's loop quota can never cut a batch short. (JSONPath wildcards
 * would count without a loop, but LocalStack's JSONPath returns a lone match as the value itself, not a list.)
 * After the loops it compares the lines written with that count and refuses (413) if they differ, whichever way a
 * loop was cut. A list that is not a list, or an item that is not an object, refuses the request (400): API
 * Gateway's model refuses these first; the template does not rely on it.
 */
export function otlpTemplate(streamName: string, envelope: RecordEnvelope, sig: OtlpSignalShape, target: WriteTarget = FIREHOSE_TARGET): string {
  const metrics = sig.name === 'metrics';
  const RES = `$.${sig.resources}[$ri]`;
  const SC = `${RES}.${sig.scopes}[$si]`;
  const ITEMS = `${SC}.${sig.items}`;
  const members = [
    { name: 'input', ref: '$input_name' }, { name: 'signal', ref: '$signal_name' },
    { name: 'resource', ref: '$resource' }, { name: 'scope', ref: '$scope' },
    ...(metrics ? [{ name: 'metric', ref: '$metric' }] : []),
  ];
  /** VTL writing the line of the item at `itemPath` (a JSONPath string expression). */
  const writeLine = (itemPath: string) => [
    `#if(!${isObjectAt(itemPath)})#set($bad = true)#end`,
    vtlItemFields(envelope, '$n'),
    vtlBody(BodyFormat.JSON, itemPath),
    vtlRecord(envelope, 'batch', members),
    '#set($packed = "${packed}${rec}")',
    '#set($n = $n + 1)',
  ];
  // Counting the innermost lists: log records or spans by their list's size; metrics one by one, their points by size.
  const countItems = metrics
    ? [
      `#if(${isArrayAt(`"${ITEMS}"`)})`,
      `#set($ms = $input.path("${ITEMS}"))`,
      '#set($n_metrics_listed = $n_metrics_listed + $ms.size())',
      `#if($n_metrics_listed <= ${MAX_TEMPLATE_ITERATIONS})`,
      '#foreach($m in $ms)',
      '#set($n_metrics = $n_metrics + 1)',
      `#set($mp = "${ITEMS}[$foreach.index]")`,
      `#if(!${isObjectAt('$mp')})#set($bad = true)#else`,
      vtlMetricKind(),
      '#set($n_records = $n_records + $n_points)',
      '#end',
      '#end',
      '#end',
      `#elseif(!${isAbsentAt(`"${ITEMS}"`)})#set($bad = true)#end`,
    ]
    : [
      `#if(${isArrayAt(`"${ITEMS}"`)})#set($n_records = $n_records + $input.path("${ITEMS}").size())` +
        `#elseif(!${isAbsentAt(`"${ITEMS}"`)})#set($bad = true)#end`,
    ];
  const writeItems = metrics
    ? [
      '#set($ms = [])',
      `#if(${isArrayAt(`"${ITEMS}"`)})#set($ms = $input.path("${ITEMS}"))#end`,
      '#foreach($m in $ms)',
      `#set($mp = "${ITEMS}[$foreach.index]")`,
      `#if(!${isObjectAt('$mp')})#set($bad = true)#else`,
      vtlMetricKind(),
      '#if($n_points > 0)',
      vtlMetricMember(),
      '#foreach($event in $input.path($points_path))',
      '#set($pp = "${points_path}[$foreach.index]")',
      ...writeLine('$pp'),
      '#end',
      '#end',
      '#end',
      '#end',
    ]
    : [
      '#set($records = [])',
      `#if(${isArrayAt(`"${ITEMS}"`)})#set($records = $input.path("${ITEMS}"))` +
        `#elseif(!${isAbsentAt(`"${ITEMS}"`)})#set($bad = true)#end`,
      '#foreach($event in $records)',
      ...writeLine(`"${ITEMS}[$foreach.index]"`),
      '#end',
    ];
  // Both passes together: 2 x (resources + scopes [+ metrics]) + items.
  const budget = metrics ? '$resources.size() + $n_scopes_listed + $n_metrics_listed' : '$resources.size() + $n_scopes_listed';
  return [
    PRELUDE,
    `#set($input_name = '"${OTLP_INPUT}"')`,
    `#set($signal_name = '"${sig.name}"')`,
    '#set($resources = [])',
    '#set($bad = false)',
    '#set($n_items = 0)',
    '#set($n_records = 0)',
    `#if(!$raw.matches("[\\x00-\\x20]*") && ${isObjectAt("'$'")})`,
    `#if(${isArrayAt(`'$.${sig.resources}'`)})#set($resources = $input.path('$.${sig.resources}'))` +
      `#elseif(!${isAbsentAt(`'$.${sig.resources}'`)})#set($bad = true)#end`,
    '#end',
    // Counting pass. Its visits are compared with the lists' sizes, so a cut in this pass is seen too.
    '#set($n_res = 0)',
    '#set($n_scopes = 0)',
    '#set($n_scopes_listed = 0)',
    '#set($n_metrics = 0)',
    '#set($n_metrics_listed = 0)',
    `#if($resources.size() <= ${MAX_TEMPLATE_ITERATIONS})`,
    '#foreach($res in $resources)',
    '#set($n_res = $n_res + 1)',
    '#set($ri = $foreach.index)',
    `#if(!${isObjectAt(`"${RES}"`)})#set($bad = true)`,
    `#elseif(!${isArrayAt(`"${RES}.${sig.scopes}"`)})` +
      `#if(!${isAbsentAt(`"${RES}.${sig.scopes}"`)})#set($bad = true)#end`,
    '#else',
    `#set($scopes = $input.path("${RES}.${sig.scopes}"))`,
    '#set($n_scopes_listed = $n_scopes_listed + $scopes.size())',
    `#if($n_scopes_listed <= ${MAX_TEMPLATE_ITERATIONS})`,
    '#foreach($sc in $scopes)',
    '#set($n_scopes = $n_scopes + 1)',
    '#set($si = $foreach.index)',
    `#if(!${isObjectAt(`"${SC}"`)})#set($bad = true)#else`,
    ...countItems,
    '#end',
    '#end',
    '#end',
    '#end',
    '#end',
    '#end',
    `#set($n_items = ${budget})`,
    '#set($n_items = $n_items + $n_items + $n_records)',
    '#if($n_res != $resources.size() || $n_scopes != $n_scopes_listed || $n_metrics != $n_metrics_listed)',
    `#set($n_items = ${MAX_TEMPLATE_ITERATIONS + 1})`,
    '#end',
    '#if($bad)',
    target.reject(RejectReason.MALFORMED),
    `#elseif($n_items > ${MAX_TEMPLATE_ITERATIONS})`,
    target.reject(RejectReason.TOO_MANY_EVENTS),
    '#elseif($n_records == 0)',
    target.reject(RejectReason.NOTHING_TO_STORE),
    '#else',
    vtlFields(envelope, 'batch', false),
    '#set($packed = "")',
    '#set($n = 0)',
    '#foreach($res in $resources)',
    '#set($ri = $foreach.index)',
    jsonOrNull('$resource', `"${RES}.resource"`),
    '#set($scopes = [])',
    `#if(${isArrayAt(`"${RES}.${sig.scopes}"`)})#set($scopes = $input.path("${RES}.${sig.scopes}"))#end`,
    '#foreach($sc in $scopes)',
    '#set($si = $foreach.index)',
    jsonOrNull('$scope', `"${SC}.scope"`),
    ...writeItems,
    '#end',
    '#end',
    '#if($bad)',
    target.reject(RejectReason.MALFORMED),
    '#elseif($n != $n_records)',
    target.reject(RejectReason.TOO_MANY_EVENTS),
    '#else',
    vtlPackedPutRecord(streamName, RejectReason.TOO_LARGE, target),
    '#end',
    '#end',
  ].filter((l) => l !== '').join('\n');
}

/** The logs request template (kept for its callers): `otlpTemplate` of the logs signal. */
export function otlpLogsTemplate(streamName: string, envelope: RecordEnvelope, target: WriteTarget = FIREHOSE_TARGET): string {
  return otlpTemplate(streamName, envelope, OTLP_LOGS, target);
}

/**
 * What OTLP expects on success: 200 with an `Export<Signal>ServiceResponse`; `{}` is a full success. Only when the
 * target confirmed the write (Firehose's RecordId, Kinesis's SequenceNumber; otherwise 502, which the exporters retry).
 */
export function otlpSuccessTemplate(target: WriteTarget = FIREHOSE_TARGET): string {
  const c = target.confirmation;
  return [
    `#set($recordId = "$!input.path('${c.idPath}')")`,
    '#if($recordId.length() == 0)',
    '#set($context.responseOverride.status = 502)',
    `{"error":"${c.unexpectedCode}","message":"${c.service} did not confirm the write; retry.","requestId":"$context.requestId"}`,
    '#else',
    '{}',
    '#end',
  ].join('\n');
}

/** The refusals of a signal, before the generic ones. An export with nothing in it is a success with nothing to store. */
function otlpRefusals(sig: OtlpSignalShape): string[] {
  const loops = sig.name === 'metrics' ? '2 x (resources + scopes + metrics) + data points' : `2 x (resources + scopes) + ${sig.tooMany.what}`;
  return [
    `#elseif($msg.contains("${REJECT_MARKER}.${RejectReason.NOTHING_TO_STORE}"))`,
    '#set($context.responseOverride.status = 200)',
    '{}',
    ...refusalBranch(RejectReason.TOO_MANY_EVENTS, 413, sig.tooMany.code,
      `The request needs more than ${MAX_TEMPLATE_ITERATIONS} template loop iterations (${loops}); ` +
      `nothing was stored. ${sig.tooMany.advice}`),
    ...refusalBranch(RejectReason.MALFORMED, 400, 'InvalidOtlpRequest',
      `The body is not an OTLP/JSON Export${sig.name === 'logs' ? 'Logs' : sig.name === 'traces' ? 'Trace' : 'Metrics'}ServiceRequest; nothing was stored.`),
  ];
}

const T = apigw.JsonSchemaType;
const OBJECTS = (maxItems?: number): apigw.JsonSchema => ({ type: T.ARRAY, ...(maxItems ? { maxItems } : {}), items: { type: T.OBJECT } });

/** The model: the lists are lists and their items objects (a map would otherwise be iterated as if it were a list). */
export function otlpSchema(sig: OtlpSignalShape): apigw.JsonSchema {
  const items: apigw.JsonSchema = sig.name === 'metrics'
    ? {
      type: T.ARRAY,
      maxItems: MAX_TEMPLATE_ITERATIONS,
      items: {
        type: T.OBJECT,
        properties: Object.fromEntries(METRIC_TYPES.map((t) => [t, {
          type: T.OBJECT, properties: { dataPoints: OBJECTS(MAX_TEMPLATE_ITERATIONS) },
        }])),
      },
    }
    : OBJECTS(MAX_TEMPLATE_ITERATIONS);
  return {
    type: T.OBJECT,
    properties: {
      [sig.resources]: {
        type: T.ARRAY,
        items: {
          type: T.OBJECT,
          properties: {
            resource: { type: T.OBJECT },
            [sig.scopes]: {
              type: T.ARRAY,
              items: { type: T.OBJECT, properties: { scope: { type: T.OBJECT }, [sig.items]: items } },
            },
          },
        },
      },
    },
  };
}

/** The logs model (kept for its callers). */
export const OTLP_LOGS_SCHEMA: apigw.JsonSchema = otlpSchema(OTLP_LOGS);

/** The OTLP routes `<resourcePath>/<path>/<signal>`, one per signal. */
export function otlpRoutes(s: InputSettings, pathParts: string[], signals: OtlpSignalShape[] = [OTLP_LOGS]): Route[] {
  const envelope = otlpEnvelope(s.envelope);
  return signals.map((sig) => {
    const template = otlpTemplate(s.streamName, envelope, sig, s.target);
    const [success, ...errors] = inputResponses(s.target, otlpRefusals(sig));
    return {
      pathParts: [...s.resourceParts, ...pathParts, sig.name],
      firehoseAction: 'PutRecord',
      models: CONTENT_TYPES.map((contentType) => ({ contentType, id: sig.modelId, schema: otlpSchema(sig) })),
      requestTemplates: Object.fromEntries(CONTENT_TYPES.map((c) => [c, template])),
      responses: [{ ...success, template: otlpSuccessTemplate(s.target) }, ...errors],
    };
  });
}
