/**
 * jest globalSetup: builds the VTL renderer jar once before any worker starts
 * (wire as `globalSetup: '<rootDir>/test/vtl/global-setup.ts'`). The engine also builds lazily,
 * under a lock, so tests still work without this.
 */
import { buildVtlEngine } from './harness';

export default async function globalSetup(): Promise<void> {
  await buildVtlEngine();
}
