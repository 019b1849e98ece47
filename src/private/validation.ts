import { Duration, Size, Token } from 'aws-cdk-lib';
import { QueryOptions } from '../query-options';

/**
 * Pure synth-time checks for ApiToFirehose props.
 *
 * Each check names the prop, the allowed range and the value given, and skips
 * values that are unresolved tokens (they are only known at deploy time).
 */

/** Firehose buffering interval limits (seconds). */
export const BUFFERING_INTERVAL_MAX_SECONDS = 900;
/** Firehose buffering size limits (MiB). */
export const BUFFERING_SIZE_MIN_MIB = 1;
export const BUFFERING_SIZE_MAX_MIB = 128;
/** Firehose delivery stream names: 1-64 of [a-zA-Z0-9_.-]. */
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;
/** Envelope field names: a JSON key that is also safe to place inside a VTL string. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** HTTP header names that we read in templates (RFC 7230 token subset without quotes). */
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;
/** Query string parameter names that we read in templates. */
const QUERY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** One API Gateway path part: letters, digits and -._~ (no braces: greedy or path parameters are not supported). */
const PATH_PART = /^[A-Za-z0-9._~-]+$/;

export function checkBufferingInterval(interval?: Duration): void {
  if (!interval || interval.isUnresolved()) return;
  const s = interval.toSeconds();
  if (s < 0 || s > BUFFERING_INTERVAL_MAX_SECONDS) {
    throw new Error(`bufferingInterval must be between 0 and ${BUFFERING_INTERVAL_MAX_SECONDS} seconds, got ${s} seconds.`);
  }
}

export function checkBufferingSize(size?: Size): void {
  if (!size || size.isUnresolved()) return;
  const mib = size.toMebibytes({ rounding: 2 /* SizeRoundingBehavior.NONE */ });
  if (mib < BUFFERING_SIZE_MIN_MIB || mib > BUFFERING_SIZE_MAX_MIB || !Number.isInteger(mib)) {
    throw new Error(`bufferingSize must be a whole number of MiB between ${BUFFERING_SIZE_MIN_MIB} and ${BUFFERING_SIZE_MAX_MIB}, got ${mib} MiB.`);
  }
}

const PREFIX_EXPRESSION = /!\{([^{}]*)\}/g;

/** What a prefix check needs to know besides the prefix. */
export interface PrefixContext {
  /** Whether `!{partitionKeyFromQuery:...}` may be used (partitioning is configured). */
  readonly allowPartitionKeys: boolean;
  /** Whether the table's partition projection must read the prefix (`query`): no random path then. */
  readonly query?: boolean;
}

/**
 * The expressions a prefix may use: the data prefix never `!{firehose:error-output-type}` (checkPrefixPair), nor
 * `!{firehose:random-string}` under `query` (projection cannot list a random path), nor partition keys unless
 * partitioning is configured; the error prefix never partition keys.
 */
function acceptedExpressions(prop: string, opts: PrefixContext): string[] {
  const error = prop === 'errorOutputPrefix';
  return [
    '!{timestamp:...}',
    ...(error ? ['!{firehose:error-output-type}'] : []),
    ...(error || !opts.query ? ['!{firehose:random-string}'] : []),
    ...(opts.allowPartitionKeys ? ['!{partitionKeyFromQuery:...}'] : []),
  ];
}

/**
 * Checks a Firehose S3 prefix: at most 1024 characters, no leading slash, and
 * only well-formed `!{namespace:value}` expressions. A refusal offers only the expressions the prop accepts.
 */
export function checkPrefix(prop: string, prefix: string | undefined, opts: PrefixContext): void {
  if (prefix === undefined || Token.isUnresolved(prefix)) return;
  if (prefix.length > 1024) {
    throw new Error(`${prop} must be at most 1024 characters, got ${prefix.length}.`);
  }
  if (prefix.startsWith('/')) {
    throw new Error(`${prop} must not start with '/', got '${prefix}'.`);
  }
  const accepted = acceptedExpressions(prop, opts).join(', ');
  const stripped = prefix.replace(PREFIX_EXPRESSION, '');
  if (stripped.includes('!{') || stripped.includes('}')) {
    throw new Error(`${prop} has a malformed expression: use !{namespace:value} (${accepted}), got '${prefix}'.`);
  }
  for (const m of prefix.matchAll(PREFIX_EXPRESSION)) {
    const [ns, value] = m[1].split(':', 2);
    if (!['timestamp', 'firehose', 'partitionKeyFromQuery'].includes(ns) || !value) {
      throw new Error(`${prop} expression '!{${m[1]}}' must be one of ${accepted}.`);
    }
    if (ns === 'partitionKeyFromQuery' && !opts.allowPartitionKeys) {
      const why = prop === 'errorOutputPrefix' ? 'must not use !{partitionKeyFromQuery:...}' : 'may use !{partitionKeyFromQuery:...} only with partitionByField';
      throw new Error(`${prop} ${why}, got '${prefix}': use ${accepted}.`);
    }
    if (ns === 'firehose' && !accepted.includes(`!{${m[1]}}`)) {
      const why = value === 'random-string' ? ' (a random path in each key, which query cannot project)'
        : value === 'error-output-type' ? ' (it names failed records\' folders, in errorOutputPrefix only)' : '';
      throw new Error(`${prop} expression '!{${m[1]}}' is not accepted here${why}: use ${accepted}.`);
    }
  }
}

/** A data prefix with expressions needs an error prefix with !{firehose:error-output-type}. */
export function checkPrefixPair(dataPrefix: string, errorPrefix: string): void {
  if (Token.isUnresolved(dataPrefix) || Token.isUnresolved(errorPrefix)) return;
  if (dataPrefix.includes('!{firehose:error-output-type}')) {
    throw new Error(`dataOutputPrefix must not contain !{firehose:error-output-type}, got '${dataPrefix}'.`);
  }
  const dataHasExpr = dataPrefix.includes('!{');
  const errorHasExpr = errorPrefix.includes('!{');
  if ((dataHasExpr || errorHasExpr) && !errorPrefix.includes('!{firehose:error-output-type}')) {
    throw new Error(`errorOutputPrefix must contain !{firehose:error-output-type} when either prefix uses expressions, got '${errorPrefix}'.`);
  }
  if (errorPrefix === '') {
    throw new Error('errorOutputPrefix must not be empty: failed records would mix with delivered data.');
  }
}

export function checkDeliveryStreamName(name?: string): void {
  if (name === undefined || Token.isUnresolved(name)) return;
  if (!STREAM_NAME.test(name)) {
    throw new Error(`deliveryStreamName must be 1-64 characters of [a-zA-Z0-9_.-], got '${name}'.`);
  }
}

export function checkFieldName(name: string): void {
  if (!FIELD_NAME.test(name)) {
    throw new Error(`envelope field name must match ${FIELD_NAME.source}, got '${name}'.`);
  }
}

/** Event property names an envelope field reads: an identifier, and not one Velocity resolves to a Java getter on a map. */
const EVENT_PROPERTY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function checkEventPropertyName(name: string): void {
  if (!EVENT_PROPERTY.test(name) || name.toLowerCase() === 'class') {
    throw new Error(`event property name must match ${EVENT_PROPERTY.source} and not be 'class', got '${name}'.`);
  }
}

export function checkHeaderName(name: string): void {
  if (!HEADER_NAME.test(name)) {
    throw new Error(`header name must match ${HEADER_NAME.source}, got '${name}'.`);
  }
}

export function checkQueryParameterName(name: string): void {
  if (!QUERY_NAME.test(name)) {
    throw new Error(`query parameter name must match ${QUERY_NAME.source}, got '${name}'.`);
  }
}

/** Field names must be unique and must not collide with the body field. */
export function checkUniqueFieldNames(names: string[], bodyField: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (n === bodyField) throw new Error(`envelope field '${n}' collides with the body field '${bodyField}'.`);
    if (seen.has(n)) throw new Error(`envelope field '${n}' is defined more than once.`);
    seen.add(n);
  }
}

/** Normalises and checks a resource path like `events/v1` (leading/trailing slashes allowed). */
export function normalizeResourcePath(prop: string, path: string): string[] {
  if (Token.isUnresolved(path)) throw new Error(`${prop} must be a literal path, not a token.`);
  const parts = path.split('/').filter((p) => p !== '');
  for (const p of parts) {
    if (!PATH_PART.test(p)) {
      throw new Error(`${prop} parts must match ${PATH_PART.source}, got '${p}' in '${path}'.`);
    }
  }
  return parts;
}

export function checkIntegerRange(prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop} must be a whole number between ${min} and ${max}, got ${value}.`);
  }
}

const ORIGIN = /^(\*|https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?)$/;
const HEADER = /^[A-Za-z0-9-]+$/;

/** Checks CORS settings: one origin (or '*') and plain header names. */
export function checkCors(cors: { readonly allowOrigin: string; readonly allowHeaders?: string[] }): void {
  if (!ORIGIN.test(cors.allowOrigin)) {
    throw new Error(`cors.allowOrigin must be '*' or one origin like 'https://app.example.com', got '${cors.allowOrigin}'.`);
  }
  for (const h of cors.allowHeaders ?? []) {
    if (!HEADER.test(h)) throw new Error(`cors.allowHeaders entries must be header names, got '${h}'.`);
  }
}

/** Athena's smallest per-query scan cutoff (bytes). */
export const BYTES_SCANNED_CUTOFF_MIN = 10_000_000;

/** Glue names: lowercase letters, digits and underscores. */
const GLUE_NAME = /^[a-z0-9_]{1,255}$/;
const WORKGROUP_NAME = /^[a-zA-Z0-9._-]{1,128}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Checks the query options. */
export function checkQueryOptions(o: QueryOptions): void {
  if (o.databaseName !== undefined && !Token.isUnresolved(o.databaseName) && !GLUE_NAME.test(o.databaseName)) {
    throw new Error(`query.databaseName must be 1-255 lowercase letters, digits or underscores, got '${o.databaseName}'.`);
  }
  if (o.tableName !== undefined && !GLUE_NAME.test(o.tableName)) {
    throw new Error(`query.tableName must be 1-255 lowercase letters, digits or underscores, got '${o.tableName}'.`);
  }
  if (o.workGroupName !== undefined && !Token.isUnresolved(o.workGroupName) && !WORKGROUP_NAME.test(o.workGroupName)) {
    throw new Error(`query.workGroupName must be 1-128 letters, digits, '.', '_' or '-', got '${o.workGroupName}'.`);
  }
  const cutoff = o.bytesScannedCutoffPerQuery;
  if (cutoff && !cutoff.isUnresolved() && cutoff.toBytes() < BYTES_SCANNED_CUTOFF_MIN) {
    throw new Error(`query.bytesScannedCutoffPerQuery must be at least 10 MB (${BYTES_SCANNED_CUTOFF_MIN} bytes), got ${cutoff.toBytes()} bytes.`);
  }
  const expiry = o.resultsExpiration;
  if (expiry && !expiry.isUnresolved() && (expiry.toHours() % 24 !== 0 || expiry.toDays() < 1)) {
    throw new Error(`query.resultsExpiration must be a whole number of days (at least 1), got ${expiry.toHumanString()}.`);
  }
  if (o.firstDay !== undefined) {
    const m = DAY.exec(o.firstDay);
    const date = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : undefined;
    if (!date || date.getUTCMonth() !== +m![2] - 1 || date.getUTCDate() !== +m![3]) {
      throw new Error(`query.firstDay must be a date as yyyy-MM-dd, got '${o.firstDay}'.`);
    }
  }
  if (o.parquetCompression && !o.parquet) {
    throw new Error('query.parquetCompression applies to Parquet output: set query.parquet to true.');
  }
}

/** Checks a rate prop (0-1). */
export function checkRate(prop: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!(value > 0 && value <= 1)) throw new Error(`${prop} must be a share between 0 (exclusive) and 1, got ${value}.`);
}

/** A host name: lowercase labels of letters, digits and inner hyphens, at least two, the last starting with a letter. */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** One base path segment: letters, digits, '-', '_' and '.' (a subset of what API Gateway allows, safe in any URL). */
const BASE_PATH = /^[A-Za-z0-9._-]+$/;

/** Checks `domain.domainName`: a lowercase host name (API Gateway refuses uppercase), no scheme, port or path. */
export function checkDomainName(name: string): void {
  if (Token.isUnresolved(name)) return;
  if (!HOST_NAME.test(name)) {
    throw new Error(`domain.domainName must be a lowercase host name such as 'events.example.com' (no scheme, port or path), got '${name}'.`);
  }
}

/** Normalises `domain.basePath` ('/collect/' -> 'collect'): one segment, or undefined for the domain's root. */
export function normalizeBasePath(basePath: string | undefined): string | undefined {
  if (basePath === undefined) return undefined;
  if (Token.isUnresolved(basePath)) throw new Error('domain.basePath must be a literal path segment, not a token.');
  const parts = basePath.split('/').filter((p) => p !== '');
  if (parts.length !== 1 || !BASE_PATH.test(parts[0]) || parts[0] === '(none)') {
    throw new Error(`domain.basePath must be one path segment of letters, digits, '-', '_' or '.', such as 'collect' (omit it to map the domain's root), got '${basePath}'.`);
  }
  return parts[0];
}

/**
 * Checks that a certificate is in the region its endpoint type needs. Its region is known from a literal ARN, or
 * from the stack of an `acm.Certificate` construct; a token ARN of an imported certificate cannot be checked, nor a
 * region that is a token (an environment-agnostic stack).
 */
export function checkCertificateRegion(certificateRegion: string | undefined, required: string, endpointName: string): void {
  if (certificateRegion === undefined || Token.isUnresolved(certificateRegion) || Token.isUnresolved(required)) return;
  if (certificateRegion === required) return;
  const why = endpointName === 'EDGE'
    ? `${required} for ApiEndpoint.EDGE (an edge-optimized domain is served by CloudFront, which reads certificates from ${required} only)`
    : `the stack's region (${required}) for ApiEndpoint.${endpointName}`;
  throw new Error(`domain.certificate must be in ${why}, got a certificate in ${certificateRegion}.`);
}

/** Checks that `domain.hostedZone` is the zone of `domain.domainName` (or a parent of it), when both are literal. */
export function checkHostedZone(domainName: string, zoneName: string | undefined): void {
  if (zoneName === undefined || Token.isUnresolved(zoneName) || Token.isUnresolved(domainName)) return;
  const zone = zoneName.replace(/\.$/, '').toLowerCase();
  if (domainName !== zone && !domainName.endsWith(`.${zone}`)) {
    throw new Error(`domain.hostedZone must be the zone of domain.domainName or a parent of it: '${domainName}' is not in zone '${zone}'.`);
  }
}
