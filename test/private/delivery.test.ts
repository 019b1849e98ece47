import { App, CfnResource, Duration, Size, Stack, TimeZone, aws_glue as glue, aws_iam as iam, aws_kinesisfirehose as firehose, aws_kms as kms, aws_logs as logs } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { createBucket, createDelivery, logicalIdOfChild, partitioningProcessors } from '../../src/private/delivery';
import { DeliverySettings } from '../../src/private/resolve';

const SETTINGS = {
  deliveryStreamName: 'events',
  errorLogRetention: logs.RetentionDays.ONE_MONTH,
};

function build(extra: (stack: Stack) => Partial<DeliverySettings> & { table?: glue.CfnTable } = () => ({})) {
  const stack = new Stack(new App(), 'S');
  const bucket = createBucket(stack);
  const { table, ...more } = extra(stack);
  const delivery = createDelivery(stack, {
    ...SETTINGS,
    bufferingInterval: Duration.seconds(60),
    bufferingSize: Size.mebibytes(10),
    compression: firehose.Compression.GZIP,
    dataOutputPrefix: 'events/',
    errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
    multiLineRecords: true,
    ...more,
  }, bucket, table);
  return { stack, bucket, delivery, template: Template.fromStack(stack) };
}

/** Every IAM statement in the template, with the roles its policy is attached to. */
function statements(template: Template): { roles: unknown; statement: any }[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) =>
    p.Properties.PolicyDocument.Statement.map((statement: any) => ({ roles: p.Properties.Roles, statement })));
}

describe('the Firehose L2 with our own role', () => {
  test('one role, one policy: the L2 adds no role of its own and its grants are dropped', () => {
    const { stack, delivery, template } = build();
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: { RoleARN: stack.resolve(delivery.role.roleArn) },
    });
    const actions = statements(template).flatMap(({ statement }) => [statement.Action].flat());
    // grantReadWrite and grantWrite would add these.
    for (const a of ['s3:DeleteObject*', 's3:PutObjectRetention', 's3:List*', 'logs:CreateLogStream']) expect(actions).not.toContain(a);
  });

  test('the role may write to the log stream the L2 created, and only to it', () => {
    const { stack, delivery, template } = build();
    const stream = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0] as any;
    const logging = stream.Properties.ExtendedS3DestinationConfiguration.CloudWatchLoggingOptions;
    expect(logging).toEqual({
      Enabled: true, LogGroupName: stack.resolve(delivery.logGroup.logGroupName), LogStreamName: { Ref: expect.any(String) },
    });
    const logStatement = statements(template).find(({ statement }) => statement.Action === 'logs:PutLogEvents')!.statement;
    expect(logStatement.Resource['Fn::Join'][1].slice(-4)).toEqual(
      [':log-group:', stack.resolve(delivery.logGroup.logGroupName), ':log-stream:', logging.LogStreamName]);
  });

  test('a customer-managed key: the stream and the destination use it; the role gets data-key use only', () => {
    const { stack, template } = build((s) => ({ encryptionKey: new kms.Key(s, 'Key') }));
    const key = stack.node.findChild('Key') as kms.Key;
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: stack.resolve(key.keyArn) },
      ExtendedS3DestinationConfiguration: { EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: stack.resolve(key.keyArn) } } },
    });
    const kmsActions = statements(template).flatMap(({ statement }) => [statement.Action].flat()).filter((a) => a.startsWith('kms:'));
    expect(kmsActions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  test('the stream waits for the policy: Firehose checks its access at creation', () => {
    const { stack, template } = build();
    const stream = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0] as any;
    const policy = stack.node.findChild('DeliveryPolicy').node.defaultChild as iam.CfnPolicy;
    expect(stream.DependsOn).toEqual([stack.getLogicalId(policy)]);
  });

  test('the time zone is the stream\'s CustomTimeZone', () => {
    build(() => ({ timeZone: TimeZone.ASIA_TOKYO })).template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: { CustomTimeZone: 'Asia/Tokyo' },
    });
  });

  test('Parquet: the table is the schema, no Firehose compression, 64 MiB or more, Glue read on that table only', () => {
    const { stack, template } = build((s) => {
      const table = new glue.CfnTable(s, 'Table', {
        catalogId: s.account, databaseName: 'db', tableInput: { name: 'events', storageDescriptor: { columns: [{ name: 'a', type: 'string' }] } },
      });
      return { table, parquet: firehose.ParquetCompression.SNAPPY, bufferingSize: Size.mebibytes(64) };
    });
    const table = stack.node.findChild('Table') as glue.CfnTable;
    const role = stack.node.findChild('DeliveryRole') as iam.Role;
    const stream = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0] as any;
    const dest = stream.Properties.ExtendedS3DestinationConfiguration;
    expect(dest.CompressionFormat).toBeUndefined();
    expect(dest.BufferingHints).toEqual({ IntervalInSeconds: 60, SizeInMBs: 64 });
    expect(dest.DataFormatConversionConfiguration).toEqual({
      Enabled: true,
      SchemaConfiguration: {
        CatalogId: { Ref: 'AWS::AccountId' },
        Region: { Ref: 'AWS::Region' },
        RoleARN: stack.resolve(role.roleArn),
        DatabaseName: 'db',
        TableName: stack.resolve(table.ref),
        VersionId: 'LATEST',
      },
      InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
      OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
    });
    const glueStatement = statements(template).find(({ statement }) => [statement.Action].flat().includes('glue:GetTable'))!.statement;
    expect(glueStatement.Action).toEqual(['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions']);
    expect(JSON.stringify(glueStatement.Resource)).toContain(':table/db/');
    expect(JSON.stringify(template.toJSON())).not.toContain('glue:GetSchemaVersion');
  });
});

describe('partitioning processors', () => {
  test('packed records are split, keyed, and given back their newline', () => {
    const stack = new Stack();
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    const rendered = partitioningProcessors('apiKeyId', true).map((p) => p.bind(stack, {
      role,
      dynamicPartitioningEnabled: true,
      prefix: 'events/apiKeyId=!{partitionKeyFromQuery:apiKeyId}/',
    }));
    expect(rendered.map((r) => [r.processorType, r.parameters])).toEqual([
      ['RecordDeAggregation', [{ parameterName: 'SubRecordType', parameterValue: 'DELIMITED' }, { parameterName: 'Delimiter', parameterValue: 'Cg==' }]],
      ['MetadataExtraction', [
        { parameterName: 'MetadataExtractionQuery', parameterValue: '{apiKeyId: (.apiKeyId // "none" | tostring)}' },
        { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
      ]],
      ['AppendDelimiterToRecord', []],
    ]);
  });

  test('one record per event: only the key query', () => {
    expect(partitioningProcessors('tenant', false).map((p) => p.constructor.name)).toEqual(['MetadataExtractionProcessor']);
  });
});

describe('the stream keeps the logical id it had as an L1 (a named stream cannot be replaced)', () => {
  test.each([[['Ingest']], [['Team', 'Ingest']], [['Default', 'Ingest']], [['Ingest', 'Ingest']], [['a-b c', 'Resource']]])(
    'under %j: the id CDK gives a CfnResource there', (path) => {
      const scopeAt = (stack: Stack) => path.reduce((parent: Construct, id) => new Construct(parent, id), stack);
      const probe = new Stack(new App(), 'S');
      const expected = probe.getLogicalId(new CfnResource(scopeAt(probe), 'DeliveryStream', { type: 'Probe::Probe' }));
      expect(logicalIdOfChild(scopeAt(new Stack(new App(), 'S')), 'DeliveryStream')).toBe(expected);
    });

  test('the L2\'s stream is given that id', () => {
    const { stack, delivery } = build();
    expect(stack.resolve(delivery.cfnDeliveryStream.logicalId)).toBe('DeliveryStream');
    const nested = new Stack(new App(), 'S');
    const scope = new Construct(nested, 'Ingest');
    const d = createDelivery(scope, {
      ...SETTINGS,
      bufferingInterval: Duration.seconds(60),
      bufferingSize: Size.mebibytes(10),
      compression: firehose.Compression.GZIP,
      dataOutputPrefix: 'events/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      multiLineRecords: false,
    }, createBucket(scope));
    // What it was before the Firehose L2 (integ snapshots and every deployed stack of earlier versions).
    expect(nested.resolve(d.cfnDeliveryStream.logicalId)).toBe('IngestDeliveryStream4AC6A65B');
  });
});
