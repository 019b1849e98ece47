/**
 * Configurations whose synthesized templates must not change when the library is restructured. Together they set
 * every prop of ApiToFirehoseProps at least once (kinesis-stream: the `target` prop, issue #21) (and every QueryOptions, BatchOptions, MonitoringOptions,
 * CorsSettings and TenantOptions field), plus `addTenant`, `grantQuery` and `grantReadRecords`.
 *
 * test/stability/templates.test.ts synthesizes each and compares the template, byte for byte, with the file of the
 * same name in test/stability/templates/. A change that alters a template on purpose regenerates them with
 * `UPDATE_TEMPLATES=1 npx jest test/stability` and says in its commit message which and why.
 */
import {
  App, Duration, Size, Stack, TimeZone,
  aws_apigateway as apigw, aws_certificatemanager as acm, aws_cognito as cognito, aws_ec2 as ec2, aws_iam as iam, aws_kinesis as kinesis,
  aws_kinesisfirehose as firehose, aws_kms as kms, aws_logs as logs, aws_route53 as route53, aws_s3 as s3, aws_sns as sns,
} from 'aws-cdk-lib';
import {
  ApiEndpoint, ApiToFirehose, BatchMode, EnvelopeField, IngestTarget, Input, PartitionKey, RecordEnvelope, TextPlainMode,
} from '../../src';
import { buildStack as buildConsumerStack } from '../consumers/typescript/app';

const T = apigw.JsonSchemaType;

/** One configuration: builds its constructs in a fresh stack. */
export interface Configuration {
  readonly name: string;
  readonly build: (stack: Stack) => void;
}

export const CONFIGURATIONS: Configuration[] = [
  { name: 'zero-props', build: (s) => { new ApiToFirehose(s, 'Ingest'); } },
  {
    name: 'custom-delivery',
    build: (s) => {
      new ApiToFirehose(s, 'Ingest', {
        bucket: new s3.Bucket(s, 'Given'),
        deliveryStreamName: 'custom-delivery',
        bufferingInterval: Duration.seconds(300),
        bufferingSize: Size.mebibytes(32),
        compression: firehose.Compression.SNAPPY,
        dataOutputPrefix: 'in/!{timestamp:yyyy/MM/dd}/',
        errorOutputPrefix: 'failed/!{firehose:error-output-type}/!{timestamp:yyyy}/',
        errorLogRetention: logs.RetentionDays.ONE_WEEK,
        timeZone: TimeZone.EUROPE_BERLIN,
      });
    },
  },
  {
    name: 'envelope-fields-text-as-string',
    build: (s) => {
      new ApiToFirehose(s, 'Ingest', {
        envelope: RecordEnvelope.withFields([
          EnvelopeField.apiKeyId('key'), EnvelopeField.requestId('req'), EnvelopeField.receivedAt('at'),
          EnvelopeField.traceId(), EnvelopeField.sourceIp(), EnvelopeField.userAgent(), EnvelopeField.stage(),
          EnvelopeField.header('X-Tenant-Id', 'tenant'), EnvelopeField.queryParameter('src', 'source'),
          EnvelopeField.constant('pipeline', 'it\'s "quoted" $x #y'), EnvelopeField.batchIndex('i'),
          EnvelopeField.eventId('id', 'messageId'),
        ], { bodyField: 'event' }),
        textPlain: TextPlainMode.AS_STRING,
        resourcePath: 'v1/events',
        batch: { path: 'many', maxEvents: 100 },
      });
    },
  },
  {
    name: 'raw-record-per-event-text-as-json',
    build: (s) => {
      new ApiToFirehose(s, 'Ingest', {
        envelope: RecordEnvelope.RAW,
        batch: { mode: BatchMode.RECORD_PER_EVENT, maxEvents: 500 },
        textPlain: TextPlainMode.AS_JSON,
        eventSchema: {
          type: T.OBJECT,
          required: ['type'],
          properties: { type: { type: T.STRING }, n: { type: T.INTEGER }, tags: { type: T.ARRAY, items: { type: T.STRING } } },
        },
      });
    },
  },
  {
    name: 'no-batch',
    build: (s) => { new ApiToFirehose(s, 'Ingest', { batch: { enabled: false }, versioned: false, serverAccessLogs: true }); },
  },
  {
    name: 'open-api-cors',
    build: (s) => {
      new ApiToFirehose(s, 'Ingest', {
        apiKeyRequired: false,
        cors: { allowOrigin: 'https://app.example.com', allowHeaders: ['Content-Type'], maxAge: Duration.minutes(10) },
        textPlain: TextPlainMode.AS_JSON,
        jsonGatewayResponses: true,
        stageName: 'v1',
        tracingEnabled: true,
        cloudWatchRole: false,
      });
    },
  },
  {
    name: 'tenants-partitioned',
    build: (s) => {
      const key = new apigw.ApiKey(s, 'Given');
      const api = new ApiToFirehose(s, 'Ingest', {
        apiKeys: [key],
        throttle: { rateLimit: 100, burstLimit: 200 },
        quota: { limit: 1_000_000, period: apigw.Period.MONTH },
        partitionByField: 'apiKeyId',
        webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/ingest/abc',
      });
      api.addTenant('Acme', { throttle: { rateLimit: 10, burstLimit: 20 }, quota: { limit: 5000, period: apigw.Period.DAY } });
      api.addTenant('Globex');
      api.grantReadRecords(new iam.Role(s, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
    },
  },
  {
    name: 'encryption-key-monitoring',
    build: (s) => {
      new ApiToFirehose(s, 'Ingest', {
        encryptionKey: new kms.Key(s, 'Key'),
        noncurrentVersionExpiration: Duration.days(90),
        serverAccessLogsBucket: new s3.Bucket(s, 'LogTarget', { enforceSSL: true }),
        serverAccessLogsPrefix: 'events-bucket/',
        lifecycleRules: [{
          expiration: Duration.days(365),
          transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
        }],
        monitoring: {
          alarms: true,
          alarmTopic: new sns.Topic(s, 'Alarms'),
          freshnessThreshold: Duration.minutes(20),
          serverErrorRate: 0.05,
          clientErrorRate: 0.2,
          latencyThreshold: Duration.seconds(2),
          dashboard: true,
        },
      });
    },
  },
  {
    name: 'existing-api-and-stream',
    build: (s) => {
      const restApi = new apigw.RestApi(s, 'Api', { deployOptions: { stageName: 'live' } });
      restApi.root.addMethod('GET');
      const stream = firehose.DeliveryStream.fromDeliveryStreamName(s, 'Stream', 'existing-stream');
      new ApiToFirehose(s, 'Ingest', { restApi, stage: restApi.deploymentStage, deliveryStream: stream, resourcePath: 'collect' });
    },
  },
  {
    name: 'iam-auth-and-cognito',
    build: (s) => {
      const restApi = new apigw.RestApi(s, 'Api');
      new ApiToFirehose(s, 'Iam', { restApi, resourcePath: 'iam', authorizationType: apigw.AuthorizationType.IAM, apiKeyRequired: false });
      const pool = new cognito.UserPool(s, 'Pool');
      const authorizer = new apigw.CognitoUserPoolsAuthorizer(s, 'Authorizer', { cognitoUserPools: [pool] });
      new ApiToFirehose(s, 'Cognito', { restApi, resourcePath: 'cognito', authorizer, jsonGatewayResponses: false });
    },
  },
  {
    name: 'query-default',
    build: (s) => {
      const api = new ApiToFirehose(s, 'Ingest', { query: {} });
      api.grantQuery(new iam.Role(s, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() }));
    },
  },
  {
    name: 'query-typed-partitioned',
    build: (s) => {
      new ApiToFirehose(s, 'Ingest', {
        partitionByField: 'tenant',
        envelope: RecordEnvelope.withFields([
          EnvelopeField.apiKeyId(), EnvelopeField.requestId(), EnvelopeField.receivedAt(), EnvelopeField.eventId(),
          EnvelopeField.batchIndex(), EnvelopeField.header('X-Tenant-Id', 'tenant'), EnvelopeField.sourceIp(),
        ]),
        eventSchema: {
          type: T.OBJECT,
          required: ['type'],
          properties: {
            type: { type: T.STRING },
            value: { type: T.NUMBER },
            ok: { type: T.BOOLEAN },
            page: { type: T.OBJECT, properties: { url: { type: T.STRING }, ms: { type: T.INTEGER } } },
          },
        },
        timeZone: TimeZone.AMERICA_NEW_YORK,
        query: {
          databaseName: 'given_db',
          tableName: 'clicks',
          workGroupName: 'clicks-wg',
          bytesScannedCutoffPerQuery: Size.gibibytes(1),
          resultsExpiration: Duration.days(3),
          firstDay: '2026-01-01',
        },
      });
    },
  },
  {
    name: 'query-parquet-key',
    build: (s) => {
      new ApiToFirehose(s, 'Ingest', {
        encryptionKey: new kms.Key(s, 'Key'),
        compression: firehose.Compression.UNCOMPRESSED,
        dataOutputPrefix: 'pq/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/',
        query: { parquet: true, parquetCompression: firehose.ParquetCompression.GZIP },
      });
    },
  },
  {
    name: 'query-text-as-string-raw',
    build: (s) => {
      new ApiToFirehose(s, 'Ingest', { textPlain: TextPlainMode.AS_STRING, query: {} });
      new ApiToFirehose(s, 'Raw', {
        envelope: RecordEnvelope.RAW,
        resourcePath: 'raw',
        cloudWatchRole: false,
        query: { tableName: 'raw_events' },
        eventSchema: { type: T.OBJECT, properties: { type: { type: T.STRING }, at: { type: T.INTEGER } } },
      });
    },
  },
  {
    // Both modes: Segment sources by write key (no x-api-key on the Segment routes), x-api-key on the construct's own.
    name: 'segment-input',
    build: (s) => {
      new ApiToFirehose(s, 'Ingest', {
        inputs: [Input.segment({ sources: [{ name: 'web', writeKeys: ['wkStabilityWeb0000aaaa1111bbbb22'] }] })],
        cors: { allowOrigin: 'https://app.example.com' },
        query: {},
      });
    },
  },
  {
    name: 'regional-domain',
    build: (s) => {
      new ApiToFirehose(s, 'Ingest', {
        endpoint: ApiEndpoint.REGIONAL,
        domain: {
          domainName: 'events.example.com',
          certificate: acm.Certificate.fromCertificateArn(s, 'Certificate',
            'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555'),
          basePath: 'collect',
          hostedZone: route53.HostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com' }),
        },
      });
    },
  },
  {
    name: 'private-endpoint',
    build: (s) => {
      const vpcEndpoint = ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(s, 'ExecuteApiEndpoint', {
        vpcEndpointId: 'vpce-0123456789abcdef0', port: 443,
      });
      new ApiToFirehose(s, 'Ingest', { endpoint: ApiEndpoint.privateVia([vpcEndpoint]) });
    },
  },
  {
    name: 'otlp-snowplow-shippers-inputs',
    build: (s) => {
      new ApiToFirehose(s, 'Ingest', {
        inputs: [Input.segment(), Input.otlp(), Input.snowplow(), Input.logShippers()],
        cors: { allowOrigin: 'https://shop.example.com' },
        query: {},
      });
    },
  },
  {
    // Curated Iceberg tables for the construct's own events and each input that has one, with every CuratedOptions field.
    name: 'curated-tables',
    build: (s) => {
      new ApiToFirehose(s, 'Ingest', {
        inputs: [Input.segment(), Input.otlpLogs(), Input.snowplow()],
        query: {
          curated: {
            schedule: Duration.minutes(30),
            lookback: Duration.hours(4),
            upkeepSchedule: Duration.hours(12),
            snapshotRetention: Duration.days(3),
            userIdProperty: 'user',
            rawRetention: Duration.days(30),
            tablePrefix: 'curated_',
          },
        },
      });
    },
  },
  { name: 'consumer-app', build: () => { /* built by the consumer app itself, see synthesize() */ } },
  {
    // Kinesis data streams in front of Firehose: a new provisioned stream keyed by API key (record per event, a
    // customer key, the dedup query), a new on-demand one with warm throughput, and a given stream.
    name: 'kinesis-stream',
    build: (s) => {
      new ApiToFirehose(s, 'Provisioned', {
        target: IngestTarget.kinesisStream({
          streamMode: kinesis.StreamMode.PROVISIONED,
          shardCount: 2,
          retentionPeriod: Duration.hours(48),
          encryptionKey: new kms.Key(s, 'StreamKey'),
          partitionKey: PartitionKey.API_KEY_ID,
          streamName: 'provisioned-events',
        }),
        batch: { mode: BatchMode.RECORD_PER_EVENT },
        query: {},
      });
      new ApiToFirehose(s, 'OnDemand', {
        resourcePath: 'od',
        cloudWatchRole: false,
        target: IngestTarget.kinesisStream({ warmThroughputMiBps: 50, partitionKey: PartitionKey.fromField(EnvelopeField.eventId()) }),
      });
      new ApiToFirehose(s, 'Given', {
        resourcePath: 'given',
        cloudWatchRole: false,
        target: IngestTarget.kinesisStream({ stream: new kinesis.Stream(s, 'Existing', { streamMode: kinesis.StreamMode.ON_DEMAND }) }),
      });
    },
  },
  {
    // Every input on a Kinesis target (issue 26): Segment, OTLP logs, Snowplow and the shippers write their one
    // record per request to the stream, keyed by a tenant header (a packed record's per-request key).
    name: 'kinesis-inputs',
    build: (s) => {
      new ApiToFirehose(s, 'Ingest', {
        target: IngestTarget.kinesisStream({ partitionKey: PartitionKey.fromField(EnvelopeField.header('X-Tenant-Id', 'tenant')) }),
        inputs: [Input.segment(), Input.otlpLogs(), Input.snowplow(), Input.logShippers()],
        cors: { allowOrigin: 'https://shop.example.com' },
        query: {},
      });
    },
  },
];

/** Synthesizes one configuration and returns its template as the JSON text CloudFormation would receive. */
export function synthesize(config: Configuration): string {
  const app = new App();
  let stack: Stack;
  if (config.name === 'consumer-app') {
    stack = buildConsumerStack(app);
  } else {
    stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
    config.build(stack);
  }
  return JSON.stringify(app.synth().getStackByName(stack.stackName).template, undefined, 1) + '\n';
}
