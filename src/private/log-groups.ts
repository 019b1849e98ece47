import { Annotations, RemovalPolicy, Stack, aws_iam as iam, aws_kms as kms, aws_logs as logs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeCheckov } from './nag';

/** Encryption of the construct's log groups with the customer managed key (`encryptionKey`). */
export interface LogEncryption {
  readonly key: kms.IKey;
  /** The prefix of every log group name below: the key policy lets CloudWatch Logs use the key under it only. */
  readonly namePrefix: string;
  /** This log group's name: `namePrefix`, then a part that differs per stack creation (see resolve.ts). */
  readonly logGroupName: string;
}

/** Id of the warning when the key's policy cannot be changed (users may acknowledge it by this id). */
export const IMPORTED_KEY_WARNING = 'cdk-api-to-firehose:logGroupsNotEncryptedWithImportedKey';

/**
 * Creates a log group of the construct, retained on stack deletion. With `encryption`, the log group is encrypted
 * with the key and named, and the key policy lets CloudWatch Logs use the key for the log groups under the name
 * prefix only (`kms:EncryptionContext:aws:logs:arn`). The condition names the prefix, not the log group's own ARN:
 * `Ref` of the log group in the key policy, while the log group refers to the key, would be a dependency cycle.
 *
 * An imported key's policy cannot be changed (`addToResourcePolicy` adds nothing): the log group then stays on
 * CloudWatch Logs' own encryption, rather than fail at deployment on a key it may not use, with a warning.
 */
export function createLogGroup(scope: Construct, id: string, retention: logs.RetentionDays, encryption?: LogEncryption): logs.LogGroup {
  const keyUsable = encryption !== undefined && allowCloudWatchLogs(scope, encryption.key, encryption.namePrefix);
  const logGroup = new logs.LogGroup(scope, id, {
    logGroupName: keyUsable ? encryption.logGroupName : undefined,
    encryptionKey: keyUsable ? encryption.key : undefined,
    retention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  if (!keyUsable) {
    // No cdk-nag AwsSolutions rule checks log group encryption (its NIST, HIPAA and PCI packs do).
    acknowledgeCheckov(logGroup, 'CKV_AWS_158', encryption
      ? 'The encryptionKey given is imported, so its key policy cannot be changed to let CloudWatch Logs use it: '
        + 'CloudWatch Logs encrypts this log group with its own keys. Use a key defined in the app to encrypt it too.'
      : 'CloudWatch Logs encrypts log data at rest with its own keys. Set `encryptionKey` to encrypt this log group '
        + 'with a customer managed key.');
  }
  if (encryption && !keyUsable) {
    Annotations.of(logGroup).addWarningV2(IMPORTED_KEY_WARNING, 'The encryptionKey is imported: its key policy cannot be '
      + `changed to let CloudWatch Logs use it, so ${id} keeps CloudWatch Logs' own encryption. To encrypt the log groups `
      + 'with it, pass a key defined in the app (kms.Key).');
  }
  return logGroup;
}

/**
 * Adds the statement of the CloudWatch Logs guide ("Encrypt log data in CloudWatch Logs using AWS KMS") to the key
 * policy, for log groups under `namePrefix` in this account and region. Returns false when the policy cannot be
 * changed (an imported key). The same statement added twice renders once.
 */
function allowCloudWatchLogs(scope: Construct, key: kms.IKey, namePrefix: string): boolean {
  const stack = Stack.of(scope);
  return key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${namePrefix}*` },
    },
  })).statementAdded;
}
