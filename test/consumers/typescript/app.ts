/**
 * TypeScript consumer: the same stack as python/app.py and java/.../ConsumerApp.java.
 * Keep the three in step: stack and construct ids and props must match so that the
 * synthesized templates are identical (checked by test/consumers/compare-templates.js).
 *
 * Run: npx ts-node -P tsconfig.dev.json test/consumers/typescript/app.ts [outdir]
 */
import * as path from 'path';
import { App, Duration, Size, Stack, aws_apigateway as apigw, aws_kinesisfirehose as firehose, aws_s3 as s3 } from 'aws-cdk-lib';
import { ApiToFirehose, BatchMode, EnvelopeField, RecordEnvelope } from '../../../src';

export const STACK_ID = 'ConsumerStack';

export function buildStack(app: App): Stack {
  const stack = new Stack(app, STACK_ID);
  const bucket = new s3.Bucket(stack, 'ClicksBucket', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
  });
  new ApiToFirehose(stack, 'Clicks', {
    bucket,
    deliveryStreamName: 'consumer-clicks',
    bufferingInterval: Duration.seconds(120),
    bufferingSize: Size.mebibytes(32),
    compression: firehose.Compression.SNAPPY,
    dataOutputPrefix: 'clicks/',
    envelope: RecordEnvelope.withFields([
      EnvelopeField.apiKeyId(),
      EnvelopeField.requestId(),
      EnvelopeField.receivedAt(),
      EnvelopeField.header('X-Tenant-Id', 'tenant'),
      EnvelopeField.constant('source', 'web'),
    ]),
    throttle: { rateLimit: 50, burstLimit: 100 },
    quota: { limit: 10_000, period: apigw.Period.DAY },
    batch: { mode: BatchMode.RECORD_PER_EVENT, maxEvents: 200 },
  });
  return stack;
}

if (require.main === module) {
  const outdir = process.argv[2] ?? path.join(__dirname, '..', 'out', 'typescript');
  const app = new App({ outdir });
  buildStack(app);
  app.synth();
  console.log(`typescript: wrote ${path.join(outdir, `${STACK_ID}.template.json`)}`);
}
