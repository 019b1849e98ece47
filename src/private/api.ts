import { Names, RemovalPolicy, aws_apigateway as apigw, aws_logs as logs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledge } from './nag';
import { ApiSettings } from './resolve';
import { badRequestBodyTemplate, gatewayResponseTemplate } from './responses';
import { CorsSettings } from '../cors';

/** What `createApi` made or found. */
export interface Api {
  readonly restApi: apigw.IRestApi;
  /** The stage usage plans bind to, when known (an imported API has none unless given). */
  readonly stage?: apigw.Stage;
  /** Whether this construct created the REST API. */
  readonly owned: boolean;
}

/**
 * Creates the REST API (a stage with access logs, metrics and throttle), or
 * takes the given one and its known stage.
 */
export function createApi(scope: Construct, s: ApiSettings): Api {
  if (s.restApi) {
    return { restApi: s.restApi, stage: s.stage, owned: false };
  }
  const restApi = createRestApi(scope, s);
  return { restApi, stage: s.stage ?? restApi.deploymentStage, owned: true };
}

function createRestApi(scope: Construct, s: ApiSettings): apigw.RestApi {
  const accessLogs = new logs.LogGroup(scope, 'AccessLogs', {
    retention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const api = new apigw.RestApi(scope, 'Api', {
    // Unique per construct path (the L2 default is the construct id, "Api", for every instance).
    restApiName: Names.uniqueResourceName(scope, { maxLength: 128, separator: '-' }),
    description: 'Ingests events into Kinesis Data Firehose (cdk-api-to-firehose)',
    cloudWatchRole: s.cloudWatchRole,
    cloudWatchRoleRemovalPolicy: s.cloudWatchRole ? RemovalPolicy.RETAIN : undefined,
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
