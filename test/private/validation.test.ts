import { Duration, Size, Token } from 'aws-cdk-lib';
import {
  PrefixContext,
  checkBufferingInterval,
  checkBufferingSize,
  checkCertificateRegion,
  checkDeliveryStreamName,
  checkDomainName,
  checkFieldName,
  checkHeaderName,
  checkHostedZone,
  checkIntegerRange,
  checkPrefix,
  checkPrefixPair,
  checkQueryParameterName,
  checkUniqueFieldNames,
  normalizeBasePath,
  normalizeResourcePath,
} from '../../src/private/validation';

describe('buffering', () => {
  test.each([0, 60, 900])('interval %d s is accepted', (s) => {
    expect(() => checkBufferingInterval(Duration.seconds(s))).not.toThrow();
  });
  test.each([
    [Duration.seconds(901), 'bufferingInterval must be between 0 and 900 seconds, got 901 seconds.'],
    [Duration.minutes(16), 'bufferingInterval must be between 0 and 900 seconds, got 960 seconds.'],
  ])('interval %s is refused', (d, msg) => {
    expect(() => checkBufferingInterval(d)).toThrow(msg);
  });
  test.each([1, 10, 128])('size %d MiB is accepted', (mib) => {
    expect(() => checkBufferingSize(Size.mebibytes(mib))).not.toThrow();
  });
  test.each([
    [Size.mebibytes(0), 'bufferingSize must be a whole number of MiB between 1 and 128, got 0 MiB.'],
    [Size.mebibytes(129), 'bufferingSize must be a whole number of MiB between 1 and 128, got 129 MiB.'],
    [Size.kibibytes(1536), 'bufferingSize must be a whole number of MiB between 1 and 128, got 1.5 MiB.'],
  ])('size %s is refused', (size, msg) => {
    expect(() => checkBufferingSize(size)).toThrow(msg);
  });
  test('unresolved tokens are skipped', () => {
    expect(() => checkBufferingInterval(Duration.seconds(Token.asNumber({ Ref: 'P' })))).not.toThrow();
    expect(() => checkBufferingSize(Size.mebibytes(Token.asNumber({ Ref: 'P' })))).not.toThrow();
  });
});

describe('prefixes', () => {
  test.each([
    'events/',
    'events/!{timestamp:yyyy}/!{timestamp:MM}/',
    'a/!{firehose:random-string}/',
    '',
  ])('data prefix %p is accepted', (p) => {
    expect(() => checkPrefix('dataOutputPrefix', p, { allowPartitionKeys: false })).not.toThrow();
  });
  const DATA = '!{timestamp:...}, !{firehose:random-string}';
  test.each([
    ['/events/', "dataOutputPrefix must not start with '/', got '/events/'."],
    ['e/!{timestamp:yyyy', `dataOutputPrefix has a malformed expression: use !{namespace:value} (${DATA}), got 'e/!{timestamp:yyyy'.`],
    ['e/!{time:yyyy}/', `dataOutputPrefix expression '!{time:yyyy}' must be one of ${DATA}.`],
    ['e/!{timestamp}/', `dataOutputPrefix expression '!{timestamp}' must be one of ${DATA}.`],
    ['e/!{firehose:nope}/', `dataOutputPrefix expression '!{firehose:nope}' is not accepted here: use ${DATA}.`],
    ['e/!{firehose:error-output-type}/', "dataOutputPrefix expression '!{firehose:error-output-type}' is not accepted here (it names failed records' "
      + `folders, in errorOutputPrefix only): use ${DATA}.`],
    ['e/!{partitionKeyFromQuery:k}/', `dataOutputPrefix may use !{partitionKeyFromQuery:...} only with partitionByField, got 'e/!{partitionKeyFromQuery:k}/': use ${DATA}.`],
    ['x'.repeat(1025), 'dataOutputPrefix must be at most 1024 characters, got 1025.'],
  ])('data prefix %p is refused, offering only what it accepts', (p, msg) => {
    expect(() => checkPrefix('dataOutputPrefix', p, { allowPartitionKeys: false })).toThrow(msg);
  });
  test('each refusal offers only expressions the same check accepts', () => {
    const cases: [string, PrefixContext][] = [
      ['dataOutputPrefix', { allowPartitionKeys: false }], ['dataOutputPrefix', { allowPartitionKeys: true }],
      ['dataOutputPrefix', { allowPartitionKeys: true, query: true }], ['errorOutputPrefix', { allowPartitionKeys: false }],
    ];
    for (const [prop, opts] of cases) {
      const message = (() => { try { checkPrefix(prop, 'e/!{nope:x}/', opts); } catch (e) { return (e as Error).message; } return ''; })();
      const offered = [...message.matchAll(/!\{([A-Za-z]+):([^{}.]+|\.\.\.)\}/g)].map((m) => m[0]).filter((x) => x !== '!{nope:x}');
      expect(offered.length).toBeGreaterThan(0);
      for (const o of offered) expect(() => checkPrefix(prop, `e/${o.replace('...', 'yyyy')}/`, opts)).not.toThrow();
    }
  });
  test('with query, a random path is refused with the reason; partition keys are offered with partitionByField', () => {
    expect(() => checkPrefix('dataOutputPrefix', 'e/!{firehose:random-string}/', { allowPartitionKeys: true, query: true })).toThrow(
      "dataOutputPrefix expression '!{firehose:random-string}' is not accepted here (a random path in each key, which query cannot project): "
      + 'use !{timestamp:...}, !{partitionKeyFromQuery:...}.');
  });
  test('an error prefix: error-output-type and random-string, never partition keys', () => {
    const ERROR = '!{timestamp:...}, !{firehose:error-output-type}, !{firehose:random-string}';
    expect(() => checkPrefix('errorOutputPrefix', 'x/!{firehose:error-output-type}/!{firehose:random-string}/', { allowPartitionKeys: false })).not.toThrow();
    expect(() => checkPrefix('errorOutputPrefix', 'x/!{partitionKeyFromQuery:k}/', { allowPartitionKeys: false })).toThrow(
      `errorOutputPrefix must not use !{partitionKeyFromQuery:...}, got 'x/!{partitionKeyFromQuery:k}/': use ${ERROR}.`);
  });
  test('an error prefix needs error-output-type when expressions are used', () => {
    expect(() => checkPrefixPair('events/', 'errors/!{firehose:error-output-type}/')).not.toThrow();
    expect(() => checkPrefixPair('events/', 'errors/')).not.toThrow();
    expect(() => checkPrefixPair('e/!{timestamp:yyyy}/', 'errors/')).toThrow(
      "errorOutputPrefix must contain !{firehose:error-output-type} when either prefix uses expressions, got 'errors/'.");
    expect(() => checkPrefixPair('e/', 'errors/!{timestamp:yyyy}/')).toThrow(
      "errorOutputPrefix must contain !{firehose:error-output-type} when either prefix uses expressions, got 'errors/!{timestamp:yyyy}/'.");
    expect(() => checkPrefixPair('e/!{firehose:error-output-type}/', 'errors/!{firehose:error-output-type}/')).toThrow(
      "dataOutputPrefix must not contain !{firehose:error-output-type}, got 'e/!{firehose:error-output-type}/'.");
    expect(() => checkPrefixPair('e/', '')).toThrow('errorOutputPrefix must not be empty: failed records would mix with delivered data.');
  });
  test('token prefixes are skipped', () => {
    const tok = Token.asString({ Ref: 'Prefix' });
    expect(() => checkPrefix('dataOutputPrefix', tok, { allowPartitionKeys: false })).not.toThrow();
    expect(() => checkPrefixPair(tok, 'errors/')).not.toThrow();
  });
});

describe('names', () => {
  test.each(['a', 'my-stream_1.x', 'x'.repeat(64)])('stream name %p is accepted', (n) => {
    expect(() => checkDeliveryStreamName(n)).not.toThrow();
  });
  test.each(['', 'has space', 'x'.repeat(65), 'a/b'])('stream name %p is refused', (n) => {
    expect(() => checkDeliveryStreamName(n)).toThrow(`deliveryStreamName must be 1-64 characters of [a-zA-Z0-9_.-], got '${n}'.`);
  });
  test.each(['apiKeyId', '_x', 'a1'])('field name %p is accepted', (n) => {
    expect(() => checkFieldName(n)).not.toThrow();
  });
  test.each(['1a', 'a-b', 'a"b', '$x', 'a b', '', 'x'.repeat(65)])('field name %p is refused', (n) => {
    expect(() => checkFieldName(n)).toThrow(`envelope field name must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$, got '${n}'.`);
  });
  test.each(["X-Tenant'", 'X Tenant', '', '-x'])('header name %p is refused', (n) => {
    expect(() => checkHeaderName(n)).toThrow(`header name must match ^[A-Za-z0-9][A-Za-z0-9-]{0,127}$, got '${n}'.`);
  });
  test.each(["q'", 'q$', ''])('query parameter name %p is refused', (n) => {
    expect(() => checkQueryParameterName(n)).toThrow(`query parameter name must match ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$, got '${n}'.`);
  });
  test('field names are unique and do not collide with the body field', () => {
    expect(() => checkUniqueFieldNames(['a', 'b'], 'body')).not.toThrow();
    expect(() => checkUniqueFieldNames(['a', 'a'], 'body')).toThrow("envelope field 'a' is defined more than once.");
    expect(() => checkUniqueFieldNames(['body'], 'body')).toThrow("envelope field 'body' collides with the body field 'body'.");
  });
});

describe('resource paths and ranges', () => {
  test('paths are split into parts', () => {
    expect(normalizeResourcePath('resourcePath', '/')).toEqual([]);
    expect(normalizeResourcePath('resourcePath', 'v1/events/')).toEqual(['v1', 'events']);
    expect(normalizeResourcePath('resourcePath', '/a.b~c_d-e')).toEqual(['a.b~c_d-e']);
  });
  test.each(['{proxy+}', 'a/{id}', 'a b'])('path %p is refused', (p) => {
    expect(() => normalizeResourcePath('resourcePath', p)).toThrow(/resourcePath parts must match/);
  });
  test('integer ranges', () => {
    expect(() => checkIntegerRange('n', 5, 1, 10)).not.toThrow();
    expect(() => checkIntegerRange('n', undefined, 1, 10)).not.toThrow();
    expect(() => checkIntegerRange('n', 0, 1, 10)).toThrow('n must be a whole number between 1 and 10, got 0.');
    expect(() => checkIntegerRange('n', 1.5, 1, 10)).toThrow('n must be a whole number between 1 and 10, got 1.5.');
    expect(() => checkIntegerRange('n', 11, 1, 10)).toThrow('n must be a whole number between 1 and 10, got 11.');
  });
});

describe('custom domain', () => {
  test.each(['events.example.com', 'example.com', 'a-b.x1.example.co.uk', 'xn--bcher-kva.example'])('domain name %s is accepted', (n) => {
    expect(() => checkDomainName(n)).not.toThrow();
  });
  test.each(['Events.example.com', 'localhost', 'https://events.example.com', 'events.example.com/collect', 'events.example.com:443',
    '-a.example.com', 'a..example.com', 'events.example.com.', '*.example.com'])('domain name %s is refused', (n) => {
    expect(() => checkDomainName(n)).toThrow(`domain.domainName must be a lowercase host name such as 'events.example.com' (no scheme, port or path), got '${n}'.`);
  });
  test('a token domain name is not checked', () => {
    expect(() => checkDomainName(Token.asString({ Ref: 'Name' }))).not.toThrow();
  });

  test.each<[string | undefined, string | undefined]>([
    [undefined, undefined], ['collect', 'collect'], ['/collect', 'collect'], ['/collect/', 'collect'], ['v1.events_x-y', 'v1.events_x-y'],
  ])('base path %s is %s', (given, expected) => {
    expect(normalizeBasePath(given)).toBe(expected);
  });
  test.each(['', '/', 'a/b', 'col lect', '(none)', '{proxy+}'])('base path %s is refused', (p) => {
    expect(() => normalizeBasePath(p)).toThrow(`domain.basePath must be one path segment of letters, digits, '-', '_' or '.', such as 'collect' (omit it to map the domain's root), got '${p}'.`);
  });

  test('certificate regions: checked when both are known', () => {
    expect(() => checkCertificateRegion('us-east-1', 'us-east-1', 'EDGE')).not.toThrow();
    expect(() => checkCertificateRegion(undefined, 'us-east-1', 'EDGE')).not.toThrow();
    expect(() => checkCertificateRegion('eu-west-1', Token.asString({ Ref: 'AWS::Region' }), 'REGIONAL')).not.toThrow();
    expect(() => checkCertificateRegion('eu-west-1', 'us-east-1', 'EDGE')).toThrow('domain.certificate must be in us-east-1 for ApiEndpoint.EDGE');
    expect(() => checkCertificateRegion('us-east-1', 'eu-west-1', 'REGIONAL'))
      .toThrow('domain.certificate must be in the stack\'s region (eu-west-1) for ApiEndpoint.REGIONAL, got a certificate in us-east-1.');
  });

  test.each<[string, string, boolean]>([
    ['events.example.com', 'example.com', true], ['events.example.com', 'example.com.', true], ['example.com', 'example.com', true],
    ['events.example.com', 'Example.COM', true], ['events.example.com', 'ample.com', false], ['events.example.com', 'events.example.com.au', false],
  ])('%s in zone %s: %s', (domain, zone, ok) => {
    const check = () => checkHostedZone(domain, zone);
    if (ok) expect(check).not.toThrow();
    else expect(check).toThrow(`domain.hostedZone must be the zone of domain.domainName or a parent of it: '${domain}' is not in zone '${zone.toLowerCase()}'.`);
  });
});
