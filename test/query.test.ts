import { App, Duration, Size, Stack, TimeZone, aws_apigateway as apigw, aws_iam as iam, aws_kinesisfirehose as firehose, aws_kms as kms } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ApiToFirehose, ApiToFirehoseProps, EnvelopeField, EnvelopeFieldSource, Input, RecordEnvelope, TextPlainMode } from '../src';
import { ColumnRole, FIELD_KINDS } from '../src/private/field-kinds';
import { QueryTableSpec, deduplicationKey, namedQueries } from '../src/private/sql';

function synth(props: ApiToFirehoseProps, extra?: (stack: Stack) => Partial<ApiToFirehoseProps>) {
  const stack = new Stack(new App(), 'S');
  const construct = new ApiToFirehose(stack, 'Ingest', { ...props, ...(extra ? extra(stack) : {}) });
  return { stack, construct, template: Template.fromStack(stack) };
}

function tableInput(template: Template): any {
  return (Object.values(template.findResources('AWS::Glue::Table'))[0] as any).Properties.TableInput;
}

function queryStrings(template: Template): Record<string, string> {
  return Object.fromEntries(Object.values(template.findResources('AWS::Athena::NamedQuery'))
    .map((q: any) => [q.Properties.Name, q.Properties.QueryString]));
}

describe('query: the default table', () => {
  const { stack, construct, template } = synth({ query: {} });
  const bucket = stack.resolve(construct.bucket!.bucketName);

  test('a new database and a table read with the OpenX JSON SerDe, a column per envelope field', () => {
    template.resourceCountIs('AWS::Glue::Database', 1);
    const t = tableInput(template);
    expect(t.Name).toBe('events');
    expect(t.TableType).toBe('EXTERNAL_TABLE');
    expect(t.StorageDescriptor.SerdeInfo).toEqual({ SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' });
    expect(t.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.mapred.TextInputFormat');
    expect(t.StorageDescriptor.Columns.map((c: any) => [c.Name, c.Type])).toEqual([
      ['apikeyid', 'string'], ['requestid', 'string'], ['receivedat', 'bigint'], ['eventid', 'string'], ['index', 'int'],
      ['body', 'string'],
    ]);
    expect(t.StorageDescriptor.Location).toEqual({ 'Fn::Join': ['', ['s3://', bucket, '/events/']] });
    expect(t.PartitionKeys).toEqual([{ Name: 'dt', Type: 'string', Comment: 'Delivery time (yyyy/MM/dd/HH, UTC)' }]);
  });

  test('partition projection matches Firehose\'s default YYYY/MM/dd/HH/ path: no crawler, no MSCK REPAIR', () => {
    expect(tableInput(template).Parameters).toEqual({
      'EXTERNAL': 'TRUE',
      'classification': 'json',
      'projection.enabled': 'true',
      'storage.location.template': { 'Fn::Join': ['', ['s3://', bucket, '/events/${dt}/']] },
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy/MM/dd/HH',
      'projection.dt.range': '2025/01/01/00,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'HOURS',
    });
    template.resourceCountIs('AWS::Glue::Crawler', 0);
  });

  test('an Athena workgroup: engine version 3, enforced, 10 GiB cutoff, encrypted results that expire', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      State: 'ENABLED',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', stack.resolve(construct.queryResultsBucket!.bucketName), '/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 7, Status: 'Enabled' })] },
    });
  });

  test('named queries: recent events, events per hour, the deduplicated view (by the client\'s eventId, else requestId + index)', () => {
    const db = construct.glueDatabase!.databaseInput as any;
    const table = `"${db.name}"."events"`;
    expect(queryStrings(template)).toEqual({
      'events: recent events': [
        'SELECT *',
        `FROM ${table}`,
        'WHERE "dt" >= format_datetime((current_timestamp AT TIME ZONE \'UTC\') - INTERVAL \'1\' DAY, \'yyyy/MM/dd/HH\')',
        'ORDER BY "receivedat" DESC',
        'LIMIT 100',
      ].join('\n'),
      'events: events per hour': [
        'SELECT date_trunc(\'hour\', from_unixtime("receivedat" / 1000)) AS "hour", count(*) AS "events"',
        `FROM ${table}`,
        'WHERE "dt" >= format_datetime((current_timestamp AT TIME ZONE \'UTC\') - INTERVAL \'7\' DAY, \'yyyy/MM/dd/HH\')',
        'GROUP BY 1',
        'ORDER BY 1',
      ].join('\n'),
      'events: create the deduplicated view': [
        `CREATE OR REPLACE VIEW "${db.name}"."events_deduplicated" AS`,
        'SELECT "apikeyid", "requestid", "receivedat", "eventid", "index", "body", "dt"',
        'FROM (',
        '  SELECT *, row_number() OVER (PARTITION BY "dt", "apikeyid", "eventid", CASE WHEN "eventid" IS NULL THEN "requestid" END, '
          + 'CASE WHEN "eventid" IS NULL THEN "index" END ORDER BY "receivedat") AS "copy"',
        `  FROM ${table}`,
        ')',
        'WHERE "copy" = 1',
      ].join('\n'),
    });
    template.allResourcesProperties('AWS::Athena::NamedQuery', {
      Database: db.name, WorkGroup: stack.resolve(construct.workGroup!.ref),
    });
  });

  test('the database name is a valid Glue name unique to the construct path', () => {
    expect((construct.glueDatabase!.databaseInput as any).name).toMatch(/^s_ingest_[0-9a-f]{8}$/);
  });
});

describe('query: the body column', () => {
  const T = apigw.JsonSchemaType;
  const eventSchema: apigw.JsonSchema = {
    type: T.OBJECT,
    required: ['name'],
    properties: { name: { type: T.STRING }, value: { type: T.NUMBER }, tags: { type: T.ARRAY, items: { type: T.STRING } } },
  };
  const body = (props: ApiToFirehoseProps) => tableInput(synth(props).template).StorageDescriptor.Columns.find((c: any) => c.Name === 'body').Type;

  test('a struct derived from eventSchema', () => {
    expect(body({ query: {}, eventSchema })).toBe('struct<name:string,value:double,tags:array<string>>');
  });
  test('text/plain stored as JSON strings: the body is a string whatever the schema', () => {
    expect(body({ query: {}, eventSchema, textPlain: TextPlainMode.AS_STRING })).toBe('string');
  });
  test('RAW: the event\'s properties are the columns', () => {
    const t = tableInput(synth({ query: {}, eventSchema, envelope: RecordEnvelope.RAW }).template);
    expect(t.StorageDescriptor.Columns.map((c: any) => [c.Name, c.Type])).toEqual([['name', 'string'], ['value', 'double'], ['tags', 'array<string>']]);
  });
  test('a custom envelope: header, constant, renamed body', () => {
    const t = tableInput(synth({
      query: {},
      envelope: RecordEnvelope.withFields([EnvelopeField.header('X-Tenant-Id', 'tenant'), EnvelopeField.constant('source', 'web'),
        EnvelopeField.userAgent()], { bodyField: 'event' }),
    }).template);
    expect(t.StorageDescriptor.Columns).toEqual([
      { Name: 'tenant', Type: 'string', Comment: 'Request header X-Tenant-Id' },
      { Name: 'source', Type: 'string', Comment: 'Constant \'web\'' },
      { Name: 'useragent', Type: 'string', Comment: 'user agent of the request' },
      { Name: 'event', Type: 'string', Comment: 'The event' },
    ]);
  });
});

describe('query: partitions', () => {
  test('a custom timestamp prefix: storage.location.template and a date projection in the same format', () => {
    const { template } = synth({
      query: { firstDay: '2026-03-01' },
      dataOutputPrefix: 'clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
    });
    const p = tableInput(template).Parameters;
    expect(p['storage.location.template']['Fn::Join'][1][2]).toBe('/clicks/year=${dt}/');
    expect(p['projection.dt.format']).toBe('yyyy\'/month=\'MM\'/day=\'dd');
    expect(p['projection.dt.range']).toBe('2026/month=03/day=01,NOW');
    expect(p['projection.dt.interval.unit']).toBe('DAYS');
  });

  test('partitionByField apiKeyId: an enum of the construct\'s keys, tenants added later included, and none', () => {
    const stack = new Stack(new App(), 'S');
    const c = new ApiToFirehose(stack, 'Ingest', { query: {}, partitionByField: 'apiKeyId' });
    const tenant = c.addTenant('Acme');
    const t = tableInput(Template.fromStack(stack));
    expect(t.PartitionKeys.map((k: any) => k.Name)).toEqual(['apikeyid', 'dt']);
    expect(t.StorageDescriptor.Columns.map((k: any) => k.Name)).not.toContain('apikeyid');
    expect(t.Parameters['projection.apikeyid.type']).toBe('enum');
    expect(t.Parameters['projection.apikeyid.values']).toEqual({
      'Fn::Join': ['', [stack.resolve(c.apiKey!.keyId), ',', stack.resolve(tenant.keyId), ',none']],
    });
    expect(t.Parameters['storage.location.template']['Fn::Join'][1][2]).toBe('/events/apiKeyId=${apikeyid}/${dt}/');
  });

  test('partitionByField keeps the hours under each value: the default prefix, the dt partition, and queries that prune by dt', () => {
    const { template } = synth({
      query: {},
      envelope: RecordEnvelope.withFields([EnvelopeField.header('X-Tenant-Id', 'tenant'), EnvelopeField.requestId(), EnvelopeField.receivedAt()]),
      partitionByField: 'tenant',
    });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'events/tenant=!{partitionKeyFromQuery:tenant}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/',
      }),
    });
    const t = tableInput(template);
    expect(t.PartitionKeys.map((k: any) => k.Name)).toEqual(['tenant', 'dt']);
    expect(t.StorageDescriptor.Location['Fn::Join'][1][2]).toBe('/events/');
    expect(t.Parameters).toMatchObject({
      'projection.tenant.type': 'injected',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy/MM/dd/HH',
      'projection.dt.interval.unit': 'HOURS',
      'projection.dt.range': '2025/01/01/00,NOW',
    });
    expect(t.Parameters['storage.location.template']['Fn::Join'][1][2]).toBe('/events/tenant=${tenant}/${dt}/');
    const since = 'WHERE "dt" >= format_datetime((current_timestamp AT TIME ZONE \'UTC\') - INTERVAL \'1\' DAY, \'yyyy/MM/dd/HH\')\n  AND "tenant" = ?';
    expect(queryStrings(template)['events: recent events']).toContain(since);
  });

  test('partitionByField on a header: injected, and the named queries ask for its value', () => {
    const { template } = synth({
      query: {},
      envelope: RecordEnvelope.withFields([EnvelopeField.header('X-Tenant-Id', 'tenant'), EnvelopeField.requestId(), EnvelopeField.receivedAt()]),
      partitionByField: 'tenant',
      dataOutputPrefix: 'events/tenant=!{partitionKeyFromQuery:tenant}/!{timestamp:yyyy/MM/dd/HH}/',
    });
    const p = tableInput(template).Parameters;
    expect(p['projection.tenant.type']).toBe('injected');
    expect(tableInput(template).PartitionKeys.map((k: any) => k.Name)).toEqual(['tenant', 'dt']);
    expect(queryStrings(template)['events: recent events']).toContain('AND "tenant" = ?');
  });

  test('the stream\'s time zone: the range reaches 14 hours past NOW and the queries use that zone', () => {
    const { template } = synth({ query: {}, timeZone: TimeZone.ASIA_TOKYO });
    expect(tableInput(template).Parameters['projection.dt.range']).toBe('2025/01/01/00,NOW+14HOURS');
    expect(queryStrings(template)['events: recent events']).toContain('AT TIME ZONE \'Asia/Tokyo\'');
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: { CustomTimeZone: 'Asia/Tokyo' },
    });
  });
});

describe('query: options', () => {
  test('an existing database, names, cutoff, expiry, and a customer-managed key for the results', () => {
    const { stack, template } = synth({
      query: {
        databaseName: 'analytics',
        tableName: 'clicks',
        workGroupName: 'clicks-wg',
        bytesScannedCutoffPerQuery: Size.gibibytes(1),
        resultsExpiration: Duration.days(3),
      },
    }, (s) => ({ encryptionKey: new kms.Key(s, 'Key') }));
    const key = stack.node.findChild('Key') as kms.Key;
    template.resourceCountIs('AWS::Glue::Database', 0);
    template.hasResourceProperties('AWS::Glue::Table', { DatabaseName: 'analytics', TableInput: Match.objectLike({ Name: 'clicks' }) });
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'clicks-wg',
      WorkGroupConfiguration: Match.objectLike({
        BytesScannedCutoffPerQuery: 1024 ** 3,
        ResultConfiguration: Match.objectLike({ EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: stack.resolve(key.keyArn) } }),
      }),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 3 })] },
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: stack.resolve(key.keyArn) } })] },
    });
  });

  test('Parquet: the table is the stream\'s schema, 64 MiB buffers, no Firehose compression, SNAPPY in the writer', () => {
    const { stack, construct, template } = synth({ query: { parquet: true } });
    const t = tableInput(template);
    expect(t.Parameters.classification).toBe('parquet');
    expect(t.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 },
        CompressionFormat: Match.absent(),
        DataFormatConversionConfiguration: Match.objectLike({
          SchemaConfiguration: Match.objectLike({ TableName: stack.resolve(construct.glueTable!.ref) }),
          InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
        }),
      }),
    });
  });

  test.each<[string, ApiToFirehoseProps, string]>([
    ['database name', { query: { databaseName: 'My-DB' } }, 'query.databaseName must be 1-255 lowercase letters, digits or underscores, got \'My-DB\'.'],
    ['table name', { query: { tableName: 'Events' } }, 'query.tableName must be 1-255 lowercase letters, digits or underscores, got \'Events\'.'],
    ['workgroup name', { query: { workGroupName: 'a b' } }, 'query.workGroupName must be 1-128 letters, digits, \'.\', \'_\' or \'-\', got \'a b\'.'],
    ['cutoff', { query: { bytesScannedCutoffPerQuery: Size.mebibytes(5) } }, 'query.bytesScannedCutoffPerQuery must be at least 10 MB (10000000 bytes), got 5242880 bytes.'],
    ['expiry', { query: { resultsExpiration: Duration.hours(36) } }, 'query.resultsExpiration must be a whole number of days (at least 1), got 1 day 12 hours.'],
    ['first day', { query: { firstDay: '2025-02-30' } }, 'query.firstDay must be a date as yyyy-MM-dd, got \'2025-02-30\'.'],
    ['compression without Parquet', { query: { parquetCompression: firehose.ParquetCompression.GZIP } }, 'query.parquetCompression applies to Parquet output: set query.parquet to true.'],
    ['Parquet buffering', { query: { parquet: true }, bufferingSize: Size.mebibytes(10) }, 'bufferingSize must be at least 64 MiB with query.parquet (record format conversion), got 10 MiB.'],
    ['Parquet compression', { query: { parquet: true }, compression: firehose.Compression.GZIP }, 'compression must be UNCOMPRESSED or unset with query.parquet (the Parquet writer compresses: query.parquetCompression), got GZIP.'],
    ['RAW without properties', { query: {}, envelope: RecordEnvelope.RAW }, 'query needs an eventSchema with properties and no text/plain AS_STRING bodies when the envelope is RAW: each record is the bare event, so its properties are the columns.'],
    ['random prefix', { query: {}, dataOutputPrefix: 'e/!{firehose:random-string}/', errorOutputPrefix: 'x/!{firehose:error-output-type}/' },
      'dataOutputPrefix expression \'!{firehose:random-string}\' is not accepted here (a random path in each key, which query cannot project): use !{timestamp:...}.'],
    ['a field named dt', { query: {}, envelope: RecordEnvelope.withFields([EnvelopeField.constant('dt', 'x')]) },
      'query cannot add the partition column \'dt\': a column of that name holds the envelope field or event property.'],
  ])('refused: %s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('refused with an existing delivery stream', () => {
    expect(() => synth({ query: {} }, (s) => ({
      deliveryStream: firehose.DeliveryStream.fromDeliveryStreamArn(s, 'E', 'arn:aws:firehose:us-east-1:111122223333:deliverystream/x'),
    }))).toThrow('query configure a new delivery stream and cannot be used with deliveryStream: configure the existing stream instead.');
  });
});

describe('grantQuery', () => {
  test('Athena on the workgroup, Glue read on the table, create/update of the dedup view only, both buckets', () => {
    const stack = new Stack(new App(), 'S');
    const c = new ApiToFirehose(stack, 'Ingest', { query: {} });
    const analyst = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    c.grantQuery(analyst);
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [stack.resolve(analyst.roleName)] },
    }))[0] as any;
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    const byAction = (a: string) => statements.filter((s) => [s.Action].flat().includes(a));
    expect(JSON.stringify(byAction('athena:StartQueryExecution')[0].Resource)).toContain(':workgroup/');
    expect(JSON.stringify(byAction('glue:GetTable')[0].Resource)).toContain('/events_deduplicated');
    const create = byAction('glue:CreateTable')[0];
    expect(JSON.stringify(create.Resource)).not.toContain('"/events"');
    expect(create.Action).toEqual(['glue:CreateTable', 'glue:UpdateTable']);
    expect(JSON.stringify(byAction('s3:GetObject*').map((s) => s.Resource))).toContain(stack.resolve(c.bucket!.bucketArn)['Fn::GetAtt'][0]);
    expect(JSON.stringify(byAction('s3:PutObject').map((s) => s.Resource))).toContain(stack.resolve(c.queryResultsBucket!.bucketArn)['Fn::GetAtt'][0]);
    expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('s3:DeleteObject*');
  });

  test('refused without query', () => {
    const c = new ApiToFirehose(new Stack(new App(), 'S'), 'I');
    expect(() => c.grantQuery(new iam.AccountRootPrincipal())).toThrow('grantQuery needs the query resources: set the `query` prop.');
  });
});

describe('the dedup view key', () => {
  const spec = (fields: { role: ColumnRole | string; column: string }[], multiEventRoutes: string[] = ['the batch route (/batch)']): QueryTableSpec => ({
    databaseName: 'db',
    tableName: 'events',
    columns: fields.map((f) => ({ name: f.column, type: 'string' })),
    partitions: [],
    roles: fields as QueryTableSpec['roles'],
    injected: [],
    timeZone: 'UTC',
    body: { name: 'body', type: 'string' },
    multiEventRoutes,
  });
  const view = (fields: { role: string; column: string }[], routes?: string[]) =>
    namedQueries(spec(fields, routes)).find((q) => q.id === 'DeduplicatedView');
  const SCOPE = { role: ColumnRole.SCOPE, column: 'apikeyid' };
  const EVENT = { role: ColumnRole.EVENT_ID, column: 'eventid' };
  const REQUEST = { role: ColumnRole.REQUEST, column: 'requestid' };
  const INDEX = { role: ColumnRole.INDEX, column: 'index' };

  test('a client event id, scoped by API key, else requestId + index', () => {
    const v = view([SCOPE, EVENT, REQUEST, INDEX])!;
    expect(v.sql).toContain('PARTITION BY "apikeyid", "eventid", CASE WHEN "eventid" IS NULL THEN "requestid" END, CASE WHEN "eventid" IS NULL THEN "index" END)');
    expect(v.description).toBe('Creates events_deduplicated: one row per apikeyid and eventid (events without one: requestid + index) within each '
      + 'partition. Only copies of one event share this key (a redelivered record, a client\'s retry), never two distinct events');
  });
  test('no event id: requestId + index', () => {
    expect(view([REQUEST, INDEX])!.sql).toContain('PARTITION BY "requestid", "index")');
  });
  test('one event per request (no batch route, no input): the request id alone is a key', () => {
    expect(view([REQUEST], [])!.sql).toContain('PARTITION BY "requestid")');
    expect(view([EVENT, REQUEST], [])!.sql).toContain('PARTITION BY "eventid", CASE WHEN "eventid" IS NULL THEN "requestid" END)');
  });
  test.each<[string, { role: ColumnRole; column: string }[], string[], string]>([
    ['a request id without a batch index, with a batch route', [SCOPE, REQUEST], ['the batch route (/batch)'],
      'the batch route (/batch) writes several events for one request, and the envelope has no batch index to tell them apart: '
      + 'add EnvelopeField.batchIndex() to the envelope to get it'],
    ['an event id and a request id without a batch index, with inputs', [SCOPE, EVENT, REQUEST], ['the segment input', 'the otlp input'],
      'the segment input and the otlp input write several events for one request, and the envelope has no batch index to tell them apart '
      + 'when they carry no valid event id: add EnvelopeField.batchIndex() to the envelope to get it'],
    ['an event id without a request id', [SCOPE, EVENT, INDEX], ['the batch route (/batch)'],
      'the envelope has no request id, so nothing tells distinct events without a valid event id apart: add EnvelopeField.requestId() '
      + 'and EnvelopeField.batchIndex() to the envelope to get it'],
    ['no key at all, one event per request', [{ role: ColumnRole.RECEIVED_AT, column: 'receivedat' }], [],
      'the envelope has no request id, so nothing tells distinct events apart: add EnvelopeField.requestId() to the envelope to get it'],
  ])('%s: no view, and the reason names the factory to add', (_what, fields, routes, reason) => {
    expect(view(fields, routes)).toBeUndefined();
    expect(deduplicationKey(spec(fields, routes))).toEqual({ refusal: reason });
  });
  test('RAW: no view, and the reason says why', () => {
    expect(deduplicationKey({ ...spec([]), body: undefined })).toEqual({
      refusal: 'RecordEnvelope.RAW records carry no request id to tell events apart: use an envelope with EnvelopeField.requestId() '
        + 'and EnvelopeField.batchIndex() to get it',
    });
  });
});

describe('the dedup view in a stack: created when its key tells every two events apart, else a synth warning', () => {
  const USE_ENVELOPE = RecordEnvelope.withFields([
    EnvelopeField.apiKeyId(), EnvelopeField.requestId(), EnvelopeField.receivedAt(),
    EnvelopeField.header('X-Tenant-Id', 'tenant'), EnvelopeField.constant('source', 'web'),
  ]);
  const warnings = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('no deduplicated view'))
    .map((w) => String(w.entry.data));
  test.each<[string, ApiToFirehoseProps, string | undefined]>([
    ['the default envelope', { query: {} }, undefined],
    ['the README "Use" envelope (no batch index): a batch route', { query: {}, envelope: USE_ENVELOPE },
      'query: no deduplicated view events_deduplicated (no named query creates it): the batch route (/batch) writes several events for one request, '
      + 'and the envelope has no batch index to tell them apart: add EnvelopeField.batchIndex() to the envelope to get it. '
      + 'A view without such a key would keep one row of several distinct events. [ack: cdk-api-to-firehose:noDeduplicatedView]'],
    ['the "Use" envelope, batch disabled: one event per request', { query: {}, envelope: USE_ENVELOPE, batch: { enabled: false } }, undefined],
    ['the "Use" envelope, batch of at most one event', { query: {}, envelope: USE_ENVELOPE, batch: { maxEvents: 1 } }, undefined],
    ['the "Use" envelope, batch disabled, with the Segment input', { query: {}, envelope: USE_ENVELOPE, batch: { enabled: false }, inputs: [Input.segment()] },
      'query: no deduplicated view events_deduplicated (no named query creates it): the segment input writes several events for one request, '
      + 'and the envelope has no batch index to tell them apart: add EnvelopeField.batchIndex() to the envelope to get it. '
      + 'A view without such a key would keep one row of several distinct events. [ack: cdk-api-to-firehose:noDeduplicatedView]'],
    ['RAW', { query: {}, envelope: RecordEnvelope.RAW, eventSchema: { type: apigw.JsonSchemaType.OBJECT, properties: { a: { type: apigw.JsonSchemaType.STRING } } } },
      'query: no deduplicated view events_deduplicated (no named query creates it): RecordEnvelope.RAW records carry no request id to tell '
      + 'events apart: use an envelope with EnvelopeField.requestId() and EnvelopeField.batchIndex() to get it. '
      + 'A view without such a key would keep one row of several distinct events. [ack: cdk-api-to-firehose:noDeduplicatedView]'],
  ])('%s', (_what, props, warning) => {
    const { stack, template } = synth(props);
    const created = Object.keys(queryStrings(template)).includes('events: create the deduplicated view');
    expect(created).toBe(warning === undefined);
    expect(warnings(stack)).toEqual(warning === undefined ? [] : [warning]);
  });
  test('the "Use" envelope with EnvelopeField.batchIndex() added: the view, keyed by requestid + index', () => {
    const { stack, template } = synth({ query: {}, envelope: RecordEnvelope.withFields([...USE_ENVELOPE.fields, EnvelopeField.batchIndex()]) });
    expect(queryStrings(template)['events: create the deduplicated view']).toContain('PARTITION BY "dt", "requestid", "index" ORDER BY "receivedat"');
    expect(warnings(stack)).toEqual([]);
  });
});

test('every envelope field source has a kind, with a column type', () => {
  expect(Object.keys(FIELD_KINDS).sort()).toEqual(Object.values(EnvelopeFieldSource).sort());
  for (const kind of Object.values(FIELD_KINDS)) expect(['string', 'bigint', 'int']).toContain(kind.glueType);
});
