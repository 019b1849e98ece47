import { App, Duration, Size, Stack, aws_apigateway as apigw, aws_iam as iam, aws_kinesisfirehose as firehose, aws_s3 as s3 } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ApiToFirehose, ApiToFirehoseProps, BatchMode, EnvelopeField, RecordEnvelope } from '../src';

function synth(props?: ApiToFirehoseProps, before?: (stack: Stack) => Partial<ApiToFirehoseProps>) {
  const stack = new Stack(new App(), 'S');
  const extra = before ? before(stack) : {};
  const construct = new ApiToFirehose(stack, 'Ingest', { ...props, ...extra });
  return { stack, construct, template: Template.fromStack(stack) };
}

function methods(template: Template): Record<string, any> {
  return template.findResources('AWS::ApiGateway::Method');
}

function requestTemplateText(method: any): string {
  const t = method.Properties.Integration.RequestTemplates['application/json'];
  if (typeof t === 'string') return t;
  return t['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : '<REF>')).join('');
}

describe('zero props', () => {
  const { stack, construct, template } = synth();

  test('a new bucket: encrypted, public access blocked, SSL only, retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
        },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        })]),
      },
    });
  });

  test('the delivery stream: seed defaults, encrypted, explicit name, error logging', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: construct.deliveryStreamName,
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      ExtendedS3DestinationConfiguration: {
        BucketARN: stack.resolve(construct.bucket!.bucketArn),
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 10 },
        CompressionFormat: 'GZIP',
        Prefix: 'events/',
        ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
        CloudWatchLoggingOptions: {
          Enabled: true,
          LogGroupName: stack.resolve(construct.deliveryLogGroup!.logGroupName),
          LogStreamName: Match.anyValue(),
        },
      },
    });
    expect(construct.deliveryStreamName).toMatch(/^[a-zA-Z0-9_.-]{1,64}$/);
  });

  test('the stream is created after its role policy', () => {
    const streams = template.findResources('AWS::KinesisFirehose::DeliveryStream');
    const [stream] = Object.values(streams) as any[];
    const policyId = stack.getLogicalId(construct.node.findChild('DeliveryPolicy').node.defaultChild as any);
    expect(stream.DependsOn).toContain(policyId);
  });

  test('the Firehose role may only write this bucket and its log stream', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Effect: 'Allow', Resource: stack.resolve(construct.bucket!.bucketArn) },
          { Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'], Effect: 'Allow', Resource: stack.resolve(construct.bucket!.arnForObjects('*')) },
          { Action: 'logs:PutLogEvents', Effect: 'Allow', Resource: Match.anyValue() },
        ],
      },
      Roles: [stack.resolve(construct.deliveryStreamRole!.roleName)],
    });
  });

  test('the gateway role may only PutRecord on this one stream (packed batch needs no PutRecordBatch)', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: 'firehose:PutRecord', Effect: 'Allow', Resource: stack.resolve(construct.cfnDeliveryStream!.attrArn) }],
      },
      Roles: [stack.resolve(construct.apiGatewayRole.roleName)],
    });
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toContain('"Resource":"*"');
    expect(json).not.toContain('firehose:*');
  });

  test('POST / and POST /batch: key required, validated body, Firehose integration with NEVER passthrough', () => {
    const ms = Object.values(methods(template));
    expect(ms).toHaveLength(2);
    for (const m of ms) {
      expect(m.Properties).toMatchObject({
        HttpMethod: 'POST',
        ApiKeyRequired: true,
        AuthorizationType: 'NONE',
        RequestValidatorId: stack.resolve(construct.requestValidator.requestValidatorId),
        Integration: {
          Type: 'AWS',
          IntegrationHttpMethod: 'POST',
          PassthroughBehavior: 'NEVER',
          RequestParameters: {
            'integration.request.header.Content-Type': "'application/x-amz-json-1.1'",
            'integration.request.header.X-Amz-Target': "'Firehose_20150804.PutRecord'",
          },
        },
      });
      expect(Object.keys(m.Properties.Integration.RequestTemplates)).toEqual(['application/json']);
      expect(m.Properties.Integration.Credentials).toEqual(stack.resolve(construct.apiGatewayRole.roleArn));
      expect(m.Properties.MethodResponses.map((r: any) => r.StatusCode)).toEqual(['200', '400', '413', '500', '502', '503']);
      const patterns = m.Properties.Integration.IntegrationResponses.map((r: any) => r.SelectionPattern);
      expect(patterns).toEqual([undefined, '403', '4(0[0-24-9]|[1-9][0-9])', '5[0-9]{2}']);
    }
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'batch' });
  });

  test('the single method template writes the default envelope, never the secret key', () => {
    const single = Object.values(methods(template)).find((m: any) => m.Properties.ResourceId['Fn::GetAtt'])!;
    const text = requestTemplateText(single);
    expect(text).toContain('context.identity.apiKeyId');
    expect(text).not.toMatch(/context\.identity\.apiKey[^I]/);
    expect(text).toContain('${q}apiKeyId${q}:${f0},${q}requestId${q}:${f1},${q}receivedAt${q}:${f2},${q}eventId${q}:${f3},${q}body${q}:${body}}${nl}');
    expect(text).toContain("$input.json('$')");
    expect(text).not.toContain('$input.body)');
  });

  test('validator checks the body against a non-empty object model', () => {
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Schema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', minProperties: 1 },
    });
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      Schema: Match.objectLike({
        type: 'object',
        required: ['records'],
        additionalProperties: false,
        properties: { records: { type: 'array', minItems: 1, maxItems: 500, items: { type: 'object', minProperties: 1 } } },
      }),
    });
  });

  test('a usage plan bound to the stage with a default throttle, and a generated key attached', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      ApiStages: [{ ApiId: stack.resolve(construct.restApi.restApiId), Stage: Match.anyValue() }],
      Throttle: { RateLimit: 500, BurstLimit: 1000 },
      Quota: Match.absent(),
    });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.hasResourceProperties('AWS::ApiGateway::ApiKey', { Value: Match.absent(), Enabled: true });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', {
      KeyType: 'API_KEY', KeyId: stack.resolve(construct.apiKey!.keyId), UsagePlanId: stack.resolve(construct.usagePlan!.usagePlanId),
    });
    expect(construct.apiKeys).toEqual([construct.apiKey]);
  });

  test('JSON gateway responses for API Gateway\'s own errors', () => {
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX', 'BAD_REQUEST_BODY']) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"error":') },
      });
    }
  });

  test('stage prod with JSON access logs and error-level execution logs', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      AccessLogSetting: { Format: Match.stringLikeRegexp('"requestId"') },
      MethodSettings: [Match.objectLike({ LoggingLevel: 'ERROR', DataTraceEnabled: false, MetricsEnabled: true })],
    });
    expect(stack.resolve(construct.url)).toBeDefined();
    expect(JSON.stringify(stack.resolve(construct.batchUrl))).toContain('/batch');
  });
});

describe('props', () => {
  test('buffering, compression and prefixes are passed to Firehose', () => {
    const { template } = synth({
      bufferingInterval: Duration.seconds(300),
      bufferingSize: Size.mebibytes(64),
      compression: firehose.Compression.SNAPPY,
      dataOutputPrefix: 'clicks/!{timestamp:yyyy/MM/dd}/',
      errorOutputPrefix: 'failed/!{firehose:error-output-type}/!{timestamp:yyyy}/',
      deliveryStreamName: 'clicks',
    });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: 'clicks',
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 64 },
        CompressionFormat: 'Snappy',
        Prefix: 'clicks/!{timestamp:yyyy/MM/dd}/',
        ErrorOutputPrefix: 'failed/!{firehose:error-output-type}/!{timestamp:yyyy}/',
      }),
    });
  });

  test('an existing bucket is used and no bucket is created; its KMS key is granted narrowly', () => {
    const { stack, template } = synth({}, (s) => ({
      bucket: new s3.Bucket(s, 'Mine', { encryption: s3.BucketEncryption.KMS }),
    }));
    template.resourceCountIs('AWS::S3::Bucket', 1);
    const mine = stack.node.findChild('Mine') as s3.Bucket;
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({ BucketARN: stack.resolve(mine.bucketArn) }),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{ Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Effect: 'Allow', Resource: stack.resolve(mine.encryptionKey!.keyArn) }]),
      },
    });
  });

  test('resourcePath, batch path and stage name', () => {
    const { template } = synth({ resourcePath: 'v1/events', stageName: 'live', batch: { path: 'bulk' } });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'v1' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'events' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'bulk' });
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'live' });
  });

  test('batch RECORD_PER_EVENT calls PutRecordBatch and the role gains PutRecordBatch on this stream only', () => {
    const { stack, construct, template } = synth({ batch: { mode: BatchMode.RECORD_PER_EVENT, maxEvents: 100 } });
    const batch = Object.values(methods(template)).find((m: any) =>
      m.Properties.Integration.RequestParameters['integration.request.header.X-Amz-Target'] === "'Firehose_20150804.PutRecordBatch'");
    expect(batch).toBeDefined();
    expect(JSON.stringify(batch.Properties.Integration.Uri)).toContain(':firehose:action/PutRecordBatch');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: stack.resolve(construct.cfnDeliveryStream!.attrArn) }],
      },
    });
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      Schema: Match.objectLike({ properties: { records: Match.objectLike({ maxItems: 100 }) } }),
    });
  });

  test('batch disabled: one method, no batch resource', () => {
    const { construct, template } = synth({ batch: { enabled: false } });
    expect(Object.keys(methods(template))).toHaveLength(1);
    template.resourceCountIs('AWS::ApiGateway::Resource', 0);
    expect(construct.batchMethod).toBeUndefined();
    expect(construct.batchUrl).toBeUndefined();
  });

  test('throttle and quota go to the usage plan; given keys are attached and none is created', () => {
    const { template, construct } = synth({
      throttle: { rateLimit: 50, burstLimit: 100 },
      quota: { limit: 100000, period: apigw.Period.DAY },
    }, (s) => ({ apiKeys: [new apigw.ApiKey(s, 'K1'), new apigw.ApiKey(s, 'K2')] }));
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 100000, Period: 'DAY' },
    });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 2);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 2);
    expect(construct.apiKey).toBeUndefined();
    expect(construct.apiKeys).toHaveLength(2);
  });

  test('apiKeyRequired false: no usage plan, no key', () => {
    const { template, construct } = synth({ apiKeyRequired: false, authorizationType: apigw.AuthorizationType.IAM });
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    for (const m of Object.values(methods(template))) {
      expect(m.Properties).toMatchObject({ ApiKeyRequired: false, AuthorizationType: 'AWS_IAM' });
    }
    expect(construct.usagePlan).toBeUndefined();
  });

  test('a custom envelope changes the template', () => {
    const { template } = synth({
      envelope: RecordEnvelope.withFields([
        EnvelopeField.header('X-Tenant-Id', 'tenant'),
        EnvelopeField.constant('source', 'web'),
      ], { bodyField: 'event' }),
    });
    const text = requestTemplateText(Object.values(methods(template))[0]);
    expect(text).toContain("$!{headers.get('X-Tenant-Id')}");
    expect(text).toContain('${q}tenant${q}:${f0},${q}source${q}:${f1},${q}event${q}:${body}');
    expect(text).not.toContain('apiKeyId');
  });

  test('an existing RestApi: methods attach at the path, no gateway responses are added to it', () => {
    const { template } = synth({ resourcePath: 'ingest' }, (s) => {
      const api = new apigw.RestApi(s, 'Existing');
      api.root.addMethod('GET', new apigw.MockIntegration());
      return { restApi: api };
    });
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.resourceCountIs('AWS::ApiGateway::GatewayResponse', 0);
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'ingest' });
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 1);
  });

  test('two instances on one RestApi at different paths', () => {
    const stack = new Stack(new App(), 'S');
    const api = new apigw.RestApi(stack, 'Shared');
    api.root.addMethod('GET', new apigw.MockIntegration());
    const a = new ApiToFirehose(stack, 'Clicks', { restApi: api, resourcePath: 'clicks' });
    const b = new ApiToFirehose(stack, 'Logs', { restApi: api, resourcePath: 'logs' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 2);
    template.resourceCountIs('AWS::ApiGateway::Method', 5);
    expect(a.deliveryStreamName).not.toEqual(b.deliveryStreamName);
  });

  test('an imported RestApi needs a stage when keys are required', () => {
    const stack = new Stack(new App(), 'S');
    const api = apigw.RestApi.fromRestApiAttributes(stack, 'Imp', { restApiId: 'abc', rootResourceId: 'root' });
    expect(() => new ApiToFirehose(stack, 'I', { restApi: api, resourcePath: 'x' })).toThrow(
      'apiKeyRequired needs a stage for the usage plan: pass `stage` when `restApi` is imported.');
  });

  test.each<[string, ApiToFirehoseProps, string]>([
    ['interval', { bufferingInterval: Duration.seconds(1000) }, 'bufferingInterval must be between 0 and 900 seconds, got 1000 seconds.'],
    ['size', { bufferingSize: Size.mebibytes(200) }, 'bufferingSize must be a whole number of MiB between 1 and 128, got 200 MiB.'],
    ['prefix pair', { dataOutputPrefix: 'e/!{timestamp:yyyy}/', errorOutputPrefix: 'err/' }, 'errorOutputPrefix must contain !{firehose:error-output-type} when either prefix uses expressions, got \'err/\'.'],
    ['stream name', { deliveryStreamName: 'bad name' }, "deliveryStreamName must be 1-64 characters of [a-zA-Z0-9_.-], got 'bad name'."],
    ['maxEvents', { batch: { maxEvents: 501, mode: BatchMode.RECORD_PER_EVENT } }, 'batch.maxEvents (RECORD_PER_EVENT) must be a whole number between 1 and 500, got 501.'],
    ['maxEvents packed', { batch: { maxEvents: 0 } }, 'batch.maxEvents (PACKED) must be a whole number between 1 and 1000, got 0.'],
    ['empty batch path', { batch: { path: '/' } }, 'batch.path must not be empty: the batch method needs its own resource.'],
    ['quota without keys', { apiKeyRequired: false, quota: { limit: 1 } }, 'quota applies through a usage plan, which needs apiKeyRequired: true.'],
    ['negative rate', { throttle: { rateLimit: -1 } }, 'throttle.rateLimit must be a whole number between 0 and 1000000, got -1.'],
    ['path', { resourcePath: '{proxy+}' }, "resourcePath parts must match ^[A-Za-z0-9._~-]+$, got '{proxy+}' in '{proxy+}'."],
  ])('bad props are refused: %s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('keys without enforcement are refused', () => {
    expect(() => synth({ apiKeyRequired: false }, (s) => ({ apiKeys: [new apigw.ApiKey(s, 'K')] }))).toThrow(
      'apiKeys were given but apiKeyRequired is false: the keys would not be enforced.');
  });

  test('grantReadRecords grants read on the bucket', () => {
    const stack = new Stack(new App(), 'S');
    const construct = new ApiToFirehose(stack, 'Ingest');
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    construct.grantReadRecords(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [stack.resolve(role.roleName)],
      PolicyDocument: {
        Statement: [Match.objectLike({
          Action: Match.arrayWith(['s3:GetObject*']),
          Resource: Match.arrayWith([stack.resolve(construct.bucket!.bucketArn)]),
        })],
      },
    });
  });
});

test('deliveryStream is the Firehose L2 the construct created: its grants name that stream', () => {
  const stack = new Stack(new App(), 'S');
  const construct = new ApiToFirehose(stack, 'Ingest');
  expect(construct.deliveryStream).toBeInstanceOf(firehose.DeliveryStream);
  expect(construct.cfnDeliveryStream).toBe(construct.deliveryStream.node.defaultChild);
  const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
  construct.deliveryStream.grantPutRecords(producer);
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
    Roles: [stack.resolve(producer.roleName)],
    PolicyDocument: { Statement: [Match.objectLike({ Resource: stack.resolve(construct.cfnDeliveryStream!.attrArn) })] },
  });
});
