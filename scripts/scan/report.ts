/**
 * The scan's two steps in TypeScript, around the scanners that scripts/scan.sh runs:
 *
 *   report.ts prepare <dir> [config...]   write <config>.unacknowledged.json next to <dir>/<config>.json: the template
 *                                         without Metadata.checkov, for the self-check (synth.ts does this too)
 *   report.ts report <dir> <checkov.json> <cfn-lint.json> [--counts <file>] [--acknowledge-into <dir>]
 *                                         print the counts per configuration and the findings; exit 1 when the scan
 *                                         fails (see findings.ts). --counts writes the counts as JSON;
 *                                         --acknowledge-into writes each template with every finding on the
 *                                         construct's resources acknowledged in Metadata.checkov.skip and its
 *                                         cfn-lint rules in Metadata.cfn-lint.config.ignore_checks (a scan of that
 *                                         directory must pass: it shows that the scanners read them).
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  CfnLintFinding, CheckovReport, Template, acknowledgeAll, evaluate, formatCounts, formatFinding, stripAcknowledgements,
} from './findings';

const COPY_SUFFIX = '.unacknowledged';

function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf-8')) as T;
  } catch (e) {
    throw new Error(`cannot read ${file} as JSON: ${(e as Error).message}`);
  }
}

function templatesIn(dir: string): Record<string, Template> {
  const out: Record<string, Template> = {};
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    out[f.replace(/\.json$/, '')] = readJson<Template>(path.join(dir, f));
  }
  return out;
}

function prepare(dir: string, configs: string[]): void {
  for (const config of configs) {
    const file = path.join(dir, `${config}.json`);
    if (!fs.existsSync(file)) throw new Error(`self-check: no template ${file}`);
    const copy = stripAcknowledgements(readJson<Template>(file));
    fs.writeFileSync(path.join(dir, `${config}${COPY_SUFFIX}.json`), JSON.stringify(copy, undefined, 1) + '\n');
  }
}

function report(dir: string, checkovFile: string, cfnLintFile: string, options: Record<string, string>): number {
  const templates = templatesIn(dir);
  const selfCheck: Record<string, string> = {};
  for (const name of Object.keys(templates)) {
    if (name.endsWith(COPY_SUFFIX)) selfCheck[name.slice(0, -COPY_SUFFIX.length)] = name;
  }
  // With one framework Checkov prints one report; with no file to scan, an empty list.
  const raw = readJson<CheckovReport | CheckovReport[]>(checkovFile);
  const checkov: CheckovReport = Array.isArray(raw) ? (raw[0] ?? { results: {} }) : raw;
  const cfnLint = readJson<CfnLintFinding[]>(cfnLintFile);
  const e = evaluate(templates, checkov, cfnLint, selfCheck);

  console.log(formatCounts(e.counts));
  if (options.counts) fs.writeFileSync(options.counts, JSON.stringify(e.counts, undefined, 1) + '\n');

  const section = (title: string, lines: string[]) => {
    if (lines.length) console.log(`\n${title} (${lines.length}):\n${lines.map((l) => `  ${l}`).join('\n')}`);
  };
  section('cfn-lint findings', e.cfnLintFindings.map((f) =>
    `${path.basename(f.Filename, '.json')}: ${f.Rule.Id} ${(f.Location?.Path ?? []).join('/')} (${f.Message})`));
  section('Checkov FAILED on resources the construct creates', e.constructFindings.map(formatFinding));
  section('Checkov FAILED on the configurations\' own resources (reported, not failing)', e.configFindings.map(formatFinding));
  const byCheck = new Map<string, number>();
  for (const s of e.skipped) byCheck.set(s.checkId, (byCheck.get(s.checkId) ?? 0) + 1);
  section('Checkov checks acknowledged in Metadata.checkov.skip, by check', [...byCheck].sort().map(([id, n]) => `${id}: ${n}`));
  section('Errors', e.errors);
  if (Object.keys(selfCheck).length && !e.errors.some((m) => m.startsWith('self-check'))) {
    console.log(`\nself-check passed (${Object.keys(selfCheck).join(', ')}): without Metadata.checkov, each fails exactly the checks it skips`);
  }

  if (options['acknowledge-into']) {
    const out = options['acknowledge-into'];
    fs.mkdirSync(out, { recursive: true });
    for (const [name, template] of Object.entries(templates)) {
      if (name.endsWith(COPY_SUFFIX)) continue;
      const acked = acknowledgeAll(template, e.constructFindings.filter((f) => f.config === name),
        'acknowledged by scripts/scan/report.ts --acknowledge-into',
        e.cfnLintFindings.filter((f) => path.basename(f.Filename, '.json') === name).map((f) => f.Rule.Id));
      fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(acked, undefined, 1) + '\n');
    }
    console.log(`\nwrote the templates with every construct finding acknowledged into ${out}`);
  }

  const failures = e.cfnLintFindings.length + e.constructFindings.length + e.errors.length;
  console.log(failures
    ? `\nFAILED: ${e.cfnLintFindings.length} cfn-lint findings, ${e.constructFindings.length} unacknowledged Checkov ` +
      `findings on the construct's resources, ${e.errors.length} errors`
    : '\npassed: no cfn-lint finding, no unacknowledged Checkov finding on the construct\'s resources');
  return failures ? 1 : 0;
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  const positional = rest.filter((a, i) => !a.startsWith('--') && !(i > 0 && rest[i - 1].startsWith('--')));
  const options: Record<string, string> = {};
  rest.forEach((a, i) => { if (a.startsWith('--')) options[a.slice(2)] = rest[i + 1]; });
  if (command === 'prepare' && positional.length >= 1) {
    prepare(positional[0], positional.slice(1));
    return 0;
  }
  if (command === 'report' && positional.length === 3) return report(positional[0], positional[1], positional[2], options);
  console.error('usage: report.ts prepare <dir> [config...] | report <dir> <checkov.json> <cfn-lint.json> ' +
    '[--counts <file>] [--acknowledge-into <dir>]');
  return 2;
}

process.exitCode = main(process.argv.slice(2));
