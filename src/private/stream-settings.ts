import { Duration, Names, Token, aws_kinesis as kinesis, aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { kindOf } from './field-kinds';
import { checkIntegerRange } from './validation';
import { EnvelopeFieldSource } from '../envelope-field';
import { KinesisStreamOptions, PartitionKey } from '../ingest-target';
import { ApiToFirehoseProps } from '../props';

/** Resolved settings of the Kinesis data stream the API writes to (with `target: IngestTarget.kinesisStream()`). */
export interface StreamSettings {
  /** The stream given; else a new one from the settings below. */
  readonly stream?: kinesis.IStream;
  readonly streamName: string;
  readonly streamMode: kinesis.StreamMode;
  readonly shardCount?: number;
  readonly warmThroughputMiBps?: number;
  readonly retentionPeriod: Duration;
  readonly encryptionKey?: kms.IKey;
  readonly partitionKey: PartitionKey;
}

/** Kinesis stream names: 1-128 of [a-zA-Z0-9_.-]. */
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
/** Warm throughput of an on-demand stream: at most 10 GiB/s by default (Kinesis API reference, UpdateStreamWarmThroughput). */
export const WARM_THROUGHPUT_MAX_MIBPS = 10_240;
/** Retention: 24 hours to 365 days. */
export const RETENTION_MIN_HOURS = 24;
export const RETENTION_MAX_HOURS = 8760;
/** Props of a new stream, refused with a given `stream`. */
const NEW_STREAM_OPTIONS: (keyof KinesisStreamOptions)[] = ['streamName', 'streamMode', 'shardCount', 'warmThroughputMiBps', 'retentionPeriod', 'encryptionKey'];
/** Envelope field sources whose value is not a string, so it cannot be a partition key. */
const NOT_A_KEY = [EnvelopeFieldSource.RECEIVED_AT, EnvelopeFieldSource.BATCH_INDEX];

/** The stream settings, or undefined with Firehose Direct PUT (the default target). */
export function resolveStream(scope: Construct, props: ApiToFirehoseProps): StreamSettings | undefined {
  const o = props.target?.kinesisStreamOptions;
  if (!o) return undefined;
  if (props.deliveryStream) {
    throw new Error('target IngestTarget.kinesisStream() creates a delivery stream that reads the Kinesis stream; it cannot be used with deliveryStream (a Direct PUT stream).');
  }
  if (o.stream) {
    const given = NEW_STREAM_OPTIONS.filter((k) => o[k] !== undefined);
    if (given.length > 0) {
      throw new Error(`target.kinesisStream: ${given.join(', ')} configure a new stream and cannot be used with stream: configure the existing stream instead.`);
    }
  }
  const streamMode = o.streamMode ?? kinesis.StreamMode.ON_DEMAND;
  const modes = [kinesis.StreamMode.ON_DEMAND, kinesis.StreamMode.PROVISIONED];
  if (!modes.includes(streamMode)) {
    throw new Error(`target.kinesisStream streamMode must be one of ${modes.join(', ')}, got '${streamMode}'.`);
  }
  if (o.shardCount !== undefined && streamMode !== kinesis.StreamMode.PROVISIONED) {
    throw new Error(`target.kinesisStream shardCount applies to streamMode PROVISIONED, got shardCount ${o.shardCount} with ${streamMode}.`);
  }
  if (o.warmThroughputMiBps !== undefined && streamMode !== kinesis.StreamMode.ON_DEMAND) {
    throw new Error(`target.kinesisStream warmThroughputMiBps applies to streamMode ON_DEMAND, got warmThroughputMiBps ${o.warmThroughputMiBps} with ${streamMode}.`);
  }
  if (o.shardCount !== undefined && !Token.isUnresolved(o.shardCount) && !(Number.isInteger(o.shardCount) && o.shardCount >= 1)) {
    throw new Error(`target.kinesisStream shardCount must be a whole number of at least 1 (the account's shard quota is the ceiling), got ${o.shardCount}.`);
  }
  // UpdateStreamWarmThroughput: "Scale to more than 10 GiBps for an on-demand stream" is refused by default.
  checkIntegerRange('target.kinesisStream warmThroughputMiBps', o.warmThroughputMiBps, 1, WARM_THROUGHPUT_MAX_MIBPS);
  const retentionPeriod = o.retentionPeriod ?? Duration.hours(RETENTION_MIN_HOURS);
  if (!retentionPeriod.isUnresolved()) {
    const hours = retentionPeriod.toHours({ integral: false });
    if (!Number.isInteger(hours) || hours < RETENTION_MIN_HOURS || hours > RETENTION_MAX_HOURS) {
      throw new Error(`target.kinesisStream retentionPeriod must be a whole number of hours between ${RETENTION_MIN_HOURS} and ${RETENTION_MAX_HOURS} (365 days), got ${+hours.toFixed(3)} hours.`);
    }
  }
  if (o.streamName !== undefined && !Token.isUnresolved(o.streamName) && !STREAM_NAME.test(o.streamName)) {
    throw new Error(`target.kinesisStream streamName must be 1-128 characters of [a-zA-Z0-9_.-], got '${o.streamName}'.`);
  }
  const partitionKey = o.partitionKey ?? PartitionKey.REQUEST_ID;
  const source = partitionKey.field.source;
  if (NOT_A_KEY.includes(source)) {
    const allowed = Object.values(EnvelopeFieldSource).filter((s) => !NOT_A_KEY.includes(s));
    throw new Error(`target.kinesisStream partitionKey must be a field whose value is a string (${allowed.join(', ')}), got ${source}.`);
  }
  kindOf(partitionKey.field); // every source has a kind; a new one fails to compile there first
  return {
    stream: o.stream,
    streamName: o.streamName ?? Names.uniqueResourceName(scope, { maxLength: 128, separator: '-' }),
    streamMode,
    shardCount: streamMode === kinesis.StreamMode.PROVISIONED ? o.shardCount ?? 1 : undefined,
    warmThroughputMiBps: o.warmThroughputMiBps,
    retentionPeriod,
    encryptionKey: o.encryptionKey,
    partitionKey,
  };
}
