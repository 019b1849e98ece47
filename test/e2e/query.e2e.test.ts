/**
 * Query end-to-end on a real engine: deploy integ/example-stack.ts to LocalStack, send events through the API
 * (hostile ones too), create the synthesized AWS::Glue::Table in Trino (the engine of Athena engine version 3)
 * mechanically from the same template, and run the synthesized named queries.
 *
 * Run inside `scripts/local/localstack.sh run -- scripts/local/trino.sh run -- ...` (scripts/test.sh).
 *
 * What this does not reproduce: Athena itself (its partition projection, workgroup limits and Glue catalog are
 * Trino's Hive connector here, with a file metastore); Firehose's buffering, compression and record format
 * conversion (LocalStack writes one raw object per call; the GZIP case is written here as Firehose writes it).
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { gzipSync } from 'zlib';
import { CopyObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { App, Stack, aws_apigateway as apigw, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DEPLOY_HOOK_MS } from './shared-example';
import { TrinoClient, TrinoResult, trinoDdlFromGlueTable } from './trino';
import { EXAMPLE_ENVELOPE, TYPED_EVENT_SCHEMA } from '../../integ/example-stack';
import { deleteStack, listObjects, s3Client } from '../../scripts/local/deploy';
import { DeployedExample, deployExample } from '../../scripts/local/example';
import { cfnResolver, createInTrino, synthesizedCatalogs } from '../../scripts/local/glue-in-trino';
import { ApiToFirehose } from '../../src';

jest.setTimeout(600_000);

let ex: DeployedExample;
const started = Date.now();
const trino = new TrinoClient();
const trinoQuery = (sql: string) => trino.query(sql);
type QueryResult = TrinoResult;

/** The Glue table and the named queries of one ApiToFirehose instance (its construct id starts their logical ids). */
function catalogOf(instance: string) {
  const [c] = synthesizedCatalogs(ex.template, instance);
  return { queries: c.queries, database: c.database, name: c.table };
}

async function post(route: string, body: unknown, headers: Record<string, string> = {}, key = ex.apiKey): Promise<number> {
  const res = await fetch(ex.baseUrl + route, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, ...headers },
    body: JSON.stringify(body),
  });
  await res.text();
  return res.status;
}

async function waitForLines(bucket: string, count: number): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const lines = (await listObjects(bucket, 'events/')).flatMap((o) => o.body.split('\n').filter(Boolean));
    if (lines.length >= count) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`fewer than ${count} lines arrived in ${bucket}`);
}

/** The dt values (hours) our events landed in, as SQL literals. */
async function ourHours(): Promise<string[]> {
  const keys = [...(await listObjects(ex.eventsBucket, 'events/')).map((o) => o.key)].filter((k) => !k.startsWith('events/2025/06/'));
  return [...new Set(keys.map((k) => `'${k.split('/').slice(1, 5).join('/')}'`))];
}

/** Rows as objects keyed by column name. */
function records(r: QueryResult): Record<string, any>[] {
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i]])));
}

const columnTypes = (r: QueryResult) => r.columns.map((c) => [c.name, c.type]);

// Events with what breaks naive pipelines: quotes, backslashes, newlines, unicode, strings that look like VTL.
const HOSTILE = [
  { kind: 'quotes', text: 'he said "hi", then \'bye\' \\ and left' },
  { kind: 'newlines', text: 'line 1\nline 2\r\n\ttabbed' },
  { kind: 'unicode', text: 'héllo wörld 世界 🎉 \u2028 end' },
  { kind: 'vtl', text: '$context.requestId #set($x = 1) ${input.body} $util.escapeJavaScript("x") #if(true)y#end' },
  { kind: 'nested', deep: { list: [1, 2.5, { b: null, c: [true, false] }], empty: {} } },
];
// One event carries a client event id (the eventid column), one an invalid id (null), one none.
const BATCH = [{ kind: 'batch', n: 0, eventId: 'e2e-query.0' }, { kind: 'batch', n: 1, s: 'two "quoted"', eventId: 'not valid!' }, { kind: 'batch', n: 2 }];
const USER_AGENT = 'e2e/1.0 "quoted" \\ $context.identity.apiKey';
const TYPED = [
  { type: 'full', value: 1.5, count: 3, ok: true, tags: ['a', 'b "q"'], page: { url: 'https://x.example/?q="1"', ms: 120 }, extra: { any: ['thing', 1] } },
  { type: 'minimal' },
];

beforeAll(async () => {
  ex = await deployExample(`Query${Date.now().toString(36)}`, undefined, true);
  for (const e of HOSTILE) expect(await post('?source=e2e', e, { 'user-agent': USER_AGENT, 'x-tenant-id': 'acme' })).toBe(200);
  expect(await post('batch?source=e2e', { records: BATCH }, { 'user-agent': USER_AGENT, 'x-tenant-id': 'acme' })).toBe(200);
  for (const e of TYPED) expect(await post('typed', e, {}, ex.typedApiKey)).toBe(200);
  await waitForLines(ex.eventsBucket, HOSTILE.length + BATCH.length);
  await waitForLines(ex.typedBucket, TYPED.length);
  await createInTrino(trino, ex.stackName, synthesizedCatalogs(ex.template));
}, DEPLOY_HOOK_MS);

afterAll(async () => {
  if (ex) await deleteStack(ex.stackName, { quiet: true }).catch(() => undefined);
});

describe('the envelope instance (body without properties in its schema)', () => {
  test('recent events: exactly the events sent, with their types; the body column holds each event\'s JSON text', async () => {
    const r = await trinoQuery(catalogOf('Ingest').queries['recent events']);
    expect(columnTypes(r)).toEqual([
      ['apikeyid', 'varchar'], ['requestid', 'varchar'], ['receivedat', 'bigint'], ['eventid', 'varchar'],
      ['index', 'integer'], ['useragent', 'varchar'], ['traceid', 'varchar'], ['tenant', 'varchar'], ['source', 'varchar'], ['pipeline', 'varchar'],
      // The Segment input's members (null on the construct's own routes).
      ['input', 'varchar'], ['sentat', 'varchar'], ['context', 'varchar'], ['segmentsource', 'varchar'],
      ['body', 'varchar'], ['dt', 'varchar'],
    ]);
    const rows = records(r);
    expect(rows.map((row) => JSON.parse(row.body)).sort(byJson)).toEqual([...HOSTILE, ...BATCH].sort(byJson));
    for (const row of rows) {
      expect(row).toMatchObject({ apikeyid: ex.apiKeyId, useragent: USER_AGENT, tenant: 'acme', source: 'e2e', pipeline: 'example' });
      expect(row.receivedat).toBeGreaterThanOrEqual(started - 60_000);
      expect(row.receivedat).toBeLessThanOrEqual(Date.now());
      expect(row.dt).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\d{2}$/);
      // The envelope's eventId column holds the event's own id when it has a valid one, else null.
      const id = JSON.parse(row.body).eventId;
      expect(row.eventid).toBe(typeof id === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(id) ? id : null);
    }
    expect(rows.filter((row) => row.index === null)).toHaveLength(HOSTILE.length);
    expect(rows.filter((row) => row.index !== null).map((row) => row.index).sort()).toEqual([0, 1, 2]);
    // Newest first.
    const times = rows.map((row) => row.receivedat);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  test('events per hour: every event counted once, in the hour it was received', async () => {
    const c = catalogOf('Ingest');
    const received = records(await trinoQuery(`SELECT receivedat FROM "${c.database}"."${c.name}" WHERE dt IN (${(await ourHours()).join(', ')})`));
    const expected = new Map<string, number>();
    for (const { receivedat } of received) {
      const hour = `${new Date(Math.floor(receivedat / 3_600_000) * 3_600_000).toISOString().slice(0, 13).replace('T', ' ')}:00:00.000 UTC`;
      expected.set(hour, (expected.get(hour) ?? 0) + 1);
    }
    const r = await trinoQuery(c.queries['events per hour']);
    expect(columnTypes(r)).toEqual([['hour', 'timestamp with time zone'], ['events', 'bigint']]);
    expect(r.rows).toEqual([...expected.entries()].sort());
    expect([...expected.values()].reduce((a, b) => a + b, 0)).toBe(HOSTILE.length + BATCH.length);
  });

  test('the deduplicated view removes a batch delivered twice', async () => {
    const c = catalogOf('Ingest');
    await trinoQuery(c.queries['create the deduplicated view']);
    // Firehose delivers at least once: a retried write puts the same records into a second object, under the same
    // time path (the prefix's time is the oldest record's arrival).
    const objects = await listObjects(ex.eventsBucket, 'events/');
    const batchObject = objects.find((o) => o.body.includes('"index":2') || o.body.includes('"index": 2'))!;
    await s3Client().send(new CopyObjectCommand({
      Bucket: ex.eventsBucket, CopySource: `${ex.eventsBucket}/${batchObject.key}`, Key: `${batchObject.key}-redelivered`,
    }));
    // A dt filter reaches the table through the view (dt leads its PARTITION BY): only these hours are read.
    const hours = `dt IN (${(await ourHours()).join(', ')})`;
    const count = async (from: string) => Number((await trinoQuery(`SELECT count(*) FROM ${from} WHERE ${hours}`)).rows[0][0]);
    expect(await count(`"${c.database}"."${c.name}"`)).toBe(HOSTILE.length + 2 * BATCH.length);
    const view = `"${c.database}"."${c.name}_deduplicated"`;
    expect(await count(view)).toBe(HOSTILE.length + BATCH.length);
    const viewBodies = records(await trinoQuery(`SELECT body FROM ${view} WHERE ${hours}`)).map((row) => JSON.parse(row.body));
    expect(viewBodies.sort(byJson)).toEqual([...HOSTILE, ...BATCH].sort(byJson));
  });

  test('a string column holding an object gives its JSON re-serialized compactly', async () => {
    const c = catalogOf('Ingest');
    const [object] = await listObjects(ex.eventsBucket, 'events/');
    const stored = JSON.parse(object.body.split('\n')[0]);
    const r = records(await trinoQuery(`SELECT body FROM "${c.database}"."${c.name}" WHERE dt IN (${(await ourHours()).join(', ')}) AND requestid = '${stored.requestId}'`));
    expect(r.map((row) => row.body)).toContain(JSON.stringify(stored.body));
  });

  test('GZIP objects are read when their key ends in .gz, as Firehose names them; without it the bytes read as nulls', async () => {
    const c = catalogOf('Ingest');
    const [original] = await listObjects(ex.eventsBucket, 'events/');
    const gz = gzipSync(Buffer.from(original.body));
    const put = (key: string) => s3Client().send(new PutObjectCommand({ Bucket: ex.eventsBucket, Key: key, Body: gz }));
    await put('events/2025/06/01/00/ApiToFirehose-1-2025-06-01-00-00-00-copy.gz');
    await put('events/2025/06/01/01/ApiToFirehose-1-2025-06-01-01-00-00-copy');
    const bodies = async (dt: string) => (await trinoQuery(`SELECT body FROM "${c.database}"."${c.name}" WHERE dt = '${dt}'`)).rows.map((row) => row[0]);
    const lines = original.body.split('\n').filter(Boolean);
    expect(await bodies('2025/06/01/00')).toEqual(lines.map((l) => JSON.stringify(JSON.parse(l).body)));
    const misread = await bodies('2025/06/01/01');
    expect(misread.length).toBeGreaterThan(0);
    expect(misread.every((b) => b === null)).toBe(true);
  });
});

describe('the typed instance (eventSchema with properties)', () => {
  test('the body is a struct derived from the schema: numbers, booleans, arrays, nested objects, and JSON text for an open object', async () => {
    const r = await trinoQuery(catalogOf('Typed').queries['recent events']);
    const body = r.columns.find((col) => col.name === 'body')!;
    expect(body.type).toBe('row(type varchar, value double, count bigint, ok boolean, tags array(varchar), page row(url varchar, ms bigint), extra varchar)');
    const bodies = records(r).map((row) => row.body);
    expect(bodies).toContainEqual(['full', 1.5, 3, true, ['a', 'b "q"'], ['https://x.example/?q="1"', 120], JSON.stringify(TYPED[0].extra)]);
    expect(bodies).toContainEqual(['minimal', null, null, null, null, null, null]);
  });
});

describe('custom layouts (LocalStack writes !{...} expressions literally: the objects are put where Firehose would)', () => {
  test('a partition by API key and Hive-style timestamp expressions: the synthesized table and query find the events', async () => {
    const prefix = 'by-key/apiKeyId=!{partitionKeyFromQuery:apiKeyId}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/';
    const stack = new Stack(new App(), 'LayoutProbe');
    new ApiToFirehose(stack, 'Layout', {
      bucket: s3.Bucket.fromBucketName(stack, 'Bucket', ex.eventsBucket),
      envelope: EXAMPLE_ENVELOPE,
      apiKeys: [apigw.ApiKey.fromApiKeyId(stack, 'Key', ex.apiKeyId)],
      partitionByField: 'apiKeyId',
      dataOutputPrefix: prefix,
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      query: { databaseName: 'layout_probe' },
    });
    const [layout] = synthesizedCatalogs(Template.fromStack(stack).toJSON());
    expect(layout.properties.TableInput.Parameters['projection.apikeyid.values']).toBe(`${ex.apiKeyId},none`);
    const ddl = trinoDdlFromGlueTable(layout.properties, { resolve: cfnResolver({}) });
    await trinoQuery(ddl.createSchema);
    await trinoQuery(ddl.createTable);

    // Where Firehose puts the batch object for this key and hour (the prefix evaluated), plus one for no key.
    const objects = await listObjects(ex.eventsBucket, 'events/');
    const batch = objects.find((o) => o.body.includes('"index":2') || o.body.includes('"index": 2'))!;
    const now = new Date();
    const hour = `year=${now.getUTCFullYear()}/month=${pad(now.getUTCMonth() + 1)}/day=${pad(now.getUTCDate())}/hour=${pad(now.getUTCHours())}`;
    const put = (key: string) => s3Client().send(new PutObjectCommand({ Bucket: ex.eventsBucket, Key: key, Body: batch.body }));
    await put(`by-key/apiKeyId=${ex.apiKeyId}/${hour}/Layout-1-copy`);
    await put(`by-key/apiKeyId=none/${hour}/Layout-1-copy`);

    const r = await trinoQuery(layout.queries['recent events']);
    const rows = records(r);
    expect(rows).toHaveLength(2 * BATCH.length);
    expect(rows.map((row) => row.apikeyid).sort()).toEqual([...Array(BATCH.length).fill(ex.apiKeyId), ...Array(BATCH.length).fill('none')].sort());
    expect(new Set(rows.map((row) => row.dt))).toEqual(new Set([`${now.getUTCFullYear()}/month=${pad(now.getUTCMonth() + 1)}/day=${pad(now.getUTCDate())}/hour=${pad(now.getUTCHours())}`]));
    expect(rows.map((row) => JSON.parse(row.body)).sort(byJson)).toEqual([...BATCH, ...BATCH].sort(byJson));
  });
});

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

describe('Parquet output (LocalStack does not convert: the synthesized Parquet table reads Parquet files in its layout)', () => {
  test('the Parquet table of the typed events, filled with Parquet that Trino writes from the JSON table, returns the same rows', async () => {
    // The same typed instance with query.parquet, synthesized (not deployed) over a prefix of the typed bucket.
    const stack = new Stack(new App(), 'ParquetProbe');
    new ApiToFirehose(stack, 'Parquet', {
      bucket: s3.Bucket.fromBucketName(stack, 'Bucket', ex.typedBucket),
      dataOutputPrefix: 'parquet/',
      eventSchema: TYPED_EVENT_SCHEMA,
      query: { parquet: true, databaseName: 'parquet_probe' },
    });
    const [parquet] = synthesizedCatalogs(Template.fromStack(stack).toJSON());
    const ddl = trinoDdlFromGlueTable(parquet.properties, { resolve: cfnResolver({}) });
    expect(ddl.createTable).toContain('format = \'PARQUET\'');
    await trinoQuery(ddl.createSchema);
    await trinoQuery(ddl.createTable);

    const json = catalogOf('Typed');
    const jsonTable = `"${json.database}"."${json.name}"`;
    const hours = records(await trinoQuery(`SELECT DISTINCT dt FROM ${jsonTable} WHERE dt >= '${currentHourMinus(2)}'`)).map((r) => r.dt);
    expect(hours.length).toBeGreaterThan(0);
    // What Firehose would write: Parquet files with the table's columns, under the hour's path.
    for (const [i, dt] of hours.entries()) {
      await trinoQuery(`CREATE TABLE "parquet_probe"."staging_${i}" WITH (format = 'PARQUET', external_location = 's3://${ex.typedBucket}/parquet/${dt}/') AS `
        + `SELECT apikeyid, requestid, receivedat, "index", body FROM ${jsonTable} WHERE dt = '${dt}'`);
    }
    const fromJson = await trinoQuery(json.queries['recent events']);
    const fromParquet = await trinoQuery(parquet.queries['recent events']);
    expect(columnTypes(fromParquet)).toEqual(columnTypes(fromJson));
    expect(fromParquet.rows.map((r) => JSON.stringify(r)).sort()).toEqual(fromJson.rows.map((r) => JSON.stringify(r)).sort());
    expect(fromParquet.rows).toHaveLength(TYPED.length);
  });
});

/** The UTC hour `hours` ago as a dt value (yyyy/MM/dd/HH). */
function currentHourMinus(hours: number): string {
  return new Date(Date.now() - hours * 3_600_000).toISOString().slice(0, 13).replace(/-/g, '/').replace('T', '/');
}

function byJson(a: unknown, b: unknown): number {
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}

describe('the Segment input (Input.segment() on the envelope instance)', () => {
  // A batch exactly as @segment/analytics-node 3.1.0 sent it (captured in test/senders), posted twice: a retry.
  const captured = JSON.parse(readFileSync(join(__dirname, '..', 'senders', 'fixtures', 'segment', 'node-batch.json'), 'utf8'));
  const batch = JSON.parse(captured.request.body);
  // The named queries read the last 30 days' partitions (720 projected hours, each an S3 listing on LocalStack): give a
  // busy machine time (the whole suite shares 2 cores).
  const slow = new TrinoClient({ timeoutMs: 600_000 });

  test('the Segment view: one row per messageId with Segment\'s fields as columns; per-day and first-seen queries run', async () => {
    for (let i = 0; i < 2; i++) {
      // The Segment routes take the declared source's write key, as analytics-node sends it (header and body).
      const res = await fetch(`${ex.baseUrl}v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'authorization': `Basic ${Buffer.from(`${ex.segmentWriteKey}:`).toString('base64')}` },
        body: JSON.stringify({ ...batch, writeKey: ex.segmentWriteKey }),
      });
      expect(res.status).toBe(200);
    }
    await waitForLines(ex.eventsBucket, HOSTILE.length + BATCH.length + 2 * batch.batch.length);
    const c = catalogOf('Ingest');
    await slow.query(c.queries['create the Segment view']);
    // The view prunes by dt (its window leads with the partition columns): read the last hours only.
    const r = await slow.query(`SELECT * FROM ${c.database}.${c.name}_segment WHERE "dt" >= '${currentHourMinus(3)}'`);
    const rows = records(r);
    expect(rows.map((row) => row.message_id).sort()).toEqual(batch.batch.map((e: any) => e.messageId).sort());
    expect(new Set(rows.map((row) => row.type))).toEqual(new Set(batch.batch.map((e: any) => e.type)));
    for (const row of rows) {
      const sent = batch.batch.find((e: any) => e.messageId === row.message_id);
      expect(row).toMatchObject({
        // No API key on the Segment routes: the source's name says who sent it.
        apikeyid: null, segmentsource: 'example', eventid: sent.messageId, type: sent.type, user_id: sent.userId ?? null, timestamp: sent.timestamp,
      });
      expect(JSON.parse(row.event_json)).toEqual(sent);
      if (sent.properties) expect(JSON.parse(row.properties)).toEqual(sent.properties);
      if (sent.traits) expect(JSON.parse(row.traits)).toEqual(sent.traits);
    }
    expect(columnTypes(r).filter(([n]) => ['type', 'user_id', 'properties', 'sent_at', 'context'].includes(n as string)))
      .toEqual([['type', 'varchar'], ['user_id', 'varchar'], ['properties', 'varchar'], ['sent_at', 'varchar'], ['context', 'varchar']]);
    const perDay = records(await slow.query(c.queries['Segment events by type per day']));
    expect(perDay.reduce((n, row) => n + Number(row.events), 0)).toBe(batch.batch.length);
    const users = records(await slow.query(c.queries['Segment users by first seen']));
    expect(users.map((u) => u.user).sort()).toEqual([...new Set(batch.batch.map((e: any) => e.userId ?? e.anonymousId))].sort());
  }, 1_200_000);
});
