import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import * as path from 'path';

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'local', 'python-senders.sh');

/**
 * The interpreter of the Python senders' venv (scripts/local/python-senders.sh: segment-analytics-python from PyPI,
 * cached), or SEGMENT_PYTHON when set. Throws when it is missing or cannot import the SDK, so a test that needs it
 * fails rather than skips: scripts/test.sh installs it before the build; run the script once to run a suite alone.
 */
export function sendersPython(): string {
  const python = process.env.SEGMENT_PYTHON
    ?? spawnSync('bash', [SCRIPT, '--path'], { encoding: 'utf8' }).stdout.trim();
  if (!python || !existsSync(python) || spawnSync(python, ['-c', 'import segment.analytics'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`The Python senders' venv is missing (${python || 'no path'}): run scripts/local/python-senders.sh`);
  }
  return python;
}
