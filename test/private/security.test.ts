/**
 * Issue #22: the log groups encrypted with `encryptionKey` (and the key policy that allows it), the bucket's
 * versioning and server access logs, and the acknowledgements the scanners read from the template.
 */
import { App, Duration, Stack, aws_apigateway as apigw, aws_kinesisfirehose as fh, aws_kms as kms, aws_s3 as s3 } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ApiToFirehose, ApiToFirehoseProps } from '../../src';
import { IMPORTED_KEY_WARNING } from '../../src/private/log-groups';
import { acknowledgeCfnLint, acknowledgeCheckov } from '../../src/private/nag';

function synth(props: ApiToFirehoseProps | ((s: Stack) => ApiToFirehoseProps) = {}, env = true) {
  const stack = new Stack(new App(), 'S', env ? { env: { account: '123456789012', region: 'eu-west-1' } } : undefined);
  const c = new ApiToFirehose(stack, 'Ingest', typeof props === 'function' ? props(stack) : props);
  return { stack, c, template: Template.fromStack(stack) };
}

/** The ids in Metadata.checkov.skip of every resource of `type`, by logical id. */
function skips(template: Template, type: string): Record<string, string[]> {
  return Object.fromEntries(Object.entries(template.findResources(type))
    .map(([id, r]) => [id, ((r.Metadata?.checkov?.skip ?? []) as { id: string }[]).map((s) => s.id).sort()]));
}

describe('log groups with encryptionKey', () => {
  test('both log groups are encrypted with the key and named under the prefix the key policy names', () => {
    const { stack, template } = synth((s) => ({ encryptionKey: new kms.Key(s, 'Key') }));
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(stack.node.findChild('Key').node.defaultChild as kms.CfnKey), 'Arn'] };
    const groups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups)).toHaveLength(2);
    for (const [id, g] of Object.entries(groups)) {
      expect(g.Properties.KmsKeyId).toEqual(keyArn);
      const [, parts] = g.Properties.LogGroupName['Fn::Join'];
      expect(parts[0]).toBe(id.startsWith('IngestDeliveryErrors') ? '/api-to-firehose/S-Ingest-321E9045/delivery-errors-'
        : '/api-to-firehose/S-Ingest-321E9045/access-logs-');
      // The random part of the stack id: a retained log group of a deleted stack does not block a new one.
      expect(JSON.stringify(parts[1])).toContain('AWS::StackId');
      expect(g.Metadata?.checkov).toBeUndefined();
    }
    // One statement (added for each log group, rendered once), for CloudWatch Logs in this region, on the prefix.
    const policy = Object.values(template.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy;
    const logs = policy.Statement.filter((st: any) => st.Principal?.Service);
    expect(logs).toEqual([{
      Effect: 'Allow',
      Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:123456789012:log-group:/api-to-firehose/S-Ingest-321E9045/*']],
          },
        },
      },
    }]);
    // No reference from the key to a log group: no dependency cycle.
    expect(JSON.stringify(policy)).not.toMatch(/LogGroup|DeliveryErrors|AccessLogs/);
  });

  test('without a key, the log groups keep generated names and CloudWatch Logs\' keys, acknowledged', () => {
    const { template } = synth();
    template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.absent(), LogGroupName: Match.absent() });
    expect(Object.values(skips(template, 'AWS::Logs::LogGroup'))).toEqual([['CKV_AWS_158'], ['CKV_AWS_158']]);
  });

  test('an imported key cannot be given the statement: the log groups are not encrypted with it, with a warning', () => {
    const { stack, template } = synth((s) => ({ encryptionKey: kms.Key.fromKeyArn(s, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/abc') }));
    template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.absent(), LogGroupName: Match.absent() });
    const comments = Object.values(template.findResources('AWS::Logs::LogGroup')).map((g) => g.Metadata.checkov.skip[0].comment);
    expect(comments).toEqual([expect.stringContaining('is imported'), expect.stringContaining('is imported')]);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('encryptionKey is imported'));
    expect(warnings.map((w) => w.id)).toEqual(['/S/Ingest/DeliveryErrors', '/S/Ingest/AccessLogs']);
    expect(JSON.stringify(warnings)).toContain(IMPORTED_KEY_WARNING);
    // The bucket and the stream still use it.
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamEncryptionConfigurationInput: { KeyARN: 'arn:aws:kms:eu-west-1:123456789012:key/abc', KeyType: 'CUSTOMER_MANAGED_CMK' },
    });
  });
});

describe('the bucket: versioning and server access logs', () => {
  test('by default: versioned, noncurrent versions expire after 30 days, no access logs (acknowledged)', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: [{ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, ExpiredObjectDeleteMarker: true, Status: 'Enabled' }] },
      LoggingConfiguration: Match.absent(),
    });
    expect(Object.values(skips(template, 'AWS::S3::Bucket'))).toEqual([['CKV_AWS_18']]);
  });

  test('lifecycleRules come first; the noncurrent expiry is added after them', () => {
    const { template } = synth({ lifecycleRules: [{ expiration: Duration.days(365) }], noncurrentVersionExpiration: Duration.days(7) });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ ExpirationInDays: 365 }), Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 7 } })],
      },
    });
  });

  test('unversioned: acknowledged as such', () => {
    const { template } = synth({ versioned: false });
    template.hasResourceProperties('AWS::S3::Bucket', { VersioningConfiguration: Match.absent(), LifecycleConfiguration: Match.absent() });
    expect(Object.values(skips(template, 'AWS::S3::Bucket'))).toEqual([['CKV_AWS_18', 'CKV_AWS_21']]);
  });

  test('serverAccessLogs: a new log bucket, written through a bucket policy (no ACL)', () => {
    const { stack, c, template } = synth({ serverAccessLogs: true });
    const logBucket = stack.node.findChild('Ingest').node.findChild('ServerAccessLogs') as s3.Bucket;
    const logId = stack.getLogicalId(logBucket.node.defaultChild as s3.CfnBucket);
    template.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: { DestinationBucketName: { Ref: logId } } });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      AccessControl: Match.absent(),
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365 })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logId },
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logId, 'Arn'] }, '/*']] },
          Condition: {
            ArnLike: { 'aws:SourceArn': stack.resolve(c.bucket!.bucketArn) },
            StringEquals: { 'aws:SourceAccount': '123456789012' },
          },
        }]),
      },
    });
    expect(skips(template, 'AWS::S3::Bucket')[logId]).toEqual(['CKV_AWS_18', 'CKV_AWS_21']);
    expect(Object.values(skips(template, 'AWS::S3::Bucket')).filter((s) => s.length === 0)).toHaveLength(1);
  });

  test('serverAccessLogsBucket with a prefix: logs there, under the prefix', () => {
    const { stack, template } = synth((s) => ({ serverAccessLogsBucket: new s3.Bucket(s, 'Logs'), serverAccessLogsPrefix: 'ingest/' }));
    const logId = stack.getLogicalId(stack.node.findChild('Logs').node.defaultChild as s3.CfnBucket);
    template.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: { DestinationBucketName: { Ref: logId }, LogFilePrefix: 'ingest/' } });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logId, 'Arn'] }, '/ingest/*']] } })]) },
    });
    expect(Object.keys(template.findResources('AWS::S3::Bucket')).filter((id) => id.includes('ServerAccessLogs'))).toEqual([]);
  });

  test.each<[string, (s: Stack) => ApiToFirehoseProps, string]>([
    ['versioned with bucket', (s) => ({ bucket: new s3.Bucket(s, 'B'), versioned: true, serverAccessLogs: true }),
      'versioned, serverAccessLogs configure the bucket this construct creates: set them on the bucket you passed.'],
    ['lifecycleRules with bucket', (s) => ({ bucket: new s3.Bucket(s, 'B'), lifecycleRules: [] }),
      'lifecycleRules configure the bucket this construct creates: set them on the bucket you passed.'],
    ['noncurrentVersionExpiration unversioned', () => ({ versioned: false, noncurrentVersionExpiration: Duration.days(3) }),
      'noncurrentVersionExpiration applies to a versioned bucket, but versioned is false.'],
    ['noncurrentVersionExpiration in hours', () => ({ noncurrentVersionExpiration: Duration.hours(36) }),
      'noncurrentVersionExpiration must be a whole number of days (at least 1), got 1 day 12 hours.'],
    ['a log bucket with logging off', (s) => ({ serverAccessLogs: false, serverAccessLogsBucket: new s3.Bucket(s, 'L') }),
      'serverAccessLogsBucket and serverAccessLogsPrefix need server access logging, but serverAccessLogs is false.'],
    ['a prefix without logging', () => ({ serverAccessLogsPrefix: 'x/' }),
      'serverAccessLogsBucket and serverAccessLogsPrefix need server access logging, but serverAccessLogs is false.'],
    ['versioned with deliveryStream', (s) => ({ deliveryStream: fh.DeliveryStream.fromDeliveryStreamName(s, 'D', 'd'), versioned: false }),
      'versioned configure a new delivery stream and cannot be used with deliveryStream: configure the existing stream instead.'],
  ])('%s is refused', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});

describe('acknowledgements in the template', () => {
  test('the stage: CKV_AWS_120 always, CKV_AWS_73 only without tracing', () => {
    expect(Object.values(skips(synth().template, 'AWS::ApiGateway::Stage'))).toEqual([['CKV_AWS_120', 'CKV_AWS_73']]);
    expect(Object.values(skips(synth({ tracingEnabled: true }).template, 'AWS::ApiGateway::Stage'))).toEqual([['CKV_AWS_120']]);
  });

  test('methods: CKV_AWS_59 only when public (no key, no authorizer)', () => {
    const post = (t: Template) => Object.values(t.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'POST' } }))
      .map((m) => (m.Metadata?.checkov?.skip ?? []).map((s: { id: string }) => s.id));
    expect(post(synth().template)).toEqual([[], []]);
    expect(post(synth({ apiKeyRequired: false, authorizationType: apigw.AuthorizationType.IAM }).template)).toEqual([[], []]);
    expect(post(synth({ apiKeyRequired: false }).template)).toEqual([['CKV_AWS_59'], ['CKV_AWS_59']]);
  });

  test('W7001 is ignored only in a region-agnostic stack, keeping other template metadata', () => {
    expect(synth().template.toJSON().Metadata).toBeUndefined();
    const stack = new Stack(new App(), 'S');
    stack.templateOptions.metadata = { mine: 1 };
    new ApiToFirehose(stack, 'A');
    new ApiToFirehose(stack, 'B');
    expect(Template.fromStack(stack).toJSON().Metadata).toEqual({ 'mine': 1, 'cfn-lint': { config: { ignore_checks: ['W7001'] } } });
  });

  test('acknowledgeCheckov merges into the list; the same check again replaces its comment', () => {
    const stack = new Stack(new App(), 'S');
    const bucket = new s3.Bucket(stack, 'B');
    (bucket.node.defaultChild as s3.CfnBucket).addMetadata('checkov', { skip: [{ id: 'X', comment: 'mine' }], other: true });
    acknowledgeCheckov(bucket, 'CKV_AWS_18', 'first');
    acknowledgeCheckov(bucket, 'CKV_AWS_21', 'second');
    acknowledgeCheckov(bucket, 'CKV_AWS_18', 'again');
    expect((bucket.node.defaultChild as s3.CfnBucket).getMetadata('checkov')).toEqual({
      other: true,
      skip: [{ id: 'X', comment: 'mine' }, { id: 'CKV_AWS_21', comment: 'second' }, { id: 'CKV_AWS_18', comment: 'again' }],
    });
    acknowledgeCfnLint(stack, 'W1');
    acknowledgeCfnLint(stack, 'W2');
    expect(stack.templateOptions.metadata).toEqual({ 'cfn-lint': { config: { ignore_checks: ['W1', 'W2'] } } });
  });
});
