import {
  aws_apigateway as apigw, aws_certificatemanager as acm, aws_ec2 as ec2, aws_route53 as route53,
} from 'aws-cdk-lib';

/** The region an EDGE custom domain's certificate must be in (CloudFront reads certificates only from there). */
const EDGE_CERTIFICATE_REGION = 'us-east-1';

/**
 * Where the REST API this construct creates is reached: its API Gateway endpoint type.
 *
 * All three cost the same per request. EDGE adds an AWS-managed CloudFront hop in front of the region; REGIONAL is
 * reached in the region directly; PRIVATE only from VPCs, through interface VPC endpoints (billed per hour and GB).
 * See README "Where the API lives".
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-endpoint-types.html
 */
export class ApiEndpoint {
  /**
   * Edge-optimized: clients connect to the nearest CloudFront point of presence, which forwards every request (POSTs
   * are never cached) to the API's region. API Gateway's default; a custom domain needs a certificate in us-east-1.
   */
  public static readonly EDGE = new ApiEndpoint(apigw.EndpointType.EDGE, []);

  /**
   * Regional: clients connect to the API's region directly. A custom domain needs a certificate in the stack's
   * region. The choice for senders in or near that region, and for putting your own CloudFront in front.
   */
  public static readonly REGIONAL = new ApiEndpoint(apigw.EndpointType.REGIONAL, []);

  /**
   * Private: reachable only from VPCs, through the given interface VPC endpoints of the `execute-api` service. The
   * API gets a resource policy that denies every call whose `aws:SourceVpce` is not one of them. No custom domain.
   *
   * @param vpcEndpoints interface VPC endpoints of `com.amazonaws.<region>.execute-api` (at least one)
   */
  public static privateVia(vpcEndpoints: ec2.IInterfaceVpcEndpoint[]): ApiEndpoint {
    return new ApiEndpoint(apigw.EndpointType.PRIVATE, [...vpcEndpoints]);
  }

  private constructor(
    /** The API Gateway endpoint type. */
    public readonly type: apigw.EndpointType,
    /** The interface VPC endpoints a PRIVATE API admits (empty for EDGE and REGIONAL). */
    public readonly vpcEndpoints: ec2.IInterfaceVpcEndpoint[],
  ) {}

  /**
   * @internal The `RestApi` props for this endpoint. EDGE sets nothing: it is API Gateway's default, so a template
   * with `ApiEndpoint.EDGE` is the template without `endpoint`.
   */
  public _restApiProps(): Pick<apigw.RestApiProps, 'endpointConfiguration'> {
    if (this.type === apigw.EndpointType.EDGE) return {};
    return { endpointConfiguration: { types: [this.type], vpcEndpoints: this.isPrivate() ? this.vpcEndpoints : undefined } };
  }

  /**
   * @internal What the API needs beyond its endpoint configuration: for PRIVATE, the resource policy limited to the
   * VPC endpoints (API Gateway refuses to deploy a private API without one).
   */
  public _configure(api: apigw.RestApi): void {
    if (!this.isPrivate()) return;
    api.grantInvokeFromVpcEndpointsOnly(this.vpcEndpoints);
    // A changed resource policy takes effect only with a new deployment: hash the admitted endpoints into its id.
    api.latestDeployment?.addToLogicalId({ admittedVpcEndpoints: this.vpcEndpoints.map((e) => e.vpcEndpointId) });
  }

  /**
   * @internal The region a custom domain's certificate must be in, given the stack's region (a token when the stack
   * is environment-agnostic): us-east-1 for EDGE, the stack's region for REGIONAL.
   */
  public _certificateRegion(stackRegion: string): string {
    return this.type === apigw.EndpointType.EDGE ? EDGE_CERTIFICATE_REGION : stackRegion;
  }

  private isPrivate(): boolean {
    return this.type === apigw.EndpointType.PRIVATE;
  }
}

/**
 * A custom domain name for the REST API this construct creates: the domain, its certificate, the base path the API
 * is mapped under, and optionally an alias record. The domain's endpoint type follows `endpoint` (EDGE or REGIONAL);
 * its security policy is TLS 1.2.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-custom-domains.html
 */
export interface DomainOptions {
  /**
   * The custom domain name, e.g. 'events.example.com' (lowercase; a wildcard certificate may cover it).
   */
  readonly domainName: string;

  /**
   * An ACM certificate for `domainName`: in us-east-1 for `ApiEndpoint.EDGE`, in the stack's region for
   * `ApiEndpoint.REGIONAL`. Checked at synth when its region can be told: a certificate construct of a stack with a
   * region, or an imported ARN written out; a token ARN (e.g. a parameter) cannot be checked.
   */
  readonly certificate: acm.ICertificate;

  /**
   * One path segment the API is mapped under, e.g. 'collect': the events then go to `https://<domain>/collect/` and
   * `https://<domain>/collect/batch`, and other APIs can share the domain under other base paths.
   * @default - the domain's root (the API then takes the whole domain)
   */
  readonly basePath?: string;

  /**
   * A Route 53 hosted zone in which to create an alias A record from `domainName` to the API's domain.
   * @default - no record: point your DNS at the domain's target yourself (`ApiToFirehose.domain`)
   */
  readonly hostedZone?: route53.IHostedZone;
}
