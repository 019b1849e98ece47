import { createHash } from 'crypto';
import {
  ArnFormat,
  Aws,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  aws_glue as glue,
  aws_iam as iam,
  aws_kinesis as kinesis,
  aws_kinesisfirehose as firehose,
  aws_kms as kms,
  aws_logs as logs,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { createLogGroup } from './log-groups';
import { acknowledge, acknowledgeBoth, acknowledgeCfnLint, acknowledgeCheckov, nagFindingId } from './nag';
import { DeliverySettings } from './resolve';
import { streamReadStatements } from './stream';

/** Id of the log stream the Firehose L2 adds to the error log group (`logGroup.addStream('S3Destination')`). */
const DELIVERY_LOG_STREAM_ID = 'S3Destination';
/** What `createDelivery` made. */
export interface Delivery {
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly deliveryStream: firehose.DeliveryStream;
  readonly cfnDeliveryStream: firehose.CfnDeliveryStream;
  readonly deliveryStreamName: string;
}

/**
 * Creates the Firehose role with exactly the permissions S3 delivery needs,
 * the error log group and the delivery stream (the Firehose L2 with the
 * `S3Bucket` destination).
 *
 * The L2 grants its destination role `bucket.grantReadWrite` (also
 * s3:DeleteObject*, s3:PutObjectRetention/LegalHold/Tagging, s3:List* on the
 * bucket), `logGroup.grantWrite` on the whole group and
 * `key.grantEncryptDecrypt`. The role it is given here is our own behind
 * `withoutPolicyUpdates()`, so those grants are dropped and the role keeps
 * only the statements below.
 */
export function createDelivery(scope: Construct, s: DeliverySettings, bucket: s3.IBucket, parquetTable?: glue.CfnTable,
  source?: kinesis.IStream): Delivery {
  const logGroup = createLogGroup(scope, 'DeliveryErrors', s.errorLogRetention, s.errorLogEncryption);
  const role = new iam.Role(scope, 'DeliveryRole', {
    assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
    description: 'Lets Firehose write delivered events to the bucket',
  });
  const policy = new iam.Policy(scope, 'DeliveryPolicy', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [bucket.bucketArn],
      }),
      new iam.PolicyStatement({
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        resources: [bucket.arnForObjects('*')],
      }),
    ],
  });
  const keys = new Set<kms.IKey>([bucket.encryptionKey, s.encryptionKey].filter((k): k is kms.IKey => k !== undefined));
  for (const key of keys) {
    policy.addStatements(new iam.PolicyStatement({
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [key.keyArn],
    }));
  }
  if (parquetTable) policy.addStatements(glueSchemaStatement(scope, parquetTable));
  // A Kinesis source: Firehose reads the stream with this role (the L2's source.grantRead is dropped with the rest).
  if (source) policy.addStatements(...streamReadStatements(source));
  acknowledge(policy, nagFindingId('AwsSolutions-IAM5', 'Resource', scope, bucket.arnForObjects('*')),
    'Firehose writes objects under generated keys, so s3:PutObject/GetObject/AbortMultipartUpload need <bucket>/*; ' +
    'no other bucket, action or log stream is granted.');

  const deliveryStreamName = s.deliveryStreamName;
  const partitioning = s.partitionByField !== undefined;
  const grantsDropped = role.withoutPolicyUpdates();
  const deliveryStream = new firehose.DeliveryStream(scope, 'DeliveryStream', {
    deliveryStreamName,
    role: grantsDropped,
    source: source ? new firehose.KinesisStreamSource(source) : undefined,
    // With a Kinesis source the data stream is encrypted instead (Firehose refuses server-side encryption then).
    encryption: source ? undefined : s.encryptionKey
      ? firehose.StreamEncryption.customerManagedKey(s.encryptionKey)
      : firehose.StreamEncryption.awsOwnedKey(),
    destination: new firehose.S3Bucket(bucket, {
      role: grantsDropped,
      bufferingInterval: s.bufferingInterval,
      bufferingSize: s.bufferingSize,
      // With record format conversion the L2 refuses any compression here: the serializer compresses.
      compression: parquetTable ? undefined : s.compression,
      dataOutputPrefix: s.dataOutputPrefix,
      errorOutputPrefix: s.errorOutputPrefix,
      encryptionKey: s.encryptionKey,
      loggingConfig: new firehose.EnableLogging(logGroup),
      timeZone: s.timeZone,
      dynamicPartitioning: partitioning ? { enabled: true, retryDuration: Duration.seconds(300) } : undefined,
      processors: partitioning ? partitioningProcessors(s.partitionByField!, s.multiLineRecords) : undefined,
      dataFormatConversion: parquetTable && s.parquet ? {
        schemaConfiguration: firehose.SchemaConfiguration.fromCfnTable(parquetTable),
        inputFormat: firehose.InputFormat.OPENX_JSON,
        outputFormat: new firehose.ParquetOutputFormat({ compression: s.parquet }),
      } : undefined,
    }),
  });
  // The L2 always builds `connections`, whose CIDR lookup renders an unused Mapping in a region-agnostic stack.
  if (Token.isUnresolved(Stack.of(scope).region)) acknowledgeCfnLint(scope, 'W7001');
  // The L2 made the log stream while binding the destination; the role may write to it and nothing else.
  const logStream = logGroup.node.findChild(DELIVERY_LOG_STREAM_ID) as logs.LogStream;
  policy.addStatements(new iam.PolicyStatement({
    actions: ['logs:PutLogEvents'],
    resources: [Stack.of(scope).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    })],
  }));
  const cfnDeliveryStream = deliveryStream.node.defaultChild as firehose.CfnDeliveryStream;
  if (source) {
    acknowledge(cfnDeliveryStream, 'AwsSolutions-KDF1', 'The delivery stream reads a Kinesis data stream, which is encrypted (KMS); '
      + 'Firehose refuses server-side encryption settings on a stream with a Kinesis source.');
  }
  // The logical id the stream had as an L1 child of this construct: CloudFormation cannot replace a named stream.
  cfnDeliveryStream.overrideLogicalId(logicalIdOfChild(scope, 'DeliveryStream'));
  // Firehose checks its access when the stream is created: the policy must exist first.
  cfnDeliveryStream.node.addDependency(policy);
  return { role, logGroup, deliveryStream, cfnDeliveryStream, deliveryStreamName };
}

/**
 * The logical id CDK gives a CfnResource with this id directly under `scope` (its `makeUniqueId`: the path from
 * the stack without 'Default', the human part without 'Resource', and the first 8 hex digits of the path's MD5).
 */
export function logicalIdOfChild(scope: Construct, id: string): string {
  const stack = Stack.of(scope);
  const path = [...scope.node.scopes.slice(stack.node.scopes.length).map((c) => c.node.id), id].filter((c) => c !== 'Default');
  const alnum = (c: string) => c.replace(/[^A-Za-z0-9]/g, '');
  if (path.length === 1) return alnum(path[0]);
  const hash = createHash('md5').update(path.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const human: string[] = [];
  for (const c of path) if (human.length === 0 || !human[human.length - 1].endsWith(c)) human.push(c);
  return human.filter((c) => c !== 'Resource').map(alnum).join('').slice(0, 240) + hash;
}

/** Read access to the schema table (what the L2's SchemaConfiguration grants, here on our own policy). */
function glueSchemaStatement(scope: Construct, table: glue.CfnTable): iam.PolicyStatement {
  const stack = Stack.of(scope);
  return new iam.PolicyStatement({
    actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
    resources: [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: table.databaseName }),
      stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${table.databaseName}/${table.ref}` }),
    ],
  });
}

/**
 * Processors for dynamic partitioning by a top-level field: packed records
 * are first split into their JSON lines, each line is given back its
 * newline, and the partition key is read with a JQ query.
 */
export function partitioningProcessors(field: string, multiLineRecords: boolean): firehose.IDataProcessor[] {
  const extract = new firehose.MetadataExtractionProcessor({
    // A missing or null field partitions under "none" rather than failing the record.
    metadataExtractionQuery: `{${field}: (.${field} // "none" | tostring)}`,
    jsonParsingEngine: firehose.JsonParsingEngine.JQ_1_6,
  }, [field]);
  return multiLineRecords
    ? [firehose.RecordDeAggregationProcessor.delimited('\n'), extract, new firehose.AppendDelimiterToRecordProcessor()]
    : [extract];
}

/** The settings of the bucket created when none is given. */
export type BucketSettings = Pick<DeliverySettings, 'encryptionKey' | 'lifecycleRules' | 'noncurrentVersionExpiration' | 'serverAccessLogs'>;

/**
 * The bucket created when none is given: encrypted, private, SSL only, retained; versioned with noncurrent versions
 * expiring, and server access logs, as settled in resolve.ts.
 */
export function createBucket(scope: Construct, s: BucketSettings = {}): s3.IBucket {
  const key = s.encryptionKey;
  const versioned = s.noncurrentVersionExpiration !== undefined;
  const bucket = new s3.Bucket(scope, 'Bucket', {
    encryption: key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
    encryptionKey: key,
    bucketKeyEnabled: key ? true : undefined,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      ...s.lifecycleRules ?? [],
      ...versioned ? [{ noncurrentVersionExpiration: s.noncurrentVersionExpiration, expiredObjectDeleteMarker: true }] : [],
    ],
  });
  if (!versioned) {
    // No cdk-nag AwsSolutions rule checks versioning (its NIST, HIPAA and PCI packs do).
    acknowledgeCheckov(bucket, 'CKV_AWS_21', 'Versioning is off (`versioned: false`). Firehose writes each object once '
      + 'under a new key and never overwrites one; versioning would only keep deleted objects.');
  }
  if (s.serverAccessLogs) {
    logAccess(scope, bucket, s.serverAccessLogs.bucket, s.serverAccessLogs.prefix);
  } else {
    acknowledgeBoth(bucket, 'AwsSolutions-S1', 'CKV_AWS_18',
      'Only Firehose writes to this bucket, through its own role; use CloudTrail S3 data events to audit reads. ' +
      'Set `serverAccessLogs` (or pass your own `bucket`) if your policy requires server access logs.');
  }
  return bucket;
}

/**
 * Server access logs of `bucket` into `target`, or into a new log bucket. Set on the L1 with a bucket policy on the
 * target, as AWS recommends: the L2's `serverAccessLogsBucket` falls back to the LogDeliveryWrite ACL on apps
 * without the `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` flag.
 */
function logAccess(scope: Construct, bucket: s3.Bucket, target?: s3.IBucket, prefix?: string): void {
  const logBucket = target ?? createLogBucket(scope);
  logBucket.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [logBucket.arnForObjects(`${prefix ?? ''}*`)],
    conditions: {
      ArnLike: { 'aws:SourceArn': bucket.bucketArn },
      StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
    },
  }));
  (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
    destinationBucketName: logBucket.bucketName,
    logFilePrefix: prefix,
  };
}

/** The bucket of the data bucket's server access logs: SSE-S3 (the only encryption log delivery supports), private, expiring. */
function createLogBucket(scope: Construct): s3.Bucket {
  const logBucket = new s3.Bucket(scope, 'ServerAccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
  });
  acknowledgeBoth(logBucket, 'AwsSolutions-S1', 'CKV_AWS_18', 'This bucket holds the server access logs of the events '
    + 'bucket; logging its own access would log the log deliveries.');
  acknowledgeCheckov(logBucket, 'CKV_AWS_21', 'Only S3 log delivery writes to this bucket, each log object once under a '
    + 'new key; the objects expire after 365 days.');
  return logBucket;
}
