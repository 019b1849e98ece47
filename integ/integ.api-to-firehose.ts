import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration } from 'aws-cdk-lib';
import { ExampleStack } from './example-stack';

/**
 * Deploys the example stack, POSTs to it and waits for the records in S3.
 * Offline (the test command) this compares the committed snapshot; against an
 * AWS account: `npx integ-runner --directory integ --language typescript --force`.
 */
const app = new App();
const stack = new ExampleStack(app, 'ApiToFirehoseInteg', { autoDeleteObjects: true });
const integ = new IntegTest(app, 'ApiToFirehoseIntegTest', {
  testCases: [stack],
  // Named queries hold SQL text only: a change of it replaces them, which loses nothing.
  allowDestroy: ['AWS::Athena::NamedQuery'],
});

const marker = 'integ-marker-7f3c';
const key = integ.assertions.awsApiCall('APIGateway', 'getApiKey', { apiKey: stack.ingest.apiKey!.keyId, includeValue: true });
const keyValue = key.getAttString('value');
const json = { 'content-type': 'application/json' };

const single = integ.assertions.httpApiCall(stack.ingest.url!, {
  method: 'POST',
  headers: { ...json, 'x-api-key': keyValue, 'x-tenant-id': 'acme' },
  body: JSON.stringify({ marker, kind: 'single' }),
});
single.expect(ExpectedResult.objectLike({ status: 200, body: Match.objectLike({ recordId: Match.stringLikeRegexp('.+') }) }));

const batch = integ.assertions.httpApiCall(stack.ingest.batchUrl!, {
  method: 'POST',
  headers: { ...json, 'x-api-key': keyValue },
  body: JSON.stringify({ records: [{ marker, kind: 'batch', n: 0 }, { marker, kind: 'batch', n: 1 }] }),
});
// A packed batch is one Firehose record: one record id for the whole request.
batch.expect(ExpectedResult.objectLike({ status: 200, body: Match.objectLike({ recordId: Match.stringLikeRegexp('.+') }) }));

integ.assertions.httpApiCall(stack.ingest.url!, { method: 'POST', headers: json, body: '{"a":1}' })
  .expect(ExpectedResult.objectLike({ status: 403 }));
integ.assertions.httpApiCall(stack.ingest.url!, {
  method: 'POST', headers: { ...json, 'x-api-key': keyValue }, body: '{"a":',
}).expect(ExpectedResult.objectLike({ status: 400, body: Match.objectLike({ error: 'BAD_REQUEST_BODY' }) }));
integ.assertions.httpApiCall(stack.ingest.url!, {
  method: 'POST', headers: { 'content-type': 'text/plain', 'x-api-key': keyValue }, body: 'hello',
}).expect(ExpectedResult.objectLike({ status: 415 }));

// The records reach S3 (buffering 0 s, uncompressed): wait for an object, then read it.
const listed = integ.assertions.awsApiCall('S3', 'listObjectsV2', { Bucket: stack.ingest.bucket!.bucketName, Prefix: 'events/' })
  .expect(ExpectedResult.objectLike({ Contents: Match.arrayWith([Match.objectLike({ Key: Match.stringLikeRegexp('^events/') })]) }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });
const object = integ.assertions.awsApiCall('S3', 'getObject', {
  Bucket: stack.ingest.bucket!.bucketName,
  Key: listed.getAttString('Contents.0.Key'),
});
// One JSON line per event: the key's public id (never its value), the server-side request id, the body as sent.
object.expect(ExpectedResult.objectLike({
  Body: Match.stringLikeRegexp(`\\{"apiKeyId":"[a-z0-9]+","requestId":"[-0-9a-f]+","receivedAt":[0-9]+,.*"body":\\{"marker":"${marker}"`),
}));
single.next(batch).next(listed).next(object);

// `/stream`: Kinesis in front of Firehose (IngestTarget.kinesisStream, one provisioned shard). The API answers with the
// stream's sequence number, a consumer reading the stream sees the records, and Firehose delivers them to S3.
const streamKey = integ.assertions.awsApiCall('APIGateway', 'getApiKey', { apiKey: stack.stream.apiKey!.keyId, includeValue: true });
const streamKeyValue = streamKey.getAttString('value');
const streamSingle = integ.assertions.httpApiCall(stack.stream.url!, {
  method: 'POST',
  headers: { ...json, 'x-api-key': streamKeyValue },
  body: JSON.stringify({ marker, kind: 'stream-single' }),
});
streamSingle.expect(ExpectedResult.objectLike({
  status: 200, body: Match.objectLike({ recordId: Match.stringLikeRegexp('^[0-9]+$'), shardId: 'shardId-000000000000' }),
}));
const streamBatch = integ.assertions.httpApiCall(stack.stream.batchUrl!, {
  method: 'POST',
  headers: { ...json, 'x-api-key': streamKeyValue },
  body: JSON.stringify({ records: [{ marker, kind: 'stream-batch', n: 0 }, { marker, kind: 'stream-batch', n: 1 }] }),
});
streamBatch.expect(ExpectedResult.objectLike({ status: 200, body: Match.objectLike({ recordId: Match.stringLikeRegexp('^[0-9]+$') }) }));
const iterator = integ.assertions.awsApiCall('Kinesis', 'getShardIterator', {
  StreamName: stack.stream.stream!.streamName, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON',
});
const records = integ.assertions.awsApiCall('Kinesis', 'getRecords', { ShardIterator: iterator.getAttString('ShardIterator') });
records.expect(ExpectedResult.objectLike({ Records: Match.arrayWith([Match.objectLike({ PartitionKey: Match.stringLikeRegexp('^[-0-9a-f]{36}$') })]) }));
const streamListed = integ.assertions.awsApiCall('S3', 'listObjectsV2', { Bucket: stack.stream.bucket!.bucketName, Prefix: 'events/' })
  .expect(ExpectedResult.objectLike({ Contents: Match.arrayWith([Match.objectLike({ Key: Match.stringLikeRegexp('^events/') })]) }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });
streamSingle.next(streamBatch).next(records).next(streamListed);
