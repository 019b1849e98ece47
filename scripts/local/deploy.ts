/**
 * Deploy CDK stacks to LocalStack with plain CloudFormation (no bootstrap, no assets, no CDK CLI).
 *
 * Library use (from the e2e tests and scripts):
 *   const template = synthStack(stack);
 *   const outputs = await deployToLocalStack({ stackName: 'x', template });
 *
 * CLI (LocalStack must be running, e.g. via `scripts/local/localstack.sh run -- ...`):
 *   npx ts-node --project tsconfig.dev.json scripts/local/deploy.ts deploy --stack-name NAME --template FILE.json
 *   npx ts-node --project tsconfig.dev.json scripts/local/deploy.ts delete --stack-name NAME
 *   npx ts-node --project tsconfig.dev.json scripts/local/deploy.ts outputs --stack-name NAME
 *   npx ts-node --project tsconfig.dev.json scripts/local/deploy.ts list --bucket BUCKET [--prefix P]
 *   npx ts-node --project tsconfig.dev.json scripts/local/deploy.ts url --api-id ID --stage STAGE [--path P]
 *   npx ts-node --project tsconfig.dev.json scripts/local/deploy.ts api-key --id KEY_ID
 */
import { readFileSync } from 'fs';
import { gunzipSync } from 'zlib';
import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  Stack as CfnStack,
  StackEvent,
} from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Stack, Stage } from 'aws-cdk-lib';

/** LocalStack gateway; `localstack.sh run` exports LOCALSTACK_ENDPOINT. */
export const DEFAULT_ENDPOINT =
  process.env.LOCALSTACK_ENDPOINT ?? `http://127.0.0.1:${process.env.LOCALSTACK_PORT ?? '4566'}`;
export const REGION = 'us-east-1';
/** CloudFormation's limit for TemplateBody; larger templates must be passed as TemplateURL. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;
/**
 * Resource types LocalStack community (4.13.1) does not serve: its CloudFormation reports them CREATE_COMPLETE
 * without creating anything (their Ref is 'unknown'). The query e2e builds the Glue table in Trino instead.
 */
export const NOT_SERVED_BY_LOCALSTACK = ['AWS::Glue::Database', 'AWS::Glue::Table', 'AWS::Athena::WorkGroup', 'AWS::Athena::NamedQuery'];
/** Bucket in LocalStack that holds templates passed by TemplateURL. */
export const TEMPLATE_BUCKET = 'localstack-cfn-templates';

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: REGION,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

export const cfnClient = (endpoint = DEFAULT_ENDPOINT) => new CloudFormationClient(clientConfig(endpoint));
export const s3Client = (endpoint = DEFAULT_ENDPOINT) =>
  new S3Client({ ...clientConfig(endpoint), forcePathStyle: true });
export const apigwClient = (endpoint = DEFAULT_ENDPOINT) => new APIGatewayClient(clientConfig(endpoint));

/**
 * Synthesize one stack to its CloudFormation template.
 * The stack must not need bootstrap resources or assets: create it with
 * `synthesizer: new BootstraplessSynthesizer()` or
 * `new DefaultStackSynthesizer({ generateBootstrapVersionRule: false })`.
 */
export function synthStack(stack: Stack): Record<string, any> {
  const stage = Stage.of(stack);
  if (!stage) throw new Error(`stack ${stack.stackName} is not in an App/Stage`);
  const assembly = stage.synth();
  const artifact = assembly.getStackArtifact(stack.artifactId);
  const assets = artifact.assets ?? [];
  if (assets.length > 0) {
    throw new Error(
      `stack ${stack.stackName} has ${assets.length} asset(s) (${assets.map((a) => a.id).join(', ')}); ` +
        'LocalStack deploys here use plain CloudFormation and cannot publish assets (Lambda code, custom resources, autoDeleteObjects, ...)',
    );
  }
  const template = artifact.template as Record<string, any>;
  const resources = template.Resources ?? {};
  if ('CDKMetadata' in resources) delete resources.CDKMetadata; // harmless, but noise in LocalStack logs
  if (template.Rules?.CheckBootstrapVersion) {
    throw new Error(
      `stack ${stack.stackName} has the CheckBootstrapVersion rule; use BootstraplessSynthesizer or ` +
        'DefaultStackSynthesizer({ generateBootstrapVersionRule: false })',
    );
  }
  return template;
}

export interface DeployOptions {
  readonly stackName: string;
  readonly template: object | string;
  readonly endpoint?: string;
  /** Give up after this many seconds (default 600: four e2e lanes deploy at once at the start of a run). */
  readonly timeoutSeconds?: number;
  /** Force TemplateURL even when the body is small (default: only above 51,200 bytes). */
  readonly forceTemplateUrl?: boolean;
  /** Suppress progress output. */
  readonly quiet?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function describeStack(cfn: CloudFormationClient, stackName: string): Promise<CfnStack | undefined> {
  try {
    const res = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const s = res.Stacks?.[0];
    return s && s.StackStatus !== 'DELETE_COMPLETE' ? s : undefined;
  } catch (e: any) {
    if (/does not exist/i.test(e?.message ?? '') || e?.name === 'ValidationError') return undefined;
    throw e;
  }
}

async function stackEvents(cfn: CloudFormationClient, stackName: string): Promise<StackEvent[]> {
  try {
    const res = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }));
    return res.StackEvents ?? [];
  } catch {
    return [];
  }
}

/** Failure lines (logical id, type, status, reason) from the stack's events, oldest first. */
export async function failureReasons(stackName: string, endpoint = DEFAULT_ENDPOINT): Promise<string[]> {
  const events = await stackEvents(cfnClient(endpoint), stackName);
  return events
    .filter((e) => /FAILED|ROLLBACK/.test(e.ResourceStatus ?? '') && e.ResourceStatusReason)
    .reverse()
    .map((e) => `${e.LogicalResourceId} (${e.ResourceType}) ${e.ResourceStatus}: ${e.ResourceStatusReason}`);
}

async function uploadTemplate(body: string, stackName: string, endpoint: string): Promise<string> {
  const s3 = s3Client(endpoint);
  try {
    await s3.send(new HeadBucketCommand({ Bucket: TEMPLATE_BUCKET }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: TEMPLATE_BUCKET }));
  }
  const key = `${stackName}/${Date.now()}.template.json`;
  await s3.send(new PutObjectCommand({ Bucket: TEMPLATE_BUCKET, Key: key, Body: body, ContentType: 'application/json' }));
  return `${endpoint.replace(/\/$/, '')}/${TEMPLATE_BUCKET}/${key}`;
}

/**
 * Create the stack (deleting a previous one of the same name first), wait for CREATE_COMPLETE and
 * return its outputs. On failure, prints and throws with the failed resources' reasons.
 */
export async function deployToLocalStack(opts: DeployOptions): Promise<Record<string, string>> {
  const endpoint = opts.endpoint ?? DEFAULT_ENDPOINT;
  const cfn = cfnClient(endpoint);
  const say = (m: string) => { if (!opts.quiet) console.error(`[deploy] ${m}`); };
  const body = typeof opts.template === 'string' ? opts.template : JSON.stringify(opts.template);
  const bytes = Buffer.byteLength(body, 'utf8');

  if (await describeStack(cfn, opts.stackName)) {
    say(`stack ${opts.stackName} exists; deleting it first`);
    await deleteStack(opts.stackName, { endpoint, quiet: opts.quiet });
  }

  const parsed = typeof opts.template === 'string' ? JSON.parse(opts.template) : opts.template as Record<string, any>;
  const notServed = Object.entries<any>(parsed.Resources ?? {}).filter(([, r]) => NOT_SERVED_BY_LOCALSTACK.includes(r.Type));
  if (notServed.length > 0) {
    say(`LocalStack does not serve ${[...new Set(notServed.map(([, r]) => r.Type))].join(', ')}: its CloudFormation reports `
      + `${notServed.map(([id]) => id).join(', ')} created without creating them`);
  }
  const t0 = Date.now();
  const useUrl = opts.forceTemplateUrl || bytes > MAX_TEMPLATE_BODY_BYTES;
  const source = useUrl
    ? { TemplateURL: await uploadTemplate(body, opts.stackName, endpoint) }
    : { TemplateBody: body };
  say(`creating ${opts.stackName} (${bytes} bytes, ${useUrl ? `TemplateURL ${source.TemplateURL}` : 'TemplateBody'})`);
  await cfn.send(new CreateStackCommand({
    StackName: opts.stackName,
    ...source,
    Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
    OnFailure: 'DO_NOTHING',
  }));

  const deadline = t0 + (opts.timeoutSeconds ?? 600) * 1000;
  let last = '';
  for (;;) {
    const s = await describeStack(cfn, opts.stackName);
    const status = s?.StackStatus ?? 'UNKNOWN';
    if (status !== last) {
      say(`${opts.stackName}: ${status} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      last = status;
    }
    if (status === 'CREATE_COMPLETE') {
      const outputs: Record<string, string> = {};
      for (const o of s?.Outputs ?? []) if (o.OutputKey) outputs[o.OutputKey] = o.OutputValue ?? '';
      return outputs;
    }
    if (/FAILED|ROLLBACK/.test(status) || Date.now() > deadline) {
      const reasons = await failureReasons(opts.stackName, endpoint);
      const why = [s?.StackStatusReason, ...reasons].filter(Boolean).join('\n  ');
      const msg = `stack ${opts.stackName} ${Date.now() > deadline ? 'timed out' : 'failed'} (${status}):\n  ${why || '(no reasons reported)'}`;
      if (!opts.quiet) console.error(`[deploy] ${msg}`);
      throw Object.assign(new Error(msg), { printed: !opts.quiet });
    }
    await sleep(500);
  }
}

export interface DeleteOptions {
  readonly endpoint?: string;
  /** Empty the stack's S3 buckets first so DeleteStack can remove them (default true). */
  readonly emptyBuckets?: boolean;
  readonly timeoutSeconds?: number;
  readonly quiet?: boolean;
}

/** Delete a stack (no-op if it does not exist) and wait until it is gone. */
export async function deleteStack(stackName: string, opts: DeleteOptions = {}): Promise<void> {
  const endpoint = opts.endpoint ?? DEFAULT_ENDPOINT;
  const cfn = cfnClient(endpoint);
  const say = (m: string) => { if (!opts.quiet) console.error(`[deploy] ${m}`); };
  if (!(await describeStack(cfn, stackName))) {
    say(`stack ${stackName} does not exist`);
    return;
  }
  if (opts.emptyBuckets ?? true) {
    const res = await cfn.send(new ListStackResourcesCommand({ StackName: stackName })).catch(() => undefined);
    for (const r of res?.StackResourceSummaries ?? []) {
      if (r.ResourceType === 'AWS::S3::Bucket' && r.PhysicalResourceId) {
        await emptyBucket(r.PhysicalResourceId, endpoint).catch(() => undefined);
      }
    }
  }
  await cfn.send(new DeleteStackCommand({ StackName: stackName }));
  const deadline = Date.now() + (opts.timeoutSeconds ?? 120) * 1000;
  for (;;) {
    const s = await describeStack(cfn, stackName);
    if (!s) { say(`deleted ${stackName}`); return; }
    if (s.StackStatus === 'DELETE_FAILED' || Date.now() > deadline) {
      throw new Error(`delete of ${stackName} ended ${s.StackStatus}: ${(await failureReasons(stackName, endpoint)).join('; ')}`);
    }
    await sleep(500);
  }
}

export async function emptyBucket(bucket: string, endpoint = DEFAULT_ENDPOINT): Promise<void> {
  const s3 = s3Client(endpoint);
  let token: string | undefined;
  do {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    const keys = (res.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    token = res.NextContinuationToken;
  } while (token);
}

export interface S3TextObject {
  readonly key: string;
  readonly body: string;
  readonly lastModified?: Date;
  /** True when the stored bytes were gzip (and `body` is the gunzipped text). */
  readonly gzipped: boolean;
}

/** All objects under `prefix`, with bodies decoded as UTF-8 (gunzipped when they are gzip). */
export async function listObjects(bucket: string, prefix = '', endpoint = DEFAULT_ENDPOINT): Promise<S3TextObject[]> {
  const s3 = s3Client(endpoint);
  const out: S3TextObject[] = [];
  let token: string | undefined;
  do {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of res.Contents ?? []) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
      let bytes = Buffer.from(await got.Body!.transformToByteArray());
      const gzipped = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
      if (gzipped) bytes = gunzipSync(bytes);
      out.push({ key: o.Key!, body: bytes.toString('utf8'), lastModified: o.LastModified, gzipped });
    }
    token = res.NextContinuationToken;
  } while (token);
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** LocalStack's URL for a REST API stage: http://127.0.0.1:4566/_aws/execute-api/{apiId}/{stage}/{path}. */
export function invokeUrl(apiId: string, stage: string, path = '', endpoint = DEFAULT_ENDPOINT): string {
  return `${endpoint.replace(/\/$/, '')}/_aws/execute-api/${apiId}/${stage}/${path.replace(/^\//, '')}`;
}

/** The secret value of an API key (GetApiKey includeValue). */
export async function apiKeyValue(apiKeyId: string, endpoint = DEFAULT_ENDPOINT): Promise<string> {
  const res = await apigwClient(endpoint).send(new GetApiKeyCommand({ apiKey: apiKeyId, includeValue: true }));
  if (!res.value) throw new Error(`API key ${apiKeyId} has no value`);
  return res.value;
}

/** Logical id to physical id of every resource of the stack (what `Ref` of each resolves to, for most types). */
export async function stackResources(stackName: string, endpoint = DEFAULT_ENDPOINT): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let token: string | undefined;
  do {
    const res = await cfnClient(endpoint).send(new ListStackResourcesCommand({ StackName: stackName, NextToken: token }));
    for (const r of res.StackResourceSummaries ?? []) if (r.LogicalResourceId) out[r.LogicalResourceId] = r.PhysicalResourceId ?? '';
    token = res.NextToken;
  } while (token);
  return out;
}

export async function stackOutputs(stackName: string, endpoint = DEFAULT_ENDPOINT): Promise<Record<string, string>> {
  const s = await describeStack(cfnClient(endpoint), stackName);
  if (!s) throw new Error(`stack ${stackName} does not exist`);
  return Object.fromEntries((s.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

// ---- CLI ---------------------------------------------------------------------------------------

function parseArgs(argv: string[]): { cmd: string; flags: Record<string, string> } {
  const [cmd = 'help', ...rest] = argv;
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [k, v] = a.includes('=') ? [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a.slice(2), undefined];
    if (v !== undefined) flags[k] = v;
    else if (rest[i + 1] !== undefined && !rest[i + 1].startsWith('--')) flags[k] = rest[++i];
    else flags[k] = 'true';
  }
  return { cmd, flags };
}

function need(flags: Record<string, string>, k: string): string {
  if (!flags[k]) throw new Error(`missing --${k}`);
  return flags[k];
}

async function main(argv: string[]): Promise<void> {
  const { cmd, flags } = parseArgs(argv);
  const endpoint = flags.endpoint ?? DEFAULT_ENDPOINT;
  switch (cmd) {
    case 'deploy': {
      const template = readFileSync(need(flags, 'template'), 'utf8');
      const outputs = await deployToLocalStack({
        stackName: need(flags, 'stack-name'),
        template,
        endpoint,
        forceTemplateUrl: flags['template-url'] === 'true',
        timeoutSeconds: flags.timeout ? Number(flags.timeout) : undefined,
      });
      console.log(JSON.stringify(outputs, null, 2));
      break;
    }
    case 'delete':
      await deleteStack(need(flags, 'stack-name'), { endpoint });
      break;
    case 'outputs':
      console.log(JSON.stringify(await stackOutputs(need(flags, 'stack-name'), endpoint), null, 2));
      break;
    case 'list':
      console.log(JSON.stringify(await listObjects(need(flags, 'bucket'), flags.prefix ?? '', endpoint), null, 2));
      break;
    case 'url':
      console.log(invokeUrl(need(flags, 'api-id'), need(flags, 'stage'), flags.path ?? '', endpoint));
      break;
    case 'api-key':
      console.log(await apiKeyValue(need(flags, 'id'), endpoint));
      break;
    default:
      console.log(readFileSync(__filename, 'utf8').split('*/')[0].replace(/^\/\*\*|^ \* ?/gm, ''));
      if (cmd !== 'help') process.exitCode = 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`[deploy] ERROR: ${e?.printed ? 'see above' : e?.message ?? e}`);
    process.exit(1);
  });
}
