/**
 * The scan's judgement (scripts/scan/findings.ts) without the scanners: who creates each resource, which Checkov
 * results fail the scan, and the self-check on acknowledgements. scripts/scan.sh runs the scanners themselves.
 */
import * as fs from 'fs';
import { join } from 'path';
import { CONFIGURATIONS, synthesize } from './stability/configurations';
import {
  CheckovCheck, CheckovReport, Template, acknowledgeAll, evaluate, ownerOf, stripAcknowledgements,
} from '../scripts/scan/findings';

function withPathMetadata<T>(fn: () => T): T {
  const before = process.env.CDK_CONTEXT_JSON;
  process.env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:enable-path-metadata': true });
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.CDK_CONTEXT_JSON;
    else process.env.CDK_CONTEXT_JSON = before;
  }
}

function paths(template: Template): Record<string, string> {
  return Object.fromEntries(Object.entries(template.Resources ?? {}).map(([id, r]) => [id, r.Metadata?.['aws:cdk:path']]));
}

describe('who creates a resource', () => {
  test.each([
    ['Stack/Ingest/Bucket/Resource', 'construct'],
    ['ConsumerStack/Clicks/Api/DeploymentStage.prod/Resource', 'construct'],
    ['Stack/Raw/DeliveryErrors/Resource', 'construct'],
    ['Stack/Given/Resource', 'config'],
    ['Stack/Reader/DefaultPolicy/Resource', 'config'],
    // A REST API the configuration passes in: its stage and its own root methods are the configuration's,
    ['Stack/Api/DeploymentStage.live/Resource', 'config'],
    ['Stack/Api/Default/GET/Resource', 'config'],
    // the resources and methods the construct adds below its root are the construct's.
    ['Stack/Api/Default/collect/Resource', 'construct'],
    ['Stack/Api/Default/collect/POST/Resource', 'construct'],
    ['Stack/Api/Default/iam/batch/POST/Resource', 'construct'],
  ])('%s: %s', (path, owner) => {
    expect(ownerOf(path)).toBe(owner);
  });

  test('an id in neither list is an error, not a guess', () => {
    expect(() => ownerOf('Stack/Mystery/Resource')).toThrow(
      "resource path Stack/Mystery/Resource: 'Mystery' is in neither CONSTRUCT_IDS nor OWN_IDS (scripts/scan/findings.ts); " +
      'add it to the list that says who creates it.');
  });

  // scripts/scan.sh classifies every resource of every configuration (an unknown id fails the scan); here, the one
  // configuration where the construct adds to a REST API that the configuration passes in.
  test('on a given REST API, the construct owns exactly its resource path', () => {
    const config = CONFIGURATIONS.find((c) => c.name === 'existing-api-and-stream')!;
    const byOwner = withPathMetadata(() => Object.values(paths(JSON.parse(synthesize(config)))))
      .filter((p) => p.startsWith('Stack/Api/'))
      .map((p) => `${ownerOf(p)} ${p}`)
      .sort();
    expect(byOwner).toEqual([
      'config Stack/Api/Account',
      'config Stack/Api/CloudWatchRole/Resource',
      'config Stack/Api/Default/GET/Resource',
      'config Stack/Api/Deployment/Resource',
      'config Stack/Api/DeploymentStage.live/Resource',
      'config Stack/Api/Resource',
      'construct Stack/Api/Default/collect/POST/Resource',
      'construct Stack/Api/Default/collect/Resource',
      'construct Stack/Api/Default/collect/batch/POST/Resource',
      'construct Stack/Api/Default/collect/batch/Resource',
    ]);
  });
});

describe('which results fail the scan', () => {
  const template: Template = {
    Resources: {
      IngestBucket: { Type: 'AWS::S3::Bucket', Metadata: { 'aws:cdk:path': 'Stack/Ingest/Bucket/Resource' } },
      IngestLogs: { Type: 'AWS::Logs::LogGroup', Metadata: { 'aws:cdk:path': 'Stack/Ingest/Logs/Resource' } },
      Given: { Type: 'AWS::S3::Bucket', Metadata: { 'aws:cdk:path': 'Stack/Given/Resource' } },
    },
  };
  const check = (id: string, resource: string, file = '/zero-props.json', suppress?: string): CheckovCheck => ({
    check_id: id,
    check_name: `name of ${id}`,
    resource,
    file_path: file,
    check_result: { result: suppress ? 'SKIPPED' : 'FAILED', suppress_comment: suppress },
  });
  const report = (failed: CheckovCheck[], skipped: CheckovCheck[] = [], passed: CheckovCheck[] = []): CheckovReport =>
    ({ results: { failed_checks: failed, skipped_checks: skipped, passed_checks: passed, parsing_errors: [] } });

  test('a FAILED check on a construct resource fails; on the configuration\'s own resource it is only counted', () => {
    const e = evaluate({ 'zero-props': template }, report(
      [check('CKV_AWS_18', 'AWS::S3::Bucket.IngestBucket'), check('CKV_AWS_18', 'AWS::S3::Bucket.Given')],
      [], [check('CKV_AWS_19', 'AWS::S3::Bucket.IngestBucket')]), []);
    expect(e.constructFindings.map((f) => `${f.config}: ${f.checkId} ${f.logicalId} ${f.path}`))
      .toEqual(['zero-props: CKV_AWS_18 IngestBucket Stack/Ingest/Bucket/Resource']);
    expect(e.configFindings.map((f) => f.logicalId)).toEqual(['Given']);
    expect(e.counts).toEqual([{ config: 'zero-props', cfnLint: 0, passed: 1, failedConstruct: 1, failedConfig: 1, skipped: 0 }]);
    expect(e.errors).toEqual([]);
  });

  test('acknowledged (SKIPPED) checks pass, with their comments', () => {
    const e = evaluate({ 'zero-props': template }, report([], [check('CKV_AWS_158', 'AWS::Logs::LogGroup.IngestLogs', undefined, 'why')]), []);
    expect(e.constructFindings).toEqual([]);
    expect(e.skipped.map((s) => `${s.checkId} ${s.logicalId}: ${s.comment}`)).toEqual(['CKV_AWS_158 IngestLogs: why']);
  });

  test('any cfn-lint finding fails, counted on its configuration', () => {
    const e = evaluate({ 'zero-props': template }, report([], [], [check('CKV_AWS_19', 'AWS::S3::Bucket.IngestBucket')]), [
      { Filename: '/tmp/x/templates/zero-props.json', Level: 'Warning', Message: 'unused', Rule: { Id: 'W7001' } },
    ]);
    expect(e.cfnLintFindings.map((f) => f.Rule.Id)).toEqual(['W7001']);
    expect(e.counts[0].cfnLint).toBe(1);
  });

  test('a template Checkov did not scan, a parse error and a resource without a path are errors', () => {
    const e = evaluate({ 'zero-props': template, 'other': { Resources: { X: { Type: 'AWS::SNS::Topic' } } } },
      { results: { passed_checks: [check('CKV_AWS_19', 'AWS::S3::Bucket.IngestBucket')], parsing_errors: ['/other.json'] } }, []);
    expect(e.errors).toEqual([
      'other: X has no aws:cdk:path metadata (synthesize with scripts/scan/synth.ts)',
      'Checkov could not parse /other.json',
      'other: Checkov ran no check on it',
    ]);
  });

  test('a FAILED check on a resource without aws:cdk:path fails the scan as the construct\'s, with an error', () => {
    const e = evaluate({ t: { Resources: { X: { Type: 'AWS::SNS::Topic' } } } }, {
      results: { failed_checks: [{ check_id: 'CKV_AWS_26', check_name: 'n', resource: 'AWS::SNS::Topic.X', file_path: '/t.json' }] },
    }, []);
    expect(e.constructFindings.map((f) => `${f.checkId} ${f.logicalId} ${f.path}`)).toEqual(['CKV_AWS_26 X (no aws:cdk:path)']);
    expect(e.errors).toEqual(['t: X has no aws:cdk:path metadata (synthesize with scripts/scan/synth.ts)']);
  });
});

describe('acknowledgements in Metadata.checkov.skip', () => {
  const template: Template = {
    Resources: {
      IngestBucket: {
        Type: 'AWS::S3::Bucket',
        Metadata: { 'aws:cdk:path': 'Stack/Ingest/Bucket/Resource', 'checkov': { skip: [{ id: 'CKV_AWS_18', comment: 'logs elsewhere' }] } },
      },
      IngestLogs: { Type: 'AWS::Logs::LogGroup', Metadata: { 'aws:cdk:path': 'Stack/Ingest/Logs/Resource' } },
    },
  };
  const finding = (checkId: string, logicalId: string) => ({
    config: 'zero-props', checkId, checkName: '', resourceType: '', logicalId, path: '', owner: 'construct' as const,
  });

  test('acknowledgeAll adds to the resource\'s skip list and keeps what is there', () => {
    const acked = acknowledgeAll(template, [finding('CKV_AWS_21', 'IngestBucket'), finding('CKV_AWS_158', 'IngestLogs')], 'ok');
    expect(acked.Resources!.IngestBucket.Metadata).toEqual({
      'aws:cdk:path': 'Stack/Ingest/Bucket/Resource',
      'checkov': { skip: [{ id: 'CKV_AWS_18', comment: 'logs elsewhere' }, { id: 'CKV_AWS_21', comment: 'ok' }] },
    });
    expect(acked.Resources!.IngestLogs.Metadata!.checkov).toEqual({ skip: [{ id: 'CKV_AWS_158', comment: 'ok' }] });
    expect(template.Resources!.IngestLogs.Metadata!.checkov).toBeUndefined();
    expect(acked.Metadata).toBeUndefined();
  });

  test('acknowledgeAll ignores cfn-lint rules for the whole template', () => {
    expect(acknowledgeAll(template, [], 'ok', ['W7001', 'W7001']).Metadata).toEqual({ 'cfn-lint': { config: { ignore_checks: ['W7001'] } } });
  });

  test('stripAcknowledgements removes them and nothing else', () => {
    expect(stripAcknowledgements(template).Resources!.IngestBucket.Metadata).toEqual({ 'aws:cdk:path': 'Stack/Ingest/Bucket/Resource' });
  });

  test('self-check: the copy without acknowledgements must fail exactly what the template skips', () => {
    const templates = { 'zero-props': template, 'zero-props.unacknowledged': stripAcknowledgements(template) };
    const skipped: CheckovCheck = {
      check_id: 'CKV_AWS_18',
      check_name: 'n',
      resource: 'AWS::S3::Bucket.IngestBucket',
      file_path: '/zero-props.json',
      check_result: { result: 'SKIPPED', suppress_comment: 'logs elsewhere' },
    };
    const failedInCopy: CheckovCheck = { ...skipped, file_path: '/zero-props.unacknowledged.json', check_result: { result: 'FAILED' } };
    const pass = evaluate(templates, { results: { skipped_checks: [skipped], failed_checks: [failedInCopy] } }, [],
      { 'zero-props': 'zero-props.unacknowledged' });
    expect(pass.errors).toEqual([]);
    // The copy's own findings are not counted as the construct's.
    expect(pass.constructFindings).toEqual([]);
    expect(pass.counts.map((c) => c.config)).toEqual(['zero-props']);

    // A copy that does not fail what the template skips is reported.
    const broken = evaluate(templates, { results: { skipped_checks: [skipped] } }, [], { 'zero-props': 'zero-props.unacknowledged' });
    expect(broken.errors).toEqual([
      'self-check: zero-props.unacknowledged (zero-props without Metadata.checkov) should fail [CKV_AWS_18 IngestBucket] ' +
      'but fails []: Checkov did not read the acknowledgements as expected',
    ]);
  });
});

describe('the acknowledgements the construct writes (committed stability templates)', () => {
  const dir = join(__dirname, 'stability', 'templates');
  const all = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).flatMap((f) => {
    const t = JSON.parse(fs.readFileSync(join(dir, f), 'utf-8')) as Template;
    return Object.entries(t.Resources ?? {}).flatMap(([id, r]) =>
      ((r.Metadata?.checkov?.skip ?? []) as { id: string; comment?: string }[]).map((s) => ({ where: `${f} ${id}`, ...s })));
  });

  test('every Checkov acknowledgement names a check and says why, once per resource', () => {
    expect(all.length).toBeGreaterThan(50);
    for (const s of all) {
      expect(`${s.where} ${s.id}`).toMatch(/ CKV_AWS_\d+$/);
      expect((s.comment ?? '').length).toBeGreaterThan(40);
    }
    const keys = all.map((s) => `${s.where} ${s.id}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('the checks acknowledged are the ones the security guide\'s table explains (README links it)', () => {
    const readme = fs.readFileSync(join(__dirname, '..', 'README.md'), 'utf-8');
    expect(readme).toContain('docs/guide/security.md');
    const guide = fs.readFileSync(join(__dirname, '..', 'docs', 'guide', 'security.md'), 'utf-8');
    for (const id of new Set(all.map((s) => s.id))) expect(guide).toContain(id);
  });
});
