/**
 * The GitHub workflows cannot run here, so this test reads the generated YAML and checks that a push to main
 * versions the library from conventional commits and publishes every target (npm, PyPI, Maven Central, Go, and the
 * client package to npm once client/ exists). actionlint (scripts/test.sh) checks the workflows' syntax and
 * expressions; this test checks what they do.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf-8');

interface Step {
  readonly name?: string;
  readonly run?: string;
  readonly uses?: string;
  readonly env?: Record<string, string>;
  readonly with?: Record<string, unknown>;
}
interface Job {
  readonly name?: string;
  readonly needs?: string | string[];
  readonly if?: string;
  readonly steps: Step[];
}
interface Workflow { readonly on: Record<string, unknown>; readonly jobs: Record<string, Job> }

const workflow = (name: string): Workflow => parse(read(`.github/workflows/${name}.yml`));
const needs = (job: Job) => (typeof job.needs === 'string' ? [job.needs] : job.needs ?? []);
const runs = (job: Job) => job.steps.map(s => s.run ?? '').join('\n');
const pkg = JSON.parse(read('package.json'));
const clientExists = fs.existsSync(path.join(ROOT, 'client', 'package.json'));

/** Each target: the publib command, the package it publishes and what that publisher needs. */
const targets = [
  {
    target: 'npm',
    job: 'release_npm',
    publib: /^npx '-p' 'publib@latest' 'publib-npm'$/,
    pack: 'npx projen package:js',
    secrets: ['NPM_TOKEN'],
  },
  {
    target: 'PyPI',
    job: 'release_pypi',
    publib: /^npx '-p' 'publib@latest' 'publib-pypi'$/,
    pack: 'npx projen package:python',
    secrets: ['TWINE_USERNAME', 'TWINE_PASSWORD'],
  },
  {
    target: 'Maven Central',
    job: 'release_maven',
    publib: /^npx '-p' 'publib@latest' 'publib-maven'$/,
    pack: 'npx projen package:java',
    secrets: ['MAVEN_USERNAME', 'MAVEN_PASSWORD', 'MAVEN_GPG_PRIVATE_KEY', 'MAVEN_GPG_PRIVATE_KEY_PASSPHRASE'],
  },
  {
    target: 'Go',
    job: 'release_golang',
    publib: /^npx '-p' 'publib@latest' 'publib-golang'$/,
    pack: 'npx projen package:go',
    secrets: ['GO_GITHUB_TOKEN'],
  },
  ...(clientExists
    ? [{
      target: 'npm (cdk-api-to-firehose-client)',
      job: 'release_npm_client',
      publib: /^npx -p publib@latest publib-npm dist\/client\/js$/,
      pack: 'bash scripts/release/package-client.sh "$(cat dist/version.txt)" dist/client/js',
      secrets: ['NPM_TOKEN'],
    }]
    : []),
];

describe('release workflow', () => {
  const release = workflow('release');

  test('runs on every push to main and versions from conventional commits', () => {
    expect(release.on.push).toEqual({ branches: ['main'] });
    expect(runs(release.jobs.release)).toContain('npx projen release');
    const tasks = JSON.parse(read('.projen/tasks.json')).tasks;
    expect(tasks.release.steps.map((s: { spawn?: string }) => s.spawn).filter(Boolean)).toEqual(['bump', 'build', 'unbump']);
    // bump: the next version from the commits since the last tag (feat -> minor, fix -> patch; 0.x while experimental).
    expect(tasks.release.env).toMatchObject({ RELEASE: 'true', MAJOR: '0' });
    expect(tasks.bump.env).toMatchObject({ OUTFILE: 'package.json', CHANGELOG: 'dist/changelog.md', BUMPFILE: 'dist/version.txt' });
    expect(Object.keys(pkg.devDependencies)).toContain('commit-and-tag-version');
    // The build output, with the version and the changelog, is what every publish job downloads.
    expect(release.jobs.release.steps.find(s => s.name === 'Upload artifact')?.with).toMatchObject({ name: 'build-artifact', path: 'dist' });
  });

  test.each(targets)('publishes to $target ($job)', ({ job: id, publib, pack, secrets }) => {
    const job = release.jobs[id];
    expect(job).toBeDefined();
    expect(needs(job)).toEqual(['release']);
    // Only a new tag from the latest commit of main is published.
    expect(job.if).toBe("needs.release.outputs.tag_exists != 'true' && needs.release.outputs.latest_commit == github.sha");
    const download = job.steps.find(s => s.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with).toMatchObject({ 'artifact-ids': '${{ needs.release.outputs.artifact_id }}', 'path': 'dist' });
    // The package is built from that artifact, then the last step hands it to publib.
    expect(runs(job)).toContain(pack);
    const publish = job.steps[job.steps.length - 1];
    expect(publish.run).toMatch(publib);
    for (const secret of secrets) expect(Object.values(publish.env ?? {})).toContain(`\${{ secrets.${secret} }}`);
    expect(publish.env?.PUBLIB_DRYRUN).toBe('${{ inputs.dry_run }}');
  });

  test('publishes to the Central Portal and the Go module repository named in package.json', () => {
    const maven = release.jobs.release_maven.steps.at(-1)!;
    expect(maven.env?.MAVEN_SERVER_ID).toBe('central-ossrh');
    expect(maven.env?.MAVEN_ENDPOINT).toBeUndefined(); // the Central Portal needs none (the old OSSRH Nexus did)
    expect(pkg.jsii.targets.go.moduleName).toBe('github.com/cdk-api-to-firehose/cdk-api-to-firehose-go');
    expect(pkg.jsii.targets.python).toEqual({ distName: 'cdk-api-to-firehose', module: 'cdk_api_to_firehose' });
    expect(pkg.jsii.targets.java.maven).toEqual({ groupId: 'io.github.cdkapitofirehose', artifactId: 'cdk-api-to-firehose' });
  });

  test('every publish job exists, and the GitHub release waits for all of them', () => {
    const publishJobs = Object.keys(release.jobs).filter(id => id.startsWith('release_') && id !== 'release_github');
    expect(publishJobs.sort()).toEqual(targets.map(t => t.job).sort());
    expect(needs(release.jobs.release_github).sort()).toEqual(['release', ...publishJobs].sort());
    expect(runs(release.jobs.release_github)).toContain('gh release create "$tag" -R "$GITHUB_REPOSITORY" -F "$CHANGELOG_FILE"');
  });

  test(`the client package job exists exactly when client/package.json does (now: ${clientExists ? 'exists' : 'absent'})`, () => {
    expect('release_npm_client' in release.jobs).toBe(clientExists);
  });

  test('declares its stability', () => {
    expect(pkg.stability).toBe('experimental');
  });
});

describe('build and upgrade workflows', () => {
  test('pull requests run projen build, the four jsii packages and the whole suite (.ci/run)', () => {
    const build = workflow('build');
    expect(build.on).toHaveProperty('pull_request');
    expect(runs(build.jobs.build)).toContain('npx projen build');
    for (const lang of ['js', 'java', 'python', 'go']) expect(runs(build.jobs[`package-${lang}`])).toContain(`npx projen package:${lang}`);
    expect(runs(build.jobs.suite).trim()).toBe('bash .ci/run');
    expect(build.jobs.suite.steps.find(s => s.uses?.startsWith('actions/setup-python@'))?.with).toEqual({ 'python-version': '3.13' });
  });

  test('.ci/run calls the README test command, which runs actionlint on the workflows', () => {
    expect(read('.ci/run')).toMatch(/^exec bash scripts\/test\.sh$/m);
    expect(read('README.md')).toContain('bash scripts/test.sh');
    expect(read('scripts/test.sh')).toMatch(/^bash scripts\/actionlint\.sh$/m);
  });

  test('dependency upgrades open a pull request', () => {
    const upgrade = workflow('upgrade-main');
    expect(upgrade.on).toHaveProperty('schedule');
    expect(runs(upgrade.jobs.upgrade)).toContain('npx projen upgrade');
    expect(upgrade.jobs.pr).toBeDefined();
  });

  test('pull request titles are conventional commits (they become the squashed commit and the changelog line)', () => {
    const lint = workflow('pull-request-lint');
    expect(JSON.stringify(lint.jobs)).toContain('amannn/action-semantic-pull-request');
  });
});
