import { aws_apigateway as apigw } from 'aws-cdk-lib';

/**
 * A tenant: an API key with its own usage plan (throttle and quota).
 */
export interface TenantOptions {
  /**
   * The tenant's throttle.
   * @default - the construct's `throttle`
   */
  readonly throttle?: apigw.ThrottleSettings;
  /**
   * The tenant's quota.
   * @default - none
   */
  readonly quota?: apigw.QuotaSettings;
  /**
   * An existing key for the tenant.
   * @default - a new key
   */
  readonly apiKey?: apigw.IApiKey;
}
