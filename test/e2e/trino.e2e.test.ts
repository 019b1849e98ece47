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
import { gzipSync } from 'zlib';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { TrinoClient, TrinoQueryError, trinoDdlFromGlueTable } from './trino';
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
      line(envelope(8, { type: 'huge', n: 12345678901234567890123 })),
      line(envelope(9, { type: 'decimal', n: 1.5 })),
      // a blank line
      '',
      line(envelope(10, { type: 'after-blank', n: 10 })),
    ].join('\n') + '\n',
  },
  { key: `${HOUR21}${randomUUID()}`, text: line(envelope(11, { type: 'next-hour', n: 11 })) + '\n' },
  { key: `${OLD_HOUR}${randomUUID()}`, text: line(envelope(12, { type: 'old', n: 12 })) + '\n' },
  { key: `${BAD_HOUR}${randomUUID()}`, text: `${line(envelope(13, { type: 'ok' }))}\n{"apiKeyId": "key-1", "body": {\n` },
];

/** A hand-written Glue TableInput in the shape a CfnTable synthesizes (this fixture is for the harness only). */
function glueTable(name: string, opts: { body?: string; receivedAt?: string; serde?: Record<string, string>; params?: Record<string, string> } = {}) {
  return {
    Type: 'AWS::Glue::Table',
    Properties: {
      CatalogId: '000000000000',
      DatabaseName: db,
      TableInput: {
        Name: name,
        TableType: 'EXTERNAL_TABLE',
        Parameters: {
          'EXTERNAL': 'TRUE',
          'classification': 'json',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy/MM/dd/HH',
          'projection.dt.range': '2026/11/30/00,2026/12/02/23',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'HOURS',
          'storage.location.template': { 'Fn::Join': ['', ['s3://', { Ref: 'EventsBucket' }, '/events/${dt}/']] },
          ...opts.params,
        },
        PartitionKeys: [{ Name: 'dt', Type: 'string', Comment: 'hour of arrival, UTC' }],
        StorageDescriptor: {
          Columns: [
            { Name: 'apiKeyId', Type: 'string' },
            { Name: 'requestId', Type: 'string' },
            { Name: 'receivedAt', Type: opts.receivedAt ?? 'bigint' },
            { Name: 'eventId', Type: 'string' },
            { Name: 'index', Type: 'int' },
            { Name: 'body', Type: opts.body ?? 'struct<type:string,n:bigint,tags:array<string>,nested:struct<a:string>>' },
          ],
          Location: { 'Fn::Join': ['', ['s3://', { Ref: 'EventsBucket' }, '/events/']] },
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          Compressed: false,
          SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: { 'serialization.format': '1', ...opts.serde } },
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

describe('TrinoClient', () => {
  test('a failing statement raises Trino\'s message, error name and position', async () => {
    const err = await trino.query('SELECT nope FROM (VALUES 1) t(x)').catch((e) => e);
    expect(err).toBeInstanceOf(TrinoQueryError);
    expect(err).toMatchObject({ errorName: 'COLUMN_NOT_FOUND', line: 1, column: 8 });
    expect(err.message).toContain("Column 'nope' cannot be resolved");
  });
});
