#!/usr/bin/env node
/**
 * Compares the templates synthesized by the TypeScript, Python, Java and Go consumer apps
 * (test/consumers/out/<language>/ConsumerStack.template.json). They must be identical:
 * same construct ids, same props, same aws-cdk-lib version (2.257.0) in all four.
 *
 * Normalisation: only `Metadata.aws:cdk:path`/`aws:asset:*` entries and the CDKMetadata
 * resource are ignored (they would differ only if path metadata or version reporting were on).
 *
 * Usage: node test/consumers/compare-templates.js [outdir]   (exit code 1 on a difference)
 */
const fs = require('fs');
const path = require('path');

const outdir = process.argv[2] || path.join(__dirname, 'out');
const languages = ['typescript', 'python', 'java', 'go'];

function normalise(template) {
  const t = JSON.parse(JSON.stringify(template));
  const resources = t.Resources || {};
  delete resources.CDKMetadata;
  if (t.Conditions) delete t.Conditions.CDKMetadataAvailable;
  for (const r of Object.values(resources)) {
    if (!r.Metadata) continue;
    for (const k of Object.keys(r.Metadata)) {
      if (k === 'aws:cdk:path' || k.startsWith('aws:asset:')) delete r.Metadata[k];
    }
    if (Object.keys(r.Metadata).length === 0) delete r.Metadata;
  }
  return t;
}

/** Lists the paths where a and b differ (at most `limit`). */
function diff(a, b, at = '', out = [], limit = 20) {
  if (out.length >= limit) return out;
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null || typeof a !== 'object') {
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      out.push(`${at || '/'}: ${JSON.stringify(a)?.slice(0, 120)} != ${JSON.stringify(b)?.slice(0, 120)}`);
    }
    return out;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) diff(a[k], b[k], `${at}/${k}`, out, limit);
  return out;
}

const templates = {};
let failed = false;
for (const lang of languages) {
  const file = path.join(outdir, lang, 'ConsumerStack.template.json');
  if (!fs.existsSync(file)) {
    console.error(`compare: missing ${path.relative(process.cwd(), file)} (did the ${lang} consumer run?)`);
    failed = true;
    continue;
  }
  templates[lang] = normalise(JSON.parse(fs.readFileSync(file, 'utf-8')));
}
if (!failed) {
  const base = templates.typescript;
  for (const lang of languages.slice(1)) {
    const d = diff(base, templates[lang]);
    if (d.length) {
      failed = true;
      console.error(`compare: typescript and ${lang} templates differ (typescript value != ${lang} value):`);
      for (const line of d) console.error(`  ${line}`);
    }
  }
}
if (failed) process.exit(1);
const n = Object.keys(templates.typescript.Resources).length;
console.log(`compare: ${languages.join(', ')} templates are identical (${n} resources)`);
