import { Aws, Duration, aws_apigateway as apigw, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeBoth } from './nag';
import { Route } from './request-shapes';
import { IntegrationResponseSpec, METHOD_STATUS_CODES } from './responses';
import { CorsSettings } from '../cors';
import { FIREHOSE_TARGET } from './targets/firehose';
import { RecordCall, WriteTarget } from './targets/target';

/** Resolved settings of the ingestion methods. */
export interface MethodSettings {
  readonly restApi: apigw.IRestApi;
  /** The ARN of the stream the API writes to (a literal or a token). */
  readonly streamArn: string;
  /** What the API writes to. @default Firehose Direct PUT */
  readonly target?: WriteTarget;
  /** Statements the role needs beside the put actions (e.g. the stream's KMS key). */
  readonly extraStatements?: iam.PolicyStatement[];
  /** The routes, in the order their resources and methods are added. */
  readonly routes: Route[];
  readonly cors?: CorsSettings;
  readonly apiKeyRequired: boolean;
  readonly authorizationType?: apigw.AuthorizationType;
  readonly authorizer?: apigw.IAuthorizer;
}

/** What `createMethods` made: the role and validator, and each route's resource and method, in the routes' order. */
export interface Methods {
  readonly role: iam.Role;
  readonly requestValidator: apigw.IRequestValidator;
  readonly resources: apigw.IResource[];
  readonly methods: apigw.Method[];
  /** The methods whose integration checks a write key (no API key, no authorizer), with their method throttle. */
  readonly writeKeyMethods: { readonly method: apigw.Method; readonly throttle: apigw.ThrottleSettings }[];
}

/** Firehose actions in the order the role's statement lists them. */
const ACTION_ORDER = ['PutRecord', 'PutRecordBatch'];

/**
 * Creates the role API Gateway assumes to call Firehose (the routes' actions on the one stream), the request
 * validator and models, and a `POST` method per route with its Firehose integration and CORS preflight.
 */
export function createMethods(scope: Construct, s: MethodSettings): Methods {
  const target = s.target ?? FIREHOSE_TARGET;
  const actions = ACTION_ORDER.filter((a) => s.routes.some((r) => r.firehoseAction === a)).map((a) => target.action(a as RecordCall));
  const role = new iam.Role(scope, 'ApiGatewayRole', {
    assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
    description: 'Lets API Gateway put records into this construct\'s delivery stream only',
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: actions.map((a) => `${target.service}:${a}`),
    resources: [s.streamArn],
  }));
  for (const statement of s.extraStatements ?? []) role.addToPrincipalPolicy(statement);

  const requestValidator = new apigw.RequestValidator(scope, 'BodyValidator', {
    restApi: s.restApi,
    validateRequestBody: true,
    validateRequestParameters: true,
  });
  const model = (id: string, contentType: string, schema: apigw.JsonSchema) => new apigw.Model(scope, id, {
    restApi: s.restApi,
    contentType,
    schema: { schema: apigw.JsonSchemaVersion.DRAFT4, ...schema },
  });
  const errorModel = model('ErrorModel', 'application/json', {
    type: apigw.JsonSchemaType.OBJECT,
    required: ['error', 'message'],
    properties: {
      error: { type: apigw.JsonSchemaType.STRING },
      message: { type: apigw.JsonSchemaType.STRING },
      requestId: { type: apigw.JsonSchemaType.STRING },
    },
  });
  const methodOptions = {
    apiKeyRequired: s.apiKeyRequired,
    authorizationType: s.authorizer ? undefined : s.authorizationType,
    authorizer: s.authorizer,
    requestValidator,
  };

  const resources: apigw.IResource[] = [];
  const methods: apigw.Method[] = [];
  const writeKeyMethods: Methods['writeKeyMethods'] = [];
  for (const route of s.routes) {
    const resource = route.pathParts.reduce((r: apigw.IResource, part) => r.resourceForPath(part), s.restApi.root);
    const credentials = route.corsCredentials ?? false;
    const integrated = integration(role, target, target.action(route.firehoseAction as RecordCall), route.requestTemplates,
      route.responses, s.cors, credentials);
    const requestModels = Object.fromEntries(route.models.map((m) => [m.contentType, model(m.id, m.contentType, m.schema)]));
    const methodResponsesOfRoute = methodResponses(errorModel, s.cors, credentials, route.extraStatusCodes);
    const access = route.writeKeyAccess
      ? { apiKeyRequired: false, authorizationType: apigw.AuthorizationType.NONE, authorizer: undefined } : {};
    const method = resource.addMethod('POST', integrated, { ...methodOptions, ...access, methodResponses: methodResponsesOfRoute, requestModels });
    methods.push(method);
    if (route.writeKeyAccess) writeKeyMethods.push({ method, throttle: route.writeKeyAccess.throttle });
    if (s.cors) addPreflight(resource, s.cors, route.corsHeaders, credentials);
    resources.push(resource);
  }
  return { role, requestValidator, resources, methods, writeKeyMethods };
}

/**
 * Acknowledges the findings on methods whose integration checks a write key (Segment sources): no API key and no
 * authorizer, on purpose, since no Segment SDK can send either.
 */
export function acknowledgeWriteKeyMethodFindings(methods: apigw.Method[]): void {
  for (const m of methods) {
    acknowledgeBoth(m, 'AwsSolutions-APIG4', 'CKV_AWS_59', 'The integration checks the Segment write key every Segment SDK '
      + 'sends (Authorization: Basic, or writeKey in the body) against the declared sources and answers 401 otherwise; no '
      + 'Segment SDK can send an x-api-key or sign a request. A method throttle and the stage throttle bound it; associate a '
      + 'web ACL with `webAclArn` for rate rules per IP.');
    acknowledge(m, 'AwsSolutions-COG4', 'The integration checks the Segment write key; Segment SDKs cannot send a Cognito token.');
  }
}

/**
 * Acknowledges the cdk-nag (and Checkov) findings on the methods that the chosen
 * authorization answers (API keys without an authorizer; a public method; no Cognito).
 */
export function acknowledgeMethodFindings(methods: apigw.Method[], apiKeyRequired: boolean,
  authorizationType: apigw.AuthorizationType): void {
  for (const m of methods) {
    if (authorizationType === apigw.AuthorizationType.NONE && apiKeyRequired) {
      acknowledge(m, 'AwsSolutions-APIG4', 'The method requires an API key bound to a throttled usage plan; set `authorizer` or ' +
        '`authorizationType` for authentication beyond key identification.');
    }
    if (authorizationType === apigw.AuthorizationType.NONE && !apiKeyRequired) {
      acknowledgeBoth(m, 'AwsSolutions-APIG4', 'CKV_AWS_59', '`apiKeyRequired: false` without an authorizer makes the '
        + 'endpoint public on purpose (e.g. for `navigator.sendBeacon` clients, which cannot send a key). The stage '
        + 'throttle bounds it; associate a web ACL with `webAclArn` where it faces untrusted traffic.');
    }
    if (authorizationType !== apigw.AuthorizationType.COGNITO) {
      acknowledge(m, 'AwsSolutions-COG4', authorizationType === apigw.AuthorizationType.NONE
        ? 'No authorizer is configured; a Cognito authorizer is one option, set through `authorizer`.'
        : `The method is authorized with ${authorizationType}, which is an alternative to a Cognito user pool authorizer.`);
    }
  }
}

function integration(role: iam.IRole, target: WriteTarget, action: string, requestTemplates: Record<string, string>,
  responses: IntegrationResponseSpec[], cors?: CorsSettings, credentials = false): apigw.AwsIntegration {
  return new apigw.AwsIntegration({
    service: target.service,
    action,
    options: {
      credentialsRole: role,
      passthroughBehavior: apigw.PassthroughBehavior.NEVER,
      requestParameters: {
        'integration.request.header.Content-Type': "'application/x-amz-json-1.1'",
        // The service's JSON protocol header; LocalStack requires it for Firehose and AWS accepts it.
        'integration.request.header.X-Amz-Target': `'${target.jsonTargetPrefix}.${action}'`,
      },
      requestTemplates,
      integrationResponses: responses.map((r) => {
        const headers = { ...r.headers, ...(cors ? corsResponseHeaders(cors, credentials) : {}) };
        return {
          selectionPattern: r.selectionPattern,
          statusCode: r.statusCode,
          responseTemplates: { 'application/json': r.template },
          responseParameters: Object.keys(headers).length > 0
            ? Object.fromEntries(Object.entries(headers).map(([h, v]) => [`method.response.header.${h}`, v]))
            : undefined,
        };
      }),
    },
  });
}

function methodResponses(errorModel: apigw.IModel, cors?: CorsSettings, credentials = false, extra: string[] = []): apigw.MethodResponse[] {
  return [...METHOD_STATUS_CODES, ...extra].map((statusCode) => {
    const params: Record<string, boolean> = {};
    if (statusCode === '503') params['method.response.header.Retry-After'] = true;
    if (cors) Object.keys(corsResponseHeaders(cors, credentials)).forEach((h) => params[`method.response.header.${h}`] = true);
    return {
      statusCode,
      responseModels: { 'application/json': statusCode === '200' ? apigw.Model.EMPTY_MODEL : errorModel },
      responseParameters: Object.keys(params).length > 0 ? params : undefined,
    };
  });
}

/**
 * CORS headers of every method response. A cross-origin script can read only CORS-safelisted response headers,
 * so Retry-After (on 5xx) is exposed for clients that honour it (cdk-api-to-firehose-client does). A route whose
 * senders fetch with credentials also allows them (its origin is never '*': resolve.ts refuses that).
 */
function corsResponseHeaders(cors: CorsSettings, credentials = false): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': `'${cors.allowOrigin}'`,
    'Access-Control-Expose-Headers': "'Retry-After'",
    ...(credentials ? { 'Access-Control-Allow-Credentials': "'true'" } : {}),
  };
}

function addPreflight(resource: apigw.IResource, cors: CorsSettings, routeHeaders: string[] = [], credentials = false): void {
  const headers = cors.allowHeaders ?? ['Content-Type', 'X-Api-Key', 'X-Amzn-Trace-Id'];
  resource.addCorsPreflight({
    allowOrigins: [cors.allowOrigin],
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: [...headers, ...routeHeaders.filter((h) => !headers.some((x) => x.toLowerCase() === h.toLowerCase()))],
    maxAge: cors.maxAge ?? Duration.hours(1),
    ...(credentials ? { allowCredentials: true } : {}),
  });
}
