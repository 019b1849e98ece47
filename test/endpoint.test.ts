import {
  App, CfnParameter, Stack, StackProps, aws_apigateway as apigw, aws_certificatemanager as acm, aws_ec2 as ec2, aws_route53 as route53,
} from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventClient } from '../client/src';
import { ApiEndpoint, ApiToFirehose, ApiToFirehoseProps, DomainOptions, Input } from '../src';

const ACCOUNT = '123456789012';
const certArn = (region: string) => `arn:aws:acm:${region}:${ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`;

function synth(props: ApiToFirehoseProps | ((stack: Stack) => ApiToFirehoseProps), stackProps: StackProps = { env: { account: ACCOUNT, region: 'eu-west-1' } }) {
  const stack = new Stack(new App(), 'S', stackProps);
  const construct = new ApiToFirehose(stack, 'Ingest', typeof props === 'function' ? props(stack) : props);
  return { stack, construct, template: Template.fromStack(stack) };
}

const vpce = (stack: Stack, id: string, vpcEndpointId: string) =>
  ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, id, { vpcEndpointId, port: 443 });
const cert = (stack: Stack, region: string) => acm.Certificate.fromCertificateArn(stack, 'Cert', certArn(region));
const zone = (stack: Stack, zoneName = 'example.com') =>
  route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName });

describe('endpoint types', () => {
  test('no endpoint: no endpoint configuration, no policy, no domain (API Gateway\'s EDGE default)', () => {
    const { template, stack, construct } = synth({});
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: Match.absent(), Policy: Match.absent() });
    template.resourceCountIs('AWS::ApiGateway::DomainName', 0);
    template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 0);
    expect(construct.domain).toBeUndefined();
    expect(stack.resolve(construct.url)).toEqual(stack.resolve(construct.stage!.urlForPath('/')));
  });

  test('ApiEndpoint.EDGE synthesizes the same template as no endpoint', () => {
    expect(synth({ endpoint: ApiEndpoint.EDGE }).template.toJSON()).toEqual(synth({}).template.toJSON());
  });

  test('ApiEndpoint.REGIONAL: a regional API, no resource policy', () => {
    const { template } = synth({ endpoint: ApiEndpoint.REGIONAL });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'], VpcEndpointIds: Match.absent() },
      Policy: Match.absent(),
    });
  });

  test('ApiEndpoint.privateVia: a private API associated with its VPC endpoints, callable only through them', () => {
    const { template } = synth((s) => ({ endpoint: ApiEndpoint.privateVia([vpce(s, 'A', 'vpce-0aaa'), vpce(s, 'B', 'vpce-0bbb')]) }));
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['PRIVATE'], VpcEndpointIds: ['vpce-0aaa', 'vpce-0bbb'] },
      Policy: {
        Statement: [
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'execute-api:Invoke',
            Resource: 'execute-api:/*',
            Condition: { StringNotEquals: { 'aws:SourceVpce': ['vpce-0aaa', 'vpce-0bbb'] } },
          },
          { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/*' },
        ],
        Version: '2012-10-17',
      },
    });
  });

  test('the deployment depends on the policy: it refers to the API, and its id changes with the admitted endpoints', () => {
    const deployment = (ids: string[]) => {
      const { template } = synth((s) => ({ endpoint: ApiEndpoint.privateVia(ids.map((id, i) => vpce(s, `E${i}`, id))) }));
      const [[logicalId, resource]] = Object.entries(template.findResources('AWS::ApiGateway::Deployment'));
      expect(resource.Properties.RestApiId).toEqual({ Ref: Object.keys(template.findResources('AWS::ApiGateway::RestApi'))[0] });
      return logicalId;
    };
    expect(deployment(['vpce-0aaa'])).not.toEqual(deployment(['vpce-0aaa', 'vpce-0bbb']));
    expect(deployment(['vpce-0aaa'])).toEqual(deployment(['vpce-0aaa']));
  });
});

describe('custom domain', () => {
  const regionalDomain = (s: Stack, extra: Partial<DomainOptions> = {}): ApiToFirehoseProps => ({
    endpoint: ApiEndpoint.REGIONAL,
    domain: { domainName: 'events.example.com', certificate: cert(s, 'eu-west-1'), basePath: '/collect', hostedZone: zone(s), ...extra },
  });

  test('REGIONAL: the domain with its regional certificate and TLS 1.2, mapped under the base path to the stage', () => {
    const { template, stack, construct } = synth((s) => regionalDomain(s));
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'events.example.com',
      RegionalCertificateArn: certArn('eu-west-1'),
      CertificateArn: Match.absent(),
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', {
      DomainName: stack.resolve(construct.domain!.domainName),
      BasePath: 'collect',
      RestApiId: stack.resolve(construct.restApi.restApiId),
      Stage: stack.resolve(construct.stage!.stageName),
    });
    expect(construct.basePathMapping).toBeDefined();
  });

  test('the alias record: an A record in the zone, aliasing the regional domain name', () => {
    const { template, stack, construct } = synth((s) => regionalDomain(s));
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'events.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      AliasTarget: {
        DNSName: stack.resolve(construct.domain!.domainNameAliasDomainName),
        HostedZoneId: stack.resolve(construct.domain!.domainNameAliasHostedZoneId),
      },
    });
    expect(JSON.stringify(stack.resolve(construct.domain!.domainNameAliasDomainName))).toContain('RegionalDomainName');
  });

  test('url and batchUrl are on the domain, under the base path', () => {
    const { construct } = synth((s) => regionalDomain(s));
    expect(construct.url).toBe('https://events.example.com/collect/');
    expect(construct.batchUrl).toBe('https://events.example.com/collect/batch');
  });

  test('no base path: the API takes the domain\'s root; no hosted zone: no record', () => {
    const { template, construct } = synth((s) => regionalDomain(s, { basePath: undefined, hostedZone: undefined }));
    template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', { BasePath: Match.absent() });
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(construct.url).toBe('https://events.example.com/');
    expect(construct.batchUrl).toBe('https://events.example.com/batch');
  });

  test('EDGE: the certificate from us-east-1 as CertificateArn, the alias to the CloudFront distribution', () => {
    const { template, stack, construct } = synth((s) => ({
      domain: { domainName: 'events.example.com', certificate: cert(s, 'us-east-1'), basePath: 'collect', hostedZone: zone(s) },
    }));
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      CertificateArn: certArn('us-east-1'),
      RegionalCertificateArn: Match.absent(),
      EndpointConfiguration: { Types: ['EDGE'] },
      SecurityPolicy: 'TLS_1_2',
    });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: Match.absent() });
    expect(JSON.stringify(stack.resolve(construct.domain!.domainNameAliasDomainName))).toContain('DistributionDomainName');
  });

  test('a certificate construct is checked by its stack\'s region; a token ARN or an environment-agnostic stack is not', () => {
    const app = new App();
    const east = new Stack(app, 'East', { env: { account: ACCOUNT, region: 'us-east-1' }, crossRegionReferences: true });
    const eastCert = new acm.Certificate(east, 'Cert', { domainName: 'events.example.com' });
    const stack = new Stack(app, 'S', { env: { account: ACCOUNT, region: 'eu-west-1' }, crossRegionReferences: true });
    expect(() => new ApiToFirehose(stack, 'Edge', { domain: { domainName: 'events.example.com', certificate: eastCert } })).not.toThrow();
    expect(() => new ApiToFirehose(stack, 'Regional', {
      endpoint: ApiEndpoint.REGIONAL, domain: { domainName: 'events.example.com', certificate: eastCert },
    })).toThrow('domain.certificate must be in the stack\'s region (eu-west-1) for ApiEndpoint.REGIONAL, got a certificate in us-east-1.');

    const agnostic = new Stack(new App(), 'A');
    const param = acm.Certificate.fromCertificateArn(agnostic, 'C', new CfnParameter(agnostic, 'Arn').valueAsString);
    expect(() => new ApiToFirehose(agnostic, 'Edge', { domain: { domainName: 'events.example.com', certificate: param } })).not.toThrow();
    expect(() => new ApiToFirehose(agnostic, 'Regional', {
      endpoint: ApiEndpoint.REGIONAL, domain: { domainName: 'events.example.com', certificate: cert(agnostic, 'eu-west-1') },
    })).not.toThrow();
  });
});

describe('routes compose under a base path', () => {
  test('the client posts its batches to the construct\'s batchUrl, a POST method on the mapped stage', async () => {
    const { construct, template } = synth((s) => ({
      endpoint: ApiEndpoint.REGIONAL,
      domain: { domainName: 'events.example.com', certificate: cert(s, 'eu-west-1'), basePath: 'collect' },
    }));
    const urls: string[] = [];
    const client = new EventClient({
      url: construct.url!,
      lifecycle: false,
      fetch: (async (url: string) => {
        urls.push(url);
        return new Response(JSON.stringify({ recordId: 'r', requestId: 'q' }), { status: 200 });
      }) as unknown as typeof fetch,
    });
    client.track({ type: 'click' });
    await client.close();
    expect(urls).toEqual(['https://events.example.com/collect/batch']);
    expect(urls[0]).toBe(construct.batchUrl);
    // The mapping hands '/batch' to the stage: the API has that resource with a POST.
    expect(construct.batchMethod!.resource.path).toBe('/batch');
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'batch' });
  });

  test('Segment\'s /v1/batch (Input.segment()) sits behind /collect beside the client\'s /batch', () => {
    const { construct, template } = synth((s) => ({
      endpoint: ApiEndpoint.REGIONAL,
      inputs: [Input.segment()],
      domain: { domainName: 'events.example.com', certificate: cert(s, 'eu-west-1'), basePath: 'collect' },
    }));
    expect(construct.url).toBe('https://events.example.com/collect/');
    expect(construct.batchUrl).toBe('https://events.example.com/collect/batch');
    // The Segment routes are methods of the same stage, so the mapping serves them under /collect too.
    const v1 = Object.entries(template.findResources('AWS::ApiGateway::Resource', { Properties: { PathPart: 'v1' } }));
    expect(v1).toHaveLength(1);
    const batch = template.findResources('AWS::ApiGateway::Resource', { Properties: { PathPart: 'batch', ParentId: { Ref: v1[0][0] } } });
    expect(Object.keys(batch)).toHaveLength(1);
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', ResourceId: { Ref: Object.keys(batch)[0] } });
    const segmentBatch = `${construct.url}v1/batch`;
    // analytics-node builds new URL(path, host), which drops a path in host: give the origin and the whole path.
    expect(new URL('/collect/v1/batch', 'https://events.example.com').href).toBe(segmentBatch);
    // segment-analytics-python joins host + '/v1/batch': the host is the url without its trailing slash.
    expect(construct.url!.replace(/\/$/, '') + '/v1/batch').toBe(segmentBatch);
    // analytics-next: apiHost is host + path without a scheme, ending in /v1.
    expect(`https://${'events.example.com/collect/v1'}/t`).toBe(`${construct.url}v1/t`);
  });
});

describe('refused props', () => {
  const importedApi = (s: Stack) => apigw.RestApi.fromRestApiAttributes(s, 'Api', { restApiId: 'abc', rootResourceId: 'root' });
  test.each<[string, (s: Stack) => ApiToFirehoseProps, string]>([
    ['an endpoint with restApi', (s) => ({ restApi: importedApi(s), apiKeyRequired: false, endpoint: ApiEndpoint.REGIONAL }),
      'endpoint applies only to a REST API this construct creates; the given restApi has its own endpoint configuration, got endpoint REGIONAL.'],
    ['a domain with restApi', (s) => ({ restApi: importedApi(s), apiKeyRequired: false, domain: { domainName: 'events.example.com', certificate: cert(s, 'us-east-1') } }),
      'domain applies only to a REST API this construct creates: map the given restApi on its own domain name (apigw.DomainName addBasePathMapping).'],
    ['PRIVATE without endpoints', () => ({ endpoint: ApiEndpoint.privateVia([]) }),
      'endpoint must be ApiEndpoint.EDGE, ApiEndpoint.REGIONAL or ApiEndpoint.privateVia(vpcEndpoints) with at least one interface VPC endpoint, got PRIVATE with no VPC endpoints.'],
    ['a domain with PRIVATE', (s) => ({ endpoint: ApiEndpoint.privateVia([vpce(s, 'E', 'vpce-0aaa')]), domain: { domainName: 'events.example.com', certificate: cert(s, 'eu-west-1') } }),
      'domain needs endpoint ApiEndpoint.EDGE or ApiEndpoint.REGIONAL, got PRIVATE: a private API\'s custom domain is a different resource (AWS::ApiGateway::DomainNameV2 with an access association); call it through its VPC endpoint.'],
    ['a certificate without a domain name', (s) => ({ domain: { certificate: cert(s, 'us-east-1') } as any }),
      'domain.domainName is required: the custom domain name, e.g. \'events.example.com\'.'],
    ['a hosted zone without a domain name', (s) => ({ domain: { hostedZone: zone(s) } as any }),
      'domain.domainName is required: the custom domain name, e.g. \'events.example.com\'.'],
    ['a domain name without a certificate', () => ({ domain: { domainName: 'events.example.com' } as any }),
      'domain.certificate is required: an ACM certificate for \'events.example.com\'.'],
    ['an EDGE certificate outside us-east-1', (s) => ({ domain: { domainName: 'events.example.com', certificate: cert(s, 'eu-west-1') } }),
      'domain.certificate must be in us-east-1 for ApiEndpoint.EDGE (an edge-optimized domain is served by CloudFront, which reads certificates from us-east-1 only), got a certificate in eu-west-1.'],
    ['a REGIONAL certificate from another region', (s) => ({ endpoint: ApiEndpoint.REGIONAL, domain: { domainName: 'events.example.com', certificate: cert(s, 'us-east-1') } }),
      'domain.certificate must be in the stack\'s region (eu-west-1) for ApiEndpoint.REGIONAL, got a certificate in us-east-1.'],
    ['an uppercase domain name', (s) => ({ domain: { domainName: 'Events.example.com', certificate: cert(s, 'us-east-1') } }),
      'domain.domainName must be a lowercase host name such as \'events.example.com\' (no scheme, port or path), got \'Events.example.com\'.'],
    ['a URL as domain name', (s) => ({ domain: { domainName: 'https://events.example.com/collect', certificate: cert(s, 'us-east-1') } }),
      'domain.domainName must be a lowercase host name such as \'events.example.com\' (no scheme, port or path), got \'https://events.example.com/collect\'.'],
    ['a multi-level base path', (s) => ({ domain: { domainName: 'events.example.com', certificate: cert(s, 'us-east-1'), basePath: 'a/b' } }),
      'domain.basePath must be one path segment of letters, digits, \'-\', \'_\' or \'.\', such as \'collect\' (omit it to map the domain\'s root), got \'a/b\'.'],
    ['an empty base path', (s) => ({ domain: { domainName: 'events.example.com', certificate: cert(s, 'us-east-1'), basePath: '/' } }),
      'domain.basePath must be one path segment of letters, digits, \'-\', \'_\' or \'.\', such as \'collect\' (omit it to map the domain\'s root), got \'/\'.'],
    ['a hosted zone of another domain', (s) => ({ domain: { domainName: 'events.example.com', certificate: cert(s, 'us-east-1'), hostedZone: zone(s, 'example.org') } }),
      'domain.hostedZone must be the zone of domain.domainName or a parent of it: \'events.example.com\' is not in zone \'example.org\'.'],
  ])('%s', (_name, props, message) => {
    const stack = new Stack(new App(), 'S', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    expect(() => new ApiToFirehose(stack, 'Ingest', props(stack))).toThrow(message);
  });

  test('a zone imported by id alone: its name is unknown, so the record cannot be named', () => {
    expect(() => synth((s) => ({
      domain: {
        domainName: 'events.example.com',
        certificate: cert(s, 'us-east-1'),
        hostedZone: route53.HostedZone.fromHostedZoneId(s, 'Z', 'Z0123456789ABCDEFGHIJ'),
      },
    }))).toThrow('domain.hostedZone must have a known name (the alias record is named relative to it): import it with '
      + 'HostedZone.fromHostedZoneAttributes or fromLookup, not fromHostedZoneId.');
  });
});
