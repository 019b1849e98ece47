import { App, Duration, Stack, aws_iam as iam, aws_kinesis as kinesis, aws_kinesisfirehose as firehose, aws_kms as kms } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApiToFirehose, ApiToFirehoseProps, BatchMode, EnvelopeField, IngestTarget, Input, KinesisStreamOptions, PartitionKey } from '../src';

function build(props: ApiToFirehoseProps = {}): { stack: Stack; c: ApiToFirehose; t: Template } {
  const stack = new Stack(new App(), 'S');
  const c = new ApiToFirehose(stack, 'Ingest', props);
  return { stack, c, t: Template.fromStack(stack) };
}
const kinesisProps = (o: KinesisStreamOptions = {}, extra: ApiToFirehoseProps = {}): ApiToFirehoseProps =>
  ({ target: IngestTarget.kinesisStream(o), ...extra });

describe('IngestTarget.kinesisStream()', () => {
  test('a new on-demand stream, encrypted with aws/kinesis, read by a delivery stream with the Kinesis source', () => {
    const { stack, c, t } = build(kinesisProps());
    t.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      RetentionPeriodHours: 24,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      ShardCount: Match.absent(),
    });
    t.hasResource('AWS::Kinesis::Stream', { DeletionPolicy: 'Delete' });
    t.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: stack.resolve(c.stream!.streamArn) },
      DeliveryStreamEncryptionConfigurationInput: Match.absent(),
      ExtendedS3DestinationConfiguration: Match.objectLike({ Prefix: 'events/', CompressionFormat: 'GZIP' }),
    });
    expect(c.stream).toBeDefined();
  });

  test('the API role may only put records into this stream; the Firehose role may only read it', () => {
    const { stack, c, t } = build(kinesisProps({}, { batch: { mode: BatchMode.RECORD_PER_EVENT } }));
    const arn = stack.resolve(c.stream!.streamArn);
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [stack.resolve((c.apiGatewayRole as iam.Role).roleName)],
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['kinesis:PutRecord', 'kinesis:PutRecords'], Resource: arn }] },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
          Resource: arn,
        }]),
      },
    });
    const text = JSON.stringify(t.toJSON());
    expect(text).not.toMatch(/firehose:PutRecord/);
  });

  test('single and packed: PutRecord; record per event: PutRecords; the Kinesis JSON protocol header', () => {
    for (const [mode, batchAction] of [[BatchMode.PACKED, 'PutRecord'], [BatchMode.RECORD_PER_EVENT, 'PutRecords']] as const) {
      const { t } = build(kinesisProps({}, { batch: { mode } }));
      const methods = Object.values(t.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'POST' } }));
      const targets = methods.map((m: any) => m.Properties.Integration.RequestParameters['integration.request.header.X-Amz-Target']).sort();
      expect(targets).toEqual(["'Kinesis_20131202.PutRecord'", `'Kinesis_20131202.${batchAction}'`].sort());
    }
  });

  test('a provisioned stream with a customer key, 48 h retention: kms:GenerateDataKey for the API, kms:Decrypt for Firehose', () => {
    const stack = new Stack(new App(), 'S');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new ApiToFirehose(stack, 'Ingest', kinesisProps({
      streamMode: kinesis.StreamMode.PROVISIONED, shardCount: 3, retentionPeriod: Duration.hours(48), encryptionKey: key, streamName: 'events',
    }));
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Kinesis::Stream', {
      Name: 'events',
      ShardCount: 3,
      RetentionPeriodHours: 48,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: stack.resolve(key.keyArn) },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: stack.resolve(key.keyArn) }]) },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: stack.resolve(key.keyArn) }]) },
    });
  });

  test('warm throughput on an on-demand stream; a given stream is used as is', () => {
    build(kinesisProps({ warmThroughputMiBps: 100 })).t.hasResourceProperties('AWS::Kinesis::Stream', { WarmThroughputMiBps: 100 });
    const stack = new Stack(new App(), 'S');
    const given = new kinesis.Stream(stack, 'Mine', { streamMode: kinesis.StreamMode.ON_DEMAND });
    const c = new ApiToFirehose(stack, 'Ingest', kinesisProps({ stream: given }));
    expect(c.stream).toBe(given);
    Template.fromStack(stack).resourceCountIs('AWS::Kinesis::Stream', 1);
  });

  test('stream alarms beside the others: WriteProvisionedThroughputExceeded and GetRecords.IteratorAgeMilliseconds', () => {
    const { stack, c, t } = build(kinesisProps());
    const dims = [{ Name: 'StreamName', Value: stack.resolve(c.stream!.streamName) }];
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Kinesis', MetricName: 'WriteProvisionedThroughputExceeded', Statistic: 'Sum', Threshold: 0, Dimensions: dims });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Kinesis', MetricName: 'GetRecords.IteratorAgeMilliseconds', Statistic: 'Maximum', Threshold: 300_000, Dimensions: dims });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DeliveryToS3.DataFreshness' });
    expect(c.alarms).toHaveLength(8);
    expect(build(kinesisProps({}, { monitoring: { alarms: false } })).c.alarms).toHaveLength(0);
  });

  test('stream.grantRead gives a consumer read on the stream', () => {
    const stack = new Stack(new App(), 'S');
    const c = new ApiToFirehose(stack, 'Ingest', kinesisProps());
    const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
    c.stream!.grantRead(consumer);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [stack.resolve(consumer.roleName)],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['kinesis:GetRecords']), Resource: stack.resolve(c.stream!.streamArn) })]) },
    });
  });

  test('every input writes to the stream: its routes call kinesis:PutRecord, and the role may write nothing else', () => {
    const { t } = build(kinesisProps({}, { inputs: [Input.segment(), Input.otlpLogs(), Input.snowplow(), Input.logShippers()] }));
    const methods = Object.values(t.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'POST' } }));
    // '/', '/batch', 14 Segment routes, OTLP logs, Snowplow tp2, the shippers' route.
    expect(methods).toHaveLength(19);
    for (const m of methods as any[]) {
      const uri = JSON.stringify(m.Properties.Integration.Uri);
      expect(uri).toMatch(/:kinesis:action\/PutRecords?"/);
      expect(m.Properties.Integration.RequestParameters['integration.request.header.X-Amz-Target']).toMatch(/^'Kinesis_20131202\.PutRecords?'$/);
      for (const template of Object.values<string>(m.Properties.Integration.RequestTemplates)) {
        expect(JSON.stringify(template)).not.toMatch(/DeliveryStreamName/);
      }
    }
    const actions = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement.flatMap((x: any) => [x.Action].flat()));
    expect(actions.filter((a: string) => a.startsWith('firehose:Put'))).toEqual([]);
  });

  test('Firehose Direct PUT stays the default, and IngestTarget.FIREHOSE is the same', () => {
    const a = JSON.stringify(build().t.toJSON());
    const b = JSON.stringify(build({ target: IngestTarget.FIREHOSE }).t.toJSON());
    expect(b).toBe(a);
    expect(a).not.toMatch(/AWS::Kinesis::Stream/);
  });

  test.each<[string, ApiToFirehoseProps, string]>([
    ['with deliveryStream', kinesisProps({}, { deliveryStream: firehose.DeliveryStream.fromDeliveryStreamName(new Stack(), 'D', 'd') }),
      'target IngestTarget.kinesisStream() creates a delivery stream that reads the Kinesis stream; it cannot be used with deliveryStream (a Direct PUT stream).'],
    ['shardCount on demand', kinesisProps({ shardCount: 2 }),
      'target.kinesisStream shardCount applies to streamMode PROVISIONED, got shardCount 2 with ON_DEMAND.'],
    ['warm throughput provisioned', kinesisProps({ streamMode: kinesis.StreamMode.PROVISIONED, warmThroughputMiBps: 10 }),
      'target.kinesisStream warmThroughputMiBps applies to streamMode ON_DEMAND, got warmThroughputMiBps 10 with PROVISIONED.'],
    ['zero shards', kinesisProps({ streamMode: kinesis.StreamMode.PROVISIONED, shardCount: 0 }),
      'target.kinesisStream shardCount must be a whole number of at least 1 (the account\'s shard quota is the ceiling), got 0.'],
    ['warm throughput too high', kinesisProps({ warmThroughputMiBps: 20_000 }),
      'target.kinesisStream warmThroughputMiBps must be a whole number between 1 and 10240, got 20000.'],
    ['retention too short', kinesisProps({ retentionPeriod: Duration.hours(12) }),
      'target.kinesisStream retentionPeriod must be a whole number of hours between 24 and 8760 (365 days), got 12 hours.'],
    ['retention not whole hours', kinesisProps({ retentionPeriod: Duration.minutes(1501) }),
      'target.kinesisStream retentionPeriod must be a whole number of hours between 24 and 8760 (365 days), got 25.017 hours.'],
    ['bad name', kinesisProps({ streamName: 'no spaces' }),
      'target.kinesisStream streamName must be 1-128 characters of [a-zA-Z0-9_.-], got \'no spaces\'.'],
    ['a number as key', kinesisProps({ partitionKey: PartitionKey.fromField(EnvelopeField.receivedAt()) }),
      'target.kinesisStream partitionKey must be a field whose value is a string (API_KEY_ID, REQUEST_ID, TRACE_ID, SOURCE_IP, USER_AGENT, STAGE, HEADER, QUERY_PARAMETER, CONSTANT, EVENT_ID), got RECEIVED_AT.'],
  ])('refused: %s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('a given stream refuses the new-stream options, naming them', () => {
    const stack = new Stack(new App(), 'S');
    const stream = new kinesis.Stream(stack, 'Mine');
    expect(() => new ApiToFirehose(stack, 'Ingest', kinesisProps({ stream, shardCount: 2, encryptionKey: new kms.Key(stack, 'K') })))
      .toThrow('target.kinesisStream: shardCount, encryptionKey configure a new stream and cannot be used with stream: configure the existing stream instead.');
  });
});

describe('cdk-nag AwsSolutions with the Kinesis target', () => {
  test.each<[string, KinesisStreamOptions, ApiToFirehoseProps]>([
    ['on-demand, packed', {}, {}],
    ['provisioned, record per event, keyed by API key, with query', { streamMode: kinesis.StreamMode.PROVISIONED, partitionKey: PartitionKey.API_KEY_ID },
      { batch: { mode: BatchMode.RECORD_PER_EVENT }, query: {} }],
  ])('%s: no unacknowledged error or warning', (_name, o, extra) => {
    const stack = new Stack(new App(), 'S');
    new ApiToFirehose(stack, 'Ingest', kinesisProps(o, extra));
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});
