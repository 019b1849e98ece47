import {
  App, Duration, Size, Stack, aws_apigateway as apigw, aws_kinesisfirehose as firehose, aws_kms as kms, aws_s3 as s3, aws_sns as sns,
} from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApiToFirehose, ApiToFirehoseProps, BatchMode, EnvelopeField, RecordEnvelope, TextPlainMode } from '../src';

/** How a partitioning refusal says to add a field that can partition the output. */
const ADD_FIELD = 'add one to the envelope, e.g. EnvelopeField.header(\'X-Tenant-Id\', \'tenant\'), EnvelopeField.queryParameter(\'tenant\', \'tenant\'), '
  + 'EnvelopeField.constant(\'source\', \'web\') or EnvelopeField.apiKeyId()';

function build(props: ApiToFirehoseProps = {}, extra?: (s: Stack) => Partial<ApiToFirehoseProps>) {
  const stack = new Stack(new App(), 'S');
  const construct = new ApiToFirehose(stack, 'Ingest', { ...props, ...(extra ? extra(stack) : {}) });
  return { stack, construct, template: Template.fromStack(stack) };
}

function nagViolations(stack: Stack): string[] {
  return new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName);
}

describe('observability', () => {
  test('default alarms: freshness, delivery failures, throttled records, 5xx, 4xx, latency; no actions', () => {
    const { template, construct } = build();
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    const metrics = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties.MetricName).sort();
    expect(metrics).toEqual(['4XXError', '5XXError', 'DeliveryToS3.DataFreshness', 'DeliveryToS3.Success', 'Latency', 'ThrottledRecords']);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DeliveryToS3.DataFreshness',
      Threshold: 300,
      Namespace: 'AWS/Firehose',
      TreatMissingData: 'notBreaching',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: construct.deliveryStreamName }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DeliveryToS3.Success', Threshold: 1, ComparisonOperator: 'LessThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError', Threshold: 0.01, AlarmActions: Match.absent() });
    expect(construct.alarms).toHaveLength(6);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  test('alarm topic, thresholds, freshness from buffering, dashboard', () => {
    const { stack, template } = build({ bufferingInterval: Duration.seconds(600), monitoring: { dashboard: true, serverErrorRate: 0.05 } },
      (s) => ({ monitoring: { alarmTopic: new sns.Topic(s, 'T'), dashboard: true, serverErrorRate: 0.05 } }));
    const topic = stack.resolve((stack.node.findChild('T') as sns.Topic).topicArn);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError', Threshold: 0.05, AlarmActions: [topic], OKActions: [topic] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DeliveryToS3.DataFreshness', Threshold: 1200 });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  test('API alarms use the API name of a given RestApi; an imported API (no name) gets the Firehose alarms only', () => {
    const created = build();
    const name = (created.construct.restApi as apigw.RestApi).restApiName;
    expect(name).toMatch(/^S-Ingest-[A-F0-9]{8}$/);
    created.template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: name });
    created.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Latency', Dimensions: Match.arrayWith([{ Name: 'ApiName', Value: name }]),
    });
    const own = build({ resourcePath: 'e' }, (s) => ({ restApi: new apigw.RestApi(s, 'Mine', { restApiName: 'my-api' }) }));
    own.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5XXError', Dimensions: Match.arrayWith([{ Name: 'ApiName', Value: 'my-api' }]),
    });
    const stack = new Stack(new App(), 'S');
    const api = apigw.RestApi.fromRestApiAttributes(stack, 'Imp', { restApiId: 'abc123', rootResourceId: 'root' });
    const stage = apigw.Stage.fromStageAttributes(stack, 'St', { restApi: api, stageName: 'live' }) as apigw.Stage;
    const c = new ApiToFirehose(stack, 'I', { restApi: api, resourcePath: 'e', stage });
    expect(c.alarms.map((a) => (a.node.defaultChild as any).metricName).sort()).toEqual(
      ['DeliveryToS3.DataFreshness', 'DeliveryToS3.Success', 'ThrottledRecords']);
  });

  test('alarms can be turned off; bad rates are refused', () => {
    build({ monitoring: { alarms: false } }).template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(() => build({ monitoring: { serverErrorRate: 2 } })).toThrow('monitoring.serverErrorRate must be a share between 0 (exclusive) and 1, got 2.');
  });

  test('X-Ray tracing and stage throttling', () => {
    build({ tracingEnabled: true, throttle: { rateLimit: 20, burstLimit: 40 } }).template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 })],
    });
  });
});

describe('account-wide logging role', () => {
  test('created by default, optional for stacks with several APIs', () => {
    build().template.resourceCountIs('AWS::ApiGateway::Account', 1);
    const stack = new Stack(new App(), 'S');
    new ApiToFirehose(stack, 'A');
    new ApiToFirehose(stack, 'B', { cloudWatchRole: false });
    Template.fromStack(stack).resourceCountIs('AWS::ApiGateway::Account', 1);
    expect(nagViolations(stack)).toEqual([]);
  });
  test('refused with an existing API', () => {
    expect(() => build({ cloudWatchRole: false }, (s) => ({ restApi: new apigw.RestApi(s, 'Api') }))).toThrow(
      'cloudWatchRole applies only to a REST API this construct creates.');
  });
});

describe('browser clients', () => {
  test('CORS: preflight on both resources, origin header on every integration and gateway response', () => {
    const { template } = build({ cors: { allowOrigin: 'https://app.example.com' } });
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as any[];
    expect(methods.filter((m) => m.Properties.HttpMethod === 'OPTIONS')).toHaveLength(2);
    for (const m of methods.filter((x) => x.Properties.HttpMethod === 'POST')) {
      for (const r of m.Properties.Integration.IntegrationResponses) {
        expect(r.ResponseParameters['method.response.header.Access-Control-Allow-Origin']).toBe("'https://app.example.com'");
        // Scripts on another origin read only safelisted headers: Retry-After must be exposed to be honoured.
        expect(r.ResponseParameters['method.response.header.Access-Control-Expose-Headers']).toBe("'Retry-After'");
      }
      for (const mr of m.Properties.MethodResponses) {
        expect(mr.ResponseParameters).toMatchObject({
          'method.response.header.Access-Control-Allow-Origin': true,
          'method.response.header.Access-Control-Expose-Headers': true,
        });
      }
    }
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_4XX',
      ResponseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'" },
    });
  });
  test.each(['https://a.com,https://b.com', 'app.example.com', "https://x.com'"])('CORS origin %p is refused', (o) => {
    expect(() => build({ cors: { allowOrigin: o } })).toThrow(`cors.allowOrigin must be '*' or one origin like 'https://app.example.com', got '${o}'.`);
  });

  test('text/plain: rejected by default (no template), stored as a string or parsed as JSON when asked', () => {
    const types = (mode?: TextPlainMode) => {
      const { template } = build({ textPlain: mode, batch: { enabled: false } });
      const m = Object.values(template.findResources('AWS::ApiGateway::Method'))[0] as any;
      return { templates: Object.keys(m.Properties.Integration.RequestTemplates), models: Object.keys(m.Properties.RequestModels) };
    };
    expect(types()).toEqual({ templates: ['application/json'], models: ['application/json'] });
    expect(types(TextPlainMode.AS_STRING)).toEqual({ templates: ['application/json', 'text/plain'], models: ['application/json'] });
    expect(types(TextPlainMode.AS_JSON)).toEqual({ templates: ['application/json', 'text/plain'], models: ['application/json', 'text/plain'] });
    const { template } = build({ textPlain: TextPlainMode.AS_STRING, batch: { enabled: false } });
    const m = Object.values(template.findResources('AWS::ApiGateway::Method'))[0] as any;
    const text = JSON.stringify(m.Properties.Integration.RequestTemplates['text/plain']);
    expect(text).toContain('escapeJavaScript($input.body)');
  });
});

describe('tenants and partitioning', () => {
  test('partitionByField: dynamic partitioning on the field, deaggregation for packed records, prefix per key', () => {
    const { template } = build({ partitionByField: 'apiKeyId' });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 },
        Prefix: 'events/apiKeyId=!{partitionKeyFromQuery:apiKeyId}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/',
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            { Type: 'RecordDeAggregation', Parameters: [{ ParameterName: 'SubRecordType', ParameterValue: 'DELIMITED' }, { ParameterName: 'Delimiter', ParameterValue: 'Cg==' }] },
            {
              Type: 'MetadataExtraction',
              Parameters: [
                { ParameterName: 'MetadataExtractionQuery', ParameterValue: '{apiKeyId: (.apiKeyId // "none" | tostring)}' },
                { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
              ],
            },
            { Type: 'AppendDelimiterToRecord', Parameters: [] },
          ],
        },
      }),
    });
  });
  test('record-per-event batches need no deaggregation', () => {
    const { template } = build({ partitionByField: 'apiKeyId', batch: { mode: BatchMode.RECORD_PER_EVENT } });
    const [s] = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream')) as any[];
    expect(s.Properties.ExtendedS3DestinationConfiguration.ProcessingConfiguration.Processors.map((p: any) => p.Type)).toEqual(['MetadataExtraction']);
  });
  test.each<[string, ApiToFirehoseProps, string]>([
    ['unknown field', { partitionByField: 'tenant' }, `partitionByField 'tenant' must name an envelope field: partition by 'apiKeyId', or ${ADD_FIELD}.`],
    ['raw', { partitionByField: 'x', envelope: RecordEnvelope.RAW },
      `partitionByField 'x' needs an envelope field, but RecordEnvelope.RAW has none: use RecordEnvelope.withFields([...]) and ${ADD_FIELD}.`],
    ['request id', { partitionByField: 'requestId' }, `partitionByField 'requestId' would create a prefix per request_id: partition by 'apiKeyId', or ${ADD_FIELD}.`],
    ['event id', { partitionByField: 'eventId' }, `partitionByField 'eventId' would create a prefix per event_id: partition by 'apiKeyId', or ${ADD_FIELD}.`],
    ['trace id', { partitionByField: 'traceId', envelope: RecordEnvelope.withFields([EnvelopeField.traceId(), EnvelopeField.stage()]) },
      `partitionByField 'traceId' would create a prefix per trace_id: partition by 'stage', or ${ADD_FIELD}.`],
    ['a field of an envelope with none that can partition', { partitionByField: 'x', envelope: RecordEnvelope.withFields([EnvelopeField.requestId()]) },
      `partitionByField 'x' must name an envelope field: no field of this envelope can partition the output: ${ADD_FIELD}.`],
    ['small buffer', { partitionByField: 'apiKeyId', bufferingSize: Size.mebibytes(10) }, 'bufferingSize must be at least 64 MiB with partitionByField, got 10 MiB.'],
    ['short interval', { partitionByField: 'apiKeyId', bufferingInterval: Duration.seconds(10) }, 'bufferingInterval must be at least 60 seconds with partitionByField, got 10 seconds.'],
    ['prefix without key', { partitionByField: 'apiKeyId', dataOutputPrefix: 'e/!{timestamp:yyyy}/' },
      "dataOutputPrefix must contain !{partitionKeyFromQuery:apiKeyId} when partitionByField is set, got 'e/!{timestamp:yyyy}/'."],
  ])('partitioning refuses %s', (_n, props, msg) => {
    expect(() => build(props)).toThrow(msg);
  });
  test('a header field can be the partition key', () => {
    const { template } = build({
      partitionByField: 'tenant',
      envelope: RecordEnvelope.withFields([EnvelopeField.header('X-Tenant-Id', 'tenant')]),
    });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({ Prefix: 'events/tenant=!{partitionKeyFromQuery:tenant}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/' }),
    });
  });
  test('addTenant: a key with its own usage plan, throttle and quota, bound to the stage', () => {
    const stack = new Stack(new App(), 'S');
    const c = new ApiToFirehose(stack, 'Ingest');
    const key = c.addTenant('Acme', { throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: apigw.Period.DAY } });
    c.addTenant('Globex');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 3);
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 3);
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 5, BurstLimit: 10 },
      Quota: { Limit: 1000, Period: 'DAY' },
      ApiStages: [{ ApiId: stack.resolve(c.restApi.restApiId), Stage: Match.anyValue() }],
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', { KeyId: stack.resolve(key.keyId) });
    expect(c.apiKeys).toHaveLength(3);
    expect(nagViolations(stack)).toEqual([]);
  });
  test('addTenant needs keys', () => {
    const c = new ApiToFirehose(new Stack(new App(), 'S'), 'I', { apiKeyRequired: false });
    expect(() => c.addTenant('A')).toThrow('addTenant needs apiKeyRequired: true (tenants are API keys with usage plans).');
  });
});

describe('encryption, lifecycle, WAF', () => {
  test('a customer-managed key encrypts bucket and stream; the Firehose role gets only data-key use', () => {
    const { stack, template } = build({}, (s) => ({ encryptionKey: new kms.Key(s, 'Key', { enableKeyRotation: true }) }));
    const keyArn = stack.resolve((stack.node.findChild('Key') as kms.Key).keyArn);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } })] },
    });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: keyArn },
      ExtendedS3DestinationConfiguration: Match.objectLike({ EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: keyArn } } }),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Effect: 'Allow', Resource: keyArn }]) },
    });
    expect(nagViolations(stack)).toEqual([]);
  });
  test('lifecycle rules go to the new bucket', () => {
    const transitions = [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }];
    build({ lifecycleRules: [{ expiration: Duration.days(365), transitions }] })
      .template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({ ExpirationInDays: 365, Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }] }),
            // The bucket is versioned by default: noncurrent versions expire after their own rule.
            Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
          ],
        },
      });
  });
  test('WAF web ACL association on the stage; APIG3 then needs no acknowledgement', () => {
    const { stack, construct, template } = build({ webAclArn: 'arn:aws:wafv2:us-east-1:111122223333:regional/webacl/x/1' });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: stack.resolve(construct.stage!.stageArn), WebACLArn: 'arn:aws:wafv2:us-east-1:111122223333:regional/webacl/x/1',
    });
    expect(nagViolations(stack)).toEqual([]);
  });
  test.each<[string, (s: Stack) => ApiToFirehoseProps, string]>([
    ['lifecycle with own bucket', (s) => ({ bucket: new s3.Bucket(s, 'B'), lifecycleRules: [{ expiration: Duration.days(1) }] }),
      'lifecycleRules configure the bucket this construct creates: set them on the bucket you passed.'],
    ['key with own bucket', (s) => ({ bucket: new s3.Bucket(s, 'B'), encryptionKey: new kms.Key(s, 'K') }),
      'encryptionKey encrypts the bucket this construct creates: the bucket you passed keeps its own encryption.'],
  ])('refuses %s', (_n, props, msg) => {
    const stack = new Stack(new App(), 'S');
    expect(() => new ApiToFirehose(stack, 'I', props(stack))).toThrow(msg);
  });
});

describe('existing delivery stream', () => {
  const existing = (s: Stack) => firehose.DeliveryStream.fromDeliveryStreamAttributes(s, 'Existing', {
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:111122223333:deliverystream/clicks',
  });
  test('writes to it: no bucket, no stream, no Firehose role; the gateway role may PutRecord on it only', () => {
    const { template, construct } = build({}, (s) => ({ deliveryStream: existing(s) }));
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 0);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'firehose:PutRecord', Effect: 'Allow', Resource: 'arn:aws:firehose:us-east-1:111122223333:deliverystream/clicks' }] },
    });
    expect(construct.deliveryStreamName).toBe('clicks');
    const m = Object.values(template.findResources('AWS::ApiGateway::Method'))[0] as any;
    expect(JSON.stringify(m.Properties.Integration.RequestTemplates)).toContain('"DeliveryStreamName\\":\\"clicks\\"');
    expect(() => construct.grantReadRecords(construct.apiGatewayRole)).toThrow(/needs the bucket/);
  });
  test('delivery props are refused with it', () => {
    expect(() => build({ bufferingInterval: Duration.seconds(30), compression: firehose.Compression.ZIP }, (s) => ({ deliveryStream: existing(s) })))
      .toThrow('bufferingInterval, compression configure a new delivery stream and cannot be used with deliveryStream: configure the existing stream instead.');
  });
});
