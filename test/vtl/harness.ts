/**
 * Test harness: renders API Gateway (REST API) mapping templates with the real Apache Velocity 1.7
 * engine (test/vtl/java, a small JVM server speaking JSON Lines), plus helpers to pull mapping
 * templates out of a synthesized CloudFormation template, decode the Firehose request a template
 * produces, and pick the integration response API Gateway would use.
 *
 * Emulation notes and guesses about API Gateway are documented in java/src/main/java/VtlRenderer.java.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';

// ---------------------------------------------------------------------------------------------
// Build
// ---------------------------------------------------------------------------------------------

export const VTL_JAVA_DIR = path.join(__dirname, 'java');
const TARGET_DIR = path.join(VTL_JAVA_DIR, 'target');
export const VTL_JAR = path.join(TARGET_DIR, 'vtl-renderer.jar');
export const VTL_BUILD_LOG = path.join(TARGET_DIR, 'build.log');
const LOCK_DIR = path.join(TARGET_DIR, '.build.lock');
const SOURCES = [
  path.join(VTL_JAVA_DIR, 'pom.xml'),
  path.join(VTL_JAVA_DIR, 'src', 'main', 'java', 'VtlRenderer.java'),
];

function mtime(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** True when the jar exists, its dependencies were copied, and it is newer than pom.xml and the Java source. */
export function isVtlEngineBuilt(): boolean {
  const jar = mtime(VTL_JAR);
  if (jar === undefined || mtime(path.join(TARGET_DIR, 'lib', 'velocity-1.7.jar')) === undefined) return false;
  return SOURCES.every((s) => (mtime(s) ?? Infinity) <= jar);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function runMaven(args: string[], log: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('mvn', args, { cwd: VTL_JAVA_DIR, stdio: ['ignore', log, log] });
    child.on('error', (e) => {
      fs.writeSync(log, `\nfailed to start mvn: ${e.message}\n`);
      resolve(-1);
    });
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

function lockIsStale(): boolean {
  const started = mtime(LOCK_DIR);
  if (started !== undefined && Date.now() - started > 15 * 60_000) return true;
  try {
    const pid = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8'));
    if (!pid) return false;
    process.kill(pid, 0); // throws ESRCH when the owner is gone
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface BuildOptions {
  /** Rebuild even when the jar looks current. */
  readonly force?: boolean;
  /** Give up waiting for another process's build after this long (default 10 minutes). */
  readonly timeoutMs?: number;
}

/**
 * Builds test/vtl/java (once): `mvn -q -o package`, then online `mvn -q package` if offline fails.
 * Output goes to java/target/build.log. Safe to call from several jest workers at once: a lock
 * directory (mkdir is atomic) serialises builds, and waiters re-check the jar when the lock goes.
 * Returns the jar's path.
 */
export async function buildVtlEngine(options: BuildOptions = {}): Promise<string> {
  if (!options.force && isVtlEngineBuilt()) return VTL_JAR;
  fs.mkdirSync(TARGET_DIR, { recursive: true });
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (lockIsStale()) {
      fs.rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the VTL engine build lock ${LOCK_DIR}`);
    await sleep(250);
    if (!options.force && !fs.existsSync(LOCK_DIR) && isVtlEngineBuilt()) return VTL_JAR;
  }
  try {
    fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
    if (!options.force && isVtlEngineBuilt()) return VTL_JAR;
    const log = fs.openSync(VTL_BUILD_LOG, 'w');
    try {
      fs.writeSync(log, `# mvn -q -o package (${new Date().toISOString()})\n`);
      let code = await runMaven(['-q', '-o', 'package'], log);
      if (code !== 0) {
        fs.writeSync(log, `\n# offline build failed (exit ${code}); mvn -q package\n`);
        code = await runMaven(['-q', 'package'], log);
      }
      if (code !== 0 || !isVtlEngineBuilt()) {
        const text = fs.readFileSync(VTL_BUILD_LOG, 'utf8');
        throw new Error(`VTL engine build failed (exit ${code}); see ${VTL_BUILD_LOG}:\n${text.slice(-3000)}`);
      }
    } finally {
      fs.closeSync(log);
    }
    return VTL_JAR;
  } finally {
    fs.rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Engine
// ---------------------------------------------------------------------------------------------

export interface RequestParams {
  readonly path?: Record<string, string>;
  readonly querystring?: Record<string, string>;
  /** Header names are matched case-sensitively by $input.params(name) (a strict guess). */
  readonly header?: Record<string, string>;
}

export interface RenderRequest {
  readonly template: string;
  /** Raw request (or integration response) body text; default ''. */
  readonly body?: string;
  readonly params?: RequestParams;
  /** $context values, arbitrary nesting (requestId, requestTimeEpoch, stage, identity: {...}, ...). */
  readonly context?: Record<string, unknown>;
  readonly stageVariables?: Record<string, string>;
  readonly options?: RenderOptions;
}

/**
 * How an empty body reads in `$input.body`: 'object' is AWS's `{}` (recorded; LocalStack 4.13.1 gives `{}` too; the
 * default), 'empty' is the raw text "" (this renderer's former reading).
 */
export type EmptyBodyReading = 'object' | 'empty';

export interface RenderOptions {
  /** Render null references as '' (API Gateway, guessed; default) or as their own text (plain Velocity). */
  readonly nullAsEmpty?: boolean;
  /** `$input.body` of an empty body: AWS's `{}` ('object', default) or the raw text "" ('empty'). */
  readonly emptyBody?: EmptyBodyReading;
  /**
   * Overrides the request template of the same request set (`requestRender.requestOverride` /
   * `.responseOverride`): on AWS they carry into the response template (recorded).
   */
  readonly overrides?: {
    readonly requestOverride?: Record<string, unknown>;
    readonly responseOverride?: Record<string, unknown>;
  };
}

export interface RenderResult {
  readonly output: string;
  /** What the template set on $context.responseOverride (status is null when not set; other keys as set). */
  readonly responseOverride: {
    readonly status: number | string | null;
    readonly header: Record<string, unknown>;
    readonly [key: string]: unknown;
  };
  readonly requestOverride: {
    readonly path: Record<string, unknown>;
    readonly header: Record<string, unknown>;
    readonly querystring: Record<string, unknown>;
    readonly [key: string]: unknown;
  };
  /** Parse errors, method exceptions (e.g. $input.json on a body that is not JSON), ... */
  readonly error: string | null;
  /** References (e.g. "$context.identity.apiKeyId") that were null when rendered. */
  readonly nullReferences: string[];
}

export interface VtlEngineOptions {
  /** Java executable (default: `java` on PATH, or $JAVA_HOME/bin/java). */
  readonly java?: string;
  readonly jvmArgs?: string[];
}

interface Pending {
  resolve(r: RenderResult): void;
  reject(e: Error): void;
}

/**
 * One JVM rendering templates for many requests. Start is lazy (first render); requests are
 * pipelined and answered in order. Call close() when done (e.g. in afterAll).
 */
export class VtlEngine {
  private proc?: ChildProcessWithoutNullStreams;
  private starting?: Promise<ChildProcessWithoutNullStreams>;
  private readonly pending: Pending[] = [];
  private stderrTail = '';

  constructor(private readonly options: VtlEngineOptions = {}) {}

  public async render(req: RenderRequest): Promise<RenderResult> {
    const proc = await this.start();
    return new Promise<RenderResult>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      proc.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  public async renderMany(reqs: readonly RenderRequest[]): Promise<RenderResult[]> {
    return Promise.all(reqs.map((r) => this.render(r)));
  }

  public async close(): Promise<void> {
    const proc = this.proc ?? (this.starting ? await this.starting.catch(() => undefined) : undefined);
    this.proc = undefined;
    this.starting = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.stdin.end();
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private start(): Promise<ChildProcessWithoutNullStreams> {
    if (this.proc) return Promise.resolve(this.proc);
    if (!this.starting) {
      this.starting = (async () => {
        await buildVtlEngine();
        const java = this.options.java ?? (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
        const args = [...(this.options.jvmArgs ?? ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xss8m']), '-jar', VTL_JAR];
        const proc = spawn(java, args, { stdio: ['pipe', 'pipe', 'pipe'] });
        proc.stdout.setEncoding('utf8');
        proc.stderr.setEncoding('utf8');
        proc.stderr.on('data', (d: string) => {
          this.stderrTail = (this.stderrTail + d).slice(-4000);
        });
        readline.createInterface({ input: proc.stdout, crlfDelay: Infinity }).on('line', (line) => this.onLine(line));
        const fail = (why: string) => {
          if (this.proc === proc) this.proc = undefined;
          if (this.starting && this.proc === undefined) this.starting = undefined;
          const err = new Error(`VTL engine ${why}${this.stderrTail ? `; stderr: ${this.stderrTail}` : ''}`);
          for (const p of this.pending.splice(0)) p.reject(err);
        };
        proc.on('error', (e) => fail(`failed: ${e.message}`));
        proc.on('exit', (code, signal) => fail(`exited (code ${code}, signal ${signal})`));
        proc.stdin.on('error', () => { /* reported through 'exit' */ });
        this.proc = proc;
        return proc;
      })();
    }
    return this.starting;
  }

  private onLine(line: string): void {
    const p = this.pending.shift();
    if (!p) return;
    try {
      p.resolve(JSON.parse(line) as RenderResult);
    } catch (e) {
      p.reject(new Error(`VTL engine sent a line that is not JSON: ${line.slice(0, 200)}`));
    }
  }
}

/**
 * A plausible $context for a REST API request, deep-merged with `overrides`. Values are fake but
 * shaped like API Gateway's (requestTimeEpoch is a number of milliseconds).
 */
export function apiGatewayContext(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    accountId: '123456789012',
    apiId: 'abcdef1234',
    domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
    extendedRequestId: 'Xyz123=',
    httpMethod: 'POST',
    path: '/prod/events',
    protocol: 'HTTP/1.1',
    requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    requestTime: '09/Apr/2015:12:34:56 +0000',
    requestTimeEpoch: 1428582896000,
    resourceId: 'res123',
    resourcePath: '/events',
    stage: 'prod',
    identity: {
      accountId: '',
      apiKey: 'SECRET-API-KEY-VALUE',
      apiKeyId: 'apikeyid123',
      caller: '',
      sourceIp: '203.0.113.7',
      user: '',
      userAgent: 'curl/8.0',
      userArn: '',
    },
  };
  return deepMerge(base, overrides);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CloudFormation helpers
// ---------------------------------------------------------------------------------------------

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
}

export interface ResolveOptions {
  /**
   * Values for intrinsics: `refs[logicalId]` for `{ Ref }`, `refs['logicalId.Attr']` for `Fn::GetAtt`.
   * Defaults: a Ref to an AWS::KinesisFirehose::DeliveryStream -> 'STREAM_NAME'; other Refs ->
   * 'REF_<logicalId>'; GetAtt -> 'GETATT_<logicalId>_<Attr>'; AWS::Region -> 'us-east-1',
   * AWS::AccountId -> '123456789012', AWS::Partition -> 'aws', AWS::URLSuffix -> 'amazonaws.com'.
   */
  readonly refs?: Record<string, string>;
}

const PSEUDO: Record<string, string> = {
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'TestStack',
  'AWS::NoValue': '',
};

/** Resolves a CloudFormation value (string or Ref / Fn::GetAtt / Fn::Join / Fn::Sub / Fn::Select / Fn::Split) to a string. */
export function resolveCfnString(value: unknown, template: CfnTemplate = {}, options: ResolveOptions = {}): string {
  const r = resolveCfn(value, template, options);
  if (Array.isArray(r)) throw new Error(`expected a string, got a list: ${JSON.stringify(value)}`);
  return r;
}

function resolveCfn(value: unknown, template: CfnTemplate, options: ResolveOptions): string | string[] {
  const refs = options.refs ?? {};
  const ref = (id: string): string => {
    if (id in refs) return refs[id];
    if (id in PSEUDO) return PSEUDO[id];
    const type = template.Resources?.[id]?.Type;
    if (type === 'AWS::KinesisFirehose::DeliveryStream') return 'STREAM_NAME';
    return `REF_${id}`;
  };
  const getAtt = (id: string, attr: string): string => refs[`${id}.${attr}`] ?? `GETATT_${id}_${attr}`;

  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => resolveCfnString(v, template, options));
  if (!isPlainObject(value)) throw new Error(`cannot resolve CloudFormation value ${JSON.stringify(value)}`);
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new Error(`not an intrinsic function: ${JSON.stringify(value)}`);
  const [fn] = keys;
  const arg = value[fn] as any;
  switch (fn) {
    case 'Ref':
      return ref(String(arg));
    case 'Fn::GetAtt': {
      const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
      return getAtt(String(id), resolveCfnString(attr, template, options));
    }
    case 'Fn::Join': {
      const [delim, list] = arg as [string, unknown];
      const items = resolveCfn(list, template, options);
      return (Array.isArray(items) ? items : [items]).join(delim);
    }
    case 'Fn::Select': {
      const [index, list] = arg as [unknown, unknown];
      const items = resolveCfn(list, template, options);
      if (!Array.isArray(items)) throw new Error(`Fn::Select needs a list: ${JSON.stringify(value)}`);
      return items[Number(resolveCfnString(index, template, options))];
    }
    case 'Fn::Split': {
      const [delim, s] = arg as [string, unknown];
      return resolveCfnString(s, template, options).split(delim);
    }
    case 'Fn::Sub': {
      const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
      return text.replace(/\$\{(!?)([^}]*)\}/g, (_m, bang: string, name: string) => {
        if (bang) return `\${${name}}`;
        if (name in vars) return resolveCfnString(vars[name], template, options);
        const dot = name.indexOf('.');
        return dot > 0 && !(name in PSEUDO) ? getAtt(name.slice(0, dot), name.slice(dot + 1)) : ref(name);
      });
    }
    default:
      throw new Error(`unsupported intrinsic ${fn} in ${JSON.stringify(value)}`);
  }
}

export interface IntegrationResponseInfo {
  readonly statusCode: string;
  /** Java regex matched against the backend's HTTP status code (AWS integrations); absent = default response. */
  readonly selectionPattern?: string;
  readonly responseTemplates: Record<string, string>;
  readonly responseParameters: Record<string, string>;
}

export interface MethodInfo {
  readonly logicalId: string;
  readonly httpMethod: string;
  /** '/', '/events', ... when the ResourceId chain can be followed; otherwise undefined. */
  readonly resourcePath?: string;
  readonly integrationType?: string;
  readonly integrationUri?: string;
  readonly passthroughBehavior?: string;
  readonly apiKeyRequired: boolean;
  readonly authorizationType?: string;
  /** contentType -> resolved template text. */
  readonly requestTemplates: Record<string, string>;
  readonly requestParameters: Record<string, string>;
  readonly integrationResponses: IntegrationResponseInfo[];
  /** The method's raw CloudFormation Properties. */
  readonly properties: Record<string, any>;
}

function resolveMap(m: unknown, template: CfnTemplate, options: ResolveOptions): Record<string, string> {
  const out: Record<string, string> = {};
  if (isPlainObject(m)) {
    for (const [k, v] of Object.entries(m)) out[k] = resolveCfnString(v, template, options);
  }
  return out;
}

function resourcePath(resourceId: unknown, template: CfnTemplate, depth = 0): string | undefined {
  if (depth > 50 || !isPlainObject(resourceId)) return undefined;
  const getAtt = resourceId['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'RootResourceId') return '/';
  const id = resourceId.Ref;
  if (typeof id !== 'string') return undefined;
  const res = template.Resources?.[id];
  if (!res || res.Type !== 'AWS::ApiGateway::Resource') return undefined;
  const parent = resourcePath(res.Properties?.ParentId, template, depth + 1);
  const part = res.Properties?.PathPart;
  if (parent === undefined || typeof part !== 'string') return undefined;
  return parent === '/' ? `/${part}` : `${parent}/${part}`;
}

/** Every AWS::ApiGateway::Method in a template (e.g. `Template.fromStack(stack).toJSON()`), with resolved mapping templates. */
export function findMethods(template: CfnTemplate, options: ResolveOptions = {}): MethodInfo[] {
  const out: MethodInfo[] = [];
  for (const [logicalId, res] of Object.entries(template.Resources ?? {})) {
    if (res.Type !== 'AWS::ApiGateway::Method') continue;
    const p = res.Properties ?? {};
    const integration = (p.Integration ?? {}) as Record<string, any>;
    out.push({
      logicalId,
      httpMethod: String(p.HttpMethod),
      resourcePath: resourcePath(p.ResourceId, template),
      integrationType: integration.Type,
      integrationUri: integration.Uri === undefined ? undefined : resolveCfnString(integration.Uri, template, options),
      passthroughBehavior: integration.PassthroughBehavior,
      apiKeyRequired: p.ApiKeyRequired === true,
      authorizationType: p.AuthorizationType,
      requestTemplates: resolveMap(integration.RequestTemplates, template, options),
      requestParameters: resolveMap(integration.RequestParameters, template, options),
      integrationResponses: ((integration.IntegrationResponses ?? []) as Record<string, any>[]).map((r) => ({
        statusCode: resolveCfnString(r.StatusCode, template, options),
        ...(r.SelectionPattern !== undefined ? { selectionPattern: resolveCfnString(r.SelectionPattern, template, options) } : {}),
        responseTemplates: resolveMap(r.ResponseTemplates, template, options),
        responseParameters: resolveMap(r.ResponseParameters, template, options),
      })),
      properties: p,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Firehose request decoding
// ---------------------------------------------------------------------------------------------

/**
 * JSON.parse that also rejects duplicate object keys (JSON.parse keeps the last one silently,
 * which is how a forged envelope field would hide).
 */
export function parseJsonStrict(text: string, what = 'JSON'): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not valid JSON (${(e as Error).message}): ${snippet(text)}`);
  }
  // Second pass only for duplicate keys; the text is known to be valid JSON here.
  const stack: Array<Set<string> | null> = [];
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.has(key)) throw new Error(`${what} has a duplicate key ${JSON.stringify(key)}: ${snippet(text)}`);
        top.add(key);
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] !== null && stack.length > 0;
    }
    i++;
  }
  return value;
}

function snippet(s: string): string {
  return JSON.stringify(s.length > 300 ? `${s.slice(0, 300)}…` : s);
}

export interface DecodeOptions {
  /** Each record must end with exactly one "\n" (default true). */
  readonly requireTrailingNewline?: boolean;
  /** Each line must be JSON without duplicate keys (default true). */
  readonly parseLines?: boolean;
}

export interface DecodedFirehoseRequest {
  readonly kind: 'PutRecord' | 'PutRecordBatch';
  readonly streamName: string;
  /** Each record's Data, base64-decoded as UTF-8. */
  readonly records: string[];
  /** All records split into lines (without the "\n"). */
  readonly lines: string[];
  /** The lines parsed as JSON (empty when parseLines is false). */
  readonly events: unknown[];
  /** Envelope keys other than DeliveryStreamName / Record / Records. */
  readonly extraKeys: string[];
  /** Firehose limits this request breaks (empty batch, > 500 records, record > 1,000 KiB, batch > 4 MiB). */
  readonly violations: string[];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes the integration request a template rendered for Firehose PutRecord / PutRecordBatch. Throws on anything malformed. */
export function decodeFirehoseRequest(output: string, options: DecodeOptions = {}): DecodedFirehoseRequest {
  const envelope = parseJsonStrict(output, 'rendered Firehose request');
  if (!isPlainObject(envelope)) throw new Error(`rendered Firehose request is not a JSON object: ${snippet(output)}`);
  const streamName = envelope.DeliveryStreamName;
  if (typeof streamName !== 'string' || streamName === '') {
    throw new Error(`rendered Firehose request has no DeliveryStreamName string: ${snippet(output)}`);
  }
  let kind: DecodedFirehoseRequest['kind'];
  let raw: unknown[];
  if ('Records' in envelope && !('Record' in envelope)) {
    if (!Array.isArray(envelope.Records)) throw new Error(`Records is not an array: ${snippet(output)}`);
    kind = 'PutRecordBatch';
    raw = envelope.Records;
  } else if ('Record' in envelope && !('Records' in envelope)) {
    kind = 'PutRecord';
    raw = [envelope.Record];
  } else {
    throw new Error(`rendered Firehose request needs exactly one of Record / Records: ${snippet(output)}`);
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const violations: string[] = [];
  const records: string[] = [];
  const lines: string[] = [];
  const events: unknown[] = [];
  let total = 0;
  raw.forEach((rec, i) => {
    if (!isPlainObject(rec) || typeof rec.Data !== 'string') throw new Error(`record ${i} has no Data string: ${snippet(JSON.stringify(rec))}`);
    if (Object.keys(rec).length !== 1) throw new Error(`record ${i} has keys other than Data: ${Object.keys(rec).join(', ')}`);
    if (!BASE64.test(rec.Data)) throw new Error(`record ${i} Data is not canonical base64: ${snippet(rec.Data)}`);
    const bytes = Buffer.from(rec.Data, 'base64');
    total += bytes.length;
    if (bytes.length > 1000 * 1024) violations.push(`record ${i} is ${bytes.length} bytes (> 1,000 KiB)`);
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new Error(`record ${i} Data is not UTF-8`);
    }
    records.push(text);
    if (options.requireTrailingNewline ?? true) {
      if (!text.endsWith('\n') || text.endsWith('\n\n')) throw new Error(`record ${i} does not end with exactly one "\\n": ${snippet(text)}`);
    }
    const parts = text.split('\n');
    if (parts[parts.length - 1] === '') parts.pop();
    parts.forEach((line, j) => {
      lines.push(line);
      if (options.parseLines ?? true) events.push(parseJsonStrict(line, `record ${i} line ${j}`));
    });
  });
  if (kind === 'PutRecordBatch') {
    if (raw.length === 0) violations.push('PutRecordBatch with no records (AWS answers 400)');
    if (raw.length > 500) violations.push(`PutRecordBatch with ${raw.length} records (> 500)`);
    if (total > 4 * 1024 * 1024) violations.push(`PutRecordBatch of ${total} bytes (> 4 MiB)`);
  }
  const extraKeys = Object.keys(envelope).filter((k) => !['DeliveryStreamName', 'Record', 'Records'].includes(k));
  return { kind, streamName, records, lines, events, extraKeys, violations };
}

// ---------------------------------------------------------------------------------------------
// Integration response selection and a whole-request simulation
// ---------------------------------------------------------------------------------------------

/**
 * API Gateway's rule for AWS (and HTTP) integrations: each selectionPattern is a Java regex matched
 * against the backend's HTTP status code as a string, whole-string (Java `matches`); the response
 * without a selectionPattern is the default. Patterns are run as JS regexes (same result for the
 * usual `4\d{2}`-style patterns). When several patterns match, the first in the given order wins
 * (API Gateway's order is unspecified). Returns undefined when nothing matches and there is no
 * default (API Gateway then answers 500).
 */
export function selectIntegrationResponse<T extends { selectionPattern?: string }>(
  responses: readonly T[], backendStatus: number | string,
): T | undefined {
  const status = String(backendStatus);
  for (const r of responses) {
    if (r.selectionPattern === undefined || r.selectionPattern === '') continue;
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${r.selectionPattern})$`);
    } catch (e) {
      throw new Error(`selectionPattern ${JSON.stringify(r.selectionPattern)} is not a valid regex: ${(e as Error).message}`);
    }
    if (re.test(status)) return r;
  }
  // GUESS: an empty-string pattern is treated like an absent one (the default response).
  return responses.find((r) => r.selectionPattern === undefined || r.selectionPattern === '');
}

export interface SimulatedRequest {
  /** Content-Type of the request (default application/json); parameters such as charset are ignored. */
  readonly contentType?: string;
  readonly body?: string;
  readonly params?: RequestParams;
  readonly context?: Record<string, unknown>;
  readonly stageVariables?: Record<string, string>;
  /** `$input.body` of an empty body (default 'object', AWS's recorded `{}`). */
  readonly emptyBody?: EmptyBodyReading;
}

export interface SimulatedBackend {
  readonly status: number;
  readonly body?: string;
}

export interface SimulationResult {
  /** The integration request body sent to Firehose (rendered, or the raw body when passed through). */
  readonly integrationBody?: string;
  readonly passedThrough: boolean;
  readonly requestRender?: RenderResult;
  readonly firehose?: DecodedFirehoseRequest;
  readonly decodeError?: string;
  readonly integrationResponse?: IntegrationResponseInfo;
  readonly responseRender?: RenderResult;
  /** Status the client gets: responseOverride.status from the response template, else the response's statusCode. */
  readonly status: number | string;
  readonly body: string;
}

/**
 * One request through a method: pick the request template by Content-Type, render it, decode the
 * Firehose call, select the integration response for the given Firehose status, render its template
 * with the Firehose response body. Does not call Firehose.
 *
 * Readings used: no template for the Content-Type -> 415 with passthroughBehavior NEVER, otherwise
 * the raw body passes through (FACTS.md observed this for WHEN_NO_TEMPLATES too; AWS docs say 415
 * when other templates exist — the permissive reading is taken so such a method looks unsafe).
 * A failed request render -> 500. Overrides the request template set carry into the response template
 * (recorded on AWS), so a responseOverride.status set by either decides the status.
 */
export async function simulateIntegration(
  engine: VtlEngine, method: MethodInfo, request: SimulatedRequest, backend: SimulatedBackend,
): Promise<SimulationResult> {
  const ct = (request.contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
  const key = Object.keys(method.requestTemplates).find((k) => k.toLowerCase() === ct);
  const base = { params: request.params, context: request.context, stageVariables: request.stageVariables };
  const emptyBody = request.emptyBody ?? 'object';
  let integrationBody: string;
  let requestRender: RenderResult | undefined;
  if (key === undefined) {
    if (method.passthroughBehavior === 'NEVER') {
      return { passedThrough: false, status: 415, body: '{"message":"Unsupported Media Type"}' };
    }
    integrationBody = request.body ?? '';
  } else {
    requestRender = await engine.render({ template: method.requestTemplates[key], body: request.body ?? '', ...base, options: { emptyBody } });
    if (requestRender.error) {
      return { passedThrough: false, requestRender, status: 500, body: '{"message": "Internal server error"}' };
    }
    integrationBody = requestRender.output;
  }
  let firehose: DecodedFirehoseRequest | undefined;
  let decodeError: string | undefined;
  try {
    firehose = decodeFirehoseRequest(integrationBody);
  } catch (e) {
    decodeError = (e as Error).message;
  }
  const integrationResponse = selectIntegrationResponse(method.integrationResponses, backend.status);
  const common = { integrationBody, passedThrough: key === undefined, requestRender, firehose, decodeError, integrationResponse };
  if (!integrationResponse) return { ...common, status: 500, body: '{"message": "Internal server error"}' };
  const templates = integrationResponse.responseTemplates;
  const rtKey = Object.keys(templates).find((k) => k.toLowerCase() === 'application/json') ?? Object.keys(templates)[0];
  const carried = requestRender && { requestOverride: requestRender.requestOverride, responseOverride: requestRender.responseOverride };
  if (rtKey === undefined) {
    return { ...common, status: requestRender?.responseOverride.status ?? integrationResponse.statusCode, body: backend.body ?? '' };
  }
  const responseRender = await engine.render({
    template: templates[rtKey], body: backend.body ?? '', ...base, options: { emptyBody, ...(carried ? { overrides: carried } : {}) },
  });
  if (responseRender.error) return { ...common, responseRender, status: 500, body: '{"message": "Internal server error"}' };
  return {
    ...common,
    responseRender,
    status: responseRender.responseOverride.status ?? integrationResponse.statusCode,
    body: responseRender.output,
  };
}

// ---------------------------------------------------------------------------------------------
// Gateway responses
// ---------------------------------------------------------------------------------------------

/**
 * Renders a gateway response template the way AWS documents it: "A GatewayResponse mapping template
 * isn't processed by the VTL engine" and supports "only simple variable substitution"
 * (x-amazon-apigateway-gateway-responses.responseTemplates). So `$context.x.y` / `${context.x.y}` and
 * `$stageVariables.x` are replaced by their raw values and everything else, `$util...` and `#set`
 * included, is left as literal text. GUESS: an unknown variable becomes '' (as in mapping templates).
 */
export function renderGatewayResponseTemplate(
  template: string,
  context: Record<string, unknown>,
  stageVariables: Record<string, string> = {},
): string {
  const roots: Record<string, unknown> = { context, stageVariables };
  const lookup = (root: string, dotted: string): string => {
    let v: unknown = roots[root];
    for (const part of dotted.split('.').filter((p) => p !== '')) {
      v = isPlainObject(v) ? v[part] : undefined;
    }
    return v === undefined || v === null || isPlainObject(v) || Array.isArray(v) ? '' : String(v);
  };
  return template.replace(
    /\$\{(context|stageVariables)((?:\.[A-Za-z0-9_-]+)+)\}|\$(context|stageVariables)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g,
    (_m, formalRoot: string | undefined, formalPath: string | undefined, root: string | undefined, p: string | undefined) =>
      (formalRoot ? lookup(formalRoot, formalPath!) : lookup(root!, p!)),
  );
}
