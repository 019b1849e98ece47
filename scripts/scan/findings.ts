/**
 * What the scanners (cfn-lint, Checkov) report on the configurations' templates, and which of it fails the scan.
 * Pure functions over the templates and the scanners' JSON output; scripts/scan/report.ts reads the files,
 * test/scan.test.ts tests these functions.
 *
 * The scan fails on:
 * - any cfn-lint finding, on any resource;
 * - a Checkov FAILED check on a resource the construct creates (see `ownerOf`); findings on the configuration's
 *   own resources (a bucket or key it passes in, a role it grants to) are counted but do not fail the scan;
 * - a template that Checkov could not parse or did not scan, a resource the ownership rule does not know, and a
 *   self-check that shows Checkov did not read the acknowledgements in Metadata.checkov.skip.
 */

/** The ids the configurations give ApiToFirehose (test/stability/configurations.ts): everything below is the construct's. */
export const CONSTRUCT_IDS: readonly string[] = ['Ingest', 'Iam', 'Cognito', 'Raw', 'Clicks', 'Provisioned', 'OnDemand'];

/**
 * The ids of what the configurations build themselves: resources they pass in (a bucket, key, topic, API key, REST API,
 * user pool, authorizer, server access log bucket) or grant access to (roles). Their findings are the configuration's, not the construct's,
 * except for the API resources and methods that the construct adds to a given REST API (see `ownerOf`).
 */
export const OWN_IDS: readonly string[] = [
  'Given', 'Key', 'Alarms', 'Api', 'Stream', 'Pool', 'Authorizer', 'Reader', 'Analyst', 'ClicksBucket', 'LogTarget',
  'Existing', 'StreamKey', 'Certificate', 'Zone', 'ExecuteApiEndpoint',
];

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'];

export type Owner = 'construct' | 'config';

/**
 * Who creates the resource at this construct path (its aws:cdk:path metadata, `<stack>/<id>/...`).
 *
 * - Below one of CONSTRUCT_IDS: the construct.
 * - Below one of OWN_IDS: the configuration, except below the root resource (`Default`) of a REST API that the
 *   configuration passes in: there, a child resource (`<id>/Default/<segment>/...`, the construct's `resourcePath`)
 *   and everything under it is the construct's. The configurations add only methods on the root of their own APIs
 *   (`<id>/Default/GET`); a resource of their own below the root would be counted as the construct's, which errs on
 *   the side of reporting a finding.
 * - Anything else: an error, so that a new id in the configurations is classified by a person, not by a guess.
 */
export function ownerOf(cdkPath: string): Owner {
  const parts = cdkPath.split('/');
  if (parts.length < 3) throw new Error(`resource path ${cdkPath}: expected <stack>/<id>/...`);
  const id = parts[1];
  if (CONSTRUCT_IDS.includes(id)) return 'construct';
  if (OWN_IDS.includes(id)) {
    if (parts[2] === 'Default' && parts.length > 4 && !HTTP_METHODS.includes(parts[3])) return 'construct';
    return 'config';
  }
  throw new Error(`resource path ${cdkPath}: '${id}' is in neither CONSTRUCT_IDS nor OWN_IDS (scripts/scan/findings.ts); ` +
    'add it to the list that says who creates it.');
}

/** A CloudFormation template, as far as the scan reads it. */
export interface Template {
  readonly Resources?: Record<string, { Type: string; Metadata?: Record<string, any>; [k: string]: any }>;
  readonly [k: string]: any;
}

/** One check result in Checkov's JSON report (`results.{passed,failed,skipped}_checks[]`). */
export interface CheckovCheck {
  readonly check_id: string;
  readonly check_name: string;
  /** `<resource type>.<logical id>` */
  readonly resource: string;
  /** The template's path relative to the scanned directory, with a leading slash. */
  readonly file_path: string;
  readonly check_result?: { result: string; suppress_comment?: string };
}

/** Checkov's JSON report for one framework (`-o json` with `--framework cloudformation`). */
export interface CheckovReport {
  readonly results: {
    readonly passed_checks?: CheckovCheck[];
    readonly failed_checks?: CheckovCheck[];
    readonly skipped_checks?: CheckovCheck[];
    readonly parsing_errors?: string[];
  };
  readonly summary?: Record<string, unknown>;
}

/** One finding in cfn-lint's JSON output (`--format json`). */
export interface CfnLintFinding {
  readonly Filename: string;
  readonly Level: string;
  readonly Message: string;
  readonly Rule: { Id: string };
  readonly Location?: { Path?: (string | number)[] };
}

/** A Checkov result on one resource, with who creates the resource. */
export interface Finding {
  readonly config: string;
  readonly checkId: string;
  readonly checkName: string;
  readonly resourceType: string;
  readonly logicalId: string;
  readonly path: string;
  readonly owner: Owner;
}

/** The counts printed for one configuration. */
export interface ConfigCounts {
  readonly config: string;
  readonly cfnLint: number;
  readonly passed: number;
  readonly failedConstruct: number;
  readonly failedConfig: number;
  readonly skipped: number;
}

/** Everything the scan concluded. */
export interface Evaluation {
  readonly counts: ConfigCounts[];
  /** FAILED checks on the construct's resources: each fails the scan. */
  readonly constructFindings: Finding[];
  /** FAILED checks on the configurations' own resources: reported only. */
  readonly configFindings: Finding[];
  /** Every SKIPPED check (acknowledged in Metadata.checkov.skip), with its comment. */
  readonly skipped: (Finding & { comment: string })[];
  readonly cfnLintFindings: CfnLintFinding[];
  /** Other reasons the scan fails (parse errors, templates not scanned, failed self-check). */
  readonly errors: string[];
}

/** The configuration a scanned file belongs to: its base name without `.json`. */
export function configOf(filePath: string): string {
  return filePath.replace(/^.*\//, '').replace(/\.json$/, '');
}

function splitResource(resource: string): { resourceType: string; logicalId: string } {
  const dot = resource.lastIndexOf('.');
  return { resourceType: resource.slice(0, dot), logicalId: resource.slice(dot + 1) };
}

function toFinding(c: CheckovCheck, templates: Record<string, Template>): Finding {
  const config = configOf(c.file_path);
  const { resourceType, logicalId } = splitResource(c.resource);
  const template = templates[config];
  if (!template) throw new Error(`Checkov reported on ${c.file_path}, which is not one of the scanned templates`);
  const resource = template.Resources?.[logicalId];
  if (!resource) throw new Error(`${config}: Checkov reported on ${c.resource}, which is not in the template`);
  const path = resource.Metadata?.['aws:cdk:path'];
  return {
    config,
    checkId: c.check_id,
    checkName: c.check_name,
    resourceType,
    logicalId,
    path: typeof path === 'string' ? path : '(no aws:cdk:path)',
    owner: ownerOrConstruct(path),
  };
}

/**
 * `ownerOf`, but a missing path or an unknown id counts as the construct's: `evaluate` reports both as errors, and
 * the finding is listed where it fails the scan.
 */
function ownerOrConstruct(path: unknown): Owner {
  try {
    return typeof path === 'string' ? ownerOf(path) : 'construct';
  } catch {
    return 'construct';
  }
}

/**
 * Evaluates the scanners' output for `templates` (by configuration name). `selfCheck` names the pairs
 * (configuration, copy without acknowledgements) that were scanned too: see `stripAcknowledgements`.
 */
export function evaluate(templates: Record<string, Template>, checkov: CheckovReport, cfnLint: CfnLintFinding[],
  selfCheck: Record<string, string> = {}): Evaluation {
  const errors: string[] = [];
  const copies = new Set(Object.values(selfCheck));
  for (const [config, template] of Object.entries(templates)) {
    for (const [logicalId, r] of Object.entries(template.Resources ?? {})) {
      const path = r.Metadata?.['aws:cdk:path'];
      if (typeof path !== 'string') {
        errors.push(`${config}: ${logicalId} has no aws:cdk:path metadata (synthesize with scripts/scan/synth.ts)`);
        continue;
      }
      try {
        ownerOf(path);
      } catch (e) {
        errors.push(`${config}: ${(e as Error).message}`);
      }
    }
  }
  for (const p of checkov.results.parsing_errors ?? []) errors.push(`Checkov could not parse ${p}`);

  const all = (list: CheckovCheck[] | undefined) => (list ?? []).map((c) => toFinding(c, templates));
  const passed = all(checkov.results.passed_checks);
  const failed = all(checkov.results.failed_checks);
  const skipped = (checkov.results.skipped_checks ?? []).map((c) => ({
    ...toFinding(c, templates), comment: c.check_result?.suppress_comment ?? '',
  }));

  const configs = Object.keys(templates).filter((c) => !copies.has(c)).sort();
  const counts = configs.map((config) => {
    const mine = <T extends Finding>(list: T[]) => list.filter((f) => f.config === config);
    const c: ConfigCounts = {
      config,
      cfnLint: cfnLint.filter((f) => configOf(f.Filename) === config).length,
      passed: mine(passed).length,
      failedConstruct: mine(failed).filter((f) => f.owner === 'construct').length,
      failedConfig: mine(failed).filter((f) => f.owner === 'config').length,
      skipped: mine(skipped).length,
    };
    if (c.passed + c.failedConstruct + c.failedConfig + c.skipped === 0) errors.push(`${config}: Checkov ran no check on it`);
    return c;
  });

  // Self-check: without its acknowledgements, a template must fail exactly the checks it skipped, on the same resources.
  for (const [config, copy] of Object.entries(selfCheck)) {
    const key = (f: Finding) => `${f.checkId} ${f.logicalId}`;
    const want = [...failed.filter((f) => f.config === config), ...skipped.filter((f) => f.config === config)].map(key).sort();
    const got = failed.filter((f) => f.config === copy).map(key).sort();
    if (JSON.stringify(want) !== JSON.stringify(got)) {
      errors.push(`self-check: ${copy} (${config} without Metadata.checkov) should fail [${want.join(', ')}] ` +
        `but fails [${got.join(', ')}]: Checkov did not read the acknowledgements as expected`);
    }
  }

  const inConfigs = (f: Finding) => !copies.has(f.config);
  const order = (a: Finding, b: Finding) => (a.config + ' ' + a.path + ' ' + a.checkId).localeCompare(b.config + ' ' + b.path + ' ' + b.checkId);
  return {
    counts,
    constructFindings: failed.filter((f) => f.owner === 'construct' && inConfigs(f)).sort(order),
    configFindings: failed.filter((f) => f.owner === 'config' && inConfigs(f)).sort(order),
    skipped: skipped.filter(inConfigs).sort(order),
    cfnLintFindings: cfnLint.filter((f) => !copies.has(configOf(f.Filename))),
    errors,
  };
}

/** A copy of the template without Checkov acknowledgements (Metadata.checkov and Metadata.bridgecrew on each resource). */
export function stripAcknowledgements(template: Template): Template {
  const copy = JSON.parse(JSON.stringify(template)) as Template;
  for (const r of Object.values(copy.Resources ?? {})) {
    if (!r.Metadata) continue;
    delete r.Metadata.checkov;
    delete r.Metadata.bridgecrew;
  }
  return copy;
}

/**
 * A copy of the template with each of `findings` (of this template) acknowledged in its resource's
 * Metadata.checkov.skip, keeping what is there, and the cfn-lint rules `cfnLintRules` ignored for the whole template
 * (Metadata.cfn-lint.config.ignore_checks). For checking that the scanners read acknowledgements written this way.
 */
export function acknowledgeAll(template: Template, findings: Finding[], comment: string, cfnLintRules: string[] = []): Template {
  const copy = JSON.parse(JSON.stringify(template)) as Template;
  for (const f of findings) {
    const r = copy.Resources?.[f.logicalId];
    if (!r) throw new Error(`${f.logicalId} is not in the template`);
    r.Metadata = r.Metadata ?? {};
    r.Metadata.checkov = r.Metadata.checkov ?? {};
    const skip: { id: string; comment: string }[] = r.Metadata.checkov.skip = r.Metadata.checkov.skip ?? [];
    if (!skip.some((s) => s.id === f.checkId)) skip.push({ id: f.checkId, comment });
  }
  if (cfnLintRules.length) {
    const metadata = (copy as Record<string, any>).Metadata = copy.Metadata ?? {};
    const config = (metadata['cfn-lint'] = metadata['cfn-lint'] ?? {}).config = metadata['cfn-lint'].config ?? {};
    config.ignore_checks = [...new Set([...(config.ignore_checks ?? []), ...cfnLintRules])];
  }
  return copy;
}

/** One finding as the report prints it: `config: CHECK_ID logicalId (check name) at path`. */
export function formatFinding(f: Finding): string {
  return `${f.config}: ${f.checkId} ${f.logicalId} (${f.checkName}) at ${f.path}`;
}

/** The per-configuration table. */
export function formatCounts(counts: ConfigCounts[]): string {
  const header = ['configuration', 'cfn-lint', 'passed', 'failed (construct)', 'failed (config\'s own)', 'skipped'];
  const rows = counts.map((c) => [c.config, c.cfnLint, c.passed, c.failedConstruct, c.failedConfig, c.skipped].map(String));
  const total = ['total', ...[1, 2, 3, 4, 5].map((i) => String(rows.reduce((n, r) => n + Number(r[i]), 0)))];
  const all = [header, ...rows, total];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n');
}
