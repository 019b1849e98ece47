/**
 * How synthesis scales with the number of ApiToFirehose instances in one stack.
 *
 *   npx ts-node --project tsconfig.dev.json scripts/bench/synth-scale.ts
 *
 * For 1, 10 and 50 instances, each on its own RestApi ("own") and all on one shared RestApi with distinct
 * resourcePaths ("shared"): time to build the construct tree and to synthesize the app (`app.synth()`,
 * which writes the cloud assembly), CloudFormation resources and template bytes, resources per instance,
 * and how many instances fit under CloudFormation's 500-resources-per-stack limit. Writes
 * docs/benchmarks/synth-scale.json.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, aws_apigateway as apigw } from 'aws-cdk-lib';
import { REPO_ROOT } from './prices';
import { Column, fixed, int, textTable } from './table';
import { ApiToFirehose } from '../../src';

const COUNTS = [1, 10, 50] as const;
const VARIANTS = ['own', 'shared'] as const;
type Variant = typeof VARIANTS[number];
/** CloudFormation quotas (per template). */
const MAX_RESOURCES = 500;
const MAX_OUTPUTS = 200;
/** TemplateBody passed inline; above this it must be uploaded (TemplateURL). */
const MAX_INLINE_TEMPLATE_BYTES = 51_200;
/** Template in S3 (TemplateURL): 1 MB, taken as 1,000,000 bytes to stay on the safe side. */
const MAX_TEMPLATE_BYTES = 1_000_000;
/** Repetitions per point (the median is reported). */
const REPEATS = Number(process.env.SYNTH_SCALE_REPEATS ?? 3);
const OUT = path.join(REPO_ROOT, 'docs', 'benchmarks', 'synth-scale.json');

interface Sample {
  readonly constructMs: number;
  readonly synthMs: number;
  readonly totalMs: number;
  readonly resources: number;
  readonly outputs: number;
  readonly templateBytes: number;
  readonly resourceTypes: Record<string, number>;
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** CDK's own check of the 500-resource limit; 0 turns it off so that larger stacks can be measured. */
const RESOURCE_LIMIT_CONTEXT = '@aws-cdk/core:stackResourceLimit';

function buildAndSynth(variant: Variant, n: number, outdir: string, cdkLimitCheck = false): Sample {
  const t0 = process.hrtime.bigint();
  const app = new App({ outdir, context: cdkLimitCheck ? {} : { [RESOURCE_LIMIT_CONTEXT]: 0 } });
  const stack = new Stack(app, 'Scale', { env: { account: '123456789012', region: 'us-east-1' } });
  const shared = variant === 'shared'
    ? new apigw.RestApi(stack, 'SharedApi', { deployOptions: { stageName: 'prod' }, cloudWatchRole: false })
    : undefined;
  for (let i = 0; i < n; i++) {
    new ApiToFirehose(stack, `Ingest${i}`, shared ? { restApi: shared, resourcePath: `events${i}` } : {});
  }
  const constructMs = ms(t0);
  const t1 = process.hrtime.bigint();
  const assembly = app.synth();
  const synthMs = ms(t1);
  const artifact = assembly.getStackByName('Scale');
  const text = fs.readFileSync(path.join(assembly.directory, artifact.templateFile), 'utf8');
  const template = JSON.parse(text) as { Resources?: Record<string, { Type: string }>; Outputs?: Record<string, unknown> };
  const resourceTypes: Record<string, number> = {};
  for (const r of Object.values(template.Resources ?? {})) resourceTypes[r.Type] = (resourceTypes[r.Type] ?? 0) + 1;
  return {
    constructMs,
    synthMs,
    totalMs: constructMs + synthMs,
    resources: Object.keys(template.Resources ?? {}).length,
    outputs: Object.keys(template.Outputs ?? {}).length,
    templateBytes: Buffer.byteLength(text),
    resourceTypes,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Point {
  readonly variant: Variant;
  readonly instances: number;
  readonly constructMs: number;
  readonly synthMs: number;
  readonly totalMs: number;
  readonly msPerInstance: number;
  readonly resources: number;
  readonly outputs: number;
  readonly templateBytes: number;
  readonly samplesMs: number[];
  readonly resourceTypes: Record<string, number>;
}

/** Synthesizes with CDK's default limit check on and returns its error (first line), or 'ok'. */
function defaultSynthOutcome(variant: Variant, n: number, outdir: string): string {
  try {
    buildAndSynth(variant, n, outdir, true);
    return 'ok';
  } catch (e) {
    return `refused: ${(e instanceof Error ? e.message : String(e)).split('\n')[0].split(': AWS::')[0]}`;
  }
}

function main(): number {
  const t0 = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-scale-'));
  const points: Point[] = [];
  try {
    buildAndSynth('own', 1, path.join(tmp, 'warmup')); // JIT warm-up, not reported
    for (const variant of VARIANTS) {
      for (const n of COUNTS) {
        const samples: Sample[] = [];
        for (let r = 0; r < REPEATS; r++) {
          const dir = path.join(tmp, `${variant}-${n}-${r}`);
          samples.push(buildAndSynth(variant, n, dir));
          fs.rmSync(dir, { recursive: true, force: true });
        }
        const totalMs = median(samples.map((s) => s.totalMs));
        points.push({
          variant,
          instances: n,
          constructMs: median(samples.map((s) => s.constructMs)),
          synthMs: median(samples.map((s) => s.synthMs)),
          totalMs,
          msPerInstance: totalMs / n,
          resources: samples[0].resources,
          outputs: samples[0].outputs,
          templateBytes: samples[0].templateBytes,
          samplesMs: samples.map((s) => Math.round(s.totalMs)),
          resourceTypes: samples[0].resourceTypes,
        });
      }
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }

  const summaries = VARIANTS.map((variant) => {
    const ps = points.filter((p) => p.variant === variant);
    const first = ps[0];
    const last = ps[ps.length - 1];
    const perInstance = (last.resources - first.resources) / (last.instances - first.instances);
    const fixedResources = first.resources - perInstance * first.instances;
    // Constant per-instance count: every pair of points gives the same slope.
    const steps = ps.slice(1).map((p, i) => (p.resources - ps[i].resources) / (p.instances - ps[i].instances));
    const resourcesLinear = steps.every((x) => x === perInstance);
    const bytesPerInstance = (last.templateBytes - first.templateBytes) / (last.instances - first.instances);
    const fixedBytes = first.templateBytes - bytesPerInstance * first.instances;
    const maxByResources = Math.floor((MAX_RESOURCES - fixedResources) / perInstance);
    const outputsPerInstance = (last.outputs - first.outputs) / (last.instances - first.instances);
    const fixedOutputs = first.outputs - outputsPerInstance * first.instances;
    const maxByOutputs = outputsPerInstance > 0 ? Math.floor((MAX_OUTPUTS - fixedOutputs) / outputsPerInstance) : null;
    const maxByBytes = Math.floor((MAX_TEMPLATE_BYTES - fixedBytes) / bytesPerInstance);
    const inlineMax = Math.floor((MAX_INLINE_TEMPLATE_BYTES - fixedBytes) / bytesPerInstance);
    // Time: the marginal cost of an instance from 1 to 10 and from 10 to 50 instances. Linear growth gives a
    // ratio near 1, quadratic growth about 5.5 (60/11); below 2 is called roughly linear (a busy 2-core machine
    // and GC make single points noisy).
    const mid = ps.find((p) => p.instances === 10)!;
    const slopeLow = (mid.totalMs - first.totalMs) / (mid.instances - first.instances);
    const slopeHigh = (last.totalMs - mid.totalMs) / (last.instances - mid.instances);
    const timeRatio = slopeHigh / slopeLow;
    // Check the computed fit against CDK's own synth-time check: max synthesizes, max + 1 is refused.
    const atMax = defaultSynthOutcome(variant, maxByResources, path.join(tmp, `${variant}-max`));
    const overMax = defaultSynthOutcome(variant, maxByResources + 1, path.join(tmp, `${variant}-max1`));
    return {
      variant,
      resourcesPerInstance: perInstance,
      fixedResources,
      resourcesLinear,
      templateBytesPerInstance: Math.round(bytesPerInstance),
      fixedTemplateBytes: Math.round(fixedBytes),
      maxInstancesByResourceLimit: maxByResources,
      outputsPerInstance,
      maxInstancesByOutputLimit: maxByOutputs,
      maxInstancesByTemplateSize: maxByBytes,
      maxInstancesPerStack: Math.min(maxByResources, maxByBytes),
      maxInstancesWithInlineTemplate: Math.max(0, inlineMax),
      marginalMsPerInstance1to10: slopeLow,
      marginalMsPerInstance10to50: slopeHigh,
      timeLinear: timeRatio < 2,
      marginalSlopeRatio: timeRatio,
      cdkDefaultSynthAtMax: atMax,
      cdkDefaultSynthAtMaxPlusOne: overMax,
      perInstanceTypes: Object.fromEntries(Object.entries(last.resourceTypes)
        .map(([t, c]) => [t, (c - (first.resourceTypes[t] ?? 0)) / (last.instances - first.instances)] as const)
        .filter(([, c]) => c !== 0)),
    };
  });

  const load = os.loadavg().map((x) => fixed(x, 1)).join(' / ');
  console.log(`Synthesis scale: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, ` +
    `median of ${REPEATS} runs per point; load average at the end ${load} (1/5/15 min).`);
  console.log('own = each instance creates its own RestApi; shared = all on one RestApi, resourcePath events<i>.');
  console.log('construct = building the construct tree; synth = app.synth() (validation, resolve, writing the cloud assembly).');
  console.log();
  const cols: Column[] = [
    { title: 'variant' }, { title: 'instances', right: true }, { title: 'construct ms', right: true }, { title: 'synth ms', right: true },
    { title: 'total ms', right: true }, { title: 'ms/instance', right: true }, { title: 'resources', right: true },
    { title: `of ${MAX_RESOURCES}`, right: true }, { title: 'template KB', right: true },
  ];
  console.log(textTable(cols, points.map((p) => [
    p.variant, String(p.instances), int(p.constructMs), int(p.synthMs), int(p.totalMs), fixed(p.msPerInstance, 0),
    int(p.resources), `${fixed((100 * p.resources) / MAX_RESOURCES, 0)}%`, fixed(p.templateBytes / 1024, 0),
  ])));
  console.log();
  for (const s of summaries) {
    console.log(`${s.variant}: ${s.resourcesPerInstance} resources per instance + ${s.fixedResources} fixed ` +
      `(${s.resourcesLinear ? 'constant at every count: linear' : 'NOT constant'}); ` +
      `${int(s.templateBytesPerInstance)} template bytes and ${s.outputsPerInstance} outputs per instance.`);
    console.log(`  fits ${s.maxInstancesByResourceLimit} instances under ${MAX_RESOURCES} resources` +
      ` (template size would allow ${s.maxInstancesByTemplateSize} at 1 MB; inline TemplateBody of 51,200 B holds ${s.maxInstancesWithInlineTemplate}).`);
    console.log(`  default cdk synth (500-resource check on): ${s.maxInstancesByResourceLimit} instances -> ${s.cdkDefaultSynthAtMax}; ` +
      `${s.maxInstancesByResourceLimit + 1} -> ${s.cdkDefaultSynthAtMaxPlusOne}`);
    console.log(`  time: ${fixed(s.marginalMsPerInstance1to10, 0)} ms per added instance from 1 to 10, ${fixed(s.marginalMsPerInstance10to50, 0)} from 10 to 50 ` +
      `(x${fixed(s.marginalSlopeRatio, 2)}: ${s.timeLinear ? 'roughly linear' : 'not linear'}).`);
    console.log(`  per instance: ${Object.entries(s.perInstanceTypes).map(([t, c]) => `${c} ${t.replace('AWS::', '')}`).join(', ')}`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  const over = points.filter((p) => p.resources > MAX_RESOURCES);
  if (over.length > 0) {
    console.log();
    console.log(`Over the ${MAX_RESOURCES}-resource limit, measured with ${RESOURCE_LIMIT_CONTEXT}=0 (a default cdk synth refuses them, ` +
      `CloudFormation would too): ${over.map((p) => `${p.variant} x${p.instances} (${int(p.resources)})`).join(', ')}.`);
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify({
    generatedBy: 'scripts/bench/synth-scale.ts',
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim(),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      loadAverageAtEnd: os.loadavg(),
    },
    limits: {
      maxResources: MAX_RESOURCES,
      maxOutputs: MAX_OUTPUTS,
      maxInlineTemplateBytes: MAX_INLINE_TEMPLATE_BYTES,
      maxTemplateBytes: MAX_TEMPLATE_BYTES,
    },
    repeats: REPEATS,
    points,
    summaries,
    totalMs: Date.now() - t0,
  }, null, 2) + '\n');
  console.log();
  console.log(`wrote ${path.relative(REPO_ROOT, OUT)} (${fixed((Date.now() - t0) / 1000, 1)} s)`);
  return 0;
}

if (require.main === module) {
  try {
    process.exit(main());
  } catch (e) {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(2);
  }
}
