/**
 * Experiments behind docs/localstack-notes.md (LocalStack 4.13.1). Deploys the SmokeStack with its
 * experiment resources, sends the requests listed in the notes and prints what came back.
 *
 *   scripts/local/localstack.sh run -- npx ts-node --project tsconfig.dev.json scripts/local/experiments.ts [only...]
 *
 * `only` picks sections by letter (e.g. `a b h`); default all. Raw results: .localstack/experiments.json.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { CreateStackCommand, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import {
  DEFAULT_ENDPOINT,
  apiKeyValue,
  cfnClient,
  deleteStack,
  deployToLocalStack,
  emptyBucket,
  failureReasons,
  invokeUrl,
  listObjects,
  synthStack,
} from './deploy';
import { buildSmokeStack } from './smoke-stack';

const STACK = 'cdk-api-to-firehose-exp';
const results: Record<string, unknown>[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Req {
  readonly id: string;
  readonly url: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly method?: string;
  /** Send the body as bytes, so fetch adds no Content-Type of its own (a string body gets text/plain). */
  readonly raw?: boolean;
}

async function call(r: Req): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  const body = r.raw && r.body !== undefined ? Buffer.from(r.body) : r.body;
  const res = await fetch(r.url, { method: r.method ?? 'POST', headers: r.headers, body });
  const text = await res.text();
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (/^(content-type|x-gateway-response|x-override|x-amzn-errortype)$/i.test(k)) headers[k] = v;
  });
  const shown = { id: r.id, request: `${r.method ?? 'POST'} ${r.url.replace(DEFAULT_ENDPOINT, '')} ${JSON.stringify(r.headers ?? {})} body=${JSON.stringify(r.body ?? null)}`, status: res.status, headers, body: text };
  results.push(shown);
  console.log(`\n[${r.id}] ${shown.request}\n  -> ${res.status} ${JSON.stringify(headers)} ${text}`);
  return { status: res.status, body: text, headers };
}

/** A raw Firehose JSON call, as API Gateway would make it (LocalStack does not check signatures). */
async function firehoseRaw(id: string, target: string, body: string) {
  const res = await fetch(`${DEFAULT_ENDPOINT}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `Firehose_20150804.${target}`,
      'Authorization': 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/firehose/aws4_request, SignedHeaders=host, Signature=0',
    },
    body,
  });
  const text = await res.text();
  results.push({ id, request: `Firehose ${target} ${body}`, status: res.status, body: text });
  console.log(`\n[${id}] direct Firehose ${target} ${body}\n  -> ${res.status} ${text}`);
}

async function logsCall(target: string, body: object): Promise<any> {
  const res = await fetch(`${DEFAULT_ENDPOINT}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `Logs_20140328.${target}`,
      'Authorization': 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
  });
  return res.json();
}

async function waitObjects(bucket: string, atLeast: number, timeoutMs = 10_000) {
  const t0 = Date.now();
  let objs = await listObjects(bucket);
  while (objs.length < atLeast && Date.now() - t0 < timeoutMs) {
    await sleep(50);
    objs = await listObjects(bucket);
  }
  return objs;
}

async function showObjects(id: string, bucket: string, atLeast = 1) {
  const objs = await waitObjects(bucket, atLeast, 5_000);
  results.push({ id, objects: objs.map((o) => ({ key: o.key, body: o.body })) });
  console.log(`\n[${id}] ${objs.length} object(s) in S3:`);
  for (const o of objs) console.log(`  ${o.key}: ${JSON.stringify(o.body)}`);
  await emptyBucket(bucket);
  return objs;
}

async function main(): Promise<void> {
  const only = new Set(process.argv.slice(2));
  const want = (s: string) => only.size === 0 || only.has(s);

  const out = await deployToLocalStack({
    stackName: STACK,
    template: synthStack(buildSmokeStack(STACK, { streamName: `${STACK}-stream`, experiments: true })),
  });
  const key = await apiKeyValue(out.ApiKeyId);
  const u = (p: string) => invokeUrl(out.ApiId, out.StageName, p);
  const g = (p: string) => invokeUrl(out.GwApiId, out.StageName, p);
  const json = { 'Content-Type': 'application/json' };
  const withKey = { ...json, 'x-api-key': key };
  const bucket = out.BucketName;
  await emptyBucket(bucket);

  if (want('a')) {
    await call({ id: 'a1 no key', url: u('events'), headers: json, body: '{"a":1}' });
    await call({ id: 'a2 wrong key', url: u('events'), headers: { ...json, 'x-api-key': 'wrong' }, body: '{"a":1}' });
    await call({ id: 'a3 unknown path', url: u('nope'), headers: withKey, body: '{"a":1}' });
    await call({ id: 'a4 GET on POST-only resource', url: u('events'), headers: { 'x-api-key': key }, method: 'GET' });
  }
  if (want('b')) {
    await call({ id: 'b1 invalid JSON, validator', url: u('events'), headers: withKey, body: '{"a":' });
    await call({ id: 'b2 invalid JSON, no validator', url: u('x/novalidator'), headers: withKey, body: '{"a":' });
    await call({ id: 'b3 array body (model says object)', url: u('events'), headers: withKey, body: '[1,2]' });
    await call({ id: 'b4 {} (minProperties 1)', url: u('events'), headers: withKey, body: '{}' });
    await showObjects('b S3', bucket, 0);
  }
  if (want('c')) {
    await call({ id: 'c1 empty body, validator', url: u('events'), headers: withKey, body: '' });
    await call({ id: 'c2 no body at all, validator', url: u('events'), headers: withKey });
    await call({ id: 'c3 no Content-Type header', url: u('events'), headers: { 'x-api-key': key }, body: '{"c":3}', raw: true });
    await call({ id: 'c4 fetch string body, no Content-Type given (fetch sends text/plain;charset=UTF-8)', url: u('events'), headers: { 'x-api-key': key }, body: '{"c":4}' });
    await call({ id: 'c5 empty body, model {"type":"object"}', url: u('x/plainmodel'), headers: withKey, body: '' });
    await call({ id: 'c6 {}, model {"type":"object"}', url: u('x/plainmodel'), headers: withKey, body: '{}' });
    await showObjects('c S3', bucket, 3);
  }
  if (want('d')) {
    await call({ id: 'd1 text/plain', url: u('events'), headers: { 'Content-Type': 'text/plain', 'x-api-key': key }, body: '{"d":1}' });
    await call({ id: 'd2 application/json; charset=utf-8', url: u('events'), headers: { 'Content-Type': 'application/json; charset=utf-8', 'x-api-key': key }, body: '{"d":2}' });
    await call({ id: 'd3 APPLICATION/JSON', url: u('events'), headers: { 'Content-Type': 'APPLICATION/JSON', 'x-api-key': key }, body: '{"d":3}' });
    await showObjects('d S3', bucket, 1);
  }
  if (want('e') || want('f')) {
    await call({
      id: 'e ctx',
      url: u('x/ctx'),
      headers: { ...withKey, 'User-Agent': 'ua "quoted" it\'s \\ <x>', 'X-Forwarded-For': '203.0.113.9' },
      body: '{"e": "x\\"y", "n": 1.50}',
    });
    await showObjects('e S3', bucket, 1);
  }
  if (want('g')) {
    await call({ id: 'g1 PutRecord without Record', url: u('x/norecord'), headers: withKey, body: '{"g":1}' });
    await call({ id: 'g2 nonexistent stream', url: u('x/nostream'), headers: withKey, body: '{"g":2}' });
    await firehoseRaw('g3 direct, without Record', 'PutRecord', `{"DeliveryStreamName":"${out.StreamName}"}`);
    await firehoseRaw('g4 direct, nonexistent stream', 'PutRecord', '{"DeliveryStreamName":"does-not-exist","Record":{"Data":"aGVsbG8K"}}');
    await firehoseRaw('g5 direct, Data not base64', 'PutRecord', `{"DeliveryStreamName":"${out.StreamName}","Record":{"Data":"%%%"}}`);
    await firehoseRaw('g6 direct, empty PutRecordBatch', 'PutRecordBatch', `{"DeliveryStreamName":"${out.StreamName}","Records":[]}`);
    await showObjects('g S3', bucket, 0);
  }
  if (want('h')) {
    await call({ id: 'h1 sel, Firehose 4xx (no Record)', url: u('x/sel/norecord'), headers: withKey, body: '{"h":1}' });
    await call({ id: 'h2 sel, Firehose error (no stream)', url: u('x/sel/nostream'), headers: withKey, body: '{"h":2}' });
    await call({ id: 'h3 sel, success', url: u('x/sel/ok'), headers: withKey, body: '{"h":3}' });
    await call({ id: 'h4 responseOverride on success', url: u('x/override/ok'), headers: withKey, body: '{"h":4}' });
    await call({ id: 'h5 responseOverride on 4xx', url: u('x/override/err'), headers: withKey, body: '{"h":5}' });
    await showObjects('h S3', bucket, 2);
  }
  if (want('i')) {
    await call({ id: 'i1 gw: no key', url: g('events'), headers: json, body: '{"i":1}' });
    await call({ id: 'i2 gw: wrong key', url: g('events'), headers: { ...json, 'x-api-key': 'wrong' }, body: '{"i":2}' });
    await call({ id: 'i3 gw: invalid JSON', url: g('events'), headers: withKey, body: '{"i":' });
    await call({ id: 'i4 gw: {}', url: g('events'), headers: withKey, body: '{}' });
    await call({ id: 'i5 gw: text/plain', url: g('events'), headers: { 'Content-Type': 'text/plain', 'x-api-key': key }, body: '{"i":5}' });
    await call({ id: 'i6 gw: unknown path', url: g('nope'), headers: withKey, body: '{"i":6}' });
    await call({ id: 'i7 gw: ok', url: g('events'), headers: withKey, body: '{"i":7}' });
    await showObjects('i S3', bucket, 1);
  }
  if (want('j')) {
    await call({ id: 'j1 batch of 2', url: u('x/batch'), headers: withKey, body: '{"events":[{"a":1},{"b":"two"}]}' });
    await showObjects('j1 S3', bucket, 2);
    await call({ id: 'j2 batch of 0', url: u('x/batch'), headers: withKey, body: '{"events":[]}' });
    await call({ id: 'j3 batch, events missing', url: u('x/batch'), headers: withKey, body: '{"x":1}' });
    await showObjects('j2/j3 S3', bucket, 0);
  }
  if (want('k')) {
    const lat: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = Date.now();
      const r = await fetch(u('events'), { method: 'POST', headers: withKey, body: JSON.stringify({ k: i }) });
      await r.text();
      const tResp = Date.now();
      const objs = await waitObjects(bucket, 1, 10_000);
      lat.push(Date.now() - tResp);
      if (objs.length !== 1) console.log(`  k${i}: ${objs.length} objects`);
      results.push({ id: `k${i}`, requestMs: tResp - t0, visibleAfterResponseMs: Date.now() - tResp });
      await emptyBucket(bucket);
    }
    console.log(`\n[k] PutRecord response -> object listed in S3 (ms, polling every 50 ms): ${lat.join(', ')}`);
  }

  if (want('l')) {
    const name = `${STACK}-logging`;
    try {
      const lo = await deployToLocalStack({
        stackName: name,
        template: synthStack(buildSmokeStack(name, { streamName: `${name}-stream`, logging: true })),
      });
      const lkey = await apiKeyValue(lo.ApiKeyId);
      await call({ id: 'l1 request on stage with access logs', url: invokeUrl(lo.ApiId, lo.StageName, 'events'), headers: { ...json, 'x-api-key': lkey }, body: '{"l":1}' });
      await sleep(2000);
      const ev = await logsCall('FilterLogEvents', { logGroupName: lo.AccessLogGroup });
      results.push({ id: 'l access log events', events: ev });
      console.log(`\n[l] access log group ${lo.AccessLogGroup}: ${JSON.stringify(ev).slice(0, 600)}`);
      const groups = await logsCall('DescribeLogGroups', {});
      console.log(`[l] log groups: ${JSON.stringify((groups.logGroups ?? []).map((x: any) => x.logGroupName))}`);
      await deleteStack(name);
    } catch (e: any) {
      results.push({ id: 'l failed', error: e?.message });
      console.log(`\n[l] FAILED: ${e?.message}`);
      await deleteStack(name).catch(() => undefined);
    }
  }

  if (want('m')) {
    const cfn = cfnClient();
    for (const pad of [60_000, 1_100_000]) {
      const name = `${STACK}-big${pad}`;
      const tpl = synthStack(buildSmokeStack(name, { streamName: `${name}-stream`, padBytes: pad }));
      const body = JSON.stringify(tpl);
      // TemplateBody above 51,200 bytes (AWS rejects it).
      try {
        await cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: body, Capabilities: ['CAPABILITY_IAM'] }));
        console.log(`\n[m] TemplateBody of ${body.length} bytes: accepted by CreateStack`);
        results.push({ id: `m body ${body.length}`, accepted: true });
        await sleep(8000);
        console.log(`[m]   reasons if any: ${(await failureReasons(name)).join('; ')}`);
        await cfn.send(new DeleteStackCommand({ StackName: name }));
        await deleteStack(name, { quiet: true }).catch(() => undefined);
      } catch (e: any) {
        const m = `${e?.name}: ${e?.message ?? ''}`;
        const short = m.length > 300 ? `${m.slice(0, 100)} ... ${m.slice(-160)}` : m;
        console.log(`\n[m] TemplateBody of ${body.length} bytes: rejected: ${short}`);
        results.push({ id: `m body ${body.length}`, accepted: false, error: short });
      }
      try {
        const t0 = Date.now();
        await deployToLocalStack({ stackName: name, template: tpl });
        console.log(`[m] TemplateURL with ${body.length} bytes: CREATE_COMPLETE in ${Date.now() - t0} ms`);
        results.push({ id: `m url ${body.length}`, ok: true });
      } catch (e: any) {
        console.log(`[m] TemplateURL with ${body.length} bytes failed: ${e?.message}`);
        results.push({ id: `m url ${body.length}`, ok: false, error: e?.message });
      }
      await deleteStack(name, { quiet: true }).catch(() => undefined);
    }
  }

  if (!process.env.KEEP) await deleteStack(STACK);
  const dir = join(__dirname, '..', '..', '.localstack');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'experiments.json'), JSON.stringify(results, null, 2));
}

main().catch((e) => {
  console.error(`EXPERIMENTS FAILED: ${e?.stack ?? e}`);
  process.exit(1);
});
