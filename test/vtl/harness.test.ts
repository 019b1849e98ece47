import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as fc from 'fast-check';
import {
  apiGatewayContext,
  decodeFirehoseRequest,
  findMethods,
  parseJsonStrict,
  renderGatewayResponseTemplate,
  RenderRequest,
  RenderResult,
  resolveCfnString,
  selectIntegrationResponse,
  simulateIntegration,
  VtlEngine,
} from './harness';

const engine = new VtlEngine();
afterAll(async () => engine.close());

/** Renders and fails the test on a render error. */
async function render(template: string, req: Omit<RenderRequest, 'template'> = {}): Promise<RenderResult> {
  const r = await engine.render({ template, ...req });
  if (r.error) throw new Error(`render error: ${r.error}`);
  return r;
}
async function out(template: string, req: Omit<RenderRequest, 'template'> = {}): Promise<string> {
  return (await render(template, req)).output;
}
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('$input (AWS mapping template reference examples)', () => {
  const petBody = JSON.stringify({ name: 'Mr. Bean', pets: [{ type: 'dog', name: 'Rex', price: 249.99 }, { type: 'cat', name: 'Tom', price: 124.5 }], count: 2 });

  test('$input.json re-serialises compactly; $input.body is the raw text', async () => {
    const body = '{ "name" : "Mr. Bean",\n  "n": [1, 2.50, 1e2] }';
    expect(await out("$input.json('$')", { body })).toBe('{"name":"Mr. Bean","n":[1,2.50,1E+2]}');
    expect(await out('$input.body', { body })).toBe(body);
    expect(await out("$input.json('$.name')", { body })).toBe('"Mr. Bean"');
    expect(await out("$input.json('$.n[1]')", { body })).toBe('2.50');
  });

  test('$input.json of objects, arrays and indefinite paths', async () => {
    expect(await out("$input.json('$.pets[0]')", { body: petBody })).toBe('{"type":"dog","name":"Rex","price":249.99}');
    expect(await out("$input.json('$.pets[*].name')", { body: petBody })).toBe('["Rex","Tom"]');
    expect(await out("$input.json('$.pets[?(@.price < 200)].name')", { body: petBody })).toBe('["Tom"]');
  });

  test('$input.path returns objects: size(), iteration, property access', async () => {
    const t = [
      "#set($root = $input.path('$'))",
      '$root.name|$root.pets.size()|$input.path(\'$.pets\').size()|$root.count',
      '#foreach($p in $root.pets)[$p.name:$p.type]#end',
      "|$input.path('$.pets[1].name')",
    ].join('\n');
    expect(await out(t, { body: petBody })).toBe('Mr. Bean|2|2|2\n[Rex:dog][Tom:cat]|Tom');
  });

  test('the reference\'s $input.params() example template reproduces every parameter', async () => {
    const t = `#set($allParams = $input.params())
{
"params" : {
#foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
"$type" : {
    #foreach($paramName in $params.keySet())
    "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
        #if($foreach.hasNext),#end
    #end
}
    #if($foreach.hasNext),#end
#end
}
}`;
    const params = {
      path: { petId: '42' },
      querystring: { type: 'dog', q: 'a b' },
      header: { 'Content-Type': 'application/json', 'User-Agent': 'x"y' },
    };
    expect(JSON.parse(await out(t, { params }))).toEqual({ params });
  });

  test('$input.params(x) searches path, then querystring, then header; missing -> ""', async () => {
    const params = { path: { id: 'p' }, querystring: { id: 'q', only: 'qs' }, header: { 'id': 'h', 'X-Trace': 't' } };
    expect(await out("$input.params('id')|$input.params('only')|$input.params('X-Trace')|[$input.params('nope')]", { params }))
      .toBe('p|qs|t|[]');
  });

  test('header lookup is case-sensitive (strict guess)', async () => {
    const params = { header: { 'User-Agent': 'ua' } };
    expect(await out("[$input.params('User-Agent')][$input.params('user-agent')][$input.params().header.get('user-agent')]", { params }))
      .toBe('[ua][][]');
  });

  test('empty body: $input.body is {} (recorded on AWS), or "" in the raw-text reading; $input.json(\'$\') is {} in both', async () => {
    const t = "$input.json('$')|$input.path('$').size()|[$input.body]";
    expect(await out(t, { body: '' })).toBe('{}|0|[{}]');
    expect(await out(t, { body: '', options: { emptyBody: 'empty' } })).toBe('{}|0|[]');
  });

  test('missing paths: $input.json -> "" (two quotes), $input.path -> empty (guesses)', async () => {
    expect(await out("[$input.json('$.missing')][$input.path('$.missing')][$input.json('$.a.b.c')]", { body: '{"a":1}' }))
      .toBe('[""][][""]');
    expect(await out("$input.json('$.x')", { body: '{"x":null}' })).toBe('null');
  });

  test('a body that is not JSON: $input.json / $input.path fail the render; $input.body still works', async () => {
    for (const body of ['not json', '{"a":1', '{"a":1} trailing', '   ']) {
      const r = await engine.render({ template: "$input.json('$')", body });
      expect(r.error).toMatch(/body is not valid JSON/);
      const p = await engine.render({ template: "$input.path('$.a')", body });
      expect(p.error).toMatch(/body is not valid JSON/);
    }
    expect(await out('[$input.body]', { body: 'not json' })).toBe('[not json]');
  });

  test('lone surrogates survive the JSON Lines pipe both ways', async () => {
    expect(await out("$input.body|$input.json('$')", { body: '"\ud800x"' })).toBe('"\ud800x"|"\ud800x"');
  });

  test('scalar and array bodies', async () => {
    expect(await out("$input.json('$')|$input.path('$').size()", { body: '[1, 2, 3]' })).toBe('[1,2,3]|3');
    expect(await out("$input.json('$')", { body: '"s"' })).toBe('"s"');
    expect(await out("$input.json('$')", { body: '12345678901234567890' })).toBe('12345678901234567890');
  });

  test('$input.json escapes like a JSON serialiser (", \\, controls) and leaves non-ASCII, / and U+2028 raw', async () => {
    const s = 'q" b\\ n\n t\t nul\u0000 / é 😀 \u2028 </script>';
    const o = await out("$input.json('$.s')", { body: JSON.stringify({ s }) });
    expect(o).toBe('"q\\" b\\\\ n\\n t\\t nul\\u0000 / é 😀 \u2028 </script>"');
    expect(JSON.parse(o)).toBe(s);
  });
});

describe('$util', () => {
  const esc = async (s: string) => out('$util.escapeJavaScript($input.body)', { body: s });

  test('escapeJavaScript = commons-lang 2.4 StringEscapeUtils.escapeJavaScript', async () => {
    const cases: Array<[string, string]> = [
      ["'", "\\'"],
      ['"', '\\"'],
      ['\\', '\\\\'],
      ['\n', '\\n'],
      ['\r', '\\r'],
      ['\t', '\\t'],
      ['\b', '\\b'],
      ['\f', '\\f'],
      ['/', '\\/'],
      ['\u0000', '\\u0000'],
      ['\u0001', '\\u0001'],
      ['\u001f', '\\u001F'],
      ['\u007f', '\u007f'], // DEL is not escaped
      ['\u0080', '\\u0080'],
      ['é', '\\u00E9'],
      ['\u0100', '\\u0100'],
      ['😀', '\\uD83D\\uDE00'],
      ['\u2028', '\\u2028'],
      ['\u2029', '\\u2029'],
      ['\ud800', '\\uD800'], // lone surrogate
      ['\udfff', '\\uDFFF'],
      ['\uffff', '\\uFFFF'],
      ['<a>&', '<a>&'],
      ["it's a \"test\" \\ / é", "it\\'s a \\\"test\\\" \\\\ \\/ \\u00E9"],
    ];
    const results = await engine.renderMany(cases.map(([s]) => ({ template: '$util.escapeJavaScript($input.body)', body: s })));
    expect(results.map((r) => r.output)).toEqual(cases.map(([, e]) => e));
  });

  test('escapeJavaScript output is not JSON because of \\\'; .replaceAll("\\\\\'","\'") fixes that', async () => {
    const escaped = await esc("it's");
    expect(() => JSON.parse(`"${escaped}"`)).toThrow();
    expect(await out('$util.escapeJavaScript($input.body).replaceAll("\\\\\'","\'")', { body: "it's" })).toBe("it's");
  });

  test('property: escapeJavaScript + replaceAll round-trips any UTF-16 string through a JSON string literal', async () => {
    const gen = fc.array(fc.oneof(
      fc.integer({ min: 0, max: 0xffff }),
      fc.constantFrom(0x27, 0x22, 0x5c, 0x2f, 0x0a, 0x2028, 0xd83d, 0xde00, 0),
    ), { maxLength: 40 }).map((codes) => String.fromCharCode(...codes));
    const samples = fc.sample(gen, { numRuns: 400, seed: 42 });
    const results = await engine.renderMany(samples.map((s) => ({
      template: '"$util.escapeJavaScript($input.body).replaceAll("\\\\\'","\'")"',
      body: s,
      options: { emptyBody: 'empty' as const }, // the raw text, "" included
    })));
    results.forEach((r, i) => {
      expect(r.error).toBeNull();
      expect(JSON.parse(r.output)).toBe(samples[i]);
    });
  });

  test('base64Encode / base64Decode use UTF-8 and round-trip', async () => {
    const s = 'héllo 😀 \u2028 "\'\n';
    expect(await out('$util.base64Encode($input.body)', { body: s })).toBe(b64(s));
    expect(await out('$util.base64Decode($util.base64Encode($input.body))', { body: s })).toBe(s);
    expect(await out(`$util.base64Decode("${b64('ünï')}")`)).toBe('ünï');
  });

  test('urlEncode / urlDecode (UTF-8, form encoding)', async () => {
    expect(await out('$util.urlDecode("%0A")')).toBe('\n');
    expect(await out('$util.urlEncode("a b&é/")')).toBe('a+b%26%C3%A9%2F');
    expect(await out('$util.urlDecode("a+b%26%C3%A9")')).toBe('a b&é');
  });

  test('parseJson returns objects', async () => {
    expect(await out('#set($o = $util.parseJson($input.body))$o.a.size()|$o.b.c', { body: '{"a":[1,2],"b":{"c":"d"}}' })).toBe('2|d');
  });
});

describe('$context, $stageVariables, overrides, nulls', () => {
  test('nested $context values and numbers', async () => {
    const context = apiGatewayContext({ identity: { apiKeyId: 'kid' } });
    expect(await out('$context.requestId|$context.requestTimeEpoch|$context.stage|$context.identity.apiKeyId|$context.identity.sourceIp', { context }))
      .toBe('c6af9ac6-7b61-11e6-9a41-93e8deadbeef|1428582896000|prod|kid|203.0.113.7');
    expect(await out('#set($t = $context.requestTimeEpoch / 1000)$t', { context })).toBe('1428582896');
  });

  test('#set($context.responseOverride.status = 503) is returned, with headers and request overrides', async () => {
    const r = await render([
      '#set($context.responseOverride.status = 503)',
      '#set($context.responseOverride.header.Retry-After = "5")',
      '#set($context.requestOverride.header.X-Amz-Target = "Firehose_20150804.PutRecord")',
      'ok',
    ].join('\n'));
    expect(r.output).toBe('ok');
    expect(r.responseOverride).toEqual({ status: 503, header: { 'Retry-After': '5' } });
    expect(r.requestOverride.header).toEqual({ 'X-Amz-Target': 'Firehose_20150804.PutRecord' });
    expect((await render('x')).responseOverride.status).toBeNull();
  });

  test('$stageVariables', async () => {
    expect(await out('$stageVariables.env', { stageVariables: { env: 'dev' } })).toBe('dev');
  });

  test('null references render empty (guess) and are reported; nullAsEmpty: false gives plain Velocity', async () => {
    const r = await render('[$context.identity.nope][$!quiet][$nothing]', { context: {} });
    expect(r.output).toBe('[][][]');
    expect(r.nullReferences).toEqual(['$context.identity.nope', '$nothing']);
    expect(await out('[$nothing][$!nothing]', { options: { nullAsEmpty: false } })).toBe('[$nothing][]');
  });

  test('template syntax errors are reported', async () => {
    const r = await engine.render({ template: '#if($x' });
    expect(r.error).toMatch(/ParseException: Encountered "<EOF>"/);
  });
});

describe('Velocity 1.7 facts', () => {
  test('single-quoted literals are not interpolated; double-quoted are', async () => {
    expect(await out("#set($a = 'x')#set($s = '$a')#set($d = \"$a\")$s|$d")).toBe('$a|x');
  });

  test('no backslash escapes in literals: "\\\\\'" is 3 chars, \'\\n\' is 2 chars', async () => {
    expect(await out('#set($s = "\\\\\'")$s.length()|$s')).toBe("3|\\\\'");
    expect(await out("#set($s = '\\n')$s.length()")).toBe('2');
    expect(await out('#set($s = "a\\"b")$s', {}).catch((e: Error) => e.message)).toMatch(/render error/);
  });

  test('a raw newline inside a double-quoted literal is allowed and kept', async () => {
    expect(await out('#set($s = "a\nb")$s.length()|$s')).toBe('3|a\nb');
    expect(await out("#set($s = 'a\nb')$s.length()")).toBe('3');
  });

  test('"" inside a double-quoted literal is an escaped quote (and \'\' inside single quotes)', async () => {
    expect(await out('#set($s = "a""b")$s')).toBe('a"b');
    expect(await out("#set($s = 'a''b')$s")).toBe("a'b");
  });

  test('$foreach.index / $foreach.count / $foreach.hasNext / $velocityCount', async () => {
    expect(await out('#foreach($x in ["a","b","c"])$foreach.index$foreach.count$velocityCount$x#if($foreach.hasNext),#end#end'))
      .toBe('011a,122b,233c');
  });

  test('integer arithmetic', async () => {
    expect(await out('#set($a = 7 / 2)#set($b = 7 % 3)#set($c = 2147483647 + 1)#set($d = -7 / 2)$a|$b|$c|$d')).toBe('3|1|2147483648|-3');
    expect(await out('#set($n = $input.path(\'$.n\') + 1)$n', { body: '{"n":41}' })).toBe('42');
  });

  test('a range and .size() on $input.path lists', async () => {
    expect(await out("#set($n = $input.path('$.a').size() - 1)#foreach($i in [0..$n])$input.path(\"$.a[$i]\")#end", { body: '{"a":["x","y","z"]}' }))
      .toBe('xyz');
  });

  test('VTL-looking text inside the body is never evaluated when interpolated', async () => {
    const body = JSON.stringify({ x: '$context.identity.apiKey #set($z = "$context.stage-pwn")$z ${context.requestId} #foreach($i in [7..9])$i#end' });
    const context = apiGatewayContext();
    const r = await render([
      "#set($b = $input.json('$'))",
      '#set($e = "x$b")',
      '$e|"x$b"|$input.body|$input.path(\'$.x\')|$util.escapeJavaScript($input.path(\'$.x\'))|[$z]',
    ].join('\n'), { body, context });
    expect(r.output).not.toContain('SECRET');
    expect(r.output).not.toContain('c6af9ac6');
    expect(r.output).not.toContain('prod-pwn');
    expect(r.output).not.toContain('789');
    expect(r.output).toContain('$context.identity.apiKey #set($z = \\"$context.stage-pwn\\")$z ${context.requestId}');
    expect(r.output.endsWith('|[]')).toBe(true);
    // ... whereas #evaluate WOULD run it: templates must never #evaluate caller data.
    expect(await out("#evaluate($input.path('$.x'))", { body, context })).toContain('SECRET-API-KEY-VALUE');
  });
});

describe('CloudFormation helpers', () => {
  test('resolveCfnString: Join, Ref, GetAtt, pseudo parameters, Sub', () => {
    const t = { Resources: { S: { Type: 'AWS::KinesisFirehose::DeliveryStream' }, R: { Type: 'AWS::IAM::Role' } } };
    const v = { 'Fn::Join': ['', ['{"DeliveryStreamName":"', { Ref: 'S' }, '","r":"', { 'Fn::GetAtt': ['R', 'Arn'] }, '","x":"', { Ref: 'AWS::Region' }, '"}']] };
    expect(resolveCfnString(v, t)).toBe('{"DeliveryStreamName":"STREAM_NAME","r":"GETATT_R_Arn","x":"us-east-1"}');
    expect(resolveCfnString(v, t, { refs: { 'S': 'my-stream', 'R.Arn': 'arn:role' } })).toBe('{"DeliveryStreamName":"my-stream","r":"arn:role","x":"us-east-1"}');
    expect(resolveCfnString({ 'Fn::Sub': 'a-${S}-${R.Arn}-${!Lit}-${AWS::AccountId}' }, t)).toBe('a-STREAM_NAME-GETATT_R_Arn-${Lit}-123456789012');
    expect(() => resolveCfnString({ 'Fn::If': ['c', 'a', 'b'] }, t)).toThrow(/unsupported intrinsic/);
  });

  describe('with a synthesized API Gateway -> Firehose stack', () => {
    const app = new App();
    const stack = new Stack(app, 'VtlHarnessStack');
    const stream = new firehose.CfnDeliveryStream(stack, 'Stream', {
      deliveryStreamType: 'DirectPut',
      s3DestinationConfiguration: { bucketArn: 'arn:aws:s3:::bucket', roleArn: 'arn:aws:iam::123456789012:role/r' },
    });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com') });
    const api = new apigw.RestApi(stack, 'Api');
    const requestTemplate = [
      "#set($b = $input.json('$'))",
      `{"DeliveryStreamName":"${stream.ref}","Record":{"Data":"$util.base64Encode("$b`,
      '")"}}',
    ].join('\n');
    api.root.addResource('v1').addResource('events').addMethod('POST', new apigw.AwsIntegration({
      service: 'firehose',
      action: 'PutRecord',
      options: {
        credentialsRole: role,
        passthroughBehavior: apigw.PassthroughBehavior.NEVER,
        requestTemplates: { 'application/json': requestTemplate },
        integrationResponses: [
          { statusCode: '200', responseTemplates: { 'application/json': '{"accepted":true}' } },
          {
            statusCode: '400',
            selectionPattern: '4\\d{2}',
            responseTemplates: { 'application/json': '#set($context.responseOverride.status = 503)#if($input.path(\'$.__type\') == "x")#end{"error":$input.json(\'$.message\')}' },
          },
        ],
      },
    }), { methodResponses: [{ statusCode: '200' }, { statusCode: '400' }, { statusCode: '503' }] });
    const cfn = Template.fromStack(stack).toJSON();

    test('findMethods resolves path, templates and integration responses', () => {
      const methods = findMethods(cfn);
      expect(methods).toHaveLength(1);
      const [m] = methods;
      expect(m.httpMethod).toBe('POST');
      expect(m.resourcePath).toBe('/v1/events');
      expect(m.passthroughBehavior).toBe('NEVER');
      expect(m.requestTemplates['application/json']).toContain('"DeliveryStreamName":"STREAM_NAME"');
      expect(m.integrationResponses.map((r) => [r.statusCode, r.selectionPattern])).toEqual([['200', undefined], ['400', '4\\d{2}']]);
      expect(findMethods(cfn, { refs: { Stream: 'real' } })[0].requestTemplates['application/json']).toContain('"DeliveryStreamName":"real"');
    });

    test('render + decodeFirehoseRequest', async () => {
      const [m] = findMethods(cfn);
      const r = await render(m.requestTemplates['application/json'], { body: '{ "a": "é\\u2028", "b": [1] }' });
      const d = decodeFirehoseRequest(r.output);
      expect(d).toMatchObject({ kind: 'PutRecord', streamName: 'STREAM_NAME', records: ['{"a":"é\u2028","b":[1]}\n'], extraKeys: [], violations: [] });
      expect(d.events).toEqual([{ a: 'é\u2028', b: [1] }]);
    });

    test('simulateIntegration: success, Firehose 400 mapped with override, unsupported media type', async () => {
      const [m] = findMethods(cfn);
      const ok = await simulateIntegration(engine, m, { body: '{"a":1}' }, { status: 200, body: '{"RecordId":"r"}' });
      expect(ok).toMatchObject({ status: '200', body: '{"accepted":true}', passedThrough: false });
      expect(ok.firehose?.events).toEqual([{ a: 1 }]);
      const bad = await simulateIntegration(engine, m, { body: '{"a":1}' }, { status: 400, body: '{"__type":"InvalidArgumentException","message":"m"}' });
      expect(bad).toMatchObject({ status: 503, body: '{"error":"m"}' });
      expect(await simulateIntegration(engine, m, { contentType: 'text/plain', body: 'x' }, { status: 200 })).toMatchObject({ status: 415 });
      expect(await simulateIntegration(engine, m, { body: 'nope' }, { status: 200 })).toMatchObject({ status: 500 });
      // A default (pattern-less) 200 response also catches a Firehose 503: only a 5\d{2} pattern maps it.
      expect(await simulateIntegration(engine, m, { body: '{}' }, { status: 503 })).toMatchObject({ status: '200' });
      const noDefault = { ...m, integrationResponses: m.integrationResponses.slice(1) };
      expect(await simulateIntegration(engine, noDefault, { body: '{}' }, { status: 503 })).toMatchObject({ status: 500, integrationResponse: undefined });
    });
  });
});

describe('decodeFirehoseRequest', () => {
  const env = (records: string[]) => JSON.stringify({ DeliveryStreamName: 's', Records: records.map((r) => ({ Data: b64(r) })) });

  test('PutRecordBatch: records, lines, events', () => {
    const d = decodeFirehoseRequest(env(['{"a":1}\n{"a":2}\n', '{"a":3}\n']));
    expect(d.kind).toBe('PutRecordBatch');
    expect(d.records).toEqual(['{"a":1}\n{"a":2}\n', '{"a":3}\n']);
    expect(d.lines).toEqual(['{"a":1}', '{"a":2}', '{"a":3}']);
    expect(d.events).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  test('descriptive errors', () => {
    expect(() => decodeFirehoseRequest('{"DeliveryStreamName":"s","Record":{"Data":"x"}')).toThrow(/not valid JSON/);
    expect(() => decodeFirehoseRequest(env(['{"a":1}']))).toThrow(/exactly one "\\n"/);
    expect(() => decodeFirehoseRequest(env(['{"a":1}\n\n']))).toThrow(/exactly one "\\n"/);
    expect(() => decodeFirehoseRequest(env(['{"a":1,"a":2}\n']))).toThrow(/duplicate key "a"/);
    expect(() => decodeFirehoseRequest(env(['nope\n']))).toThrow(/record 0 line 0 is not valid JSON/);
    expect(() => decodeFirehoseRequest('{"DeliveryStreamName":"s","DeliveryStreamName":"t","Record":{"Data":""}}')).toThrow(/duplicate key/);
    expect(() => decodeFirehoseRequest('{"DeliveryStreamName":"s","Record":{"Data":"a=b"}}')).toThrow(/base64/);
    expect(() => decodeFirehoseRequest(`{"DeliveryStreamName":"s","Record":{"Data":"${Buffer.from([0xff, 0x0a]).toString('base64')}"}}`)).toThrow(/UTF-8/);
    expect(decodeFirehoseRequest(env([])).violations).toEqual(['PutRecordBatch with no records (AWS answers 400)']);
    expect(decodeFirehoseRequest('{"DeliveryStreamName":"s","Record":{"Data":"eAo="},"x":1}', { parseLines: false }).extraKeys).toEqual(['x']);
  });

  test('parseJsonStrict only flags keys, not equal string values', () => {
    expect(parseJsonStrict('{"a":"a","b":["a","a"],"c":{"a":{"a":1}},"d":"\\"a\\""}')).toBeTruthy();
    expect(() => parseJsonStrict('[{"a":1},{"b":{"x":1,"x":2}}]')).toThrow(/duplicate key "x"/);
  });
});

describe('renderGatewayResponseTemplate (gateway responses: simple substitution, not VTL)', () => {
  const ctx = { requestId: 'r1', error: { messageString: '"m \\"q\\""', responseType: 'X', validationErrorString: '["a"]' } };
  test('substitutes $context / ${context} / $stageVariables references with raw values; unknown -> empty', () => {
    const t = '{"a":$context.error.messageString,"b":"${context.requestId}","c":"$stageVariables.env","d":"$context.nope.x","e":"$context.error"}';
    expect(renderGatewayResponseTemplate(t, ctx, { env: 'dev' })).toBe('{"a":"m \\"q\\"","b":"r1","c":"dev","d":"","e":""}');
  });
  test('leaves $util calls and directives as literal text, and never re-reads substituted values', () => {
    expect(renderGatewayResponseTemplate('$util.escapeJavaScript($context.error.validationErrorString)#set($x = 1)$x', ctx))
      .toBe('$util.escapeJavaScript(["a"])#set($x = 1)$x');
    expect(renderGatewayResponseTemplate('$context.requestId', { requestId: '$context.secret', secret: 's' })).toBe('$context.secret');
  });
});

describe('selectIntegrationResponse', () => {
  const responses = [
    { statusCode: '200' },
    { statusCode: '400', selectionPattern: '4\\d{2}' },
    { statusCode: '500', selectionPattern: '5\\d{2}' },
  ];
  test('full-match regex against the status code; default otherwise', () => {
    expect(selectIntegrationResponse(responses, 200)?.statusCode).toBe('200');
    expect(selectIntegrationResponse(responses, 400)?.statusCode).toBe('400');
    expect(selectIntegrationResponse(responses, '503')?.statusCode).toBe('500');
    expect(selectIntegrationResponse(responses, 4000)?.statusCode).toBe('200'); // full match, not find
    expect(selectIntegrationResponse(responses.slice(1), 200)).toBeUndefined();
    expect(selectIntegrationResponse([{ selectionPattern: '400|403' }], 403)).toBeDefined();
  });
});

describe('throughput', () => {
  test('2,000 distinct small templates through renderMany', async () => {
    const reqs: RenderRequest[] = Array.from({ length: 2000 }, (_, i) => ({
      template: `#set($k = ${i}){"i":$input.json('$.i'),"k":$k,"s":"$util.escapeJavaScript($input.path('$.s'))"}`,
      body: JSON.stringify({ i: i, s: `v${i}` }),
    }));
    await engine.render({ template: 'warm' });
    const t0 = Date.now();
    const results = await engine.renderMany(reqs);
    const ms = Date.now() - t0;
    // eslint-disable-next-line no-console
    console.log(`rendered ${results.length} templates in ${ms} ms`);
    expect(results.every((r, i) => r.error === null && r.output === `{"i":${i},"k":${i},"s":"v${i}"}`)).toBe(true);
    expect(ms).toBeLessThan(60_000);
  });
});
