import {
  Duration, RemovalPolicy, aws_cloudwatch as cloudwatch, aws_cloudwatch_actions as actions, aws_iam as iam, aws_kinesis as kinesis,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { MonitoringSettings } from './resolve';
import { StreamSettings } from './stream-settings';

/**
 * Creates the Kinesis data stream the API writes to (or returns the one given). Always encrypted: with the key
 * given, else the AWS managed key alias/aws/kinesis (which needs no grant). Removed with the stack, like the delivery
 * stream that reads it: it only holds records on their way to S3.
 */
export function createStream(scope: Construct, s: StreamSettings): kinesis.IStream {
  if (s.stream) return s.stream;
  const stream = new kinesis.Stream(scope, 'Stream', {
    streamName: s.streamName,
    streamMode: s.streamMode,
    shardCount: s.shardCount,
    retentionPeriod: s.retentionPeriod,
    encryption: s.encryptionKey ? kinesis.StreamEncryption.KMS : kinesis.StreamEncryption.MANAGED,
    encryptionKey: s.encryptionKey,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  if (s.warmThroughputMiBps !== undefined) {
    (stream.node.defaultChild as kinesis.CfnStream).warmThroughputMiBps = s.warmThroughputMiBps;
  }
  return stream;
}

/** What Firehose's Kinesis source reads with, on this stream only (and kms:Decrypt on its key, if it has one). */
export function streamReadStatements(stream: kinesis.IStream): iam.PolicyStatement[] {
  const statements = [new iam.PolicyStatement({
    actions: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
    resources: [stream.streamArn],
  })];
  if (stream.encryptionKey) {
    statements.push(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [stream.encryptionKey.keyArn] }));
  }
  return statements;
}

/** What the API's role needs beside the put actions: kms:GenerateDataKey on the stream's key, if it has one. */
export function streamWriteStatements(stream: kinesis.IStream): iam.PolicyStatement[] {
  return stream.encryptionKey
    ? [new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [stream.encryptionKey.keyArn] })]
    : [];
}

/**
 * The stream's alarms, beside the delivery and API alarms: writes throttled (the API answers 503), and records
 * waiting in the stream longer than the freshness threshold (Firehose, or another consumer, reads too slowly).
 */
export function createStreamAlarms(scope: Construct, stream: kinesis.IStream, opts: MonitoringSettings): cloudwatch.Alarm[] {
  if (!opts.alarms) return [];
  const period = Duration.minutes(5);
  const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
    const a = new cloudwatch.Alarm(scope, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    if (opts.alarmTopic) {
      a.addAlarmAction(new actions.SnsAction(opts.alarmTopic));
      a.addOkAction(new actions.SnsAction(opts.alarmTopic));
    }
    return a;
  };
  const age = opts.freshnessThreshold;
  return [
    alarm('StreamWriteThrottledAlarm', stream.metricWriteProvisionedThroughputExceeded({ statistic: 'Sum', period }), 0,
      'The Kinesis stream throttled writes (WriteProvisionedThroughputExceeded): clients receive 503 and retry.'),
    alarm('StreamIteratorAgeAlarm', stream.metricGetRecordsIteratorAgeMilliseconds({ statistic: 'Maximum', period }), age.toMilliseconds(),
      `Records wait in the Kinesis stream longer than ${age.toSeconds()} s: its readers (Firehose) fall behind.`),
  ];
}
