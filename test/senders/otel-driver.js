/**
 * Runs the published OpenTelemetry JS logs SDK and OTLP/HTTP exporter in a plain Node process, driven by JSON lines
 * on stdin (one command a line, one answer a line on stdout). Used by test/senders/otel-capture.test.ts.
 *
 * Why a child process: the exporter loads node:http with a dynamic `import('http')`
 * (otlp-exporter-base/build/src/transport/http-exporter-transport.js), which fails inside Jest's VM without
 * --experimental-vm-modules (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG): every export would fail before sending.
 *
 * Commands ({id, op, ...}):
 *   exporter  {config}                        -> {exporter}      new OTLPLogExporter(config)
 *   provider  {exporter, resource?, batch?}   -> {provider}      LoggerProvider + BatchLogRecordProcessor(batch)
 *   emit      {provider, scope, version?, records: [...]}       logger.emit() for each record
 *   flush     {provider}                                        provider.forceFlush()
 *   shutdown  {provider}                                        provider.shutdown()
 *   export    {exporter, n}                    -> {code, error}  exporter.export(n SDK records) (no processor)
 *   warnings  {}                               -> {warnings}     diag messages (info and up) since the last call
 *   tracer    {resource?, batch?, exporter?}   -> {provider}      BasicTracerProvider + BatchSpanProcessor(new
 *             OTLPTraceExporter(config)); exporter: {kind: 'http'|'proto', config} (default http, config {}, so
 *             the exporter reads OTEL_EXPORTER_OTLP_* from the environment as users set it)
 *   spans     {provider, scope, version?, spans: [{name, kind?, code?, attributes?, startMs, durationMs, error?}]}
 *   meter     {resource?, expHistograms?: [names]} -> {provider}  MeterProvider + PeriodicExportingMetricReader(
 *             new OTLPMetricExporter()) (interval 1 h: exports on forceFlush)
 *   record    {provider, scope, counters?, upDowns?, gauges?, histograms?: {name: [{value, attributes, unit?}]}}
 *   logsEnv   {resource?, batch?}              -> {provider}      LoggerProvider + BatchLogRecordProcessor(new
 *             OTLPLogExporter()) (from the environment)
 * Record values: {"$bytes": base64} becomes a Uint8Array, {"$date": iso} a Date; `context: {traceId, spanId,
 * traceFlags}` becomes a span context.
 */
'use strict';
const readline = require('node:readline');
const { diag, DiagLogLevel, ROOT_CONTEXT, trace } = require('@opentelemetry/api');
const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { OTLPTraceExporter: OTLPTraceProtoExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-http');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { AggregationType, MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const {
  BatchLogRecordProcessor,
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} = require('@opentelemetry/sdk-logs');

let warnings = [];
const fmt = (level) => (m, ...a) => warnings.push(`${level} ${m}${a.length ? ' ' + a.map((x) => (typeof x === 'string' ? x : String(x))).join(' ') : ''}`);
diag.setLogger(
  { error: fmt('error'), warn: fmt('warn'), info: fmt('info'), debug: () => {}, verbose: () => {} },
  { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true },
);

const objects = new Map();
let next = 1;
const keep = (o) => {
  const id = next++;
  objects.set(id, o);
  return id;
};

function revive(v) {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === 'object') {
    if (typeof v.$bytes === 'string') return new Uint8Array(Buffer.from(v.$bytes, 'base64'));
    if (typeof v.$date === 'string') return new Date(v.$date);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
  }
  return v;
}

function sdkRecords(n) {
  const mem = new InMemoryLogRecordExporter();
  const p = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'status-probe' }),
    processors: [new SimpleLogRecordProcessor({ exporter: mem })],
  });
  const logger = p.getLogger('status-probe');
  for (let i = 0; i < n; i++) logger.emit({ severityNumber: 9, body: `r${i}` });
  return mem.getFinishedLogRecords();
}

const ops = {
  exporter: ({ config }) => ({ exporter: keep(new OTLPLogExporter(config)) }),
  provider: ({ exporter, resource, batch }) => {
    const processor = new BatchLogRecordProcessor({ exporter: objects.get(exporter), ...(batch || {}) });
    return {
      provider: keep(new LoggerProvider({ ...(resource ? { resource: resourceFromAttributes(resource) } : {}), processors: [processor] })),
    };
  },
  emit: ({ provider, scope, version, records }) => {
    const logger = objects.get(provider).getLogger(scope, version);
    for (const r of records) {
      const rec = revive(r);
      if (rec.context) rec.context = trace.setSpanContext(ROOT_CONTEXT, rec.context);
      logger.emit(rec);
    }
    return {};
  },
  flush: async ({ provider }) => {
    await objects.get(provider).forceFlush();
    return {};
  },
  shutdown: async ({ provider }) => {
    await objects.get(provider).shutdown();
    return {};
  },
  export: ({ exporter, n }) =>
    new Promise((resolve) => objects.get(exporter).export(sdkRecords(n), (r) => resolve({ code: r.code, error: r.error ? String(r.error) : undefined }))),
  tracer: ({ resource, batch, exporter }) => {
    const kind = (exporter && exporter.kind) || 'http';
    const config = (exporter && exporter.config) || {};
    const exp = kind === 'proto' ? new OTLPTraceProtoExporter(config) : new OTLPTraceExporter(config);
    return {
      provider: keep(new BasicTracerProvider({
        ...(resource ? { resource: resourceFromAttributes(resource) } : {}),
        spanProcessors: [new BatchSpanProcessor(exp, batch || {})],
      })),
    };
  },
  spans: ({ provider, scope, version, spans }) => {
    const tracer = objects.get(provider).getTracer(scope, version);
    for (const s of spans) {
      const span = tracer.startSpan(s.name, { kind: s.kind || 0, attributes: s.attributes || {}, startTime: s.startMs });
      if (s.code) span.setStatus({ code: s.code, message: s.message });
      span.end(s.startMs + s.durationMs);
    }
    return {};
  },
  meter: ({ resource, expHistograms }) => {
    const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 3_600_000, exportTimeoutMillis: 120_000 });
    const views = (expHistograms || []).map((n) => ({ instrumentName: n, aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }));
    return {
      provider: keep(new MeterProvider({ ...(resource ? { resource: resourceFromAttributes(resource) } : {}), readers: [reader], views })),
    };
  },
  record: ({ provider, scope, counters, upDowns, gauges, histograms }) => {
    const meter = objects.get(provider).getMeter(scope);
    const each = (byName, make, use) => {
      for (const [name, points] of Object.entries(byName || {})) {
        const inst = make(name, { unit: points[0] && points[0].unit, description: `${name} (e2e)` });
        for (const p of points) use(inst, p.value, p.attributes || {});
      }
    };
    each(counters, (n, o) => meter.createCounter(n, o), (i, v, a) => i.add(v, a));
    each(upDowns, (n, o) => meter.createUpDownCounter(n, o), (i, v, a) => i.add(v, a));
    each(gauges, (n, o) => meter.createGauge(n, o), (i, v, a) => i.record(v, a));
    each(histograms, (n, o) => meter.createHistogram(n, o), (i, v, a) => i.record(v, a));
    return {};
  },
  logsEnv: ({ resource, batch }) => {
    const processor = new BatchLogRecordProcessor({ exporter: new OTLPLogExporter(), ...(batch || {}) });
    return {
      provider: keep(new LoggerProvider({ ...(resource ? { resource: resourceFromAttributes(resource) } : {}), processors: [processor] })),
    };
  },
  exporterShutdown: async ({ exporter }) => {
    await objects.get(exporter).shutdown();
    return {};
  },
  warnings: () => {
    const w = warnings;
    warnings = [];
    return { warnings: w };
  },
};

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  if (!line.trim()) return;
  const cmd = JSON.parse(line);
  try {
    const out = await ops[cmd.op](cmd);
    process.stdout.write(JSON.stringify({ id: cmd.id, ok: true, ...out }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: cmd.id, ok: false, error: String(e && e.stack ? e.stack : e) }) + '\n');
  }
});
rl.on('close', () => process.exit(0));
