/** jest globalTeardown of an end-to-end lane: deletes the shared example stack when this lane made the run folder. */
import * as fs from 'fs';
import { SHARED_DIR_ENV, sharedStackName } from './shared-example';
import { deleteStack } from '../../scripts/local/deploy';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env[SHARED_DIR_ENV];
  if (!dir || process.env.E2E_SHARED_DIR_OWNED !== '1') return;
  const name = sharedStackName(dir);
  if (name) await deleteStack(name, { quiet: true }).catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
}
