/**
 * One deployment of the example stack for the end-to-end suites that can share it (they tell their events apart by
 * a marker, never by counting a bucket). The first suite to ask deploys it, under a lock, and writes what it deployed
 * to the run's folder; later suites, in this worker or another lane, read it. test/e2e/global-teardown.ts deletes it
 * after the run. A suite run alone (no run folder) deploys its own and deletes it in `releaseExample`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { deleteStack } from '../../scripts/local/deploy';
import { DeployExampleOptions, DeployedExample, deployExample } from '../../scripts/local/example';

/** The run's folder, made by test/e2e/global-setup.ts: the shared deployment's record and its lock. */
export const SHARED_DIR_ENV = 'E2E_SHARED_DIR';
/** The options of the shared deployment: every input served, so each suite finds its routes. */
export const SHARED_OPTIONS: DeployExampleOptions = { senderInputs: true };
/**
 * How long a suite's beforeAll may take to deploy its stack or wait for the shared one: four lanes deploy at once at
 * the start of a run, and LocalStack's CloudFormation serves them side by side (a 1 MB example stack took over 300 s
 * there on a 2-core CI machine). deployToLocalStack's own deadline (600 s) fails first, with the stack's reasons.
 */
export const DEPLOY_HOOK_MS = 900_000;
const RECORD = 'example.json';
const LOCK = 'example.lock';

/** The shared example stack: deployed by the first caller of the run, read by the others. */
export async function sharedExample(): Promise<DeployedExample> {
  const dir = process.env[SHARED_DIR_ENV];
  if (!dir) return deployExample(`Shared${Date.now().toString(36)}`, undefined, true, SHARED_OPTIONS);
  const record = path.join(dir, RECORD);
  const lock = path.join(dir, LOCK);
  const deadline = Date.now() + DEPLOY_HOOK_MS - 60_000;
  for (;;) {
    if (fs.existsSync(record)) return JSON.parse(fs.readFileSync(record, 'utf-8'));
    let mine = false;
    try {
      fs.mkdirSync(lock);
      mine = true;
    } catch { /* another suite is deploying */ }
    if (mine) {
      try {
        const ex = await deployExample(`Shared${Date.now().toString(36)}`, undefined, true, SHARED_OPTIONS);
        fs.writeFileSync(`${record}.tmp`, JSON.stringify(ex));
        fs.renameSync(`${record}.tmp`, record);
        return ex;
      } finally {
        fs.rmdirSync(lock);
      }
    }
    if (Date.now() > deadline) throw new Error(`the shared example stack was not deployed within ${(DEPLOY_HOOK_MS - 60_000) / 1000} s (${dir})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Ends a suite's use of the shared stack: deletes it only when the suite deployed its own (run alone). */
export async function releaseExample(ex: DeployedExample | undefined): Promise<void> {
  if (!ex || process.env[SHARED_DIR_ENV]) return;
  await deleteStack(ex.stackName, { quiet: true }).catch(() => undefined);
}

/** The shared stack's name, when one was deployed in the run folder `dir` (for the teardown). */
export function sharedStackName(dir: string): string | undefined {
  const record = path.join(dir, RECORD);
  return fs.existsSync(record) ? (JSON.parse(fs.readFileSync(record, 'utf-8')) as DeployedExample).stackName : undefined;
}
