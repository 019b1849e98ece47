import {
  METHOD_STATUS_CODES,
  PATTERN_CLIENT_ERROR,
  PATTERN_FORBIDDEN,
  PATTERN_SERVER_ERROR,
  badRequestBodyTemplate,
  clientErrorTemplate,
  forbiddenTemplate,
  gatewayResponseTemplate,
  putRecordBatchResultTemplate,
  putRecordBatchResponses,
  putRecordResponses,
} from '../../src/private/responses';
import { vtlJsonEscape } from '../../src/private/vtl';

/** API Gateway matches selection patterns as a whole-string Java regex; JS with anchors is equivalent for these. */
function select(status: number, patterns: (string | undefined)[]): number {
  const i = patterns.findIndex((p) => p !== undefined && new RegExp(`^(?:${p})$`).test(String(status)));
  return i === -1 ? patterns.indexOf(undefined) : i;
}

describe('selection patterns', () => {
  const patterns = putRecordResponses().map((r) => r.selectionPattern);
  test('every non-2xx Firehose status selects an error response, exactly one pattern each', () => {
    for (let status = 300; status < 600; status++) {
      const matching = [PATTERN_FORBIDDEN, PATTERN_CLIENT_ERROR, PATTERN_SERVER_ERROR]
        .filter((p) => new RegExp(`^(?:${p})$`).test(String(status)));
      expect(matching.length).toBe(status < 400 ? 0 : 1);
    }
    expect(select(200, patterns)).toBe(0);
    expect(select(403, patterns)).toBe(1);
    expect(select(400, patterns)).toBe(2);
    expect(select(404, patterns)).toBe(2);
    expect(select(413, patterns)).toBe(2);
    expect(select(500, patterns)).toBe(3);
    expect(select(503, patterns)).toBe(3);
  });
  test('declared statuses cover what templates set', () => {
    const all = [...putRecordResponses(), ...putRecordBatchResponses()];
    const set = new Set<string>();
    for (const r of all) {
      set.add(r.statusCode);
      for (const m of r.template.matchAll(/responseOverride\.status = (\d+)/g)) set.add(m[1]);
    }
    expect([...set].sort()).toEqual([...METHOD_STATUS_CODES].sort());
  });
  test('503 responses tell clients when to retry', () => {
    expect(putRecordResponses()[3].headers).toEqual({ 'Retry-After': "'1'" });
  });
});

describe('response templates', () => {
  test('every escapeJavaScript goes through vtlJsonEscape (its \\\' is not JSON)', () => {
    const all = [...putRecordResponses(), ...putRecordBatchResponses()].map((r) => r.template).join('\n');
    const calls = all.split('$util.escapeJavaScript(').length - 1;
    expect(calls).toBeGreaterThan(0);
    const viaHelper = all.split(vtlJsonEscape('$recordId')).length - 1 + all.split(vtlJsonEscape('"$!r.RecordId"')).length - 1
      + all.split(vtlJsonEscape('$ec')).length - 1;
    expect(viaHelper).toBe(calls);
  });
  test('client errors: the error type is checked before the message is searched for a size', () => {
    const t = clientErrorTemplate();
    const size = t.indexOf('(size|length|too large)');
    expect(size).toBeGreaterThan(0);
    expect(t.indexOf('ResourceNotFound')).toBeLessThan(size);
    expect(t.indexOf('LimitExceeded')).toBeLessThan(size);
  });
  test('requests the template refused are recognised first, by the stream name that carries the reason', () => {
    for (const t of [clientErrorTemplate(), forbiddenTemplate()]) {
      const marker = t.indexOf('ApiToFirehoseRejected.too-large');
      expect(marker).toBeGreaterThan(0);
      expect(marker).toBeLessThan(t.indexOf('responseOverride.status = 500'));
    }
  });
  test('batch results: 200 only when no entry failed and FailedPutCount is 0', () => {
    const t = putRecordBatchResultTemplate();
    expect(t).toContain('#if($bad == 0 && $failed == "0")');
    expect(t).toContain('"$!r.ErrorCode" != "" || "$!r.RecordId" == ""');
  });
});

describe('templates never pass Firehose messages through', () => {
  test.each(putRecordResponses().concat(putRecordBatchResponses()).map((r) => [r.statusCode, r.template]))(
    'status %s template', (_s, template) => {
      expect(template).not.toMatch(/"message":"\$/);
      expect(template).not.toContain('$msg"');
    });
});

describe('gateway responses', () => {
  test('JSON with the response type and the quoted message', () => {
    expect(gatewayResponseTemplate()).toBe(
      '{"error":"$context.error.responseType","message":$context.error.messageString,"requestId":"$context.requestId"}');
  });
  test('bad request body: simple substitution only (gateway responses are not VTL), no unescapable validation string', () => {
    expect(badRequestBodyTemplate()).toBe('{"error":"BAD_REQUEST_BODY","message":$context.error.messageString,"requestId":"$context.requestId"}');
    for (const t of [badRequestBodyTemplate(), gatewayResponseTemplate()]) {
      expect(t).not.toMatch(/\$util|#set|#if|validationErrorString/);
    }
  });
});
