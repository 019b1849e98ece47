import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack, aws_s3 as s3 } from 'aws-cdk-lib';
import { EXAMPLE_ENVELOPE } from './example-stack';
import { ApiToFirehose, Input } from '../src';

/**
 * The curated tables on AWS (query.curated): POSTs a batch of two events with ids twice (a client's retry), waits for
 * the raw lines in S3, runs the merge state machine (Athena MERGE through Step Functions), and counts the curated
 * table's rows with Athena: two, one per event id. What the local suite cannot run: Athena's DDL and MERGE, Glue's
 * Iceberg tables created by CloudFormation, Step Functions' Athena integration.
 * Offline (the test command) this compares the committed snapshot; against an AWS account:
 * `npx integ-runner --directory integ --language typescript --force`.
 */
const app = new App();
const stack = new Stack(app, 'ApiToFirehoseCuratedInteg');
const ingest = new ApiToFirehose(stack, 'Ingest', {
  bucket: new s3.Bucket(stack, 'Events', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
  }),
  bufferingInterval: Duration.seconds(0),
  envelope: EXAMPLE_ENVELOPE,
  inputs: [Input.segment(), Input.otlp()],
  query: { curated: {} },
});
const integ = new IntegTest(app, 'ApiToFirehoseCuratedIntegTest', { testCases: [stack] });

const key = integ.assertions.awsApiCall('APIGateway', 'getApiKey', { apiKey: ingest.apiKey!.keyId, includeValue: true });
const post = () => integ.assertions.httpApiCall(ingest.batchUrl!, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': key.getAttString('value') },
  body: JSON.stringify({ records: [{ eventId: 'integ-curated-1', userId: 'u1' }, { eventId: 'integ-curated-2', userId: 'u2' }] }),
});
const first = post();
first.expect(ExpectedResult.objectLike({ status: 200 }));
const retry = post();
retry.expect(ExpectedResult.objectLike({ status: 200 }));

// Both requests' objects in the raw prefix (buffering 0 s).
const raw = integ.assertions.awsApiCall('S3', 'listObjectsV2', { Bucket: ingest.bucket!.bucketName, Prefix: 'events/' })
  .expect(ExpectedResult.objectLike({ KeyCount: 2 }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });

// The scheduled merge, started now: the state machine runs every table's MERGE in Athena, one after the other.
const run = integ.assertions.awsApiCall('StepFunctions', 'startExecution', { stateMachineArn: ingest.curatedMergeStateMachine!.stateMachineArn });
const done = integ.assertions.awsApiCall('StepFunctions', 'describeExecution', { executionArn: run.getAttString('executionArn') })
  .expect(ExpectedResult.objectLike({ status: 'SUCCEEDED' }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(20) });

// Two rows in the curated table of the construct's own events: the retry's copies were not merged in.
const count = integ.assertions.awsApiCall('Athena', 'startQueryExecution', {
  QueryString: `SELECT count(*) FROM "${ingest.glueDatabase!.ref}"."events_curated_events"`,
  WorkGroup: ingest.workGroup!.ref,
});
// Athena runs the query with the caller's rights: the assertions' function reads the catalog and both buckets.
count.provider.addToRolePolicy({
  Effect: 'Allow',
  Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions', 's3:GetObject', 's3:ListBucket', 's3:GetBucketLocation', 's3:PutObject'],
  Resource: ['*'],
});
const counted = integ.assertions.awsApiCall('Athena', 'getQueryExecution', { QueryExecutionId: count.getAttString('QueryExecutionId') })
  .expect(ExpectedResult.objectLike({ QueryExecution: Match.objectLike({ Status: Match.objectLike({ State: 'SUCCEEDED' }) }) }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(10) });
const rows = integ.assertions.awsApiCall('Athena', 'getQueryResults', { QueryExecutionId: count.getAttString('QueryExecutionId') })
  .expect(ExpectedResult.objectLike({ ResultSet: Match.objectLike({ Rows: Match.arrayWith([{ Data: [{ VarCharValue: '2' }] }]) }) }));

key.next(first).next(retry).next(raw).next(run).next(done).next(count).next(counted).next(rows);
