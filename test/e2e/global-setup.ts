/**
 * jest globalSetup of the end-to-end lanes: the VTL renderer (the query suites render lines through the templates)
 * and the run folder of the shared example stack (test/e2e/shared-example.ts). Lanes started together share one
 * folder through E2E_SHARED_DIR (scripts/test.sh sets it); a lane started alone gets its own.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SHARED_DIR_ENV } from './shared-example';
import vtlSetup from '../vtl/global-setup';

export default async function globalSetup(): Promise<void> {
  await vtlSetup();
  if (!process.env[SHARED_DIR_ENV]) {
    process.env[SHARED_DIR_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-shared-'));
    process.env.E2E_SHARED_DIR_OWNED = '1';
  }
}
