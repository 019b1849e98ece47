import {
  ArnFormat,
  Aws,
  Duration,
  Names,
  RemovalPolicy,
  Size,
  Stack,
  aws_iam as iam,
  aws_kinesisfirehose as firehose,
  aws_kms as kms,
  aws_logs as logs,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvelopeFieldSource, RecordEnvelope } from './envelope';
import { acknowledge, nagFindingId } from './nag';

/** Firehose error log stream name for S3 delivery. */
export const DELIVERY_LOG_STREAM = 'S3Delivery';
/** Dynamic partitioning needs at least this buffering. */
export const PARTITIONING_MIN_INTERVAL_SECONDS = 60;
export const PARTITIONING_MIN_SIZE_MIB = 64;

/**
 * Checks `partitionByField`: it must name an envelope field whose values are
 * few (a key, a tenant, a constant), and buffering must meet the dynamic
 * partitioning minimums.
 */
export function checkPartitioning(field: string, envelope: RecordEnvelope, interval: Duration, size: Size): void {
  const names = envelope.raw ? [] : envelope.fields.map((f) => f.name);
  if (!names.includes(field)) {
    throw new Error(`partitionByField '${field}' must name an envelope field (${names.join(', ') || 'the envelope is raw'}).`);
  }
  const f = envelope.fields.find((x) => x.name === field)!;
  if (f.source === EnvelopeFieldSource.BATCH_INDEX || f.source === EnvelopeFieldSource.RECEIVED_AT || f.source === EnvelopeFieldSource.REQUEST_ID) {
    throw new Error(`partitionByField '${field}' would create a prefix per ${f.source.toLowerCase()}: partition by a key, tenant or constant field.`);
  }
  if (!interval.isUnresolved() && interval.toSeconds() < PARTITIONING_MIN_INTERVAL_SECONDS) {
    throw new Error(`bufferingInterval must be at least ${PARTITIONING_MIN_INTERVAL_SECONDS} seconds with partitionByField, got ${interval.toSeconds()} seconds.`);
  }
  if (!size.isUnresolved() && size.toMebibytes() < PARTITIONING_MIN_SIZE_MIB) {
    throw new Error(`bufferingSize must be at least ${PARTITIONING_MIN_SIZE_MIB} MiB with partitionByField, got ${size.toMebibytes()} MiB.`);
  }
}

/** Resolved settings of a new delivery stream. */
export interface DeliverySettings {
  readonly bucket?: s3.IBucket;
  readonly deliveryStreamName?: string;
  readonly bufferingInterval: Duration;
  readonly bufferingSize: Size;
  readonly compression: firehose.Compression;
  readonly dataOutputPrefix: string;
  readonly errorOutputPrefix: string;
  readonly errorLogRetention?: logs.RetentionDays;
  readonly encryptionKey?: kms.IKey;
  readonly lifecycleRules?: s3.LifecycleRule[];
  /** Envelope field to partition by (dynamic partitioning). */
  readonly partitionByField?: string;
  /** Whether a Firehose record may hold several JSON lines (packed batches): partitioning then splits them first. */
  readonly multiLineRecords: boolean;
}

/** What `createDelivery` made. */
export interface Delivery {
  readonly bucket: s3.IBucket;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly cfnDeliveryStream: firehose.CfnDeliveryStream;
  /** The stream as an `IDeliveryStream` (grants, metrics). */
  readonly deliveryStream: firehose.IDeliveryStream;
  readonly deliveryStreamName: string;
}

/**
 * Creates the bucket (unless given), the Firehose role with exactly the
 * permissions S3 delivery needs, the error log group and the delivery stream.
 */
export function createDelivery(scope: Construct, s: DeliverySettings): Delivery {
  const bucket = s.bucket ?? createBucket(scope, s.encryptionKey, s.lifecycleRules);
  const logGroup = new logs.LogGroup(scope, 'DeliveryErrors', {
    retention: s.errorLogRetention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const logStream = new logs.LogStream(scope, 'DeliveryErrorsStream', {
    logGroup,
    logStreamName: DELIVERY_LOG_STREAM,
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
      new iam.PolicyStatement({
        actions: ['logs:PutLogEvents'],
        resources: [Stack.of(scope).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        })],
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
  acknowledge(policy, nagFindingId('AwsSolutions-IAM5', 'Resource', scope, bucket.arnForObjects('*')),
    'Firehose writes objects under generated keys, so s3:PutObject/GetObject/AbortMultipartUpload need <bucket>/*; ' +
    'no other bucket, action or log stream is granted.');

  const deliveryStreamName = s.deliveryStreamName ?? Names.uniqueResourceName(scope, { maxLength: 64, separator: '-' });
  const partitioning = s.partitionByField !== undefined;
  const cfnDeliveryStream = new firehose.CfnDeliveryStream(scope, 'DeliveryStream', {
    deliveryStreamName,
    deliveryStreamType: 'DirectPut',
    deliveryStreamEncryptionConfigurationInput: s.encryptionKey
      ? { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: s.encryptionKey.keyArn }
      : { keyType: 'AWS_OWNED_CMK' },
    extendedS3DestinationConfiguration: {
      bucketArn: bucket.bucketArn,
      roleArn: role.roleArn,
      bufferingHints: {
        intervalInSeconds: s.bufferingInterval.toSeconds(),
        sizeInMBs: s.bufferingSize.toMebibytes(),
      },
      compressionFormat: s.compression.value,
      prefix: s.dataOutputPrefix,
      errorOutputPrefix: s.errorOutputPrefix,
      encryptionConfiguration: s.encryptionKey
        ? { kmsEncryptionConfig: { awskmsKeyArn: s.encryptionKey.keyArn } }
        : undefined,
      cloudWatchLoggingOptions: {
        enabled: true,
        logGroupName: logGroup.logGroupName,
        logStreamName: logStream.logStreamName,
      },
      dynamicPartitioningConfiguration: partitioning
        ? { enabled: true, retryOptions: { durationInSeconds: 300 } }
        : undefined,
      processingConfiguration: partitioning
        ? partitioningProcessors(s.partitionByField!, s.multiLineRecords)
        : undefined,
    },
  });
  // Firehose checks its access when the stream is created: the policy must exist first.
  cfnDeliveryStream.node.addDependency(policy);
  const deliveryStream = firehose.DeliveryStream.fromDeliveryStreamAttributes(scope, 'DeliveryStreamRef', {
    deliveryStreamArn: cfnDeliveryStream.attrArn,
    deliveryStreamName: cfnDeliveryStream.ref,
    role,
  });
  return { bucket, role, logGroup, cfnDeliveryStream, deliveryStream, deliveryStreamName };
}

/**
 * Processors for dynamic partitioning by a top-level field: packed records
 * are first split into their JSON lines, each line is given back its
 * newline, and the partition key is read with a JQ query.
 */
export function partitioningProcessors(field: string, multiLineRecords: boolean): firehose.CfnDeliveryStream.ProcessingConfigurationProperty {
  const processors: firehose.CfnDeliveryStream.ProcessorProperty[] = [];
  if (multiLineRecords) {
    processors.push({
      type: 'RecordDeAggregation',
      parameters: [
        { parameterName: 'SubRecordType', parameterValue: 'DELIMITED' },
        // Firehose expects the delimiter base64-encoded: "\n".
        { parameterName: 'Delimiter', parameterValue: 'Cg==' },
      ],
    });
  }
  processors.push({
    type: 'MetadataExtraction',
    parameters: [
      // A missing or null field partitions under "none" rather than failing the record.
      { parameterName: 'MetadataExtractionQuery', parameterValue: `{${field}: (.${field} // "none" | tostring)}` },
      { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
    ],
  });
  if (multiLineRecords) {
    processors.push({ type: 'AppendDelimiterToRecord', parameters: [] });
  }
  return { enabled: true, processors };
}

function createBucket(scope: Construct, key?: kms.IKey, lifecycleRules?: s3.LifecycleRule[]): s3.IBucket {
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
