/**
 * The Trino harness against the real engine: JSON Lines objects written to LocalStack S3 the way Firehose lays them
 * out (`events/YYYY/MM/dd/HH/`, a GZIP object ending in `.gz` and a raw object without extension), tables created
 * from hand-written Glue TableInputs by `trinoDdlFromGlueTable`, and queries through `TrinoClient`.
 *
 * Run inside both harnesses (scripts/test.sh):
 *   scripts/local/localstack.sh run -- scripts/local/trino.sh run -- npx jest test/e2e/trino.e2e.test.ts
 * What it does not reproduce: Glue itself (the metastore is Trino's file metastore) and Athena's own service layer
 * (workgroups, result locations, Athena-only functions); the SQL engine and the Hive connector are Athena's.
 */
import { randomUUID } from 'crypto';
import { createServer, IncomingMessage, Server } from 'http';
import { AddressInfo } from 'net';
import { gzipSync } from 'zlib';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { TrinoClient, TrinoHttpError, TrinoQueryError, trinoDdlFromGlueTable, trinoTypeFromHive } from './trino';
import { emptyBucket, s3Client } from '../../scripts/local/deploy';

jest.setTimeout(180_000);

const bucket = `trino-e2e-${Date.now().toString(36)}`;
const db = `e2e_${Date.now().toString(36)}`;
const s3 = s3Client();
let trino: TrinoClient;

/** The envelope our API writes, one object per line. */
function envelope(i: number, body: unknown, extra: Record<string, unknown> = {}) {
  return { apiKeyId: 'key-1', requestId: `req-${i}`, receivedAt: 1764619200000 + i, eventId: `ev-${i}`, index: i, body, ...extra };
}
const line = (o: unknown) => JSON.stringify(o);

const HOUR20 = 'events/2026/12/01/20/';
const HOUR21 = 'events/2026/12/01/21/';
const OLD_HOUR = 'events/2026/11/30/23/';
const BAD_HOUR = 'events/2026/12/01/23/';
const OUT_OF_RANGE_HOUR = 'events/2026/11/29/23/';
const BY_KEY = 'by-key/';
const ODD = 'odd/';

/** Objects written before the tests; keys in the shapes Firehose (.gz) and LocalStack's Firehose (no extension) use. */
const OBJECTS: Array<{ key: string; text: string; gzip?: boolean }> = [
  {
    // Firehose with GZIP: <prefix><stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid>.gz
    key: `${HOUR20}stream-1-2026-12-01-20-00-00-${randomUUID()}.gz`,
    gzip: true,
    text: [
      line(envelope(1, { type: 'click', n: 5_000_000_000, tags: ['a', 'b'], nested: { a: 'x' } })),
      line(envelope(2, { type: 'view', n: 7, tags: [], nested: { a: 'y' } })),
    ].join('\n') + '\n',
  },
  {
    // LocalStack's Firehose: raw object, no extension
    key: `${HOUR20}${randomUUID()}`,
    text: [
      // missing fields: no eventId, body without n
      line({ apiKeyId: 'key-1', requestId: 'req-3', receivedAt: 1764619200003, index: 3, body: { type: 'missing' } }),
      // extra fields at both levels
      line(envelope(4, { type: 'extra', n: 4, surplus: { deep: true } }, { surplus: 'ignored' })),
      // keys in other cases than the columns
      '{"APIKEYID":"key-1","RequestId":"req-5","ReceivedAt":1764619200005,"EventID":"ev-5","Index":5,"BODY":{"TYPE":"case","N":5}}',
      // two objects on one line (no newline between)
      `${line(envelope(6, { type: 'first' }))}${line(envelope(7, { type: 'second' }))}`,
      // a bigint beyond 2^63 and a decimal number for a bigint column
      line(envelope(8, { type: 'huge', n: 0 })).replace('"n":0', '"n":12345678901234567890123'),
      line(envelope(9, { type: 'decimal', n: 1.5 })),
      // a blank line
      '',
      line(envelope(10, { type: 'after-blank', n: 10 })),
    ].join('\n') + '\n',
  },
  { key: `${HOUR21}${randomUUID()}`, text: line(envelope(11, { type: 'next-hour', n: 11 })) + '\n' },
  { key: `${OLD_HOUR}${randomUUID()}`, text: line(envelope(12, { type: 'old', n: 12 })) + '\n' },
  { key: `${BAD_HOUR}${randomUUID()}`, text: `${line(envelope(13, { type: 'ok' }))}\n{"apiKeyId": "key-1", "body": {\n` },
  { key: `${OUT_OF_RANGE_HOUR}${randomUUID()}`, text: line(envelope(14, { type: 'outside-range' })) + '\n' },
  // Objects that are not what their name says, and names Trino skips
  { key: `${ODD}gzip/${randomUUID()}`, gzip: true, text: line(envelope(31, { type: 'gzip-without-extension' })) + '\n' },
  { key: `${ODD}fake-gz/${randomUUID()}.gz`, text: line(envelope(32, { type: 'plain-named-gz' })) + '\n' },
  {
    key: `${ODD}values/lines`,
    text: ['{"requestId":"q1","index":"12"}', '{"requestId":"q2","index":1e3}', '{"requestId":"q3","index":-1.9}',
      '{"requestId":"q4","index":true}', '{"requestId":unquoted,"index":2147483648}', '{"requestId":"q6","REQUESTID":"q6-last"}',
      'not json', '{"requestId":"q8","body":{"type":"t","tags":"solo"}} trailing text', '{"requestId":"q9","eventId":{"z":[1, 2.50, "s"]}}'].join('\n') + '\n',
  },
  { key: `${ODD}names/visible`, text: line(envelope(33, { type: 'visible' })) + '\n' },
  { key: `${ODD}names/_underscore`, text: line(envelope(34, { type: 'underscore' })) + '\n' },
  { key: `${ODD}names/.dot`, text: line(envelope(35, { type: 'dot' })) + '\n' },
  { key: `${ODD}names/sub/deeper`, text: line(envelope(36, { type: 'subfolder' })) + '\n' },
  // Dynamic partitioning by key: <prefix>apiKeyId=<id>/<yyyy/MM/dd/HH>/
  { key: `${BY_KEY}apiKeyId=key-1/2026/12/01/20/${randomUUID()}.gz`, gzip: true, text: line(envelope(21, { type: 'k1' })) + '\n' },
  { key: `${BY_KEY}apiKeyId=key-2/2026/12/01/20/${randomUUID()}.gz`, gzip: true, text: line({ ...envelope(22, { type: 'k2' }), apiKeyId: 'key-2' }) + '\n' },
];

const DATE_PROJECTION = {
  'projection.enabled': 'true',
  'projection.dt.type': 'date',
  'projection.dt.format': 'yyyy/MM/dd/HH',
  'projection.dt.range': '2026/11/30/00,2026/12/02/23',
  'projection.dt.interval': '1',
  'projection.dt.interval.unit': 'HOURS',
  'storage.location.template': { 'Fn::Join': ['', ['s3://', { Ref: 'EventsBucket' }, '/events/${dt}/']] },
};

interface Fixture {
  body?: string;
  receivedAt?: string;
  serde?: Record<string, string>;
  /** Replaces the date projection parameters. */
  projection?: Record<string, unknown>;
  partitionKeys?: Array<{ Name: string; Type: string }>;
  location?: string;
}

/** A hand-written Glue TableInput in the shape a CfnTable synthesizes (this fixture is for the harness only). */
function glueTable(name: string, f: Fixture = {}) {
  return {
    Type: 'AWS::Glue::Table',
    Properties: {
      CatalogId: '000000000000',
      DatabaseName: db,
      TableInput: {
        Name: name,
        TableType: 'EXTERNAL_TABLE',
        Parameters: { EXTERNAL: 'TRUE', classification: 'json', ...(f.projection ?? DATE_PROJECTION) },
        PartitionKeys: f.partitionKeys ?? [{ Name: 'dt', Type: 'string', Comment: 'hour of arrival, UTC' }],
        StorageDescriptor: {
          Columns: [
            { Name: 'apiKeyId', Type: 'string' },
            { Name: 'requestId', Type: 'string' },
            { Name: 'receivedAt', Type: f.receivedAt ?? 'bigint' },
            { Name: 'eventId', Type: 'string' },
            { Name: 'index', Type: 'int' },
            { Name: 'body', Type: f.body ?? 'struct<type:string,n:bigint,tags:array<string>,nested:struct<a:string>>' },
          ],
          Location: { 'Fn::Join': ['', ['s3://', { Ref: 'EventsBucket' }, `/${f.location ?? 'events/'}`]] },
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          Compressed: false,
          SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: { 'serialization.format': '1', ...f.serde } },
        },
      },
    },
  };
}

/** Resolves the only CloudFormation values the fixtures use: Ref EventsBucket inside Fn::Join. */
function resolve(value: unknown): string {
  const v = value as any;
  if (v?.Ref === 'EventsBucket') return bucket;
  if (Array.isArray(v?.['Fn::Join'])) return (v['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : resolve(p))).join(v['Fn::Join'][0]);
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

async function createTable(resource: unknown): Promise<string> {
  const ddl = trinoDdlFromGlueTable(resource, { resolve });
  await trino.query(ddl.createSchema);
  await trino.query(ddl.createTable);
  return ddl.qualifiedName;
}

beforeAll(async () => {
  trino = new TrinoClient();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const o of OBJECTS) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: o.gzip ? gzipSync(o.text) : o.text }));
  }
});

afterAll(async () => {
  await emptyBucket(bucket).catch(() => undefined);
});

describe('OpenX JSON over Firehose-shaped objects, date projection yyyy/MM/dd/HH', () => {
  let events: string;
  beforeAll(async () => {
    events = await createTable(glueTable('events'));
  });

  test('the table Trino stored has the mapped types, partition column last', async () => {
    const r = await trino.query(`DESCRIBE ${events}`);
    expect(r.rows.map((row) => [row[0], row[1], row[2]])).toEqual([
      ['apikeyid', 'varchar', ''],
      ['requestid', 'varchar', ''],
      ['receivedat', 'bigint', ''],
      ['eventid', 'varchar', ''],
      ['index', 'integer', ''],
      ['body', 'row(type varchar, n bigint, tags array(varchar), nested row(a varchar))', ''],
      ['dt', 'varchar', 'partition key'],
    ]);
  });

  test('reads the .gz object and the raw object of one hour; nested objects become rows', async () => {
    const rows = await trino.objects(`SELECT requestid, receivedat, index, body, dt, "$path" AS path FROM ${events} WHERE dt = '2026/12/01/20' ORDER BY index`);
    const byReq = new Map(rows.map((r) => [r.requestid, r]));
    expect(byReq.get('req-1')).toEqual({
      requestid: 'req-1',
      receivedat: 1764619200001,
      index: 1,
      dt: '2026/12/01/20',
      body: { type: 'click', n: 5_000_000_000, tags: ['a', 'b'], nested: { a: 'x' } },
      path: `s3://${bucket}/${OBJECTS[0].key}`,
    });
    expect(byReq.get('req-10')).toMatchObject({ body: { type: 'after-blank', n: 10 }, path: `s3://${bucket}/${OBJECTS[1].key}` });
    const result = await trino.query(`SELECT typeof(receivedat), typeof(body) FROM ${events} WHERE dt = '2026/12/01/20' LIMIT 1`);
    expect(result.rows[0]).toEqual(['bigint', 'row(type varchar, n bigint, tags array(varchar), nested row(a varchar))']);
  });
});

describe('what the OpenX JSON SerDe does with each line (Trino 476)', () => {
  let events: string;
  let rows: Record<string, any>[];
  beforeAll(async () => {
    events = await createTable(glueTable('lines'));
    rows = await trino.objects(`SELECT requestid, apikeyid, receivedat, eventid, index, body, "$path" AS path FROM ${events} WHERE dt = '2026/12/01/20'`);
  });
  const req = (id: string) => rows.filter((r) => r.requestid === id);

  test('a missing field is null, at the top level and inside a struct', () => {
    expect(req('req-3')).toEqual([expect.objectContaining({ eventid: null, index: 3, body: { type: 'missing', n: null, tags: null, nested: null } })]);
  });

  test('fields not in the schema are ignored, at both levels', () => {
    expect(req('req-4')).toEqual([expect.objectContaining({ eventid: 'ev-4', body: { type: 'extra', n: 4, tags: null, nested: null } })]);
  });

  test('keys are matched case-insensitively (case.insensitive defaults to true)', () => {
    expect(req('req-5')).toEqual([expect.objectContaining({ apikeyid: 'key-1', receivedat: 1764619200005, eventid: 'ev-5', index: 5, body: expect.objectContaining({ type: 'case', n: 5 }) })]);
  });

  test('of two objects on one line only the first is read; the second is dropped without error', () => {
    expect(req('req-6')).toHaveLength(1);
    expect(req('req-7')).toHaveLength(0);
  });

  test('a bigint holds numbers beyond 2^31; beyond 2^63 it is null; a decimal number is cut to its integer part', async () => {
    expect(req('req-1')[0].body.n).toBe(5_000_000_000);
    expect(req('req-8')[0].body).toMatchObject({ type: 'huge', n: null });
    expect(req('req-9')[0].body).toMatchObject({ type: 'decimal', n: 1 });
  });

  test('a blank line becomes a row of nulls (count rows by a field that is never null, not count(*))', () => {
    const blank = rows.filter((r) => r.requestid === null);
    expect(blank).toHaveLength(1);
    expect(blank[0]).toMatchObject({ apikeyid: null, receivedat: null, index: null, body: null, path: `s3://${bucket}/${OBJECTS[1].key}` });
  });

  test('all lines of both objects of the hour are read: 2 from the .gz, 7 from the raw object', () => {
    const perPath = (k: string) => rows.filter((r) => r.path === `s3://${bucket}/${k}` && r.requestid !== null).map((r) => r.requestid).sort();
    expect(perPath(OBJECTS[0].key)).toEqual(['req-1', 'req-2']);
    expect(perPath(OBJECTS[1].key)).toEqual(['req-10', 'req-3', 'req-4', 'req-5', 'req-6', 'req-8', 'req-9']);
  });

  test('a malformed line fails a query that reads columns, with the parser\'s message; count(*) reads no column and counts it', async () => {
    const err = await trino.query(`SELECT requestid FROM ${events} WHERE dt = '2026/12/01/23'`).catch((e) => e);
    expect(err).toBeInstanceOf(TrinoQueryError);
    expect(err.errorName).toBe('HIVE_CURSOR_ERROR');
    expect(err.causes.join('\n')).toMatch(/InvalidJsonException: End of input at character \d+ of JSON/);
    const count = await trino.query(`SELECT count(*) FROM ${events} WHERE dt = '2026/12/01/23'`);
    expect(count.rows).toEqual([[2]]);
  });

  test('ignore.malformed.json=true (SerDe parameter) turns a malformed line into a row of nulls', async () => {
    const lenient = await createTable(glueTable('lenient', { serde: { 'ignore.malformed.json': 'true' } }));
    const r = await trino.query(`SELECT requestid FROM ${lenient} WHERE dt = '2026/12/01/23' ORDER BY requestid NULLS LAST`);
    expect(r.rows).toEqual([['req-13'], [null]]);
  });

  test('an object where a bigint is expected fails the query (a string column would take it)', async () => {
    const t = await createTable(glueTable('body_as_bigint', { body: 'bigint' }));
    const err = await trino.query(`SELECT body FROM ${t} WHERE dt = '2026/12/01/21'`).catch((e) => e);
    expect(err).toBeInstanceOf(TrinoQueryError);
    expect(err.causes.join('\n')).toContain('can not be coerced to a BIGINT');
  });

  test('case.insensitive=false: camelCase keys no longer match (column names are lower case); mapping.* restores them', async () => {
    const strict = await createTable(glueTable('strict', { serde: { 'case.insensitive': 'false' } }));
    const r1 = await trino.query(`SELECT apikeyid, requestid FROM ${strict} WHERE dt = '2026/12/01/21'`);
    expect(r1.rows).toEqual([[null, null]]);
    const mapped = await createTable(glueTable('mapped', { serde: { 'case.insensitive': 'false', 'mapping.apikeyid': 'apiKeyId', 'mapping.requestid': 'requestId' } }));
    const r2 = await trino.query(`SELECT apikeyid, requestid FROM ${mapped} WHERE dt = '2026/12/01/21'`);
    expect(r2.rows).toEqual([['key-1', 'req-11']]);
  });

  test('a string column keeps an object or array value as compact JSON text; a number as its text', async () => {
    const raw = await createTable(glueTable('raw', { body: 'string' }));
    const r = await trino.objects(`SELECT requestid, body, typeof(body) AS t FROM ${raw} WHERE dt = '2026/12/01/20' AND requestid IN ('req-1', 'req-8', 'req-9')`);
    const body = Object.fromEntries(r.map((x) => [x.requestid, x.body]));
    expect(r[0].t).toBe('varchar');
    expect(body['req-1']).toBe('{"type":"click","n":5000000000,"tags":["a","b"],"nested":{"a":"x"}}');
    expect(JSON.parse(body['req-8'] as string).type).toBe('huge');
    expect(body['req-8']).toContain('"n":12345678901234567890123');
    expect(body['req-9']).toBe('{"type":"decimal","n":1.5}');
    const j = await trino.query(`SELECT json_extract_scalar(body, '$.nested.a') FROM ${raw} WHERE dt = '2026/12/01/20' AND requestid = 'req-1'`);
    expect(j.rows).toEqual([['x']]);
  });

  test('a timestamp column reads epoch milliseconds (13 digits) as UTC', async () => {
    const ts = await createTable(glueTable('ts', { receivedAt: 'timestamp' }));
    const r = await trino.query(`SELECT receivedat, typeof(receivedat) FROM ${ts} WHERE dt = '2026/12/01/21'`);
    expect(r.rows).toEqual([['2025-12-01 20:00:00.011', 'timestamp(3)']]);
  });
});

describe('which objects Trino reads, and how it decides they are compressed', () => {
  const unpartitioned = (name: string, prefix: string) => {
    const r: any = glueTable(name, { location: prefix });
    r.Properties.TableInput.PartitionKeys = [];
    r.Properties.TableInput.Parameters = { classification: 'json' };
    return r;
  };

  test('values: lenient number parsing, unquoted strings, duplicate keys, non-object lines, a scalar for an array', async () => {
    const t = await createTable(unpartitioned('values', `${ODD}values/`));
    // One small object is one split, read in order: no ORDER BY needed (or possible, for the null row).
    const r = await trino.query(`SELECT requestid, index, eventid, body.tags FROM ${t}`);
    expect(r.rows).toEqual([
      ['q1', 12, null, null], // "12" -> 12
      ['q2', 1000, null, null], // 1e3
      ['q3', -1, null, null], // -1.9 is cut
      ['q4', null, null, null], // true -> null
      ['unquoted', null, null, null], // unquoted value accepted; 2^31 overflows int -> null
      ['q6-last', null, null, null], // keys differing only in case: the last wins
      [null, null, null, null], // a line that is not an object
      ['q8', null, null, ['solo']], // text after the object ignored; a scalar becomes a one-element array
      ['q9', null, '{"z":[1,2.50,"s"]}', null], // numbers kept as written in JSON text
    ]);
  });

  test('GZIP bytes in an object without .gz are read as text: a row of nulls, no error', async () => {
    const t = await createTable(unpartitioned('gzip_no_ext', `${ODD}gzip/`));
    const r = await trino.query(`SELECT requestid, count(*) FROM ${t} GROUP BY requestid`);
    expect(r.rows.some((row) => row[0] === 'req-31')).toBe(false);
    expect(r.rows.filter((row) => row[0] === null).length).toBe(1);
  });

  test('plain text in an object named .gz fails the query', async () => {
    const t = await createTable(unpartitioned('fake_gz', `${ODD}fake-gz/`));
    const err = await trino.query(`SELECT requestid FROM ${t}`).catch((e) => e);
    expect(err).toBeInstanceOf(TrinoQueryError);
    expect(err.errorName).toBe('HIVE_CANNOT_OPEN_SPLIT');
    expect(err.message).toContain('Not in GZIP format');
  });

  test('objects named _x or .x are skipped, and subfolders are not read (hive.recursive-directories is false)', async () => {
    const t = await createTable(unpartitioned('names', `${ODD}names/`));
    const r = await trino.query(`SELECT requestid FROM ${t}`);
    expect(r.rows).toEqual([['req-33']]);
  });
});

describe('partition projection', () => {
  let events: string;
  beforeAll(async () => {
    events = await createTable(glueTable('projected'));
  });

  test('date projection yyyy/MM/dd/HH over storage.location.template finds every hour in range, and only those', async () => {
    const r = await trino.query(`SELECT dt, count(requestid) FROM ${events} WHERE dt <> '2026/12/01/23' GROUP BY dt ORDER BY dt`);
    // 2026/11/29/23 holds an object but lies before the range start (2026/11/30/00)
    expect(r.rows).toEqual([['2026/11/30/23', 1], ['2026/12/01/20', 9], ['2026/12/01/21', 1]]);
  });

  test('a range predicate on the projected column prunes hours (only matching prefixes are listed)', async () => {
    const r = await trino.query(`SELECT DISTINCT dt FROM ${events} WHERE dt BETWEEN '2026/12/01/00' AND '2026/12/01/22'`);
    expect(r.rows.map((x) => x[0]).sort()).toEqual(['2026/12/01/20', '2026/12/01/21']);
  });

  test('a range ending at NOW reads past hours (NOW is the query time, UTC)', async () => {
    const t = await createTable(glueTable('until_now', { projection: { ...DATE_PROJECTION, 'projection.dt.range': '2026/11/30/00,NOW' } }));
    const r = await trino.query(`SELECT count(requestid) FROM ${t} WHERE dt = '2026/12/01/20'`);
    expect(r.rows).toEqual([[9]]);
  });

  test('the projection is computed in UTC whatever the session time zone', async () => {
    const tokyo = new TrinoClient({ timeZone: 'Asia/Tokyo' });
    const r = await tokyo.query(`SELECT DISTINCT dt FROM ${events} WHERE dt <> '2026/12/01/23'`);
    expect(r.rows.map((x) => x[0]).sort()).toEqual(['2026/11/30/23', '2026/12/01/20', '2026/12/01/21']);
  });

  const byKey = (type: 'injected' | 'enum') => glueTable(`by_key_${type}`, {
    location: BY_KEY,
    partitionKeys: [{ Name: 'key', Type: 'string' }, { Name: 'dt', Type: 'string' }],
    projection: {
      ...DATE_PROJECTION,
      'projection.key.type': type,
      ...(type === 'enum' ? { 'projection.key.values': 'key-1, key-2,key-3' } : {}),
      'storage.location.template': { 'Fn::Join': ['', ['s3://', { Ref: 'EventsBucket' }, '/by-key/apiKeyId=${key}/${dt}/']] },
    },
  });

  test('injected projection: a query must fix the key with =, then reads that key\'s prefix', async () => {
    const t = await createTable(byKey('injected'));
    const err = await trino.query(`SELECT count(*) FROM ${t}`).catch((e) => e);
    expect(err).toBeInstanceOf(TrinoQueryError);
    expect(err.trinoMessage).toBe("Column projection for column 'key' failed. Injected projection requires single predicate for it's column in where clause");
    const r = await trino.query(`SELECT key, apikeyid, requestid FROM ${t} WHERE key = 'key-2' AND dt = '2026/12/01/20'`);
    expect(r.rows).toEqual([['key-2', 'key-2', 'req-22']]);
  });

  test('enum projection: every listed value is a partition; values are trimmed', async () => {
    const t = await createTable(byKey('enum'));
    const r = await trino.query(`SELECT key, requestid FROM ${t} ORDER BY key`);
    expect(r.rows).toEqual([['key-1', 'req-21'], ['key-2', 'req-22']]);
  });
});

describe('TrinoClient', () => {
  test('catalog hive is the session default, so SQL written for Athena (schema.table) runs as is', async () => {
    const t = trinoDdlFromGlueTable(glueTable('athena_style'), { resolve });
    await trino.query(t.createTable);
    const athena = new TrinoClient({ schema: db });
    const r = await athena.query(`SELECT count(requestid) FROM "${db}".athena_style WHERE dt = '2026/12/01/21'`);
    expect(r.rows).toEqual([[1]]);
    const unqualified = await athena.query("SELECT count(requestid) FROM athena_style WHERE dt = '2026/12/01/21'");
    expect(unqualified.rows).toEqual([[1]]);
  });

  test('a failing statement raises Trino\'s message, error name and position', async () => {
    const err = await trino.query('SELECT nope FROM (VALUES 1) t(x)').catch((e) => e);
    expect(err).toBeInstanceOf(TrinoQueryError);
    expect(err).toMatchObject({ errorName: 'COLUMN_NOT_FOUND', line: 1, column: 8 });
    expect(err.message).toContain("Column 'nope' cannot be resolved");
  });
});

describe('trinoDdlFromGlueTable (no engine)', () => {
  test('writes the DDL: quoted names, typed projection properties, SerDe and other parameters as extra_properties', () => {
    const ddl = trinoDdlFromGlueTable(glueTable('my"table', { serde: { 'case.insensitive': 'true' } }), { resolve: (v) => resolve(v).replace(bucket, 'bkt') });
    expect(ddl.qualifiedName).toBe(`"hive"."${db}"."my""table"`);
    expect(ddl.createSchema).toBe(`CREATE SCHEMA IF NOT EXISTS "hive"."${db}"`);
    expect(ddl.createTable).toBe([
      `CREATE TABLE "hive"."${db}"."my""table" (`,
      '  "apiKeyId" varchar,',
      '  "requestId" varchar,',
      '  "receivedAt" bigint,',
      '  "eventId" varchar,',
      '  "index" integer,',
      '  "body" row("type" varchar, "n" bigint, "tags" array(varchar), "nested" row("a" varchar)),',
      "  \"dt\" varchar COMMENT 'hour of arrival, UTC' WITH (partition_projection_type = 'DATE', partition_projection_format = 'yyyy/MM/dd/HH', "
        + "partition_projection_range = ARRAY['2026/11/30/00', '2026/12/02/23'], partition_projection_interval = 1, partition_projection_interval_unit = 'HOURS')",
      ')',
      'WITH (',
      "  format = 'OPENX_JSON',",
      "  external_location = 's3://bkt/events/',",
      "  partitioned_by = ARRAY['dt'],",
      '  partition_projection_enabled = true,',
      "  partition_projection_location_template = 's3://bkt/events/${dt}/',",
      "  extra_properties = MAP(ARRAY['case.insensitive', 'classification', 'serialization.format'], ARRAY['true', 'json', '1'])",
      ')',
    ].join('\n'));
    expect(ddl.notes).toEqual([expect.stringMatching(/^TableInput.StorageDescriptor.Compressed=false: informational/)]);
  });

  test.each([
    ['string', 'varchar'],
    ['INT', 'integer'],
    ['float', 'real'],
    ['timestamp', 'timestamp(3)'],
    ['binary', 'varbinary'],
    ['decimal', 'decimal(10, 0)'],
    ['decimal(12,2)', 'decimal(12, 2)'],
    ['varchar(20)', 'varchar(20)'],
    ['map<string,array<struct<x:int>>>', 'map(varchar, array(row("x" integer)))'],
    ['struct< a : string , `b c` : map<string,bigint> >', 'row("a" varchar, "b c" map(varchar, bigint))'],
  ])('Hive type %s is Trino %s', (hive, trinoType) => {
    expect(trinoTypeFromHive(hive)).toBe(trinoType);
  });

  test.each([
    ['struct<a:string', 'Hive type "struct<a:string": expected \'>\' at offset 15.'],
    ['array<string>>', 'Hive type "array<string>>": unexpected text at offset 13.'],
    ['uniontype<int,string>', 'Hive type "uniontype<int,string>": unknown or unsupported type \'uniontype\' at offset 9.'],
    ['decimal(40,2)', 'Hive type "decimal(40,2)": decimal(40, 2) is out of range (precision 1-38, scale <= precision) at offset 13.'],
    ['struct<>', 'Hive type "struct<>": a struct needs at least one field at offset 8.'],
    ['constructor', 'Hive type "constructor": unknown or unsupported type \'constructor\' at offset 11.'],
  ])('Hive type %s is refused', (hive, message) => {
    expect(() => trinoTypeFromHive(hive)).toThrow(message);
  });

  const withParams = (p: Record<string, unknown>) => glueTable('t', { projection: { ...DATE_PROJECTION, ...p } });
  test.each<[string, unknown, string]>([
    ['an unknown projection property', withParams({ 'projection.dt.timezone': 'UTC' }),
      'TableInput.Parameters["projection.dt.timezone"]: unknown projection property \'timezone\' (Trino 476 maps type, values, range, interval, interval.unit, digits, format).'],
    ['projection on a data column', withParams({ 'projection.index.type': 'integer' }),
      'TableInput.Parameters["projection.index.type"]: projection parameter for a column that is not a partition key (dt).'],
    ['a bad projection type', withParams({ 'projection.dt.type': 'time' }),
      'TableInput.Parameters["projection.dt.type"] must be one of DATE, ENUM, INTEGER, INJECTED, got "TIME".'],
    ['a non-integer interval', withParams({ 'projection.dt.interval': '1.5' }),
      'TableInput.Parameters["projection.dt.interval"] must be an integer, got "1.5".'],
    ['an unresolved location without resolver', glueTable('t'),
      'TableInput.StorageDescriptor.Location is {"Fn::Join":["",["s3://",{"Ref":"EventsBucket"},"/events/"]]}, not a string; pass options.resolve to resolve CloudFormation values.'],
  ])('refuses %s', (_what, resource, message) => {
    const opts = message.includes('options.resolve') ? {} : { resolve };
    expect(() => trinoDdlFromGlueTable(resource, opts)).toThrow(message);
  });

  test.each<[string, (t: any) => void, string]>([
    ['an unknown TableInput property', (t) => { t.Owner = 'me'; }, 'TableInput.Owner has no Trino equivalent this converter knows (value "me"); pass it in options.drop to leave it out.'],
    ['a SerDe Trino has no reader for', (t) => { t.StorageDescriptor.SerdeInfo.SerializationLibrary = 'com.amazon.ionhiveserde.IonHiveSerDe'; },
      'TableInput.StorageDescriptor.SerdeInfo.SerializationLibrary "com.amazon.ionhiveserde.IonHiveSerDe" is not one of'],
    ['an input format that does not go with the SerDe', (t) => { t.StorageDescriptor.InputFormat = 'org.apache.hadoop.hive.ql.io.orc.OrcInputFormat'; },
      'TableInput.StorageDescriptor.InputFormat must be org.apache.hadoop.mapred.TextInputFormat for org.openx.data.jsonserde.JsonSerDe (Trino format OPENX_JSON), got "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat".'],
    ['a managed table', (t) => { t.TableType = 'MANAGED_TABLE'; }, 'TableInput.TableType must be EXTERNAL_TABLE (data at an S3 location), got "MANAGED_TABLE".'],
    ['EXTERNAL other than TRUE', (t) => { t.Parameters.EXTERNAL = 'FALSE'; }, 'TableInput.Parameters["EXTERNAL"] must be one of TRUE, got "FALSE".'],
    ['column names equal but for case', (t) => { t.StorageDescriptor.Columns.push({ Name: 'APIKEYID', Type: 'string' }); },
      'column "apikeyid" appears twice (names are case-insensitive in Trino and Athena).'],
    ['a SerDe parameter that contradicts a table parameter', (t) => { t.StorageDescriptor.SerdeInfo.Parameters.classification = 'csv'; },
      'TableInput.StorageDescriptor.SerdeInfo.Parameters["classification"] = "csv" conflicts with TableInput.Parameters["classification"] = "json".'],
  ])('refuses %s', (_what, edit, message) => {
    const r = glueTable('t');
    edit(r.Properties.TableInput);
    expect(() => trinoDdlFromGlueTable(r, { resolve })).toThrow(message);
  });

  test('options.drop leaves a named property out and says so', () => {
    const r: any = glueTable('t');
    r.Properties.TableInput.Owner = 'me';
    const ddl = trinoDdlFromGlueTable(r, { resolve, drop: ['TableInput.Owner'] });
    expect(ddl.notes).toContain('TableInput.Owner: dropped as asked (options.drop)');
    expect(ddl.createTable).not.toContain('me');
  });
});

describe('TrinoClient protocol handling (a local HTTP server playing Trino)', () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];
  let handler: (req: IncomingMessage, path: string) => { status: number; body: unknown };
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} user=${req.headers['x-trino-user']} catalog=${req.headers['x-trino-catalog']}`);
      const { status, body } = handler(req, req.url ?? '');
      res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => { seen.length = 0; });

  test('retries 503, follows nextUri across pages, keeps the last columns', async () => {
    let busy = 2;
    handler = (_req, path) => {
      if (path === '/v1/statement') return busy-- > 0 ? { status: 503, body: 'busy' } : { status: 200, body: { id: 'q1', nextUri: `${base}/p/1` } };
      if (path === '/p/1') return { status: 200, body: { id: 'q1', nextUri: `${base}/p/2`, columns: [{ name: 'x', type: 'bigint' }], data: [[1], [2]] } };
      return { status: 200, body: { id: 'q1', columns: [{ name: 'x', type: 'bigint' }], data: [[3]], stats: { state: 'FINISHED' } } };
    };
    const r = await new TrinoClient({ endpoint: base, user: 'u' }).query('SELECT x');
    expect(r.rows).toEqual([[1], [2], [3]]);
    expect(r.columns.map((c) => c.name)).toEqual(['x']);
    expect(seen).toEqual([
      'POST /v1/statement user=u catalog=hive', 'POST /v1/statement user=u catalog=hive', 'POST /v1/statement user=u catalog=hive',
      'GET /p/1 user=u catalog=hive', 'GET /p/2 user=u catalog=hive',
    ]);
  });

  test('an unexpected status is a TrinoHttpError with the body', async () => {
    handler = () => ({ status: 401, body: 'Basic authentication or X-Trino-User must be sent' });
    const err = await new TrinoClient({ endpoint: base }).query('SELECT 1').catch((e) => e);
    expect(err).toBeInstanceOf(TrinoHttpError);
    expect(err.message).toBe(`Trino at ${base}/v1/statement answered HTTP 401: Basic authentication or X-Trino-User must be sent`);
  });

  test('a query past its deadline is cancelled (DELETE nextUri) and reported', async () => {
    handler = (req) => (req.method === 'DELETE' ? { status: 204, body: '' } : { status: 200, body: { id: 'q2', nextUri: `${base}/p/again`, stats: { state: 'RUNNING' } } });
    const err = await new TrinoClient({ endpoint: base, timeoutMs: 300 }).query('SELECT slow').catch((e) => e);
    expect(err.message).toMatch(/^Trino query q2 did not finish within 300 ms \(state RUNNING\); cancelled\./);
    expect(seen[seen.length - 1]).toBe('DELETE /p/again user=e2e catalog=hive');
  });

  test('row values become objects along the type signature, through arrays and maps', async () => {
    const sig = {
      rawType: 'array',
      arguments: [{
        kind: 'TYPE',
        value: {
          rawType: 'row',
          arguments: [
            { kind: 'NAMED_TYPE', value: { fieldName: { name: 'a' }, typeSignature: { rawType: 'varchar', arguments: [] } } },
            {
              kind: 'NAMED_TYPE',
              value: {
                fieldName: { name: 'm' },
                typeSignature: {
                  rawType: 'map',
                  arguments: [
                    { kind: 'TYPE', value: { rawType: 'varchar', arguments: [] } },
                    { kind: 'TYPE', value: { rawType: 'row', arguments: [{ kind: 'NAMED_TYPE', value: { fieldName: { name: 'n' }, typeSignature: { rawType: 'bigint', arguments: [] } } }] } },
                  ],
                },
              },
            },
          ],
        },
      }],
    };
    handler = () => ({ status: 200, body: { id: 'q3', columns: [{ name: 'c', type: 'array(row(a varchar, m map(varchar, row(n bigint))))', typeSignature: sig }], data: [[[['x', { k: [7] }], null]]] } });
    expect(await new TrinoClient({ endpoint: base }).objects('SELECT c')).toEqual([{ c: [{ a: 'x', m: { k: { n: 7 } } }, null] }]);
  });
});
