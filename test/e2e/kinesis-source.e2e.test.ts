/**
 * End-to-end on LocalStack 4.13.1, without the construct: a Kinesis Data Stream as a Firehose source.
 * API Gateway (AWS integration, kinesis:action/PutRecords) -> Kinesis stream (1 shard) -> Firehose with
 * KinesisStreamAsSource -> S3. Run inside `scripts/local/localstack.sh run -- ...` (see scripts/test.sh); loopback only.
 *
 * LocalStack's Firehose reads the stream through a KCL process whose lease tables live in DynamoDB. Here that
 * DynamoDB is moto's server, started by scripts/local/kinesis-source.sh; DynamoDB Local (not open source) must never
 * be installed or started, which the last test checks. See docs/localstack-notes.md.
 *
 * Where LocalStack differs from AWS the test says so: its Firehose ignores buffering (one S3 object per KCL batch),
 * kinesis-mock enforces no shard write limit, and throttling is provoked with LocalStack's KINESIS_ERROR_PROBABILITY
 * (set at run time through POST /_localstack/config, which kinesis-source.sh enables).
 */
import { existsSync, readFileSync, readdirSync } from 'fs';
import { join, resolve } from 'path';
import {
  CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, DeleteRestApiCommand, GetResourcesCommand,
  PutIntegrationCommand, PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand,
} from '@aws-sdk/client-api-gateway';
import {
  CreateDeliveryStreamCommand, DeleteDeliveryStreamCommand, DescribeDeliveryStreamCommand, FirehoseClient,
} from '@aws-sdk/client-firehose';
import {
  CreateStreamCommand, DeleteStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand,
  KinesisClient, ListShardsCommand, PutRecordCommand, PutRecordsCommand, ProvisionedThroughputExceededException,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, DeleteBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DEFAULT_ENDPOINT, REGION, apigwClient, emptyBucket, invokeUrl, listObjects, s3Client } from '../../scripts/local/deploy';

jest.setTimeout(600_000);

const REPO_ROOT = resolve(__dirname, '../..');
const LS_DIR = join(REPO_ROOT, '.localstack');
const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/kinesis-source-e2e`; // LocalStack does not enforce IAM here
const clientConfig = { endpoint: DEFAULT_ENDPOINT, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
// HTTP/1.1: the Kinesis client defaults to HTTP/2, and LocalStack 4.13.1 closes the session ("Session closed with
// error code 1") on a PutRecords of 500 records (docs/localstack-notes.md).
const kinesis = new KinesisClient({ ...clientConfig, requestHandler: new NodeHttpHandler() });
const kinesisNoRetry = new KinesisClient({ ...clientConfig, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
const firehose = new FirehoseClient(clientConfig);
const s3 = s3Client();
const apigw = apigwClient();

const run = Date.now().toString(36);
const streamName = `ks-${run}`;
const burstStreamName = `ks-burst-${run}`;
const deliveryStreamName = `ks-fh-${run}`;
const bucket = `ks-e2e-${run}`;
const PREFIX = 'kinesis-source/';
const N = 1_000;

/** Figures printed at the end (docs/localstack-notes.md quotes them). */
const figures: Record<string, unknown> = {};
let restApiId = '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, timeoutMs: number, intervalMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Every newline-terminated JSON record in the bucket, with the key of the object it came from. */
async function recordsInS3(): Promise<{ key: string; rec: any }[]> {
  const out: { key: string; rec: any }[] = [];
  for (const o of await listObjects(bucket, PREFIX)) {
    for (const line of o.body.split('\n')) if (line.trim()) out.push({ key: o.key, rec: JSON.parse(line) });
  }
  return out;
}

/** Counts per id; every id in `ids` must be there exactly once. */
function expectEachExactlyOnce(found: { rec: any }[], ids: string[]): void {
  const counts = new Map<string, number>();
  for (const { rec } of found) counts.set(rec.id, (counts.get(rec.id) ?? 0) + 1);
  const missing = ids.filter((id) => !counts.has(id));
  const duplicated = ids.filter((id) => (counts.get(id) ?? 0) > 1);
  expect({ missing: missing.length, duplicated: duplicated.length }).toEqual({ missing: 0, duplicated: 0 });
}

async function setErrorProbability(p: number): Promise<void> {
  const res = await fetch(`${DEFAULT_ENDPOINT}/_localstack/config`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ variable: 'KINESIS_ERROR_PROBABILITY', value: p }),
  });
  if (!res.ok) {
    throw new Error(`POST /_localstack/config answered ${res.status}: start LocalStack with scripts/local/localstack.sh (ENABLE_CONFIG_UPDATES=1)`);
  }
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const name of [streamName, burstStreamName]) await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  for (const name of [streamName, burstStreamName]) {
    await waitFor(`stream ${name} ACTIVE`, 60_000, 300, async () => {
      const s = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      return s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
    });
  }
});

afterAll(async () => {
  if (restApiId) await apigw.send(new DeleteRestApiCommand({ restApiId })).catch(() => undefined);
  // Deleting the delivery stream stops its KCL process.
  await firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: deliveryStreamName })).catch(() => undefined);
  for (const name of [streamName, burstStreamName]) {
    await kinesis.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true })).catch(() => undefined);
  }
  await emptyBucket(bucket).catch(() => undefined);
  await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  await setErrorProbability(0).catch(() => undefined);
  console.log(`kinesis-source e2e figures: ${JSON.stringify(figures)}`);
});

test('a delivery stream with a Kinesis source becomes ACTIVE (its KCL keeps the leases in moto)', async () => {
  const t0 = Date.now();
  await firehose.send(new CreateDeliveryStreamCommand({
    DeliveryStreamName: deliveryStreamName,
    DeliveryStreamType: 'KinesisStreamAsSource',
    KinesisStreamSourceConfiguration: { KinesisStreamARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${streamName}`, RoleARN: ROLE },
    ExtendedS3DestinationConfiguration: {
      BucketARN: `arn:aws:s3:::${bucket}`,
      RoleARN: ROLE,
      Prefix: PREFIX,
      ErrorOutputPrefix: 'errors/',
      BufferingHints: { IntervalInSeconds: 0, SizeInMBs: 1 },
      CompressionFormat: 'UNCOMPRESSED',
    },
  }));
  figures.createDeliveryStreamCallMs = Date.now() - t0; // LocalStack blocks up to 25 s while the KCL starts
  const status = await waitFor('delivery stream ACTIVE', 180_000, 1_000, async () => {
    const d = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: deliveryStreamName }));
    const s = d.DeliveryStreamDescription?.DeliveryStreamStatus;
    return s === 'CREATING' ? undefined : s;
  });
  figures.timeToActiveMs = Date.now() - t0;
  expect(status).toBe('ACTIVE');

  // The KCL's lease table (applicationName = <stream>-firehose-<delivery stream>) is in moto's DynamoDB.
  const motoPort = readFileSync(join(LS_DIR, 'moto-dynamodb.port'), 'utf8').trim();
  const res = await fetch(`http://127.0.0.1:${motoPort}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.ListTables',
      'authorization': `AWS4-HMAC-SHA256 Credential=${ACCOUNT}/20200101/${REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: '{}',
  });
  const tables: string[] = ((await res.json()) as { TableNames: string[] }).TableNames;
  figures.motoTables = tables;
  expect(tables).toContain(`${streamName}-firehose-${deliveryStreamName}`);
});

test(`${N} records put with PutRecords: GetRecords reads them all back, and each reaches S3 exactly once`, async () => {
  const ids = Array.from({ length: N }, (_, i) => `${run}-direct-${i}`);
  const t0 = Date.now();
  let firstPutDone = 0;
  for (let i = 0; i < N; i += 500) {
    const res = await kinesis.send(new PutRecordsCommand({
      StreamName: streamName,
      Records: ids.slice(i, i + 500).map((id, j) => ({
        Data: Buffer.from(JSON.stringify({ id, i: i + j }) + '\n'),
        PartitionKey: `pk-${(i + j) % 17}`,
      })),
    }));
    expect(res.FailedRecordCount ?? 0).toBe(0);
    if (!firstPutDone) firstPutDone = Date.now();
  }
  figures.putRecordsMs = Date.now() - t0;

  // Read the stream itself (a consumer of its own, from the start of the shard).
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  expect(shards).toHaveLength(1);
  let iterator = (await kinesis.send(new GetShardIteratorCommand({
    StreamName: streamName, ShardId: shards[0].ShardId!, ShardIteratorType: 'TRIM_HORIZON',
  }))).ShardIterator;
  const read: string[] = [];
  while (iterator && read.length < N) {
    const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    for (const r of got.Records ?? []) read.push(JSON.parse(Buffer.from(r.Data!).toString('utf8')).id);
    if (!got.Records?.length && got.MillisBehindLatest === 0) break;
    iterator = got.NextShardIterator;
  }
  expect(read.sort()).toEqual([...ids].sort());

  // S3, through the delivery stream.
  await waitFor('the first object in S3', 60_000, 100, async () => {
    const l = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: PREFIX, MaxKeys: 1 }));
    return l.KeyCount ? true : undefined;
  });
  figures.firstObjectAfterFirstPutMs = Date.now() - firstPutDone;
  const found = await waitFor(`${N} records in S3`, 120_000, 1_000, async () => {
    const f = (await recordsInS3()).filter(({ rec }) => String(rec.id).startsWith(`${run}-direct-`));
    return f.length >= N ? f : undefined;
  });
  figures.allRecordsInS3AfterFirstPutMs = Date.now() - firstPutDone;
  figures.s3Objects = new Set(found.map((f) => f.key)).size; // one object per KCL batch; buffering is ignored
  await sleep(3_000); // late duplicates would show up here
  const settled = (await recordsInS3()).filter(({ rec }) => String(rec.id).startsWith(`${run}-direct-`));
  expect(settled).toHaveLength(N);
  expectEachExactlyOnce(settled, ids);
});

describe('API Gateway AWS integration with Kinesis (kinesis:action/PutRecords and PutRecord)', () => {
  let base = '';
  const nl = '#set($nl = $util.urlDecode("%0A"))';
  // One Kinesis record per event, newline-terminated; the partition key varies per event.
  const putRecordsTemplate = [
    nl,
    `{"StreamName":"${streamName}","Records":[`,
    '#foreach($e in $input.path(\'$.events\'))',
    '#set($d = $input.json("$.events[$foreach.index]"))',
    '{"Data":"$util.base64Encode("$d$nl")","PartitionKey":"$context.requestId-$foreach.index"}#if($foreach.hasNext),#end',
    '#end',
    ']}',
  ].join('\n');
  const putRecordTemplate = [
    nl,
    '#set($d = $input.json(\'$\'))',
    `{"StreamName":"${streamName}","Data":"$util.base64Encode("$d$nl")","PartitionKey":"$context.requestId"}`,
  ].join('\n');

  beforeAll(async () => {
    restApiId = (await apigw.send(new CreateRestApiCommand({ name: `kinesis-source-${run}` }))).id!;
    const rootId = (await apigw.send(new GetResourcesCommand({ restApiId }))).items!.find((r) => r.path === '/')!.id!;
    const methods: { path: string; action: string; template: string; target: boolean }[] = [
      { path: 'records', action: 'PutRecords', template: putRecordsTemplate, target: true },
      { path: 'records-auto', action: 'PutRecords', template: putRecordsTemplate, target: false },
      { path: 'record', action: 'PutRecord', template: putRecordTemplate, target: true },
    ];
    for (const m of methods) {
      const resourceId = (await apigw.send(new CreateResourceCommand({ restApiId, parentId: rootId, pathPart: m.path }))).id!;
      await apigw.send(new PutMethodCommand({ restApiId, resourceId, httpMethod: 'POST', authorizationType: 'NONE' }));
      const requestParameters: Record<string, string> = { 'integration.request.header.Content-Type': "'application/x-amz-json-1.1'" };
      if (m.target) requestParameters['integration.request.header.X-Amz-Target'] = `'Kinesis_20131202.${m.action}'`;
      await apigw.send(new PutIntegrationCommand({
        restApiId,
        resourceId,
        httpMethod: 'POST',
        type: 'AWS',
        integrationHttpMethod: 'POST',
        uri: `arn:aws:apigateway:${REGION}:kinesis:action/${m.action}`,
        credentials: ROLE,
        passthroughBehavior: 'NEVER',
        requestParameters,
        requestTemplates: { 'application/json': m.template },
      }));
      for (const [statusCode, selectionPattern] of [['200', undefined], ['400', '4\\d{2}'], ['502', '5\\d{2}']] as const) {
        await apigw.send(new PutMethodResponseCommand({ restApiId, resourceId, httpMethod: 'POST', statusCode }));
        await apigw.send(new PutIntegrationResponseCommand({ restApiId, resourceId, httpMethod: 'POST', statusCode, selectionPattern }));
      }
    }
    await apigw.send(new CreateDeploymentCommand({ restApiId, stageName: 'test' }));
    base = invokeUrl(restApiId, 'test');
  });

  async function post(path: string, body: unknown): Promise<{ status: number; json: any; text: string }> {
    const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    let json: any;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, json, text };
  }

  test('PutRecords and PutRecord through the API reach the stream and S3 exactly once (with and without X-Amz-Target)', async () => {
    const ids: string[] = [];
    const shapes: Record<string, unknown> = {};
    for (const path of ['records', 'records-auto']) {
      const events = Array.from({ length: 50 }, (_, i) => ({ id: `${run}-api-${path}-${i}`, via: path }));
      ids.push(...events.map((e) => e.id));
      const r = await post(path, { events });
      shapes[path] = { status: r.status, keys: Object.keys(r.json ?? {}), first: r.json?.Records?.[0] };
      expect(r.status).toBe(200);
      expect(r.json.FailedRecordCount).toBe(0);
      expect(r.json.Records).toHaveLength(50);
      expect(r.json.Records[0]).toEqual({ SequenceNumber: expect.any(String), ShardId: 'shardId-000000000000' });
    }
    const one = { id: `${run}-api-record-0`, via: 'record' };
    ids.push(one.id);
    const r = await post('record', one);
    shapes.record = { status: r.status, body: r.json };
    expect(r.status).toBe(200);
    expect(r.json).toEqual(expect.objectContaining({ SequenceNumber: expect.any(String), ShardId: 'shardId-000000000000' }));
    figures.apiSuccessShapes = shapes;

    const found = await waitFor(`${ids.length} API records in S3`, 120_000, 1_000, async () => {
      const f = (await recordsInS3()).filter(({ rec }) => String(rec.id).startsWith(`${run}-api-`));
      return f.length >= ids.length ? f : undefined;
    });
    await sleep(3_000);
    const settled = (await recordsInS3()).filter(({ rec }) => String(rec.id).startsWith(`${run}-api-`));
    expect(settled).toHaveLength(ids.length);
    expectEachExactlyOnce(settled, ids);
    // The stored record is what $input.json rendered (LocalStack re-serialises it with spaces after ':' and ',').
    expect(found.find(({ rec }) => rec.id === one.id)!.rec).toEqual(one);
  });

  test('throttling: ProvisionedThroughputExceededException as Kinesis and the API answer it (KINESIS_ERROR_PROBABILITY=1)', async () => {
    await setErrorProbability(1);
    try {
      // Kinesis itself: PutRecord fails with HTTP 400; PutRecords answers 200 with a per-record ErrorCode.
      const err = await kinesisNoRetry.send(new PutRecordCommand({ StreamName: streamName, Data: Buffer.from('x\n'), PartitionKey: 'p' }))
        .then(() => undefined, (e) => e);
      expect(err).toBeInstanceOf(ProvisionedThroughputExceededException);
      expect(err.$metadata.httpStatusCode).toBe(400);
      const direct = await kinesis.send(new PutRecordsCommand({
        StreamName: streamName, Records: [1, 2, 3].map((i) => ({ Data: Buffer.from(`{"id":"${run}-throttled-${i}"}\n`), PartitionKey: 'p' })),
      }));
      expect(direct.Records!.map((x) => x.ErrorCode)).toEqual(Array(3).fill('ProvisionedThroughputExceededException'));
      // AWS counts every failed record; LocalStack 4.13.1 answers FailedRecordCount 1 however many failed.
      expect([1, 3]).toContain(direct.FailedRecordCount);

      // Through API Gateway: the integration passes Kinesis's status and body on, so the selection patterns decide.
      const batch = await post('records', { events: [{ id: `${run}-throttled-a` }, { id: `${run}-throttled-b` }] });
      const single = await post('record', { id: `${run}-throttled-c` });
      figures.apiThrottledShapes = { records: { status: batch.status, body: batch.json }, record: { status: single.status, body: single.json } };
      expect(batch.status).toBe(200);
      expect(batch.json.Records.map((x: any) => x.ErrorCode)).toEqual(['ProvisionedThroughputExceededException', 'ProvisionedThroughputExceededException']);
      expect(single.status).toBe(400); // selectionPattern 4\d{2} matched Kinesis's 400
      expect(single.json.__type).toBe('ProvisionedThroughputExceededException');
    } finally {
      await setErrorProbability(0);
    }
  });
});

test('kinesis-mock enforces no shard write limit: 5 records of 1,000 KiB (4.9 MiB) into one shard in one call, none throttled', async () => {
  // AWS: a shard takes 1 MiB/s (or 1,000 records/s) of writes; records beyond that fail with
  // ProvisionedThroughputExceededException. One PutRecords of 4.9 MiB to a single shard is far over, whatever the
  // machine's speed (a rate in records/s would depend on it).
  const data = Buffer.alloc(1_000 * 1024, 'x');
  const t0 = Date.now();
  const res = await kinesis.send(new PutRecordsCommand({
    StreamName: burstStreamName,
    Records: Array.from({ length: 5 }, (_, i) => ({ Data: data, PartitionKey: `b${i}` })),
  }));
  figures.burst = { records: 5, mib: +(5 * 1_000 / 1024).toFixed(2), ms: Date.now() - t0, failed: res.FailedRecordCount ?? 0 };
  expect(res.FailedRecordCount ?? 0).toBe(0);
  expect(new Set(res.Records!.map((r) => r.ShardId))).toEqual(new Set(['shardId-000000000000']));
});

test('DynamoDB Local was never installed nor started', async () => {
  const health = (await (await fetch(`${DEFAULT_ENDPOINT}/_localstack/health`)).json()) as { services: Record<string, string> };
  expect(health.services.dynamodb).toBe('disabled');
  expect(health.services.kinesis).toBe('running');

  // No DynamoDB Local file anywhere under LocalStack's FILESYSTEM_ROOT (its lib and cache directories live there).
  const hits: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (/dynamodb.?local/i.test(e.name)) hits.push(p);
      if (e.isDirectory() && !e.isSymbolicLink()) walk(p);
    }
  };
  const fsRoot = join(LS_DIR, 'filesystem');
  if (existsSync(fsRoot)) walk(fsRoot);
  expect(hits).toEqual([]);

  // No DynamoDB Local process among our LocalStack's descendants; the KCL's Java process is one of them.
  const lsPid = Number(readFileSync(join(LS_DIR, 'localstack.pid'), 'utf8').trim());
  const procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return { pid: Number(pid), ppid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') };
    } catch { return undefined; }
  }).filter((p): p is { pid: number; ppid: number; cmd: string } => p !== undefined);
  const tree = new Set([lsPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (tree.has(p.ppid) && !tree.has(p.pid)) { tree.add(p.pid); grew = true; }
  }
  const ours = procs.filter((p) => tree.has(p.pid));
  expect(ours.filter((p) => /DynamoDBLocal/i.test(p.cmd))).toEqual([]);
  expect(ours.some((p) => p.cmd.includes('software.amazon.kinesis.multilang.MultiLangDaemon'))).toBe(true);
  figures.localstackDescendants = ours.map((p) => p.cmd.split(' ').slice(0, 1).join(' ').replace(REPO_ROOT, '.'));
});
