/**
 * README.md's code as a user pastes it.
 *
 * - Every ```ts block type-checks against the library (src/, as 'cdk-api-to-firehose') and the client package
 *   (client/src/, as 'cdk-api-to-firehose-client'), all in ONE TypeScript program. A block that builds CDK resources
 *   starts from the README's one preamble (the block holding PREAMBLE_MARK); a block with its own `new App(` or that
 *   imports a sender's package (the client, Segment, OpenTelemetry, Snowplow...) stands alone.
 * - Every ```python block parses, imports only names the library exports, and names only members and keyword
 *   arguments that exist (snake_case of the TypeScript names, as jsii generates them).
 * - The props tables name every prop of ApiToFirehoseProps and of the option interfaces the library exports, and the
 *   endpoints table every value of `ApiToFirehose.endpoints`.
 */
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import * as ts from 'typescript';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const PREAMBLE_MARK = '// The preamble every example below starts from';

function blocks(lang: string): { code: string; line: number }[] {
  return [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].filter((m) => m[1] === lang)
    .map((m) => ({ code: m[2], line: readme.slice(0, m.index).split('\n').length + 1 }));
}

const CDK_MODULES = /^(aws-cdk-lib(\/.*)?|constructs|cdk-api-to-firehose)$/;
/** A block stands alone when it makes its own app or imports anything but the CDK and this library. */
function standsAlone(code: string): boolean {
  const modules = [...code.matchAll(/^import[\s\S]*?from '([^']+)'/gm)].map((m) => m[1]);
  return code.includes(PREAMBLE_MARK) || /new App\(/.test(code) || modules.some((m) => !CDK_MODULES.test(m));
}

/** Type-checks snippets (name -> code) in one program; returns each file's diagnostics, and the checker. */
function typeCheck(files: Record<string, string>): { errors: Record<string, string[]>; program: ts.Program } {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    experimentalDecorators: true,
    paths: {
      'cdk-api-to-firehose': [join(root, 'src', 'index.ts')],
      'cdk-api-to-firehose-client': [join(root, 'client', 'src', 'index.ts')],
    },
  };
  const virtual = new Map(Object.entries(files).map(([name, code]) => [join(root, 'readme-snippets', name), code]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => virtual.has(f)
    ? ts.createSourceFile(f, virtual.get(f)!, lang)
    : getSourceFile.call(host, f, lang, ...rest);
  const program = ts.createProgram([...virtual.keys()], options, host);
  const errors: Record<string, string[]> = {};
  for (const [path] of virtual) {
    const sf = program.getSourceFile(path)!;
    errors[path.slice(join(root, 'readme-snippets').length + 1)] = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]
      .map((d) => {
        const { line } = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start) : { line: -1 };
        return `line ${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
  }
  return { errors, program };
}

const tsBlocks = blocks('ts');
const preambles = tsBlocks.filter((b) => b.code.includes(PREAMBLE_MARK));
const preamble = preambles[0]?.code ?? '';
/** The file a block becomes: the preamble's lines, then the block, so error lines are the block's plus an offset. */
const asFile = (code: string) => standsAlone(code) ? code : `${preamble}\n${code}`;
const offset = (code: string) => standsAlone(code) ? 0 : preamble.split('\n').length;

// The broken copy proves the check can fail: the quick start with a prop that does not exist.
const files: Record<string, string> = Object.fromEntries(tsBlocks.map((b, i) => [`block-${i}.ts`, asFile(b.code)]));
files['broken.ts'] = `${preamble}\nnew ApiToFirehose(stack, 'Broken', { bufferingIntervall: Duration.seconds(60) });\n`;
const checked = typeCheck(files);

describe('README.md TypeScript blocks compile as pasted into a fresh app', () => {
  test('there is exactly one preamble, it stands alone, and it makes no construct', () => {
    expect(preambles).toHaveLength(1);
    expect(preamble).toMatch(/const app = new App\(\);\nconst stack = new Stack\(app, '\w+'\);/);
    expect(preamble).not.toMatch(/new ApiToFirehose/);
    expect(tsBlocks.length).toBeGreaterThan(10);
  });

  test('the check fails on a broken snippet (a misspelled prop)', () => {
    expect(checked.errors['broken.ts'].join('\n')).toMatch(/bufferingIntervall/);
  });

  test.each(tsBlocks.map((b, i) => [i, b.line, b.code.split('\n')[0]]))('block %i (README line %i: %s)', (i) => {
    const b = tsBlocks[i as number];
    const errors = checked.errors[`block-${i}.ts`]
      .map((e) => e.replace(/^line (\d+)/, (_, n) => `README line ${b.line + Number(n) - 1 - offset(b.code)}`));
    expect(errors).toEqual([]);
    // Top-level `this` does not exist in a fresh app; examples use the preamble's `stack`.
    expect(b.code).not.toMatch(/^[^/\n]*\bthis\b/m);
  });
});

/** What the library exports, read from the program: names, members of each class, props of each interface. */
interface Api {
  exports: Set<string>;
  members: Map<string, Set<string>>;
  /** For a class: its constructor's props; for `Class.method`: its options parameter's props; for an interface: its props. */
  kwargs: Map<string, Set<string>>;
  props: Map<string, string[]>;
}

function libraryApi(program: ts.Program): Api {
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(join(root, 'src', 'index.ts'))!;
  const api: Api = { exports: new Set(), members: new Map(), kwargs: new Map(), props: new Map() };
  const propsOf = (type: ts.Type) => checker.getPropertiesOfType(type).map((p) => p.name);
  /** The props of a signature's last parameter when it is an interface (jsii's keyword arguments in Python). */
  const lastParamProps = (sig: ts.Signature) => {
    const last = sig.parameters[sig.parameters.length - 1];
    const type = last && checker.getNonNullableType(checker.getTypeOfSymbol(last));
    const declaration = type?.getSymbol()?.declarations?.[0];
    return type && declaration && ts.isInterfaceDeclaration(declaration) ? propsOf(type) : [];
  };
  for (const sym of checker.getExportsOfModule(checker.getSymbolAtLocation(index)!)) {
    api.exports.add(sym.name);
    const decl = sym.declarations?.[0];
    if (decl && ts.isInterfaceDeclaration(decl)) {
      const props = propsOf(checker.getDeclaredTypeOfSymbol(sym));
      api.props.set(sym.name, props);
      api.kwargs.set(sym.name, new Set(props));
    }
    if (decl && ts.isClassDeclaration(decl)) {
      const statics = checker.getPropertiesOfType(checker.getTypeOfSymbol(sym)).map((p) => p.name);
      const instance = propsOf(checker.getDeclaredTypeOfSymbol(sym));
      api.members.set(sym.name, new Set([...statics, ...instance]));
      const ctor = checker.getTypeOfSymbol(sym).getConstructSignatures()[0];
      if (ctor) api.kwargs.set(sym.name, new Set(lastParamProps(ctor)));
      for (const p of checker.getPropertiesOfType(checker.getTypeOfSymbol(sym))) {
        const sig = checker.getTypeOfSymbol(p).getCallSignatures()[0];
        if (sig) api.kwargs.set(`${sym.name}.${p.name}`, new Set(lastParamProps(sig)));
      }
      for (const p of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(sym))) {
        const sig = checker.getTypeOfSymbol(p).getCallSignatures()[0];
        if (sig) api.kwargs.set(`${sym.name}#${p.name}`, new Set(lastParamProps(sig)));
      }
    }
  }
  return api;
}

/** jsii's Python names: camelCase to snake_case; UPPER_CASE constants stay as they are. */
const snake = (name: string) => /^[A-Z0-9_]+$/.test(name) ? name
  : name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase();

/** Parses each block with Python's ast and lists what it names of the library. */
const PY_ANALYZE = String.raw`
import ast, json, sys
out = []
for code in json.load(sys.stdin):
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        out.append({"error": f"line {e.lineno}: {e.msg}"}); continue
    lib = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and n.module == "cdk_api_to_firehose":
            for a in n.names: lib[a.asname or a.name] = a.name
    instances = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and isinstance(n.value.func, ast.Name) and n.value.func.id in lib:
            for t in n.targets:
                if isinstance(t, ast.Name): instances[t.id] = lib[n.value.func.id]
    refs, calls = [], []
    def dotted(f):
        if isinstance(f, ast.Name) and f.id in lib: return lib[f.id]
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in lib: return lib[f.value.id] + "." + f.attr
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in instances: return instances[f.value.id] + "#" + f.attr
        return None
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute):
            d = dotted(n)
            if d: refs.append(d)
        if isinstance(n, ast.Call):
            d = dotted(n.func)
            if d: calls.append({"func": d, "kwargs": [k.arg for k in n.keywords if k.arg]})
    out.append({"imports": list(lib.values()), "refs": refs, "calls": calls})
print(json.dumps(out))
`;

describe('README.md Python blocks', () => {
  const pyBlocks = blocks('python');
  const api = libraryApi(checked.program);
  const analyzed: { error?: string; imports: string[]; refs: string[]; calls: { func: string; kwargs: string[] }[] }[] =
    JSON.parse(execFileSync('python3', ['-c', PY_ANALYZE], { input: JSON.stringify(pyBlocks.map((b) => b.code)), encoding: 'utf8' }));

  test('there are Python blocks, and the checker knows the library', () => {
    expect(pyBlocks.length).toBeGreaterThan(3);
    expect(api.kwargs.get('ApiToFirehose')).toContain('deliveryStreamName');
    expect(api.kwargs.get('Input.segment')).toContain('path');
  });

  test('the check fails on a misspelled member or keyword argument', () => {
    const [bad] = JSON.parse(execFileSync('python3', ['-c', PY_ANALYZE], {
      input: JSON.stringify(['from cdk_api_to_firehose import ApiToFirehose, Input\nApiToFirehose(stack, "I", inputz=[Input.segmnt()])\n']),
      encoding: 'utf8',
    }));
    expect(problems(bad)).toEqual(['Input.segmnt: no such member', 'ApiToFirehose(inputz=): no such keyword argument']);
  });

  function problems(a: typeof analyzed[number]): string[] {
    if (a.error) return [a.error];
    const out = a.imports.filter((n) => !api.exports.has(n)).map((n) => `${n}: not exported`);
    for (const ref of a.refs) {
      const [cls, member] = ref.split(/[.#]/);
      const names = [...(api.members.get(cls) ?? [])].map(snake);
      if (api.members.has(cls) && !names.includes(member)) out.push(`${ref}: no such member`);
    }
    for (const call of a.calls) {
      const [cls, member] = call.func.split(/[.#]/);
      const key = member === undefined ? cls : `${cls}${call.func.includes('#') ? '#' : '.'}${[...(api.members.get(cls) ?? [])].find((m) => snake(m) === member) ?? member}`;
      const allowed = [...(api.kwargs.get(key) ?? [])].map(snake);
      for (const kw of call.kwargs.filter((k) => !allowed.includes(k))) out.push(`${call.func}(${kw}=): no such keyword argument`);
    }
    return out;
  }

  test.each(pyBlocks.map((b, i) => [i, b.line, b.code.split('\n')[0]]))('block %i (README line %i: %s) parses and names what exists', (i) => {
    expect(problems(analyzed[i as number])).toEqual([]);
  });
});

describe('README.md reference tables are complete', () => {
  const api = libraryApi(checked.program);
  /** The rows of the README's tables, as cells. */
  const rows = readme.split('\n').filter((l) => l.startsWith('|')).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  const named = (cell: string) => new Set([...cell.matchAll(/`([A-Za-z0-9_.!]+)`/g)].map((m) => m[1]));

  test('"All props" names every prop of ApiToFirehoseProps in its first column', () => {
    const start = readme.indexOf('### All props');
    expect(start).toBeGreaterThan(0);
    const table = readme.slice(start).split('\n\n').find((p) => p.startsWith('|'))!;
    const listed = new Set(table.split('\n').flatMap((l) => [...named(l.split('|')[1] ?? '')]));
    expect(api.props.get('ApiToFirehoseProps')!.filter((p) => !listed.has(p))).toEqual([]);
  });

  test('"Option objects" has a row per option interface naming each of its props', () => {
    const optionInterfaces = [...api.props.keys()].filter((n) => /(Options|Settings)$/.test(n));
    expect(optionInterfaces.length).toBeGreaterThan(8);
    const missing: string[] = [];
    for (const name of optionInterfaces) {
      const row = rows.find((r) => named(r[0]).has(name));
      if (!row) { missing.push(`${name}: no row`); continue; }
      const cells = named(row.slice(1).join('|'));
      missing.push(...api.props.get(name)!.filter((p) => !cells.has(p)).map((p) => `${name}.${p}`));
    }
    expect(missing).toEqual([]);
  });

  test('the endpoints table names every value of ApiToFirehose.endpoints', () => {
    const paths = [
      ...api.props.get('SenderEndpoints')!.map((p) => `endpoints.${p}`),
      ...api.props.get('SegmentEndpoints')!.map((p) => `endpoints.segment.${p}`),
      ...api.props.get('OtlpEndpoints')!.map((p) => `endpoints.otlp.${p}`),
    ];
    const listed = new Set(rows.flatMap((r) => [...named(r[0])]).map((n) => n.replace(/!/g, '')));
    expect(paths.filter((p) => !['endpoints.segment', 'endpoints.otlp'].includes(p) && !listed.has(p))).toEqual([]);
  });
});
