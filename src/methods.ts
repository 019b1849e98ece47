import { Aws, Duration, aws_apigateway as apigw, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BatchMode, BatchOptions, batchRequestSchema } from './batch';
import { BodyFormat, RecordEnvelope, packedBatchTemplate, putRecordBatchTemplate, putRecordTemplate } from './envelope';
import { BATCH_RECORDS_PROPERTY } from './limits';
import { acknowledge } from './nag';
import { IntegrationResponseSpec, METHOD_STATUS_CODES, putRecordBatchResponses, putRecordResponses } from './responses';

/**
 * How `text/plain` requests are handled.
 */
export enum TextPlainMode {
  /** Not accepted: 415, nothing is written. */
  REJECT = 'REJECT',
  /** The body is stored as a JSON string, escaped, whatever it contains. */
  AS_STRING = 'AS_STRING',
  /** The body must be JSON (validated against the event schema, 400 otherwise) and is stored as JSON. */
  AS_JSON = 'AS_JSON',
}

/**
 * CORS settings.
 */
export interface CorsSettings {
  /** The allowed origin: one origin such as 'https://app.example.com', or '*'. */
  readonly allowOrigin: string;
  /**
   * Request headers browsers may send. The default covers cdk-api-to-firehose-client (`Content-Type`, `X-Api-Key`);
   * add any header you pass in its `headers` option.
   * @default ['Content-Type', 'X-Api-Key', 'X-Amzn-Trace-Id']
   */
  readonly allowHeaders?: string[];
  /**
   * How long browsers may cache the preflight answer.
   * @default Duration.hours(1)
   */
  readonly maxAge?: Duration;
}

/** Resolved settings of the ingestion methods. */
export interface MethodSettings {
  readonly restApi: apigw.IRestApi;
  readonly stage?: apigw.Stage;
  /** The delivery stream's name and ARN (literals or tokens). */
  readonly streamName: string;
  readonly streamArn: string;
  readonly envelope: RecordEnvelope;
  readonly eventSchema: apigw.JsonSchema;
  readonly batch: Required<BatchOptions>;
  /** Path parts of the single-event resource and of the batch resource below it. */
  readonly resourceParts: string[];
  readonly batchParts: string[];
  readonly textPlain: TextPlainMode;
  readonly cors?: CorsSettings;
  readonly apiKeyRequired: boolean;
  readonly authorizationType?: apigw.AuthorizationType;
  readonly authorizer?: apigw.IAuthorizer;
}

/** What `createMethods` made. */
export interface Methods {
  readonly role: iam.Role;
  readonly requestValidator: apigw.IRequestValidator;
  readonly resource: apigw.IResource;
  readonly method: apigw.Method;
  readonly batchMethod?: apigw.Method;
  readonly batchMode?: BatchMode;
  readonly url?: string;
  readonly batchUrl?: string;
}

/**
 * Creates the role API Gateway assumes to call Firehose, the request
 * validator and models, and the `POST` methods (single event, batch) with
 * their Firehose integrations and CORS preflights.
 */
export function createMethods(scope: Construct, s: MethodSettings): Methods {
  const usesBatchCall = s.batch.enabled && s.batch.mode.firehoseAction === 'PutRecordBatch';
  const role = new iam.Role(scope, 'ApiGatewayRole', {
    assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
    description: 'Lets API Gateway put records into this construct\'s delivery stream only',
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: usesBatchCall ? ['firehose:PutRecord', 'firehose:PutRecordBatch'] : ['firehose:PutRecord'],
    resources: [s.streamArn],
  }));

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
    methodResponses: methodResponses(errorModel, s.cors),
  };
  // Models for each accepted content type; text/plain only when asked for.
  const models = (modelId: string, schema: apigw.JsonSchema) => {
    const m: Record<string, apigw.IModel> = { 'application/json': model(modelId, 'application/json', schema) };
    if (s.textPlain === TextPlainMode.AS_JSON) m['text/plain'] = model(`${modelId}Text`, 'text/plain', schema);
    return m;
  };
  const { streamName, envelope } = s;

  const resource = s.resourceParts.reduce((r: apigw.IResource, part) => r.resourceForPath(part), s.restApi.root);
  const singleTemplates: Record<string, string> = {
    'application/json': putRecordTemplate({ streamName, envelope, bodyFormat: BodyFormat.JSON }),
  };
  if (s.textPlain !== TextPlainMode.REJECT) {
    singleTemplates['text/plain'] = putRecordTemplate({
      streamName, envelope, bodyFormat: s.textPlain === TextPlainMode.AS_JSON ? BodyFormat.JSON : BodyFormat.TEXT,
    });
  }
  const method = resource.addMethod('POST',
    integration(role, 'PutRecord', singleTemplates, putRecordResponses(), s.cors), {
      ...methodOptions,
      requestModels: models('EventModel', s.eventSchema),
    });
  if (s.cors) addPreflight(resource, s.cors);

  let batchMethod: apigw.Method | undefined;
  let batchUrl: string | undefined;
  if (s.batch.enabled) {
    const batchResource = s.batchParts.reduce((r: apigw.IResource, part) => r.resourceForPath(part), resource);
    const batchSchema = batchRequestSchema(s.batch.maxEvents, s.eventSchema as Record<string, unknown>) as apigw.JsonSchema;
    const templateOptions = { streamName, envelope, recordsProperty: BATCH_RECORDS_PROPERTY };
    const batchTemplate = usesBatchCall ? putRecordBatchTemplate(templateOptions) : packedBatchTemplate(templateOptions);
    const batchTemplates: Record<string, string> = { 'application/json': batchTemplate };
    if (s.textPlain === TextPlainMode.AS_JSON) batchTemplates['text/plain'] = batchTemplate;
    batchMethod = batchResource.addMethod('POST', integration(role, s.batch.mode.firehoseAction, batchTemplates,
      usesBatchCall ? putRecordBatchResponses() : putRecordResponses(), s.cors), {
      ...methodOptions,
      requestModels: models('BatchModel', batchSchema),
    });
    if (s.cors) addPreflight(batchResource, s.cors);
    if (s.stage) batchUrl = s.stage.urlForPath(batchResource.path);
  }
  const url = s.stage ? s.stage.urlForPath(resource.path) : undefined;

  return {
    role,
    requestValidator,
    resource,
    method,
    batchMethod,
    batchMode: s.batch.enabled ? s.batch.mode : undefined,
    url,
    batchUrl,
  };
}

/**
 * Acknowledges the cdk-nag findings on the methods that the chosen
 * authorization answers (API keys without an authorizer; no Cognito).
 */
export function acknowledgeMethodFindings(methods: apigw.Method[], apiKeyRequired: boolean,
  authorizationType: apigw.AuthorizationType): void {
  for (const m of methods) {
    if (authorizationType === apigw.AuthorizationType.NONE && apiKeyRequired) {
      acknowledge(m, 'AwsSolutions-APIG4', 'The method requires an API key bound to a throttled usage plan; set `authorizer` or ' +
        '`authorizationType` for authentication beyond key identification.');
    }
    if (authorizationType !== apigw.AuthorizationType.COGNITO) {
      acknowledge(m, 'AwsSolutions-COG4', authorizationType === apigw.AuthorizationType.NONE
        ? 'No authorizer is configured; a Cognito authorizer is one option, set through `authorizer`.'
        : `The method is authorized with ${authorizationType}, which is an alternative to a Cognito user pool authorizer.`);
    }
  }
}

function integration(role: iam.IRole, action: string, requestTemplates: Record<string, string>,
  responses: IntegrationResponseSpec[], cors?: CorsSettings): apigw.AwsIntegration {
  return new apigw.AwsIntegration({
    service: 'firehose',
    action,
    options: {
      credentialsRole: role,
      passthroughBehavior: apigw.PassthroughBehavior.NEVER,
      requestParameters: {
        'integration.request.header.Content-Type': "'application/x-amz-json-1.1'",
        // Firehose's JSON protocol header; LocalStack requires it and AWS accepts it.
        'integration.request.header.X-Amz-Target': `'Firehose_20150804.${action}'`,
      },
      requestTemplates,
      integrationResponses: responses.map((r) => {
        const headers = { ...r.headers, ...(cors ? corsResponseHeaders(cors) : {}) };
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

function methodResponses(errorModel: apigw.IModel, cors?: CorsSettings): apigw.MethodResponse[] {
  return METHOD_STATUS_CODES.map((statusCode) => {
    const params: Record<string, boolean> = {};
    if (statusCode === '503') params['method.response.header.Retry-After'] = true;
    if (cors) Object.keys(corsResponseHeaders(cors)).forEach((h) => params[`method.response.header.${h}`] = true);
    return {
      statusCode,
      responseModels: { 'application/json': statusCode === '200' ? apigw.Model.EMPTY_MODEL : errorModel },
      responseParameters: Object.keys(params).length > 0 ? params : undefined,
    };
  });
}

/**
 * CORS headers of every method response. A cross-origin script can read only CORS-safelisted response headers,
 * so Retry-After (on 5xx) is exposed for clients that honour it (cdk-api-to-firehose-client does).
 */
function corsResponseHeaders(cors: CorsSettings): Record<string, string> {
  return { 'Access-Control-Allow-Origin': `'${cors.allowOrigin}'`, 'Access-Control-Expose-Headers': "'Retry-After'" };
}

function addPreflight(resource: apigw.IResource, cors: CorsSettings): void {
  resource.addCorsPreflight({
    allowOrigins: [cors.allowOrigin],
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: cors.allowHeaders ?? ['Content-Type', 'X-Api-Key', 'X-Amzn-Trace-Id'],
    maxAge: cors.maxAge ?? Duration.hours(1),
  });
}
