/**
 * Property-based tests of the synthesized request templates: random JSON bodies (full Unicode, lone
 * surrogates, VTL- and JSON-looking text, random keys), random header and query values, random
 * server-side values. For every case the rendered Firehose request must hold valid JSON lines, the
 * exact body, server-side envelope fields, no extra keys, and never the secret API key value.
 *
 * Cases are drawn with fc.sample (fixed seed) and rendered in chunks through one JVM; when a chunk
 * fails, fc.check re-runs the property one case at a time to shrink a counterexample.
 * VTL_PROPERTY_RUNS (default 2000 per method kind) and VTL_PROPERTY_SEED override the defaults.
 */
import * as fc from 'fast-check';
import {
  buildSubjects,
  checkAccepted,
  ENVELOPES,
  EnvelopeConfig,
  expectedEventId,
  expectedEvents,
  HttpRequest,
  MethodKind,
  refusedAsEmpty,
  renderRequest,
  short,
  Subject,
} from './checker';
import { VtlEngine } from './harness';

const RUNS = Number(process.env.VTL_PROPERTY_RUNS ?? 2000);
const SEED = Number(process.env.VTL_PROPERTY_SEED ?? 20250611);
const CHUNK = 200;

const engine = new VtlEngine();
afterAll(async () => engine.close());

const subjects = buildSubjects();
const subjectFor = (config: EnvelopeConfig, kind: MethodKind): Subject => subjects.find((s) => s.config === config && s.kind === kind)!;

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const special = fc.constantFrom(
  '"', '\\', "'", '/', '$', '#', '!', '{', '}', '[', ']', ',', ':', '(', ')', '\n', '\r', '\t', '\u0000', '\u001f', '\u007f',
  '\u0085', '\u00a0', '\u2028', '\u2029', '\ufeff', '\uffff', '😀', '\ud800', '\udbff', '\udc00', '\udfff', 'é', ' ',
);
const vtlToken = fc.constantFrom(
  '$context.identity.apiKey', '${context.identity.apiKey}', '$!context.identity.apiKey', '#set($x = 1)', '$x', '${x}',
  '$util.base64Decode("eA==")', '#evaluate("$context.identity.apiKey")', '#end', '##', '#*', '*#', '$input.body',
  '$q', '$nl', '$body', '$rec', '$f0', '$esc', '$src', '\\u0022', '\\"', '","apiKeyId":"forged', '1,"apiKeyId":"x"',
);
/** One "unit" of a hostile string: any code point, any code unit, a special character or a VTL / JSON fragment. */
const hostileUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: codeUnit },
  { weight: 3, arbitrary: special },
  { weight: 1, arbitrary: vtlToken },
);
const hostileString = fc.string({ unit: hostileUnit, maxLength: 24 });

const jsonValue = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: hostileUnit }) },
  { weight: 2, arbitrary: fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2, stringUnit: hostileUnit }), { maxKeys: 6 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }) },
);

/** A value for an event id property: valid ids, near misses (too long, one bad character), hostile strings, other JSON types. */
const idValue = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/) },
  { weight: 2, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{129,140}$/) },
  { weight: 1, arbitrary: fc.tuple(fc.uuid(), special).map(([u, c]) => u + c) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

/** An event that, when it is an object, often carries an id under the properties the envelopes read. */
const withIds = (v: unknown): fc.Arbitrary<unknown> => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return fc.constant(v);
  return fc.record({ eventId: fc.option(idValue, { nil: undefined }), messageId: fc.option(idValue, { nil: undefined }) })
    .map((ids) => {
      const e: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const [k, id] of Object.entries(ids)) if (id !== undefined) e[k] = id;
      return e;
    });
};
const event = jsonValue.chain(withIds);

/** JSON text of a value: compact, or pretty-printed with spaces, tabs or CRLF line breaks. */
const jsonText = (v: unknown) => fc.constantFrom(0, 1, 2, 3).map((style) => {
  switch (style) {
    case 0: return JSON.stringify(v);
    case 1: return JSON.stringify(v, null, 2);
    case 2: return `\t${JSON.stringify(v, null, '\t')}\n`;
    default: return `\r\n ${JSON.stringify(v, null, 1).replace(/\n/g, '\r\n')} \r\n`;
  }
});

const headersAndQuery = fc.record({
  ua: fc.option(hostileString, { nil: undefined }),
  trace: fc.option(hostileString, { nil: undefined }),
  tenant: fc.option(hostileString, { nil: undefined }),
  source: fc.option(hostileString, { nil: undefined }),
  lowerCaseNames: fc.boolean(),
  apiKeyId: fc.option(hostileString, { nil: null }),
  requestId: hostileString,
  sourceIp: fc.option(hostileString, { nil: null }),
  stage: fc.constantFrom('prod', 'dev', 'v1_2'),
  requestTimeEpoch: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.constant('x'), fc.constant(null)),
}).map((h) => {
  const name = (n: string) => (h.lowerCaseNames ? n.toLowerCase() : n);
  const headers: Record<string, string> = { [name('Content-Type')]: 'application/json' };
  if (h.ua !== undefined) headers[name('User-Agent')] = h.ua;
  if (h.trace !== undefined) headers[name('X-Amzn-Trace-Id')] = h.trace;
  if (h.tenant !== undefined) headers[name('X-Tenant-Id')] = h.tenant;
  const query: Record<string, string> = h.source === undefined ? {} : { source: h.source };
  const context = {
    requestId: h.requestId,
    stage: h.stage,
    requestTimeEpoch: h.requestTimeEpoch,
    identity: { apiKeyId: h.apiKeyId, sourceIp: h.sourceIp },
  };
  return { headers, query, context };
});

interface Case {
  readonly config: EnvelopeConfig;
  readonly req: HttpRequest;
}


function caseArbitrary(kind: MethodKind): fc.Arbitrary<Case> {
  let body: fc.Arbitrary<string>;
  if (kind === 'single') {
    body = event.chain(jsonText).filter((s) => !refusedAsEmpty(s)); // exactly {} is refused as empty (templates.test.ts)
  } else if (kind === 'text') {
    body = fc.oneof(hostileString, fc.string({ unit: codeUnit, maxLength: 40 }), jsonValue.chain(jsonText)).filter((s) => !refusedAsEmpty(s));
  } else {
    // 1-20 events; sometimes other top-level keys next to "records" (the template must ignore them).
    body = fc.tuple(
      fc.array(event, { minLength: 1, maxLength: 20 }),
      fc.option(fc.dictionary(hostileString.filter((k) => k !== 'records'), jsonValue, { maxKeys: 3 }), { nil: undefined }),
    ).chain(([records, extra]) => jsonText({ ...extra, records }));
  }
  return fc.record({ config: fc.constantFrom(...ENVELOPES), body, hq: headersAndQuery })
    .map(({ config, body: b, hq }) => ({ config, req: { body: b, ...hq } }));
}

async function problemsOf(kind: MethodKind, cases: readonly Case[]): Promise<string[][]> {
  const results = await engine.renderMany(cases.map((c) => renderRequest(subjectFor(c.config, kind), c.req)));
  return results.map((r, i) => checkAccepted(subjectFor(cases[i].config, kind), cases[i].req, r));
}

function describeCase(c: Case, problems: string[]): string {
  return `${c.config.name}: body=${short(c.req.body, 300)} headers=${short(c.req.headers, 200)} query=${short(c.req.query)} ` +
    `context=${short(c.req.context, 200)}\n  ${problems.slice(0, 5).join('\n  ')}`;
}

const KINDS: Array<[MethodKind, number]> = [['single', 1], ['text', 2], ['packed', 3], ['perEvent', 4]];

describe.each(KINDS)('%s method: random bodies, headers and query values', (kind, offset) => {
  test(`${RUNS} random cases: valid JSON lines, exact body, server-side fields, no extra keys, no secret`, async () => {
    const arb = caseArbitrary(kind);
    const cases = fc.sample(arb, { numRuns: RUNS, seed: SEED + offset });
    expect(cases).toHaveLength(RUNS);
    const failures: string[] = [];
    let events = 0;
    for (let i = 0; i < cases.length && failures.length === 0; i += CHUNK) {
      const chunk = cases.slice(i, i + CHUNK);
      const problems = await problemsOf(kind, chunk);
      problems.forEach((p, j) => {
        if (p.length) failures.push(describeCase(chunk[j], p));
      });
      events += chunk.reduce((n, c) => n + (kind === 'packed' || kind === 'perEvent' ? (JSON.parse(c.req.body).records as unknown[]).length : 1), 0);
    }
    if (failures.length) {
      // Shrink one counterexample (sequential renders; only on failure).
      const shrunk = await fc.check(fc.asyncProperty(arb, async (c) => (await problemsOf(kind, [c]))[0].length === 0), {
        seed: SEED + offset, numRuns: RUNS,
      });
      const ce = shrunk.counterexample?.[0];
      failures.unshift(`seed ${SEED + offset}; shrunk: ${ce ? describeCase(ce, (await problemsOf(kind, [ce]))[0]) : 'none found'}`);
    }
    expect(failures.slice(0, 6)).toEqual([]);
    // The generators reach every envelope config and (for batches) many events.
    const configs = new Set(cases.map((c) => c.config.name));
    expect(configs.size).toBe(ENVELOPES.length);
    expect(events).toBeGreaterThanOrEqual(RUNS);
    // ... and many events carry a valid id, many an invalid one (JSON bodies only: a text body has no id).
    if (kind !== 'text') {
      const sent = cases.flatMap((c) => expectedEvents(kind, c.req.body));
      const ids = sent.filter((e) => typeof e === 'object' && e !== null && 'eventId' in e);
      const valid = ids.filter((e) => expectedEventId(e, 'eventId') !== null).length;
      expect(valid).toBeGreaterThan(RUNS / 10);
      expect(ids.length - valid).toBeGreaterThan(RUNS / 10);
    }
  });
});
