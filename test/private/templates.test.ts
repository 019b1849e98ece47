import { Token } from 'aws-cdk-lib';
import { EnvelopeField, EnvelopeFieldSource, RecordEnvelope } from '../../src';
import { packedBatchTemplate, putRecordBatchTemplate, putRecordTemplate } from '../../src/private/templates';
import { BodyFormat, jsonStringLiteral, vtlJsonEscape } from '../../src/private/vtl';

describe('EnvelopeField and RecordEnvelope', () => {
  test('defaults: apiKeyId, requestId, receivedAt, eventId, index', () => {
    expect(RecordEnvelope.DEFAULT.fields.map((f) => [f.source, f.name])).toEqual([
      [EnvelopeFieldSource.API_KEY_ID, 'apiKeyId'],
      [EnvelopeFieldSource.REQUEST_ID, 'requestId'],
      [EnvelopeFieldSource.RECEIVED_AT, 'receivedAt'],
      [EnvelopeFieldSource.EVENT_ID, 'eventId'],
      [EnvelopeFieldSource.BATCH_INDEX, 'index'],
    ]);
    expect(RecordEnvelope.DEFAULT.fields[3].argument).toBe('eventId');
    expect(RecordEnvelope.DEFAULT.bodyField).toBe('body');
    expect(RecordEnvelope.RAW.raw).toBe(true);
  });
  test('names are validated and unique', () => {
    expect(() => EnvelopeField.header('X-A', 'bad-name')).toThrow("envelope field name must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$, got 'bad-name'.");
    expect(() => EnvelopeField.header("X-'", 'a')).toThrow(/header name must match/);
    expect(() => EnvelopeField.queryParameter('a$', 'a')).toThrow(/query parameter name must match/);
    expect(() => RecordEnvelope.withFields([EnvelopeField.requestId('id'), EnvelopeField.apiKeyId('id')])).toThrow(
      "envelope field 'id' is defined more than once.");
    expect(() => RecordEnvelope.withFields([EnvelopeField.constant('body', 'x')])).toThrow(
      "envelope field 'body' collides with the body field 'body'.");
    expect(() => RecordEnvelope.withFields([], { bodyField: '1x' })).toThrow(/envelope field name must match/);
  });
});

describe('EnvelopeField.eventId', () => {
  test('reads a named event property into a named field', () => {
    const f = EnvelopeField.eventId('id', 'messageId');
    expect([f.source, f.name, f.argument]).toEqual([EnvelopeFieldSource.EVENT_ID, 'id', 'messageId']);
  });
  test.each(['event-id', '1id', 'a.b', "a')", '$x', '', 'class', 'Class', 'x'.repeat(65)])('event property %p is refused', (p) => {
    expect(() => EnvelopeField.eventId(undefined, p)).toThrow(
      `event property name must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$ and not be 'class', got '${p}'.`);
  });
  const opts = { streamName: 's', envelope: RecordEnvelope.withFields([EnvelopeField.eventId('id', 'messageId')]) };
  test('single: the body\'s property, only for an object body, pattern-checked, never #set from a nullable', () => {
    expect(putRecordTemplate(opts)).toContain('#if($raw.matches("(?s)[\\x00-\\x20]*\\{.*") && $input.path(\'$.messageId\').matches(\'[A-Za-z0-9._:-]{1,128}\'))' +
      '#set($f0 = "${q}${input.path(\'$.messageId\')}${q}")#else#set($f0 = \'null\')#end');
  });
  test('batch: the loop variable, inside the loop (both modes)', () => {
    for (const t of [packedBatchTemplate({ ...opts, recordsProperty: 'records' }), putRecordBatchTemplate({ ...opts, recordsProperty: 'records' })]) {
      expect(t).toContain('#foreach($event in $events)\n#if($event.messageId.matches(\'[A-Za-z0-9._:-]{1,128}\'))' +
        '#set($f0 = "${q}${event.messageId}${q}")#else#set($f0 = \'null\')#end');
      expect(t).not.toContain('$input.path(\'$.messageId\')');
    }
  });
  test('text body (AS_STRING): always null, the body is never parsed', () => {
    const t = putRecordTemplate({ ...opts, bodyFormat: BodyFormat.TEXT });
    expect(t).toContain("#set($f0 = 'null')");
    expect(t).not.toContain('$input.path');
  });
});

describe('vtlJsonEscape', () => {
  test('escapeJavaScript, with escaped backslash pairs set aside before its \\\' is repaired (no group references)', () => {
    expect(vtlJsonEscape('$v')).toBe('$util.escapeJavaScript($v).replaceAll("\\\\\\\\", $util.urlDecode("%01"))'
      + '.replaceAll("\\\\\'", "\'").replaceAll($util.urlDecode("%01"), "\\\\\\\\")');
  });
});

describe('jsonStringLiteral', () => {
  test.each([
    ['web', '"web"'],
    ['a"b', '"a\\u0022b"'],
    ["it's $5 #1 \\", '"it\\u0027s \\u00245 \\u00231 \\u005c"'],
    ['é😀', '"\\u00e9\\ud83d\\ude00"'],
    ['line\nbreak', '"line\\u000abreak"'],
  ])('%p -> %p', (input, expected) => {
    expect(jsonStringLiteral(input)).toBe(expected);
    expect(JSON.parse(expected)).toBe(input);
  });
  test('the output is inert in VTL and single-quoted literals', () => {
    const out = jsonStringLiteral("$context.identity.apiKey #set($x='1') '");
    expect(out).not.toMatch(/[$#']/);
  });
});

describe('request templates', () => {
  const opts = { streamName: 'my-stream', envelope: RecordEnvelope.DEFAULT };

  test('single: re-serialised body, escaped fields, newline-terminated record, base64 PutRecord', () => {
    const t = putRecordTemplate(opts);
    expect(t).toContain("#set($body = $input.json('$').replaceAll(\"[\\r\\n\\t]+\", \" \"))");
    // Lone surrogates (not encodable as UTF-8) switch the body to \uXXXX escapes.
    expect(t).toContain('#if($body.matches("(?s).*[\\uD800-\\uDFFF].*"))');
    expect(t).toContain(`#set($esc = ${vtlJsonEscape('$src')})`);
    expect(t).toContain('#set($nl = $util.urlDecode("%0A"))');
    expect(t).toContain('{"DeliveryStreamName":"my-stream","Record":{"Data":"$util.base64Encode($rec)"}}');
    expect(t).not.toContain('$context.identity.apiKey}');
    expect(t).not.toContain('$input.body)');
    expect(t).not.toContain('index');
  });

  test('single: an empty (blank, or {} as AWS reads an empty request) or oversize body renders a refused request to a stream that carries the reason', () => {
    const t = putRecordTemplate(opts);
    expect(t).toContain([
      '#if($raw.matches("[\\x00-\\x20]*") || $raw == "{}")',
      '{"DeliveryStreamName":"ApiToFirehoseRejected.empty-body","Record":{"Data":""}}',
      '#elseif($raw.length() > 1000000)',
      '{"DeliveryStreamName":"ApiToFirehoseRejected.too-large","Record":{"Data":""}}',
      '#else',
    ].join('\n'));
  });

  test('templates use only methods both Velocity 1.7 (AWS) and LocalStack\'s VTL engine provide', () => {
    const all = [
      putRecordTemplate(opts), putRecordTemplate({ ...opts, bodyFormat: BodyFormat.TEXT }),
      putRecordTemplate({ ...opts, envelope: RecordEnvelope.withFields([EnvelopeField.header('X-A', 'a'), EnvelopeField.constant('c', "it's")]) }),
      packedBatchTemplate({ ...opts, recordsProperty: 'records' }), putRecordBatchTemplate({ ...opts, recordsProperty: 'records' }),
    ].join('\n');
    // LocalStack's airspeed has no isEmpty/trim/equalsIgnoreCase/containsKey/toLowerCase on plain strings or maps,
    // and no '' escape inside single-quoted literals.
    for (const m of ['.isEmpty()', '.trim()', '.equalsIgnoreCase(', '.containsKey(', '.toLowerCase()', "''"]) {
      expect(all).not.toContain(m);
    }
  });

  test('text body: the raw body is escaped into a JSON string', () => {
    const t = putRecordTemplate({ ...opts, bodyFormat: BodyFormat.TEXT });
    expect(t).toContain(`#set($esc = ${vtlJsonEscape('$input.body')})`);
    expect(t).not.toContain("$input.json('$')");
  });

  test('raw envelope: the body and a newline only', () => {
    expect(putRecordTemplate({ ...opts, envelope: RecordEnvelope.RAW })).toContain('#set($rec = "${body}${nl}")');
  });

  test('a token stream name passes through uninspected', () => {
    const tok = Token.asString({ Ref: 'Stream' });
    expect(putRecordTemplate({ ...opts, streamName: tok })).toContain(`"DeliveryStreamName":"${tok}"`);
  });

  test('constants are emitted as escaped JSON in single-quoted literals', () => {
    const t = putRecordTemplate({ ...opts, envelope: RecordEnvelope.withFields([EnvelopeField.constant('src', "a'$b")]) });
    expect(t).toContain("#set($f0 = '\"a\\u0027\\u0024b\"')");
  });

  test('headers are read by exact name, then case-insensitively (HTTP/2 sends lower-case names)', () => {
    const t = putRecordTemplate({ ...opts, envelope: RecordEnvelope.withFields([EnvelopeField.header('X-Tenant-Id', 'tenant')]) });
    expect(t).toContain('#set($src = "$!{headers.get(\'X-Tenant-Id\')}")');
    expect(t).toContain('#foreach($hname in $headers.keySet())#if($src.length() == 0 && $hname.matches("(?i)X-Tenant-Id"))');
  });

  const batchOpts = { ...opts, recordsProperty: 'records' };
  test('batch: events are read only from a non-empty body whose records property is an array', () => {
    const t = packedBatchTemplate(batchOpts);
    expect(t).toContain('#if(!$raw.matches("[\\x00-\\x20]*") && $input.json(\'$\').matches("(?s)\\s*\\{.*") && ' +
      '$input.json(\'$.records\').matches("(?s)\\s*\\[.*"))#set($events = $input.path(\'$.records\'))#end');
    expect(t).toContain('#elseif($events.size() == 0)\n{"DeliveryStreamName":"ApiToFirehoseRejected.no-events","Record":{"Data":""}}');
    expect(t).toContain('#if($raw.matches("[\\x00-\\x20]*") || $raw == "{}")\n{"DeliveryStreamName":"ApiToFirehoseRejected.empty-body"');
    expect(t).toContain('#elseif($raw.length() > 1000000)\n{"DeliveryStreamName":"ApiToFirehoseRejected.too-large"');
    expect(putRecordBatchTemplate(batchOpts)).toContain('#elseif($raw.length() > 4000000)');
    expect(() => packedBatchTemplate({ ...batchOpts, recordsProperty: "a')" })).toThrow(/recordsProperty must be an identifier/);
  });
  test('record-per-event batch: one Data entry per event, each with its index', () => {
    const t = putRecordBatchTemplate(batchOpts);
    expect(t).toContain("#set($events = $input.path('$.records'))");
    expect(t).toContain('#foreach($event in $events)');
    expect(t).toContain('#set($f4 = $foreach.index)');
    expect(t).toContain('#set($body = $input.json("$.records[$foreach.index]")');
    expect(t).toContain('{"Data":"$util.base64Encode($rec)"}#if($foreach.hasNext),#end');
    expect(t).toContain('"Records":[');
  });
  test('packed batch: all lines concatenated into one record', () => {
    const t = packedBatchTemplate(batchOpts);
    expect(t).toContain('#set($packed = "${packed}${rec}")');
    expect(t).toContain('"Record":{"Data":"$util.base64Encode($packed)"}');
    expect(t).not.toContain('"Records"');
  });

  test('default templates are stable (reviewed snapshots)', () => {
    expect(putRecordTemplate(opts)).toMatchSnapshot('single');
    expect(putRecordBatchTemplate(batchOpts)).toMatchSnapshot('record-per-event');
    expect(packedBatchTemplate(batchOpts)).toMatchSnapshot('packed');
  });
});
