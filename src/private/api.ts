import {
  Names, RemovalPolicy, Stack, aws_apigateway as apigw, aws_logs as logs, aws_route53 as route53, aws_route53_targets as targets,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ApiLocation } from './endpoints';
import { createLogGroup } from './log-groups';
import { acknowledge, acknowledgeCheckov } from './nag';
import { ApiSettings, DomainSettings } from './resolve';
import { badRequestBodyTemplate, gatewayResponseTemplate } from './responses';
import { CorsSettings } from '../cors';

/** What `createApi` made or found. */
export interface Api {
  readonly restApi: apigw.IRestApi;
  /** The stage usage plans bind to, when known (an imported API has none unless given). */
  readonly stage?: apigw.Stage;
  /** Whether this construct created the REST API. */
  readonly owned: boolean;
  /** The custom domain, its base path mapping and alias record, when a domain was given. */
  readonly domain?: Domain;
  /** The URL callers use for a resource path: on the custom domain when there is one, else on the stage. */
  readonly urlForPath: (path: string) => string | undefined;
  /** Where callers reach the routes (the custom domain, else the stage), when known. */
  readonly location?: ApiLocation;
}

/** What `createDomain` made. */
export interface Domain {
  readonly domainName: apigw.DomainName;
  readonly mapping: apigw.BasePathMapping;
  readonly aliasRecord?: route53.ARecord;
}

/**
 * Creates the REST API (a stage with access logs, metrics and throttle, its endpoint type, and its custom domain),
 * or takes the given one and its known stage.
 */
export function createApi(scope: Construct, s: ApiSettings): Api {
  if (s.restApi) {
    return {
      restApi: s.restApi,
      stage: s.stage,
      owned: false,
      urlForPath: (path) => s.stage?.urlForPath(path),
      location: s.stage ? stageLocation(s.stage) : undefined,
    };
  }
  const restApi = createRestApi(scope, s);
  const stage = s.stage ?? restApi.deploymentStage;
  if (!s.domain) return { restApi, stage, owned: true, urlForPath: (path) => stage.urlForPath(path), location: stageLocation(stage) };
  const domain = createDomain(scope, restApi, stage, s.domain);
  // The mapping strips the base path and hands the rest to the stage: https://<domain>/<basePath><resource path>.
  const origin = `https://${s.domain.domainName}${s.domain.basePath ? `/${s.domain.basePath}` : ''}`;
  return {
    restApi,
    stage,
    owned: true,
    domain,
    urlForPath: (path) => `${origin}${path.startsWith('/') ? path : `/${path}`}`,
    location: { host: s.domain.domainName, prefix: s.domain.basePath ? `/${s.domain.basePath}` : '' },
  };
}

/** The stage's execute-api host and `/<stage>`: where `Stage.urlForPath` points. */
function stageLocation(stage: apigw.Stage): ApiLocation {
  const stack = Stack.of(stage);
  return { host: `${stage.restApi.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}`, prefix: `/${stage.stageName}` };
}

/**
 * The custom domain (TLS 1.2, the API's endpoint type), a base path mapping to this construct's stage, and an alias
 * record in the hosted zone when one is given.
 */
function createDomain(scope: Construct, restApi: apigw.RestApi, stage: apigw.Stage, d: DomainSettings): Domain {
  const domainName = new apigw.DomainName(scope, 'Domain', {
    domainName: d.domainName,
    certificate: d.certificate,
    endpointType: d.endpointType,
    securityPolicy: apigw.SecurityPolicy.TLS_1_2,
  });
  const mapping = domainName.addBasePathMapping(restApi, { basePath: d.basePath, stage });
  const aliasRecord = d.hostedZone ? new route53.ARecord(scope, 'DomainAlias', {
    zone: d.hostedZone,
    recordName: d.domainName,
    target: route53.RecordTarget.fromAlias(new targets.ApiGatewayDomain(domainName)),
  }) : undefined;
  return { domainName, mapping, aliasRecord };
}

function createRestApi(scope: Construct, s: ApiSettings): apigw.RestApi {
  const accessLogs = createLogGroup(scope, 'AccessLogs', logs.RetentionDays.ONE_MONTH, s.accessLogEncryption);
  const api = new apigw.RestApi(scope, 'Api', {
    // Unique per construct path (the L2 default is the construct id, "Api", for every instance).
    restApiName: Names.uniqueResourceName(scope, { maxLength: 128, separator: '-' }),
    description: 'Ingests events into Kinesis Data Firehose (cdk-api-to-firehose)',
    cloudWatchRole: s.cloudWatchRole,
    cloudWatchRoleRemovalPolicy: s.cloudWatchRole ? RemovalPolicy.RETAIN : undefined,
    ...s.endpoint._restApiProps(),
    deployOptions: {
      stageName: s.stageName,
      accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
      accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
        caller: false,
        httpMethod: true,
        ip: true,
        protocol: true,
        requestTime: true,
        resourcePath: true,
        responseLength: true,
        status: true,
        user: true,
      }),
      loggingLevel: apigw.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      metricsEnabled: true,
      tracingEnabled: s.tracingEnabled,
      // Stage-wide throttle: also bounds callers without keys (e.g. sendBeacon clients).
      throttlingRateLimit: s.throttle.rateLimit,
      throttlingBurstLimit: s.throttle.burstLimit,
    },
  });
  s.endpoint._configure(api);
  // No cdk-nag AwsSolutions rule checks the stage cache or X-Ray (its NIST, HIPAA and Serverless packs do).
  acknowledgeCheckov(api.deploymentStage, 'CKV_AWS_120', 'The API only accepts POST requests, and each must reach '
    + 'Firehose: a stage cache caches GET methods only unless told otherwise, and an ingestion response must never be '
    + 'replayed from a cache, so a cache cluster would be billed hourly and never used.');
  if (!s.tracingEnabled) {
    acknowledgeCheckov(api.deploymentStage, 'CKV_AWS_73', 'X-Ray tracing is opt-in (`tracingEnabled`): the '
      + 'integration calls Firehose directly, so there is no code of ours to trace, and sampled traces cost extra.');
  }
  if (s.cloudWatchRole) {
    acknowledge(api, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'The API Gateway account role uses AWS\'s AmazonAPIGatewayPushToCloudWatchLogs, the policy AWS documents for it.');
  }
  return api;
}

/**
 * JSON bodies for API Gateway's own errors (invalid key, throttled, quota, bad body, 415, 413, 5xx).
 * Gateway responses are API-wide: only for a REST API this construct created.
 */
export function addJsonGatewayResponses(api: apigw.RestApi, cors?: CorsSettings): void {
  const json = { 'application/json': gatewayResponseTemplate() };
  const responseHeaders = cors ? { 'Access-Control-Allow-Origin': `'${cors.allowOrigin}'` } : undefined;
  api.addGatewayResponse('Default4xx', { type: apigw.ResponseType.DEFAULT_4XX, templates: json, responseHeaders });
  api.addGatewayResponse('Default5xx', { type: apigw.ResponseType.DEFAULT_5XX, templates: json, responseHeaders });
  api.addGatewayResponse('BadRequestBody', {
    type: apigw.ResponseType.BAD_REQUEST_BODY,
    statusCode: '400',
    templates: { 'application/json': badRequestBodyTemplate() },
    responseHeaders,
  });
}
