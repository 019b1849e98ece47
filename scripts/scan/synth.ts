/**
 * Writes the template of every configuration in test/stability/configurations.ts to <outdir>/<name>.json, for the
 * scanners (scripts/scan.sh). The templates are the ones the stability test compares, plus the aws:cdk:path metadata
 * that the CDK CLI adds to every resource: the scan tells the construct's resources from the configuration's own by it.
 * For each configuration named after <outdir>, also writes <name>.unacknowledged.json, the template without
 * Metadata.checkov, for the scan's self-check (see scripts/scan/findings.ts, `evaluate`).
 *
 *   npx ts-node --transpile-only -P tsconfig.dev.json scripts/scan/synth.ts <outdir> [self-check config...]
 */
import * as fs from 'fs';
import * as path from 'path';
import { stripAcknowledgements } from './findings';
import { CONFIGURATIONS, synthesize } from '../../test/stability/configurations';

// Read by every App that synthesize() creates (aws-cdk-lib reads the context from this variable, as under the CLI).
process.env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:enable-path-metadata': true });

const outdir = process.argv[2];
if (!outdir) throw new Error('usage: synth.ts <outdir> [self-check config...]');
fs.mkdirSync(outdir, { recursive: true });
const selfCheck = process.argv.slice(3);
for (const config of CONFIGURATIONS) {
  const text = synthesize(config);
  fs.writeFileSync(path.join(outdir, `${config.name}.json`), text);
  if (selfCheck.includes(config.name)) {
    const copy = stripAcknowledgements(JSON.parse(text));
    fs.writeFileSync(path.join(outdir, `${config.name}.unacknowledged.json`), JSON.stringify(copy, undefined, 1) + '\n');
  }
}
const unknown = selfCheck.filter((name) => !CONFIGURATIONS.some((c) => c.name === name));
if (unknown.length) throw new Error(`self-check: no configuration named ${unknown.join(', ')}`);
console.log(`synthesized ${CONFIGURATIONS.length} configurations into ${outdir}`);
