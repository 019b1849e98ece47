/**
 * End-to-end smoke test against LocalStack (which this script does not start):
 *
 *   scripts/local/localstack.sh run -- npx ts-node --project tsconfig.dev.json scripts/local/smoke.ts [--keep]
 *
 * Deploys SmokeStack (API Gateway -> Firehose -> S3), POSTs an event with the API key, waits for the
 * object in S3 and prints it. Exit code 0 only if the event arrived intact. --keep leaves the stack.
 */
import { apiKeyValue, deleteStack, deployToLocalStack, invokeUrl, listObjects, synthStack } from './deploy';
import { buildSmokeStack } from './smoke-stack';

const STACK = 'cdk-api-to-firehose-smoke';

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  const t0 = Date.now();
  const stack = buildSmokeStack(STACK, { streamName: `${STACK}-stream` });
  const template = synthStack(stack);
  const tSynth = Date.now();
  const out = await deployToLocalStack({ stackName: STACK, template });
  const tDeploy = Date.now();
  console.log('outputs:', JSON.stringify(out));

  const key = await apiKeyValue(out.ApiKeyId);
  const url = invokeUrl(out.ApiId, out.StageName, 'events');
  const event = { hello: 'world', n: 1, at: new Date().toISOString() };
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-api-key': key },
    body: JSON.stringify(event),
  });
  const text = await res.text();
  console.log(`POST ${url} -> ${res.status} ${text}`);
  if (res.status !== 200) throw new Error(`unexpected status ${res.status}`);
  const tPost = Date.now();

  let objects = await listObjects(out.BucketName);
  while (objects.length === 0 && Date.now() - tPost < 30_000) {
    await new Promise((r) => setTimeout(r, 100));
    objects = await listObjects(out.BucketName);
  }
  const tS3 = Date.now();
  for (const o of objects) console.log(`s3://${out.BucketName}/${o.key}${o.gzipped ? ' (gzip)' : ''}:\n${o.body}`);
  if (objects.length !== 1) throw new Error(`expected 1 object, found ${objects.length}`);
  const lines = objects[0].body.split('\n');
  if (lines.length !== 2 || lines[1] !== '' || JSON.stringify(JSON.parse(lines[0])) !== JSON.stringify(event)) {
    throw new Error('object body is not the event followed by one newline');
  }
  console.log(`timings: synth ${tSynth - t0} ms, deploy ${tDeploy - tSynth} ms, POST->S3 ${tS3 - tPost} ms`);

  if (!keep) await deleteStack(STACK);
  console.log('SMOKE OK');
}

main().catch((e) => {
  console.error(`SMOKE FAILED: ${e?.stack ?? e}`);
  process.exit(1);
});
