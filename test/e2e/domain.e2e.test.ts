/**
 * End-to-end: a REGIONAL API with a custom domain and the base path mapping `collect`, deployed to LocalStack.
 * Run inside `scripts/local/localstack.sh run -- ...` (see scripts/test.sh); loopback only.
 *
 * What LocalStack community 4.13.1 does with it (its source: services/apigateway/next_gen/execute_api/router.py):
 * CloudFormation creates the AWS::ApiGateway::DomainName and AWS::ApiGateway::BasePathMapping and the API stores them
 * (GetDomainName, GetBasePathMappings answer), but its router never consults them: it serves only
 * `<apiId>.execute-api.<host>/<stage>/...` and `/_aws/execute-api/<apiId>/<stage>/...`. A request to the custom domain
 * (its Host header) under the base path is not routed to the API: seen here, Host: <the domain> is answered 200 with an
 * empty body by some other handler and stores nothing, and Host: <the domain's regional name d-….execute-api…> is
 * answered 404 "The API id 'd-…' does not correspond to a deployed API Gateway API". CreateDomainName lists Route 53
 * hosted zones, hence route53 in scripts/local/localstack.sh's services. So this test deploys, checks the stored domain and
 * mapping, POSTs through the stage, and records that the base path is not served; integ/integ.domain.ts proves the
 * domain on AWS. Should a LocalStack release start serving it, the second reading is accepted: then the event must
 * land in S3.
 */
import { randomUUID } from 'crypto';
import { request } from 'http';
import { GetBasePathMappingsCommand, GetDomainNameCommand } from '@aws-sdk/client-api-gateway';
import {
  App, BootstraplessSynthesizer, CfnOutput, Duration, RemovalPolicy, Stack, aws_certificatemanager as acm,
  aws_kinesisfirehose as firehose, aws_s3 as s3,
} from 'aws-cdk-lib';
import { DEPLOY_HOOK_MS } from './shared-example';
import { DEFAULT_ENDPOINT, apigwClient, deleteStack, deployToLocalStack, invokeUrl, listObjects, synthStack } from '../../scripts/local/deploy';
import { ApiEndpoint, ApiToFirehose } from '../../src';

jest.setTimeout(300_000);

// Not starting with a service name: LocalStack picks a service by the first label (events.* would go to EventBridge).
const DOMAIN = 'ingest.localstack.test';
const stackName = `E2eDomain${Date.now().toString(36)}`;
let outputs: Record<string, string>;
let url: string;

beforeAll(async () => {
  const stack = new Stack(new App(), stackName, { synthesizer: new BootstraplessSynthesizer(), env: { region: 'us-east-1' } });
  const bucket = new s3.Bucket(stack, 'Events', { removalPolicy: RemovalPolicy.DESTROY });
  const ingest = new ApiToFirehose(stack, 'Ingest', {
    bucket,
    // LocalStack's CloudFormation needs an explicit stream name (FACTS: a LocalStack bug).
    deliveryStreamName: `${stackName}-events`,
    bufferingInterval: Duration.seconds(0),
    compression: firehose.Compression.UNCOMPRESSED,
    apiKeyRequired: false,
    cloudWatchRole: false,
    monitoring: { alarms: false },
    endpoint: ApiEndpoint.REGIONAL,
    domain: {
      domainName: DOMAIN,
      certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate',
        'arn:aws:acm:us-east-1:000000000000:certificate/00000000-0000-0000-0000-000000000000'),
      basePath: 'collect',
    },
  });
  url = ingest.url!;
  new CfnOutput(stack, 'ApiId', { value: ingest.restApi.restApiId });
  new CfnOutput(stack, 'StageName', { value: ingest.stage!.stageName });
  new CfnOutput(stack, 'BucketName', { value: bucket.bucketName });
  outputs = await deployToLocalStack({ stackName, template: synthStack(stack), quiet: true });
}, DEPLOY_HOOK_MS);

afterAll(async () => {
  await deleteStack(stackName, { quiet: true }).catch(() => undefined);
});

/** POSTs JSON with an explicit Host header (fetch does not let a caller set Host). */
function postWithHost(target: string, host: string, body: unknown): Promise<{ status: number; text: string }> {
  const u = new URL(target);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({
      hostname: u.hostname,
      port: u.port,
      path: u.pathname,
      method: 'POST',
      headers: { 'host': host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function stored(marker: string, tries = 20): Promise<any[]> {
  let found: any[] = [];
  for (let i = 0; i < tries; i++) {
    const objects = await listObjects(outputs.BucketName, 'events/');
    found = objects.flatMap((o) => o.body.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l))).filter((l) => l.body?.marker === marker);
    if (found.length > 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return found;
}

test('the construct\'s url is the domain under the base path', () => {
  expect(url).toBe(`https://${DOMAIN}/collect/`);
});

test('CloudFormation creates the regional domain and the mapping of /collect to the stage', async () => {
  const api = apigwClient();
  const domain = await api.send(new GetDomainNameCommand({ domainName: DOMAIN }));
  expect(domain.domainName).toBe(DOMAIN);
  expect(domain.securityPolicy).toBe('TLS_1_2');
  expect(domain.endpointConfiguration?.types).toEqual(['REGIONAL']);
  const mappings = await api.send(new GetBasePathMappingsCommand({ domainName: DOMAIN }));
  expect(mappings.items).toEqual([expect.objectContaining({ basePath: 'collect', restApiId: outputs.ApiId, stage: outputs.StageName })]);
});

test('the regional API answers through its stage URL and the event lands in S3', async () => {
  const marker = randomUUID();
  const res = await fetch(invokeUrl(outputs.ApiId, outputs.StageName, 'batch'), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records: [{ marker }] }),
  });
  expect(res.status).toBe(200);
  expect(await stored(marker)).toHaveLength(1);
});

test.each<[string, () => Promise<string>]>([
  ['the custom domain', async () => DOMAIN],
  // What the alias record points at (LocalStack names it d-<hash>.execute-api.<its host>).
  ['the domain\'s regional domain name', async () => (await apigwClient().send(new GetDomainNameCommand({ domainName: DOMAIN }))).regionalDomainName!],
])('Host: %s, POST /collect/batch: not routed to the API by LocalStack community (accepted if a release starts to)', async (_name, host) => {
  const marker = randomUUID();
  const hostName = await host();
  const res = await postWithHost(`${DEFAULT_ENDPOINT}/collect/batch`, hostName, { records: [{ marker }] });
  const lines = await stored(marker, res.text.includes('recordId') ? 20 : 8);
  if (lines.length === 1) {
    console.log(`LocalStack routed Host: ${hostName} /collect/batch to the API`);
  } else {
    // Another LocalStack service answered (by the host's first label or the path), not the API: no record id, nothing stored.
    expect(res.text).not.toContain('recordId');
    expect(lines).toHaveLength(0);
    console.log(`LocalStack did not route Host: ${hostName} /collect/batch to the API: ${res.status} ${res.text.slice(0, 160)}`);
  }
});
