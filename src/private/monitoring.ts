import { Duration, aws_cloudwatch as cloudwatch, aws_cloudwatch_actions as actions } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { MonitoringSettings } from './resolve';

/** What the alarms watch (plain names, so this file needs no construct from the main file). */
export interface MonitoredResources {
  readonly deliveryStreamName: string;
  /** The REST API's name; API alarms are skipped without it (an imported API). */
  readonly restApiName?: string;
  readonly stageName?: string;
}

/** The metrics the alarms and the dashboard use. */
export function ingestionMetrics(r: MonitoredResources) {
  const firehoseMetric = (metricName: string, statistic: string) => new cloudwatch.Metric({
    namespace: 'AWS/Firehose',
    metricName,
    statistic,
    period: Duration.minutes(5),
    dimensionsMap: { DeliveryStreamName: r.deliveryStreamName },
  });
  const apiName = r.restApiName;
  const stage = r.stageName;
  const apiMetric = (metricName: string, statistic: string) => new cloudwatch.Metric({
    namespace: 'AWS/ApiGateway',
    metricName,
    statistic,
    period: Duration.minutes(5),
    dimensionsMap: { ApiName: apiName!, Stage: stage! },
  });
  return {
    firehose: {
      freshness: firehoseMetric('DeliveryToS3.DataFreshness', 'Maximum'),
      deliverySuccess: firehoseMetric('DeliveryToS3.Success', 'Minimum'),
      throttledRecords: firehoseMetric('ThrottledRecords', 'Sum'),
      incomingRecords: firehoseMetric('IncomingRecords', 'Sum'),
    },
    // API Gateway metrics are keyed by API name and stage: none for an API whose name is unknown (imported).
    api: apiName && stage ? {
      serverErrorRate: apiMetric('5XXError', 'Average'),
      clientErrorRate: apiMetric('4XXError', 'Average'),
      latencyP99: apiMetric('Latency', 'p99'),
      requests: apiMetric('Count', 'Sum'),
    } : undefined,
  };
}

/**
 * Creates the alarms (and optionally a dashboard) under `scope`.
 * Missing data is not breaching: an idle endpoint is not an outage.
 */
export function createMonitoring(scope: Construct, r: MonitoredResources, opts: MonitoringSettings) {
  const { firehose: f, api } = ingestionMetrics(r);
  const alarms: cloudwatch.Alarm[] = [];
  if (opts.alarms) {
    const freshness = opts.freshnessThreshold;
    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string,
      comparison = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD, evaluationPeriods = 1) => {
      const a = new cloudwatch.Alarm(scope, id, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: comparison,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (opts.alarmTopic) {
        a.addAlarmAction(new actions.SnsAction(opts.alarmTopic));
        a.addOkAction(new actions.SnsAction(opts.alarmTopic));
      }
      alarms.push(a);
      return a;
    };
    alarm('DeliveryFreshnessAlarm', f.freshness, freshness.toSeconds(),
      `Records wait in Firehose longer than ${freshness.toSeconds()} s: delivery to S3 is delayed or failing.`);
    alarm('DeliveryFailureAlarm', f.deliverySuccess, 1,
      'Some Firehose deliveries to S3 failed (records go to the error prefix after retries).',
      cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD);
    alarm('ThrottledRecordsAlarm', f.throttledRecords, 0,
      'Firehose throttled records: the stream is at its quota; clients receive 503.');
    if (api) {
      alarm('ServerErrorAlarm', api.serverErrorRate, opts.serverErrorRate,
        'API 5xx rate is high: events are being refused by the backend.');
      alarm('ClientErrorAlarm', api.clientErrorRate, opts.clientErrorRate,
        'API 4xx rate is high: invalid keys, bad bodies or throttled callers.', undefined, 3);
      alarm('LatencyAlarm', api.latencyP99, opts.latencyThreshold.toMilliseconds(),
        'API p99 latency is high.', undefined, 3);
    }
  }
  let dashboard: cloudwatch.Dashboard | undefined;
  if (opts.dashboard) {
    dashboard = new cloudwatch.Dashboard(scope, 'Dashboard');
    if (api) {
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({ title: 'Requests and errors', left: [api.requests], right: [api.serverErrorRate, api.clientErrorRate] }),
        new cloudwatch.GraphWidget({ title: 'Latency p99 (ms)', left: [api.latencyP99] }),
      );
    }
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Firehose records', left: [f.incomingRecords, f.throttledRecords] }),
      new cloudwatch.GraphWidget({ title: 'Delivery to S3', left: [f.freshness], right: [f.deliverySuccess] }),
    );
  }
  return { alarms, dashboard };
}
