import { createHash } from 'crypto';
import {
  ArnFormat,
  Aws,
  Duration,
  RemovalPolicy,
  Stack,
  aws_glue as glue,
  aws_iam as iam,
  aws_kinesis as kinesis,
  aws_kinesisfirehose as firehose,
  aws_kms as kms,
  aws_logs as logs,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledge, nagFindingId } from './nag';
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
  const logGroup = new logs.LogGroup(scope, 'DeliveryErrors', {
    retention: s.errorLogRetention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
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

/** The bucket created when none is given: encrypted, private, SSL only, retained. */
export function createBucket(scope: Construct, key?: kms.IKey, lifecycleRules?: s3.LifecycleRule[]): s3.IBucket {
  const bucket = new s3.Bucket(scope, 'Bucket', {
    encryption: key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
    encryptionKey: key,
    bucketKeyEnabled: key ? true : undefined,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: false,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules,
  });
  acknowledge(bucket, 'AwsSolutions-S1',
    'Only Firehose writes to this bucket, through its own role; use CloudTrail S3 data events to audit reads. ' +
    'Pass your own `bucket` with server access logging if your policy requires it.');
  return bucket;
}
