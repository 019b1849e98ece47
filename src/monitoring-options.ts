import { Duration, aws_sns as sns } from 'aws-cdk-lib';

/**
 * Monitoring options: alarms on everything that loses or delays data.
 */
export interface MonitoringOptions {
  /**
   * Whether the alarms are created.
   * @default true
   */
  readonly alarms?: boolean;
  /**
   * A topic notified when an alarm fires or recovers.
   * @default - no action
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Oldest record age in Firehose that counts as delayed delivery.
   * @default - 2 x the buffering interval, at least 5 minutes
   */
  readonly freshnessThreshold?: Duration;
  /**
   * Share of requests answered 5xx (0-1) that raises the server error alarm.
   * @default 0.01
   */
  readonly serverErrorRate?: number;
  /**
   * Share of requests answered 4xx (0-1) that raises the client error alarm (bad clients, invalid keys, throttling).
   * @default 0.1
   */
  readonly clientErrorRate?: number;
  /**
   * p99 latency that raises the latency alarm.
   * @default Duration.seconds(2)
   */
  readonly latencyThreshold?: Duration;
  /**
   * Whether a CloudWatch dashboard is created.
   * @default false
   */
  readonly dashboard?: boolean;
}
