#!/usr/bin/env node
/**
 * Checks that the Python wheel, the Java sources jar and the Go module carry the repository's README.md, as PyPI,
 * Maven (javadoc) and Go users see it: every heading and every link of README.md is in the wheel's long description
 * (METADATA), in the jar's package-info.java (jsii-pacmak turns the README into its Javadoc) and in the Go module's
 * README.md. jsii-rosetta translates the TypeScript examples for each language, so code blocks are not compared.
 *
 * Usage: node test/consumers/check-readme.js WHEEL SOURCES_JAR GO_MODULE_DIR   (exit code 1 on a difference)
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const [wheel, sourcesJar, goDir] = process.argv.slice(2);
if (!wheel || !sourcesJar || !goDir) {
  console.error('usage: check-readme.js WHEEL SOURCES_JAR GO_MODULE_DIR');
  process.exit(2);
}
const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf-8');
const prose = readme.replace(/```[\s\S]*?```/g, '');
const headings = [...prose.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1].trim());
const links = [...new Set([...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]))];

const unzip = (archive, member) => execFileSync('unzip', ['-p', archive, member], { encoding: 'utf-8', maxBuffer: 64 << 20 });
const metadata = unzip(wheel, '*.dist-info/METADATA');
const description = metadata.slice(metadata.indexOf('\n\n') + 2);
const javadoc = unzip(sourcesJar, '*/package-info.java')
  .split('\n').map((l) => l.replace(/^ \* ?/, '')).join('\n')
  .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
const goReadme = fs.readFileSync(path.join(goDir, 'README.md'), 'utf-8');

const strip = (h) => h.replace(/`/g, '');
const packages = {
  'Python wheel (METADATA long description)': {
    heading: (h) => new RegExp(`^#{1,6} ${escape(h)}$`, 'm').test(description),
    link: (l) => description.includes(`](${l})`),
  },
  'Java sources jar (package-info.java Javadoc)': {
    heading: (h) => new RegExp(`<h[1-6]>${escape(strip(h)).replace(/ /g, '\\s+')}</h[1-6]>`).test(javadoc.replace(/<\/?code>/g, '')),
    link: (l) => javadoc.includes(`href="${l}"`) || javadoc.includes(`src="${l}"`),
  },
  'Go module (README.md)': {
    heading: (h) => new RegExp(`^#{1,6} ${escape(h)}$`, 'm').test(goReadme),
    link: (l) => goReadme.includes(`](${l})`),
  },
};
function escape(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }

let failed = false;
for (const [name, check] of Object.entries(packages)) {
  const missing = [...headings.filter((h) => !check.heading(h)).map((h) => `heading "${h}"`),
    ...links.filter((l) => !check.link(l)).map((l) => `link ${l}`)];
  if (missing.length) {
    failed = true;
    console.error(`readme: ${name} lacks ${missing.length} of README.md's ${headings.length} headings and ${links.length} links:`);
    for (const m of missing.slice(0, 10)) console.error(`  ${m}`);
  }
}
if (failed) process.exit(1);
console.log(`readme: the wheel, the jar and the Go module carry README.md (${headings.length} headings, ${links.length} links each)`);
