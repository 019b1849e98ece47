import * as fs from 'fs';
import * as path from 'path';
import { awscdk } from 'projen';
import { JobPermission, type Job } from 'projen/lib/github/workflows-model';

/** Where the client package (`cdk-api-to-firehose-client`) lives; released to npm with the library once it exists. */
export const CLIENT_DIR = 'client';
/** Where `scripts/release/package-client.sh` writes the client's npm tarball. */
export const CLIENT_DIST = 'dist/client/js';

const NODE_VERSION = '20.x';
// The action versions projen 0.103 pins in its own jobs.
const CHECKOUT = 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1';
const DOWNLOAD_ARTIFACT = 'actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c';

/**
 * Adds what projen's generated workflows do not have:
 * - build.yml job `suite`: the whole test suite (`.ci/run`, the README's test command) next to projen's build job,
 *   with the toolchains it expects (Java 17 + Maven, Python 3.13 for LocalStack, Go for the Go consumer);
 * - release.yml job `release_npm_client`: publishes the client package to npm with publib, when `client/` exists.
 */
export function configureWorkflows(project: awscdk.AwsCdkConstructLibrary, root: string): void {
  const github = project.github!;

  github.tryFindWorkflow('build')!.addJob('suite', {
    name: 'Test suite (.ci/run)',
    runsOn: ['ubuntu-latest'],
    permissions: { contents: JobPermission.READ },
    timeoutMinutes: 90,
    env: { CI: 'true' },
    steps: [
      { name: 'Checkout', uses: CHECKOUT },
      { name: 'Setup Node.js', uses: 'actions/setup-node@v7.0.0', with: { 'node-version': NODE_VERSION } },
      { name: 'Setup Java 17 and Maven', uses: 'actions/setup-java@v6.0.0', with: { 'distribution': 'temurin', 'java-version': '17' } },
      // LocalStack 4.13 needs Python 3.13; the Python consumer runs on it too.
      { name: 'Setup Python 3.13', uses: 'actions/setup-python@v7.0.0', with: { 'python-version': '3.13' } },
      { name: 'Setup Go', uses: 'actions/setup-go@v7.0.0', with: { 'go-version': 'stable', 'cache': false } },
      { name: 'Test suite', run: 'bash .ci/run' },
    ],
  });

  if (fs.existsSync(path.join(root, CLIENT_DIR, 'package.json'))) {
    addClientReleaseJob(project);
  }
}

/**
 * A publib npm job for the client package, shaped like projen's `release_npm`: it runs after the release job,
 * only for the latest commit of a new tag, packs `client/` at the release version and publishes the tarball.
 */
function addClientReleaseJob(project: awscdk.AwsCdkConstructLibrary): void {
  const release = project.release!;
  const job: Job = {
    name: 'Publish the client to npm',
    needs: ['release'],
    runsOn: ['ubuntu-latest'],
    permissions: { idToken: JobPermission.WRITE, contents: JobPermission.READ },
    if: "needs.release.outputs.tag_exists != 'true' && needs.release.outputs.latest_commit == github.sha",
    steps: [
      { name: 'Checkout', uses: CHECKOUT },
      { name: 'Setup Node.js', uses: 'actions/setup-node@v7.0.0', with: { 'node-version': NODE_VERSION } },
      {
        name: 'Download build artifacts',
        uses: DOWNLOAD_ARTIFACT,
        with: { 'artifact-ids': '${{ needs.release.outputs.artifact_id }}', 'path': 'dist' },
      },
      { name: 'Install dependencies', run: 'npm ci' },
      { name: 'Pack the client at the release version', run: `bash scripts/release/package-client.sh "$(cat dist/version.txt)" ${CLIENT_DIST}` },
      {
        name: 'Release',
        env: {
          NPM_DIST_TAG: 'latest',
          NPM_REGISTRY: 'registry.npmjs.org',
          NPM_CONFIG_PROVENANCE: 'true',
          NPM_TOKEN: '${{ secrets.NPM_TOKEN }}',
          PUBLIB_DRYRUN: '${{ inputs.dry_run }}',
        },
        run: `npx -p publib@latest publib-npm ${CLIENT_DIST}`,
      },
    ],
  };
  release.addJobs({ release_npm_client: job });
  // The GitHub release is made once every package is out.
  const workflow = project.github!.tryFindWorkflow('release')!;
  const needs = ['release', 'release_npm', 'release_maven', 'release_pypi', 'release_golang', 'release_npm_client'];
  workflow.file!.addOverride('jobs.release_github.needs', needs);
}
