import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import {
  App, Duration, RemovalPolicy, Stack, aws_certificatemanager as acm, aws_kinesisfirehose as firehose, aws_route53 as route53, aws_s3 as s3,
} from 'aws-cdk-lib';
import { ApiEndpoint, ApiToFirehose } from '../src';

/**
 * A regional API on a custom domain under the base path `collect`, with an alias record: POSTs through the domain
 * (single event and the client's `/batch` route) reach S3, and the execute-api URL still answers.
 *
 * LocalStack community does not route custom domains (README "Where the API lives"), so this runs against an account
 * only. It needs a hosted zone and an ACM certificate for the name in the stack's region, given by environment:
 *
 *   INTEG_DOMAIN_NAME=ingest.example.com INTEG_ZONE_NAME=example.com INTEG_ZONE_ID=Z... \
 *   INTEG_CERTIFICATE_ARN=arn:aws:acm:<region>:<account>:certificate/... \
 *   npx integ-runner --directory integ --language typescript --force integ.domain.ts
 *
 * Offline (the test command) the placeholders below stand in and the committed snapshot is compared.
 */
const domainName = process.env.INTEG_DOMAIN_NAME ?? 'ingest.integ.example.com';
const zoneName = process.env.INTEG_ZONE_NAME ?? 'integ.example.com';
const hostedZoneId = process.env.INTEG_ZONE_ID ?? 'Z0000000000000000000';
const certificateArn = process.env.INTEG_CERTIFICATE_ARN ?? 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000';

const app = new App();
const stack = new Stack(app, 'ApiToFirehoseDomainInteg');
const bucket = new s3.Bucket(stack, 'Events', { enforceSSL: true, removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
const ingest = new ApiToFirehose(stack, 'Ingest', {
  bucket,
  bufferingInterval: Duration.seconds(0),
  compression: firehose.Compression.UNCOMPRESSED,
  endpoint: ApiEndpoint.REGIONAL,
  domain: {
    domainName,
    certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', certificateArn),
    basePath: 'collect',
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId, zoneName }),
  },
});

const integ = new IntegTest(app, 'ApiToFirehoseDomainIntegTest', { testCases: [stack] });
const keyValue = integ.assertions.awsApiCall('APIGateway', 'getApiKey', { apiKey: ingest.apiKey!.keyId, includeValue: true })
  .getAttString('value');
const headers = { 'content-type': 'application/json', 'x-api-key': keyValue };
const marker = 'integ-domain-4b1e';
const ok = ExpectedResult.objectLike({ status: 200, body: Match.objectLike({ recordId: Match.stringLikeRegexp('.+') }) });
// A new alias record may take a minute to resolve everywhere: retry until it does.
const retry = { totalTimeout: Duration.minutes(5), interval: Duration.seconds(20) };

// https://<domain>/collect/ and https://<domain>/collect/batch (the client's route under the base path).
const single = integ.assertions.httpApiCall(ingest.url!, { method: 'POST', headers, body: JSON.stringify({ marker, via: 'domain' }) });
single.expect(ok);
single.waitForAssertions(retry);
const batch = integ.assertions.httpApiCall(ingest.batchUrl!, {
  method: 'POST', headers, body: JSON.stringify({ records: [{ marker, via: 'domain-batch', n: 0 }, { marker, via: 'domain-batch', n: 1 }] }),
});
batch.expect(ok);
batch.waitForAssertions(retry);
// The stage's own URL keeps working next to the domain.
const direct = integ.assertions.httpApiCall(ingest.stage!.urlForPath('/'), { method: 'POST', headers, body: JSON.stringify({ marker, via: 'execute-api' }) });
direct.expect(ok);

const listed = integ.assertions.awsApiCall('S3', 'listObjectsV2', { Bucket: bucket.bucketName, Prefix: 'events/' })
  .expect(ExpectedResult.objectLike({ Contents: Match.arrayWith([Match.objectLike({ Key: Match.stringLikeRegexp('^events/') })]) }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });
single.next(batch).next(direct).next(listed);
