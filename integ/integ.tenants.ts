import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack, aws_apigateway as apigw, aws_s3 as s3 } from 'aws-cdk-lib';
import { ApiToFirehose } from '../src';

/**
 * Tenants on real AWS: two API keys with their own usage plans, output partitioned by the key id
 * (Firehose dynamic partitioning). LocalStack ignores dynamic partitioning, so this runs against an
 * account only: `npx integ-runner --directory integ --language typescript --force`.
 */
const app = new App();
const stack = new Stack(app, 'ApiToFirehoseTenantsInteg');
const bucket = new s3.Bucket(stack, 'Events', {
  enforceSSL: true,
  removalPolicy: RemovalPolicy.DESTROY,
  autoDeleteObjects: true,
});
const ingest = new ApiToFirehose(stack, 'Ingest', {
  bucket,
  partitionByField: 'apiKeyId',
  bufferingInterval: Duration.seconds(60),
});
const acme = ingest.addTenant('Acme', { throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: apigw.Period.DAY } });

const integ = new IntegTest(app, 'ApiToFirehoseTenantsIntegTest', { testCases: [stack] });
const keyValue = integ.assertions.awsApiCall('APIGateway', 'getApiKey', { apiKey: acme.keyId, includeValue: true }).getAttString('value');

const post = integ.assertions.httpApiCall(ingest.batchUrl!, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': keyValue },
  body: JSON.stringify({ records: [{ tenant: 'acme', n: 1 }, { tenant: 'acme', n: 2 }] }),
});
post.expect(ExpectedResult.objectLike({ status: 200 }));

// The packed record is split into its lines and written under the tenant key's own prefix.
const listed = integ.assertions.awsApiCall('S3', 'listObjectsV2', { Bucket: bucket.bucketName, Prefix: `events/apiKeyId=${acme.keyId}/` })
  .expect(ExpectedResult.objectLike({ Contents: Match.arrayWith([Match.objectLike({ Key: Match.stringLikeRegexp('^events/apiKeyId=') })]) }))
  .waitForAssertions({ totalTimeout: Duration.minutes(6), interval: Duration.seconds(20) });
post.next(listed);
