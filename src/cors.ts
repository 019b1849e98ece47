import { Duration } from 'aws-cdk-lib';

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
