import {
  App, Duration, Stack, aws_apigateway as apigw, aws_certificatemanager as acm, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms,
  aws_route53 as route53, aws_s3 as s3,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApiEndpoint, ApiToFirehose, ApiToFirehoseProps, BatchMode, Input } from '../src';
import { acknowledge, nagFindingId } from '../src/private/nag';

function violations(configure: (stack: Stack) => void): string[] {
  const stack = new Stack(new App(), 'S');
  configure(stack);
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.map((v) => `${v.ruleName} (${v.severity}) at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

describe('cdk-nag AwsSolutions', () => {
  test.each<[string, ApiToFirehoseProps]>([
    ['defaults', {}],
    ['record-per-event batch', { batch: { mode: BatchMode.RECORD_PER_EVENT } }],
    ['no batch, IAM auth, no keys', { batch: { enabled: false }, apiKeyRequired: false, authorizationType: apigw.AuthorizationType.IAM }],
    ['query (Glue table, Athena workgroup, named queries)', { query: {} }],
    ['query with Parquet output, partitioned by key', { query: { parquet: true }, partitionByField: 'apiKeyId' }],
    ['curated tables (Iceberg, state machines, schedules) with the Segment, OTLP and Snowplow inputs',
      { inputs: [Input.segment(), Input.otlpLogs(), Input.snowplow()], query: { curated: { rawRetention: Duration.days(30) } } }],
    ['the Segment input, with CORS', { inputs: [Input.segment()], cors: { allowOrigin: 'https://app.example.com' } }],
    // APIG4 and COG4 on the key-less Segment methods are acknowledged: the integration checks the write key.
    ['Segment sources by write key, the own routes by x-api-key', {
      inputs: [Input.segment({ sources: [{ name: 'web', writeKeys: ['wkNagWeb00000aaaa1111bbbb2222cc'] }] })],
      cors: { allowOrigin: 'https://app.example.com' },
    }],
    // APIG4 is acknowledged on purpose there, with the same reason as Checkov's CKV_AWS_59.
    ['public: no API key, no authorizer (sendBeacon clients)', { apiKeyRequired: false }],
    ['unversioned bucket with server access logs to a new bucket', { versioned: false, serverAccessLogs: true }],
  ])('%s: no unacknowledged error or warning', (_name, props) => {
    expect(violations((stack) => new ApiToFirehose(stack, 'Ingest', props))).toEqual([]);
  });

  test.each<[string, (stack: Stack) => ApiToFirehoseProps]>([
    ['a regional API on a custom domain with an alias record', (stack) => ({
      endpoint: ApiEndpoint.REGIONAL,
      domain: {
        domainName: 'events.example.com',
        certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/1111'),
        basePath: 'collect',
        hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789', zoneName: 'example.com' }),
      },
    })],
    ['a private API behind a VPC endpoint', (stack) => ({
      endpoint: ApiEndpoint.privateVia([ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'Vpce', { vpcEndpointId: 'vpce-0123', port: 443 })]),
    })],
  ])('%s: no unacknowledged error or warning', (_name, props) => {
    expect(violations((stack) => new ApiToFirehose(stack, 'Ingest', props(stack)))).toEqual([]);
  });

  test('query with a customer-managed key, and a reader granted grantQuery', () => {
    expect(violations((stack) => {
      // The key also encrypts both log groups: its policy lets CloudWatch Logs use it.
      const c = new ApiToFirehose(stack, 'Ingest', { query: {}, encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) });
      c.grantQuery(new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() }));
    }).filter((v) => !v.includes('S/Analyst'))).toEqual([]);
  });

  test('an existing bucket: the wildcard finding is acknowledged by its own id', () => {
    expect(violations((stack) => {
      const bucket = new s3.Bucket(stack, 'Mine', {
        enforceSSL: true,
        serverAccessLogsBucket: s3.Bucket.fromBucketName(stack, 'Logs', 'access-logs'),
      });
      new ApiToFirehose(stack, 'Ingest', { bucket });
    })).toEqual([]);
  });

  test('the check is real: without our acknowledgements the defaults have findings', () => {
    const stack = new Stack(new App(), 'S');
    new ApiToFirehose(stack, 'Ingest');
    // Strip the acknowledgement metadata this library wrote, then check again.
    for (const c of stack.node.findAll()) {
      const md = ((c.node as any)._metadata ?? []) as any[];
      for (let i = md.length - 1; i >= 0; i--) {
        if (md[i].type === 'aws:cdk:acknowledged-rules') md.splice(i, 1);
      }
    }
    const ids = new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName.replace(/\[.*$/, ''));
    expect(ids).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-IAM5', 'AwsSolutions-APIG3', 'AwsSolutions-APIG4', 'AwsSolutions-IAM4']));
  });
});

describe('acknowledge helper', () => {
  test('finding ids flatten intrinsics the way cdk-nag does', () => {
    const stack = new Stack(new App(), 'S');
    const bucket = new s3.Bucket(stack, 'B');
    const id = nagFindingId('AwsSolutions-IAM5', 'Resource', stack, bucket.arnForObjects('*'));
    expect(id).toBe(`AwsSolutions-IAM5[Resource::<${stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`);
  });
  test('ids with several "::" are recorded as metadata cdk-nag reads', () => {
    const stack = new Stack(new App(), 'S');
    acknowledge(stack, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/x]', 'why');
    acknowledge(stack, 'AwsSolutions-S1', 'because');
    const merged = Object.assign({}, ...stack.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => m.data));
    expect(merged).toEqual({
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/x]': 'why',
      'annotation::AwsSolutions-S1': 'because',
    });
  });
});
