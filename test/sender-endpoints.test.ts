import { App, Stack, aws_apigateway as apigw, aws_certificatemanager as acm } from 'aws-cdk-lib';
import { ApiEndpoint, ApiToFirehose, ApiToFirehoseProps, Input } from '../src';

/**
 * `endpoints`: what each sender is configured with. Values are rendered with the API's id as `API`, the stage's as its
 * name and the URL suffix as `amazonaws.com`, so each test reads the URL a sender would be given.
 */
function endpoints(props: ApiToFirehoseProps | ((stack: Stack) => ApiToFirehoseProps)) {
  const stack = new Stack(new App(), 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
  const construct = new ApiToFirehose(stack, 'Ingest', typeof props === 'function' ? props(stack) : props);
  const render = (value: unknown): unknown => {
    if (value === undefined) return undefined;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v)]));
    }
    return flatten(stack.resolve(value));
  };
  return { construct, e: render(construct.endpoints) as Record<string, any> };
}

/** A resolved Fn::Join of Refs as text: the REST API's Ref is `API`, AWS::URLSuffix `amazonaws.com`. */
function flatten(v: any): string {
  if (typeof v === 'string') return v;
  if (v['Fn::Join']) return v['Fn::Join'][1].map(flatten).join(v['Fn::Join'][0]);
  if (v.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
  // The stage's Ref is its name: IngestApiDeploymentStage<name><hash>.
  const stage = /^IngestApiDeploymentStage([a-z]+)[0-9A-F]{8}$/.exec(String(v.Ref));
  if (stage) return stage[1];
  if (/^IngestApi[0-9A-F]{8}$/.test(String(v.Ref))) return 'API';
  if (v.Ref) return `{${v.Ref}}`;
  throw new Error(`cannot flatten ${JSON.stringify(v)}`);
}

const HOST = 'API.execute-api.eu-west-1.amazonaws.com';

test('zero props: the single-event and batch URLs on the stage, no input settings', () => {
  const { e, construct } = endpoints({});
  expect(e).toEqual({ url: `https://${HOST}/prod/`, batchUrl: `https://${HOST}/prod/batch` });
  expect(construct.endpoints.url).toBe(construct.url);
  expect(construct.endpoints.batchUrl).toBe(construct.batchUrl);
});

test('every input: Segment\'s host/path split for analytics-node, apiHost without a scheme, OTLP base, Snowplow, shippers', () => {
  const { e } = endpoints({ inputs: [Input.segment(), Input.otlpLogs(), Input.snowplow(), Input.logShippers()] });
  expect(e.segment).toEqual({
    host: `https://${HOST}`, // analytics-node: new URL(path, host) drops a path in host
    path: '/prod/v1/batch',
    apiHost: `${HOST}/prod/v1`, // analytics-next appends /t, /b ...
    baseUrl: `https://${HOST}/prod`, // segment-analytics-python appends /v1/batch
    batchUrl: `https://${HOST}/prod/v1/batch`,
  });
  expect(e.otlp).toEqual({ endpoint: `https://${HOST}/prod`, logsUrl: `https://${HOST}/prod/v1/logs` });
  // Input.otlp(): every signal's own URL beside the base.
  const all = endpoints({ inputs: [Input.otlp()] }).e;
  expect(all.otlp).toEqual({
    endpoint: `https://${HOST}/prod`,
    tracesUrl: `https://${HOST}/prod/v1/traces`,
    metricsUrl: `https://${HOST}/prod/v1/metrics`,
    logsUrl: `https://${HOST}/prod/v1/logs`,
  });
  // Trackers append /com.snowplowanalytics.snowplow/tp2: no trailing slash.
  expect(e.snowplowCollectorUrl).toBe(`https://${HOST}/prod`);
  expect(e.logShippersUrl).toBe(`https://${HOST}/prod/logs`);
});

test('resourcePath, stage name and input paths are all in the settings', () => {
  const { e } = endpoints({
    resourcePath: 'collect',
    stageName: 'live',
    inputs: [Input.segment({ path: 'seg/v1' }), Input.otlpLogs({ path: 'otel' }), Input.snowplow({ path: 'sp' }), Input.logShippers({ path: 'in/logs' })],
  });
  expect(e.url).toBe(`https://${HOST}/live/collect`);
  expect(e.segment).toEqual({
    host: `https://${HOST}`,
    path: '/live/collect/seg/v1/batch',
    apiHost: `${HOST}/live/collect/seg/v1`,
    baseUrl: `https://${HOST}/live/collect/seg`,
    batchUrl: `https://${HOST}/live/collect/seg/v1/batch`,
  });
  // A folder that does not end with v1 cannot be a base URL: exporters would append /v1/logs.
  expect(e.otlp).toEqual({ endpoint: undefined, logsUrl: `https://${HOST}/live/collect/otel/logs` });
  expect(e.snowplowCollectorUrl).toBe(`https://${HOST}/live/collect/sp`);
  expect(e.logShippersUrl).toBe(`https://${HOST}/live/collect/in/logs`);
});

test('a custom domain: every setting on the domain, under the base path', () => {
  const { e, construct } = endpoints((stack) => ({
    endpoint: ApiEndpoint.REGIONAL,
    domain: {
      domainName: 'events.example.com',
      basePath: 'collect',
      certificate: acm.Certificate.fromCertificateArn(stack, 'C', 'arn:aws:acm:eu-west-1:123456789012:certificate/1'),
    },
    inputs: [Input.segment(), Input.snowplow()],
  }));
  expect(e.url).toBe('https://events.example.com/collect/');
  expect(e.url).toBe(construct.url);
  expect(e.segment).toEqual({
    host: 'https://events.example.com',
    path: '/collect/v1/batch',
    apiHost: 'events.example.com/collect/v1',
    baseUrl: 'https://events.example.com/collect',
    batchUrl: 'https://events.example.com/collect/v1/batch',
  });
  expect(e.snowplowCollectorUrl).toBe('https://events.example.com/collect');
});

test('a custom domain without a base path: the domain\'s root', () => {
  const { e } = endpoints((stack) => ({
    endpoint: ApiEndpoint.REGIONAL,
    domain: { domainName: 'events.example.com', certificate: acm.Certificate.fromCertificateArn(stack, 'C', 'arn:aws:acm:eu-west-1:1:certificate/1') },
    inputs: [Input.segment(), Input.otlpLogs(), Input.snowplow()],
  }));
  expect(e.segment.path).toBe('/v1/batch');
  expect(e.segment.apiHost).toBe('events.example.com/v1');
  expect(e.segment.baseUrl).toBe('https://events.example.com');
  expect(e.otlp.endpoint).toBe('https://events.example.com');
  expect(e.snowplowCollectorUrl).toBe('https://events.example.com');
});

test('an imported API without its stage: no URL is known, so no settings', () => {
  const { e } = endpoints((stack) => ({
    restApi: apigw.RestApi.fromRestApiAttributes(stack, 'Api', { restApiId: 'abc', rootResourceId: 'root' }),
    apiKeyRequired: false,
    inputs: [Input.segment()],
  }));
  expect(e).toEqual({});
});
