import { Duration, aws_kinesis as kinesis, aws_kms as kms } from 'aws-cdk-lib';
import { EnvelopeField } from './envelope-field';

/**
 * Which value each Kinesis record is keyed by. Kinesis hashes the partition key to pick the shard, and keeps order
 * per key: records with one key go to one shard, in order, and together take at most that shard's 1 MiB/s and
 * 1,000 records/s.
 */
export class PartitionKey {
  /**
   * The API Gateway request id (the default). Every request gets a new random key, so writes spread evenly over
   * all shards and no shard runs hot; order is kept only within a request (a batch's records share its key).
   */
  public static readonly REQUEST_ID = new PartitionKey(EnvelopeField.requestId());

  /**
   * The API key's public id: each key's events stay in order on one shard. One key's traffic is then capped by one
   * shard (1 MiB/s, 1,000 records/s) and a busy key makes its shard hot while others idle. Requests without a key
   * use the request id.
   */
  public static readonly API_KEY_ID = new PartitionKey(EnvelopeField.apiKeyId());

  /**
   * The value of an envelope field source as the envelope would write it (a string): e.g. `EnvelopeField.header(
   * 'X-Tenant-Id', 'tenant')` for per-tenant order, or `EnvelopeField.eventId()` for per-event keys (a record of a
   * packed batch or of an input's request holds many events, so it uses the request id). Caller-controlled values
   * (headers, query parameters) are escaped, and a missing, empty or longer than 256-character value falls back to the request id.
   * Keys with few distinct values concentrate traffic on few shards (hot shards); a caller who controls the
   * value chooses the shard. Sources that are not strings (receivedAt, batchIndex) are refused.
   */
  public static fromField(field: EnvelopeField): PartitionKey {
    return new PartitionKey(field);
  }

  private constructor(
    /** The envelope field source whose value is the key (its name is not used). */
    public readonly field: EnvelopeField,
  ) {}
}

/**
 * A Kinesis data stream in front of Firehose: the API writes to the stream, and a delivery stream reads it (a
 * Kinesis source) into the same S3 layout. Other consumers can read the stream too.
 */
export interface KinesisStreamOptions {
  /**
   * An existing stream to write to. Then the stream props (name, mode, shards, warm throughput, retention, key)
   * are refused: configure them on that stream.
   * @default - a new stream
   */
  readonly stream?: kinesis.IStream;

  /**
   * The new stream's name (1-128 of [a-zA-Z0-9_.-]).
   * @default - a name unique to this construct's path in the app
   */
  readonly streamName?: string;

  /**
   * The capacity mode. ON_DEMAND starts at 4 MiB/s of writes and scales with traffic (up to twice the previous
   * peak at once); PROVISIONED takes exactly `shardCount` x 1 MiB/s and 1,000 records/s, and throttles beyond.
   * @default kinesis.StreamMode.ON_DEMAND
   * @see https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html
   */
  readonly streamMode?: kinesis.StreamMode;

  /**
   * Number of shards of a PROVISIONED stream (each 1 MiB/s and 1,000 records/s of writes).
   * @default 1
   */
  readonly shardCount?: number;

  /**
   * Write throughput (1-10,240 MiB/s) an ON_DEMAND stream is made ready for ahead of traffic (`WarmThroughputMiBps`).
   * Kinesis accepts it only in accounts with the on-demand minimum throughput billing commitment.
   * @default - none: the stream scales with traffic
   * @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateStreamWarmThroughput.html
   */
  readonly warmThroughputMiBps?: number;

  /**
   * How long the stream keeps records (24 hours to 365 days, whole hours). Longer than 24 hours costs extra.
   * @default Duration.hours(24)
   */
  readonly retentionPeriod?: Duration;

  /**
   * A customer-managed KMS key for the stream. The API's role gets kms:GenerateDataKey on it and the Firehose
   * role kms:Decrypt; consumers get kms:Decrypt through `stream.grantRead`.
   * @default - the AWS managed key alias/aws/kinesis (no key policy to manage, no KMS charge)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What each record's partition key is.
   * @default PartitionKey.REQUEST_ID
   */
  readonly partitionKey?: PartitionKey;
}

/**
 * Where the API writes: Firehose Direct PUT (the default), or a Kinesis data stream that a delivery stream reads.
 * Either way the events reach S3 as the same JSON lines, under the same prefix, for the same table.
 */
export class IngestTarget {
  /**
   * Firehose Direct PUT: PutRecord and PutRecordBatch on the delivery stream. Per stream 5 MiB/s, 2,000
   * requests/s and 500,000 records/s in us-east-1, us-west-2 and eu-west-1, 1 MiB/s elsewhere (raised on request).
   */
  public static readonly FIREHOSE = new IngestTarget();

  /**
   * A Kinesis data stream (new or given): single events, packed batches and every input's requests use
   * PutRecord, record-per-event batches PutRecords, and a delivery stream with the Kinesis source delivers to S3.
   * Not bound by Firehose's Direct PUT quotas; stream throughput is per shard (provisioned) or scales (on-demand).
   */
  public static kinesisStream(options: KinesisStreamOptions = {}): IngestTarget {
    return new IngestTarget(options);
  }

  private constructor(
    /** The stream options, when the target is a Kinesis data stream. */
    public readonly kinesisStreamOptions?: KinesisStreamOptions,
  ) {}
}
