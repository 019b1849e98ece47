/**
 * End-to-end on LocalStack 4.13.1 (issue #22): with `encryptionKey`, the log groups the construct creates are
 * encrypted with that key, and the key policy lets CloudWatch Logs use it for those log groups only.
 * Run inside `scripts/local/localstack.sh run -- ...`; loopback only.
 *
 * What LocalStack records: the key policy with the CloudWatch Logs statement (GetKeyPolicy), and the log groups
 * under their names, but not their kmsKeyId: its CloudFormation provider creates a log group from its name alone
 * (the Logs API itself keeps a kmsKeyId given to CreateLogGroup, shown here too). LocalStack does not enforce key
 * policies either, so that CloudWatch Logs may use the key, and that delivery errors and access logs still arrive in
 * the encrypted log groups, can only be shown on AWS.
 */
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { App, BootstraplessSynthesizer, CfnOutput, RemovalPolicy, Stack, aws_kms as kms, aws_logs as logs } from 'aws-cdk-lib';
import { DEPLOY_HOOK_MS } from './shared-example';
import { DEFAULT_ENDPOINT, REGION, cfnClient, deleteStack, deployToLocalStack, synthStack } from '../../scripts/local/deploy';
import { ApiToFirehose } from '../../src';

jest.setTimeout(300_000);

const stackName = `LogKey${Date.now().toString(36)}`;
let outputs: Record<string, string> = {};

/** One call of an AWS JSON protocol API on LocalStack (no SDK client for Logs or KMS in this repo). */
async function call(service: string, target: string, body: object): Promise<any> {
  const res = await fetch(DEFAULT_ENDPOINT, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      'authorization': `AWS4-HMAC-SHA256 Credential=test/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${target}: ${res.status} ${text}`);
  return JSON.parse(text);
}

beforeAll(async () => {
  const app = new App();
  const stack = new Stack(app, stackName, { synthesizer: new BootstraplessSynthesizer() });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
  const ingest = new ApiToFirehose(stack, 'Ingest', { encryptionKey: key, versioned: true });
  new CfnOutput(stack, 'KeyArn', { value: key.keyArn });
  new CfnOutput(stack, 'KeyId', { value: key.keyId });
  new CfnOutput(stack, 'DeliveryErrors', { value: ingest.deliveryLogGroup!.logGroupName });
  new CfnOutput(stack, 'AccessLogs', { value: (ingest.node.findChild('AccessLogs') as logs.LogGroup).logGroupName });
  outputs = await deployToLocalStack({ stackName, template: synthStack(stack), quiet: true });
}, DEPLOY_HOOK_MS);

afterAll(async () => {
  await deleteStack(stackName, { quiet: true }).catch(() => undefined);
});

test('the log groups exist under the construct\'s prefix; LocalStack\'s CloudFormation drops their KmsKeyId', async () => {
  // LocalStack 4.13.1's AWS::Logs::LogGroup provider (localstack/services/logs/resource_providers/aws_logs_loggroup.py)
  // calls CreateLogGroup with the name only: KmsKeyId and RetentionInDays are not applied. If a LocalStack upgrade
  // applies them, this fails: then expect [name, outputs.KeyArn, 30] here.
  for (const name of [outputs.DeliveryErrors, outputs.AccessLogs]) {
    expect(name).toMatch(/^\/api-to-firehose\/LogKey[a-z0-9]+-Ingest-[0-9A-F]{8}\/(delivery-errors|access-logs)-[0-9a-f]{8}$/);
    const { logGroups } = await call('logs', 'Logs_20140328.DescribeLogGroups', { logGroupNamePrefix: name });
    expect(logGroups.map((g: any) => [g.logGroupName, g.kmsKeyId, g.retentionInDays])).toEqual([[name, undefined, undefined]]);
  }
  // What the stack asked for: both log groups with KmsKeyId = the key's ARN.
  const { TemplateBody } = await cfnClient().send(new GetTemplateCommand({ StackName: stackName }));
  const groups = Object.values<any>(JSON.parse(TemplateBody!).Resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
  expect(groups.map((g) => g.Properties.KmsKeyId)).toEqual([{ 'Fn::GetAtt': ['Key961B73FD', 'Arn'] }, { 'Fn::GetAtt': ['Key961B73FD', 'Arn'] }]);
});

test('LocalStack\'s Logs API records a key given at creation, under the same prefix', async () => {
  const name = outputs.DeliveryErrors.replace(/delivery-errors-/, 'by-api-');
  await call('logs', 'Logs_20140328.CreateLogGroup', { logGroupName: name, kmsKeyId: outputs.KeyArn });
  const { logGroups } = await call('logs', 'Logs_20140328.DescribeLogGroups', { logGroupNamePrefix: name });
  expect(logGroups.map((g: any) => [g.logGroupName, g.kmsKeyId])).toEqual([[name, outputs.KeyArn]]);
  await call('logs', 'Logs_20140328.DeleteLogGroup', { logGroupName: name });
});

test('the key policy lets CloudWatch Logs use the key under that prefix only', async () => {
  const { Policy } = await call('kms', 'TrentService.GetKeyPolicy', { KeyId: outputs.KeyId, PolicyName: 'default' });
  const statements = JSON.parse(Policy).Statement;
  const prefix = outputs.DeliveryErrors.replace(/delivery-errors-[0-9a-f]+$/, '');
  expect(statements).toContainEqual({
    Effect: 'Allow',
    Principal: { Service: `logs.${REGION}.amazonaws.com` },
    Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    Resource: '*',
    Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${REGION}:000000000000:log-group:${prefix}*` } },
  });
});
