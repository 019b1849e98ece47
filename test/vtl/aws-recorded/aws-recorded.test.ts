/**
 * The renderer (test/vtl/java, Velocity 1.7 with API Gateway's variables) held to behaviour recorded on real
 * AWS: every case in cases.json (extracted from LocalStack's AWS-validated API Gateway tests; see README.md)
 * is rendered in one JVM and must give AWS's exact output. The validation cases check the request-model
 * reading the library relies on. Prints "N of M AWS-recorded cases reproduced".
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { satisfies, validatorAccepts } from './json-schema-subset';
import { ApiToFirehose } from '../../../src';
import { apiGatewayContext, RenderResult, VtlEngine } from '../harness';

interface RenderInput {
  readonly template: string;
  readonly body?: string;
  readonly params?: Record<string, Record<string, string>>;
  readonly context?: Record<string, unknown>;
  readonly stageVariables?: Record<string, string>;
}

interface RecordedCase {
  readonly id: string;
  readonly source: { file: string; test: string; snapshotKey: string; recordedDate: string };
  readonly what: string;
  readonly render:
  | ({ kind: 'request'; contextExact?: boolean } & RenderInput)
  | ({ kind: 'response'; backendBody: string; contextExact?: boolean } & RenderInput)
  | { kind: 'chain'; request: RenderInput; backend: 'echo' | 'mock'; response: { template: string } | null };
  readonly expect: {
    readonly output?: string;
    readonly json?: unknown;
    readonly jsonInField?: string;
    readonly outputPrefix?: string;
    readonly md5AfterPrefix?: string;
    readonly status?: number;
    readonly headers?: Record<string, string>;
  };
}

interface ValidationCase {
  readonly id: string;
  readonly source: { file: string; test: string; snapshotKey: string | null; recordedDate: string; assertion?: string };
  readonly schema: Record<string, unknown>;
  readonly request: { body: string; contentType: string | null };
  readonly expect: { status: number; message: string };
}

const catalogue = JSON.parse(fs.readFileSync(path.join(__dirname, 'cases.json'), 'utf8')) as {
  cases: RecordedCase[];
  validation: ValidationCase[];
};

/**
 * Cases the renderer does not reproduce, with the reason. Empty: it reproduces all of them. A case listed here
 * must still fail (so the list cannot go stale), and every other case must pass.
 */
const NOT_REPRODUCED: Record<string, string> = {};

/** The request models a default ApiToFirehose synthesizes (event and batch), as deployed. */
function defaultModels(): Record<string, Record<string, unknown>> {
  const stack = new Stack(new App(), 'Models');
  new ApiToFirehose(stack, 'Ingest');
  const models = Template.fromStack(stack).findResources('AWS::ApiGateway::Model');
  const out: Record<string, Record<string, unknown>> = {};
  for (const [id, m] of Object.entries(models)) {
    const schema = { ...(m.Properties.Schema as Record<string, unknown>) };
    delete schema.$schema;
    if (/EventModel/.test(id)) out.event = schema;
    if (/BatchModel/.test(id)) out.batch = schema;
  }
  return out;
}

const engine = new VtlEngine();
afterAll(() => engine.close());

interface Outcome {
  readonly output: string;
  readonly status: number | string | null;
  readonly headers: Record<string, unknown>;
  readonly errors: string[];
}

function contextFor(input: RenderInput, exact?: boolean): Record<string, unknown> {
  return exact ? (input.context ?? {}) : apiGatewayContext(input.context ?? {});
}

async function run(c: RecordedCase): Promise<Outcome> {
  const r = c.render;
  const errorsOf = (...rs: RenderResult[]) => rs.filter((x) => x.error).map((x) => x.error!);
  if (r.kind === 'request' || r.kind === 'response') {
    const res = await engine.render({
      template: r.template,
      body: r.kind === 'response' ? r.backendBody : r.body ?? '',
      params: r.params,
      context: contextFor(r, r.contextExact),
      stageVariables: r.stageVariables,
    });
    return { output: res.output, status: res.responseOverride.status, headers: res.responseOverride.header, errors: errorsOf(res) };
  }
  const req = await engine.render({ ...r.request, body: r.request.body ?? '', context: contextFor(r.request) });
  const backendBody = r.backend === 'echo' ? req.output : '';
  // A MOCK integration answers the statusCode of its rendered request; an override set by a template wins.
  let mockStatus: number | null = null;
  if (r.backend === 'mock') {
    try {
      mockStatus = (JSON.parse(req.output) as { statusCode?: number }).statusCode ?? null;
    } catch {
      mockStatus = null;
    }
  }
  if (!r.response) {
    return { output: backendBody, status: req.responseOverride.status ?? mockStatus, headers: req.responseOverride.header, errors: errorsOf(req) };
  }
  const res = await engine.render({
    template: r.response.template,
    body: backendBody,
    params: r.request.params,
    context: contextFor(r.request),
    options: { overrides: { requestOverride: req.requestOverride, responseOverride: req.responseOverride } },
  });
  return { output: res.output, status: res.responseOverride.status ?? mockStatus, headers: res.responseOverride.header, errors: errorsOf(req, res) };
}

/** What differs from AWS's recorded answer (empty when the case is reproduced). */
function differences(c: RecordedCase, o: Outcome): string[] {
  const d: string[] = [...o.errors.map((e) => `render error: ${e}`)];
  const e = c.expect;
  if (e.output !== undefined && o.output !== e.output) d.push(`output ${JSON.stringify(o.output)}, AWS ${JSON.stringify(e.output)}`);
  if (e.json !== undefined) {
    let got: unknown;
    try {
      got = JSON.parse(o.output);
      if (e.jsonInField) got = JSON.parse((got as Record<string, string>)[e.jsonInField]);
    } catch (err) {
      got = `not JSON (${(err as Error).message}): ${o.output.slice(0, 300)}`;
    }
    if (!isDeepStrictEqual(got, e.json)) d.push(`JSON ${JSON.stringify(got)}, AWS ${JSON.stringify(e.json)}`);
  }
  if (e.outputPrefix !== undefined) {
    if (!o.output.startsWith(e.outputPrefix)) {
      d.push(`output ${JSON.stringify(o.output)} does not start with ${JSON.stringify(e.outputPrefix)}`);
    } else if (e.md5AfterPrefix !== undefined) {
      const md5 = createHash('md5').update(o.output.slice(e.outputPrefix.length), 'utf8').digest('hex');
      if (md5 !== e.md5AfterPrefix) d.push(`MD5 of ${JSON.stringify(o.output.slice(e.outputPrefix.length))} is ${md5}, AWS ${e.md5AfterPrefix}`);
    }
  }
  if (e.status !== undefined && String(o.status) !== String(e.status)) d.push(`status ${o.status}, AWS ${e.status}`);
  for (const [k, v] of Object.entries(e.headers ?? {})) {
    if (String(o.headers[k]) !== v) d.push(`header ${k} ${JSON.stringify(o.headers[k])}, AWS ${JSON.stringify(v)}`);
  }
  return d;
}

/** A validation case is reproduced when the recorded 400 follows in both readings of an empty body. */
function validationDifferences(v: ValidationCase): string[] {
  const schema = { ...v.schema };
  delete schema.$schema;
  return (['aws-object', 'not-json'] as const)
    .filter((reading) => validatorAccepts(v.request.body, schema, reading))
    .map((reading) => `the model accepts ${JSON.stringify(v.request.body)} when an empty body reads as ${reading}; AWS answered 400`);
}

const reproduced: string[] = [];
const failed: string[] = [];
afterAll(() => {
  const total = catalogue.cases.length + catalogue.validation.length;
  console.log(`${reproduced.length} of ${total} AWS-recorded cases reproduced\n` +
    `(${catalogue.cases.length} template cases, ${catalogue.validation.length} request-validation cases)` +
    (failed.length ? `\nnot reproduced:\n${failed.join('\n')}` : ''));
});

describe('AWS-recorded mapping-template cases', () => {
  test('the catalogue names a source, a recorded date and an expected answer for every case', () => {
    expect(catalogue.cases.length).toBeGreaterThan(50);
    const ids = new Set<string>();
    for (const c of [...catalogue.cases, ...catalogue.validation]) {
      expect(ids.has(c.id)).toBe(false);
      ids.add(c.id);
      expect(c.source.file).toMatch(/^tests\/aws\/services\/apigateway\/test_apigateway_\w+\.py$/);
      expect(c.source.recordedDate).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    for (const c of catalogue.cases) expect(Object.keys(c.expect).length).toBeGreaterThan(0);
    for (const id of Object.keys(NOT_REPRODUCED)) expect(ids.has(id)).toBe(true);
  });

  test('the renderer gives AWS\'s recorded output for every case', async () => {
    const outcomes = await Promise.all(catalogue.cases.map((c) => run(c)));
    const wrong: string[] = [];
    catalogue.cases.forEach((c, i) => {
      const d = differences(c, outcomes[i]);
      if (d.length === 0) {
        reproduced.push(c.id);
        if (NOT_REPRODUCED[c.id]) wrong.push(`${c.id}: listed as not reproduced (${NOT_REPRODUCED[c.id]}) but it is; remove it from the list`);
      } else {
        failed.push(`${c.id} (${c.source.test} ${c.source.snapshotKey}): ${d.join('; ')}` +
          (NOT_REPRODUCED[c.id] ? ` [known: ${NOT_REPRODUCED[c.id]}]` : ''));
        if (!NOT_REPRODUCED[c.id]) wrong.push(`${c.id}: ${d.join('; ')}`);
      }
    });
    expect(wrong).toEqual([]);
  });

  test('request validation: each recorded 400 follows from its model in both readings of an empty body', () => {
    const wrong: string[] = [];
    for (const v of catalogue.validation) {
      const d = validationDifferences(v);
      if (d.length === 0) {
        reproduced.push(v.id);
      } else {
        failed.push(`${v.id}: ${d.join('; ')}`);
        wrong.push(`${v.id}: ${d.join('; ')}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('the default event model (not recorded: minProperties on an empty body)', () => {
  // Recorded: an empty body against a `type: object` model with required fields is 400 "Invalid request body".
  // Not recorded: minProperties. In either reading of an empty body ({} or not JSON) the default model refuses
  // it, as it refuses {} itself; the templates refuse both again (test/vtl/templates.test.ts), so no reading
  // lets an empty request through.
  const models = defaultModels();
  test.each(['aws-object', 'not-json'] as const)('refuses an empty body and {} when an empty body reads as %s', (reading) => {
    expect(Object.keys(models).sort()).toEqual(['batch', 'event']);
    for (const schema of [models.event, models.batch]) {
      expect(validatorAccepts('', schema, reading)).toBe(false);
      expect(validatorAccepts('{}', schema, reading)).toBe(false);
    }
    expect(validatorAccepts('{"a":1}', models.event, reading)).toBe(true);
    expect(validatorAccepts('{"records":[{"a":1}]}', models.batch, reading)).toBe(true);
  });

  test('the subset checker refuses what it does not implement and agrees with the recorded models', () => {
    expect(() => satisfies({}, { pattern: 'x' })).toThrow(/does not implement 'pattern'/);
    expect(satisfies({ a: 1, b: 2 }, { type: 'object', required: ['a', 'b'], properties: { a: { type: 'number' } } })).toBe(true);
    expect(satisfies({ status: null }, { type: 'object', properties: { status: { oneOf: [{ type: 'null' }, { type: 'object' }] } } })).toBe(true);
  });
});
