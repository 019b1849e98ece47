/**
 * A throw-away stack, written with aws-cdk-lib directly (not the library in src/), used to check the
 * local toolchain and to establish LocalStack behaviour (see docs/localstack-notes.md):
 * S3 bucket <- Firehose DeliveryStream <- API Gateway REST API (AWS integration, VTL), API key + usage plan,
 * request validator + model. No assets, no Lambda, no bootstrap.
 */
import {
  App,
  BootstraplessSynthesizer,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  StackProps,
  aws_apigateway as apigw,
  aws_iam as iam,
  aws_kinesisfirehose as firehose,
  aws_logs as logs,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface SmokeStackProps extends StackProps {
  /** Explicit name: LocalStack's CloudFormation cannot create a delivery stream without one. */
  readonly streamName: string;
  /** Add the experiment resources (context rendering, error paths, batch, second API with gateway responses). */
  readonly experiments?: boolean;
  /** Add AWS::ApiGateway::Account (CloudWatch role) and an access-log LogGroup on the stage. */
  readonly logging?: boolean;
  /** Pad the template with this many bytes of Metadata (template size experiments). */
  readonly padBytes?: number;
}

const CT = "'application/x-amz-json-1.1'";

/** Set $nl to a real newline (a newline inside a VTL string literal also works in LocalStack). */
const NL = '#set($nl = $util.urlDecode("%0A"))';

/** PutRecord of the body re-serialised by $input.json('$'), newline-terminated. */
export function putRecordTemplate(streamName: string): string {
  return [
    NL,
    `{"DeliveryStreamName":"${streamName}","Record":{"Data":"$util.base64Encode("$input.json('$')$nl")"}}`,
  ].join('\n');
}

export function firehoseIntegration(
  role: iam.IRole,
  action: 'PutRecord' | 'PutRecordBatch',
  template: string,
  integrationResponses?: apigw.IntegrationResponse[],
): apigw.AwsIntegration {
  return new apigw.AwsIntegration({
    service: 'firehose',
    action,
    options: {
      credentialsRole: role,
      passthroughBehavior: apigw.PassthroughBehavior.NEVER,
      requestParameters: {
        'integration.request.header.Content-Type': CT,
        'integration.request.header.X-Amz-Target': `'Firehose_20150804.${action}'`,
      },
      requestTemplates: { 'application/json': template },
      integrationResponses: integrationResponses ?? [{ statusCode: '200' }],
    },
  });
}

const methodResponses = (...codes: string[]): apigw.MethodResponse[] => codes.map((statusCode) => ({ statusCode }));

export class SmokeStack extends Stack {
  constructor(scope: Construct, id: string, props: SmokeStackProps) {
    super(scope, id, { ...props, synthesizer: new BootstraplessSynthesizer() });
    const streamName = props.streamName;

    const bucket = new s3.Bucket(this, 'Bucket', { removalPolicy: RemovalPolicy.DESTROY });
    const stream = new firehose.DeliveryStream(this, 'Stream', {
      deliveryStreamName: streamName,
      destination: new firehose.S3Bucket(bucket, {
        dataOutputPrefix: 'events/',
        errorOutputPrefix: 'errors/',
        bufferingInterval: Duration.seconds(60),
      }),
    });

    const role = new iam.Role(this, 'ApiRole', { assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com') });
    stream.grantPutRecords(role);

    let accessLogs: logs.LogGroup | undefined;
    if (props.logging) {
      accessLogs = new logs.LogGroup(this, 'AccessLogs', { removalPolicy: RemovalPolicy.DESTROY, retention: logs.RetentionDays.ONE_WEEK });
    }

    const api = new apigw.RestApi(this, 'Api', {
      restApiName: `${id}-api`,
      // true creates AWS::ApiGateway::Account + a CloudWatch role (experiment l)
      cloudWatchRole: props.logging ?? false,
      deployOptions: {
        stageName: 'test',
        ...(accessLogs ? {
          accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
          accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
          loggingLevel: apigw.MethodLoggingLevel.INFO,
          metricsEnabled: true,
        } : {}),
      },
    });

    const model = api.addModel('EventModel', {
      contentType: 'application/json',
      modelName: 'Event',
      schema: { schema: apigw.JsonSchemaVersion.DRAFT4, type: apigw.JsonSchemaType.OBJECT, minProperties: 1 },
    });
    const validator = api.addRequestValidator('BodyValidator', { validateRequestBody: true });
    const validated: apigw.MethodOptions = {
      apiKeyRequired: true,
      requestValidator: validator,
      requestModels: { 'application/json': model },
    };

    api.root.addResource('events').addMethod('POST',
      firehoseIntegration(role, 'PutRecord', putRecordTemplate(streamName), [{
        statusCode: '200',
        responseTemplates: { 'application/json': '{"ok":true,"recordId":"$input.path(\'$.RecordId\')"}' },
      }]),
      { ...validated, methodResponses: methodResponses('200') });

    const key = new apigw.ApiKey(this, 'Key', { description: 'smoke test key' });
    const apiStages: apigw.UsagePlanPerApiStage[] = [{ api, stage: api.deploymentStage }];

    new CfnOutput(this, 'ApiId', { value: api.restApiId });
    new CfnOutput(this, 'StageName', { value: api.deploymentStage.stageName });
    new CfnOutput(this, 'ApiKeyId', { value: key.keyId });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'StreamName', { value: stream.deliveryStreamName });
    if (accessLogs) new CfnOutput(this, 'AccessLogGroup', { value: accessLogs.logGroupName });

    if (props.experiments) {
      apiStages.push(...this.addExperiments(api, role, validated, streamName));
    }

    const plan = new apigw.UsagePlan(this, 'Plan', { apiStages, throttle: { rateLimit: 10, burstLimit: 5 } });
    plan.addApiKey(key);

    if (props.padBytes) {
      this.templateOptions.metadata = { Padding: 'x'.repeat(props.padBytes) };
    }
  }

  private addExperiments(api: apigw.RestApi, role: iam.IRole, validated: apigw.MethodOptions, streamName: string) {
    const x = api.root.addResource('x');

    // (e)(f) what the request template can see: written as one text record.
    const ctxTemplate = [
      NL,
      '#set($lit = "',
      '")',
      "#set($ua = $input.params().header.get('User-Agent'))",
      '#set($uaEsc = $util.escapeJavaScript($ua).replaceAll("\\\\\'","\'"))',
      '#set($bq = "a\\\'b")',
      '#set($bqr = $bq.replaceAll("\\\\\'","\'"))',
      '#set($line = "apiKeyId=[$context.identity.apiKeyId] apiKey=[$context.identity.apiKey] requestId=[$context.requestId] ' +
        'extendedRequestId=[$context.extendedRequestId] requestTimeEpoch=[$context.requestTimeEpoch] requestTime=[$context.requestTime] ' +
        'sourceIp=[$context.identity.sourceIp] identityUserAgent=[$context.identity.userAgent] ua=[$ua] ' +
        'uaEscaped=[$util.escapeJavaScript($ua)] uaEscapedReplaced=[$uaEsc] replaceAll=[$bq -> $bqr] stage=[$context.stage] resourcePath=[$context.resourcePath] ' +
        'json=[$input.json(\'$\')] body=[$input.body] urlDecodeNL=[$nl] literalNL=[$lit] end")',
      `{"DeliveryStreamName":"${streamName}","Record":{"Data":"$util.base64Encode($line)"}}`,
    ].join('\n');
    x.addResource('ctx').addMethod('POST', firehoseIntegration(role, 'PutRecord', ctxTemplate), validated);

    // (g) Firehose errors, passed through by a lone default integration response.
    const noRecord = `{"DeliveryStreamName":"${streamName}"}`;
    const noStream = '{"DeliveryStreamName":"does-not-exist","Record":{"Data":"aGVsbG8K"}}';
    x.addResource('norecord').addMethod('POST', firehoseIntegration(role, 'PutRecord', noRecord), validated);
    x.addResource('nostream').addMethod('POST', firehoseIntegration(role, 'PutRecord', noStream), validated);

    // (h) selection patterns on the backend status code, and responseOverride.
    const selected: apigw.IntegrationResponse[] = [
      { statusCode: '200', responseTemplates: { 'application/json': '{"sel":"200","upstream":$input.json(\'$\')}' } },
      { statusCode: '400', selectionPattern: '4\\d{2}', responseTemplates: { 'application/json': '{"sel":"4xx","upstream":$input.json(\'$\')}' } },
      { statusCode: '502', selectionPattern: '5\\d{2}', responseTemplates: { 'application/json': '{"sel":"5xx","upstream":$input.json(\'$\')}' } },
    ];
    const sel = x.addResource('sel');
    const mr = { methodResponses: methodResponses('200', '400', '502', '422', '202') };
    sel.addResource('norecord').addMethod('POST', firehoseIntegration(role, 'PutRecord', noRecord, selected), { ...validated, ...mr });
    sel.addResource('nostream').addMethod('POST', firehoseIntegration(role, 'PutRecord', noStream, selected), { ...validated, ...mr });
    sel.addResource('ok').addMethod('POST', firehoseIntegration(role, 'PutRecord', putRecordTemplate(streamName), selected), { ...validated, ...mr });
    const override: apigw.IntegrationResponse[] = [
      { statusCode: '200', responseTemplates: { 'application/json': '#set($context.responseOverride.status = 202)\n#set($context.responseOverride.header.X-Override = "yes")\n{"override":"202"}' } },
      { statusCode: '400', selectionPattern: '4\\d{2}', responseTemplates: { 'application/json': '#set($context.responseOverride.status = 422)\n{"override":"422","upstream":$input.json(\'$\')}' } },
    ];
    const ov = x.addResource('override');
    ov.addResource('ok').addMethod('POST', firehoseIntegration(role, 'PutRecord', putRecordTemplate(streamName), override), { ...validated, ...mr });
    ov.addResource('err').addMethod('POST', firehoseIntegration(role, 'PutRecord', noStream, override), { ...validated, ...mr });

    // (j) PutRecordBatch: {"events":[...]} -> one record per event.
    const batchTemplate = [
      NL,
      "#set($events = $input.path('$.events'))",
      `{"DeliveryStreamName":"${streamName}","Records":[#foreach($e in $events)` +
        '#set($j = $input.json("$.events[$foreach.index]")){"Data":"$util.base64Encode("$j$nl")"}#if($foreach.hasNext),#end#end]}',
    ].join('\n');
    x.addResource('batch').addMethod('POST', firehoseIntegration(role, 'PutRecordBatch', batchTemplate), validated);

    // (c) control: a model without minProperties, to see what an empty body becomes.
    const plainModel = api.addModel('PlainModel', {
      contentType: 'application/json',
      modelName: 'PlainObject',
      schema: { schema: apigw.JsonSchemaVersion.DRAFT4, type: apigw.JsonSchemaType.OBJECT },
    });
    x.addResource('plainmodel').addMethod('POST', firehoseIntegration(role, 'PutRecord', ctxTemplate), {
      ...validated,
      requestModels: { 'application/json': plainModel },
    });

    // Same as /events but without a request validator.
    x.addResource('novalidator').addMethod('POST', firehoseIntegration(role, 'PutRecord', putRecordTemplate(streamName)), { apiKeyRequired: true });

    // (i) a second API with gateway responses.
    const gw = new apigw.RestApi(this, 'GwApi', { restApiName: `${this.stackName}-gw`, cloudWatchRole: false, deployOptions: { stageName: 'test' } });
    const gwModel = gw.addModel('EventModel', {
      contentType: 'application/json',
      modelName: 'Event',
      schema: { schema: apigw.JsonSchemaVersion.DRAFT4, type: apigw.JsonSchemaType.OBJECT, minProperties: 1 },
    });
    gw.root.addResource('events').addMethod('POST', firehoseIntegration(role, 'PutRecord', putRecordTemplate(streamName)), {
      apiKeyRequired: true,
      requestValidator: gw.addRequestValidator('BodyValidator', { validateRequestBody: true }),
      requestModels: { 'application/json': gwModel },
    });
    const json = (code: string) =>
      `{"error":"${code}","message":$context.error.messageString,"validation":"$context.error.validationErrorString","requestId":"$context.requestId"}`;
    for (const [type, code, status] of [
      [apigw.ResponseType.BAD_REQUEST_BODY, 'BAD_REQUEST_BODY', '400'],
      [apigw.ResponseType.INVALID_API_KEY, 'INVALID_API_KEY', '403'],
      [apigw.ResponseType.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_MEDIA_TYPE', '415'],
      [apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, 'MISSING_AUTHENTICATION_TOKEN', '404'],
    ] as const) {
      gw.addGatewayResponse(code, {
        type,
        statusCode: status,
        responseHeaders: { 'X-Gateway-Response': `'${code}'` },
        templates: { 'application/json': json(code) },
      });
    }

    new CfnOutput(this, 'GwApiId', { value: gw.restApiId });
    return [{ api: gw, stage: gw.deploymentStage }];
  }
}

/** Build an App with one SmokeStack (used by experiments.ts). */
export function buildSmokeStack(stackName: string, props: Omit<SmokeStackProps, 'synthesizer'>): SmokeStack {
  const app = new App();
  return new SmokeStack(app, stackName, props);
}
