/**
 * What Trino costs a test run or the demo: start time (without and with the class-data-sharing archive), RSS, and
 * the latency of the first statements. Each round starts Trino with scripts/local/trino.sh, runs
 * SELECT 1, CREATE SCHEMA/TABLE (OpenX JSON, date projection) and a first scan of one object in LocalStack S3,
 * then stops it. Prints a table and writes docs/benchmarks/trino-start.json.
 *
 *   scripts/local/localstack.sh run -- npx ts-node --transpile-only --project tsconfig.dev.json scripts/bench/trino-start.ts
 *
 * Environment: TRINO_PORT (default 8080), TRINO_BENCH_ROUNDS (warm rounds, default 3). The first round removes the
 * cached archive of this JDK (so it is a "no archive" start and writes a new one); Trino itself must be installed
 * (`scripts/local/trino.sh install`) - the download is not measured here (see docs/trino-notes.md).
 */
import { execFileSync } from 'child_process';
import { readdirSync, rmSync, writeFileSync } from 'fs';
import { homedir, loadavg } from 'os';
import { join } from 'path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { TrinoClient } from '../../test/e2e/trino';
import { emptyBucket, s3Client } from '../local/deploy';

const ROOT = join(__dirname, '..', '..');
const TRINO_SH = join(ROOT, 'scripts', 'local', 'trino.sh');
const PORT = process.env.TRINO_PORT ?? '8080';
const ROUNDS = Number(process.env.TRINO_BENCH_ROUNDS ?? '3');
const CDS_DIR = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cdk-api-to-firehose', 'trino-476', 'cds');

interface Round {
  archive: 'none (written at stop)' | 'cached';
  loadBefore: number;
  startMs: number;
  rssMb: number;
  select1Ms: number;
  ddlMs: number;
  firstScanMs: number;
  secondScanMs: number;
}

function trinoSh(...args: string[]): string {
  // trino.sh logs to stderr; `start` prints "ready after N ms (pid P, RSS M MB)".
  return execFileSync(TRINO_SH, args, { env: { ...process.env, TRINO_PORT: PORT }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function round(i: number, bucket: string): Promise<Round> {
  const archive = i === 0 ? 'none (written at stop)' : 'cached';
  if (i === 0) {
    for (const f of safeList(CDS_DIR)) if (f.endsWith('.jsa')) rmSync(join(CDS_DIR, f));
  }
  const loadBefore = loadavg()[0];
  const t0 = Date.now();
  try {
    execFileSync(TRINO_SH, ['start'], { env: { ...process.env, TRINO_PORT: PORT }, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`trino.sh start failed: ${(e as { stderr?: string }).stderr ?? e}`);
  }
  const startMs = Date.now() - t0;
  const client = new TrinoClient({ endpoint: `http://127.0.0.1:${PORT}` });
  const time = async (sql: string) => {
    const s = Date.now();
    await client.query(sql);
    return Date.now() - s;
  };
  try {
    const rssMb = rssOfTrino();
    const select1Ms = await time('SELECT 1');
    const schema = `bench_${i}`;
    const ddlStart = Date.now();
    await client.query(`CREATE SCHEMA hive.${schema}`);
    await client.query(`CREATE TABLE hive.${schema}.events (requestid varchar, body row(n bigint), dt varchar WITH (
      partition_projection_type = 'DATE', partition_projection_format = 'yyyy/MM/dd/HH',
      partition_projection_range = ARRAY['2026/12/01/00', '2026/12/01/23'], partition_projection_interval = 1,
      partition_projection_interval_unit = 'HOURS'))
      WITH (format = 'OPENX_JSON', external_location = 's3://${bucket}/events/', partitioned_by = ARRAY['dt'],
      partition_projection_enabled = true, partition_projection_location_template = 's3://${bucket}/events/\${dt}/')`);
    const ddlMs = Date.now() - ddlStart;
    const scan = `SELECT count(requestid), sum(body.n) FROM hive.${schema}.events WHERE dt = '2026/12/01/20'`;
    const firstScanMs = await time(scan);
    const secondScanMs = await time(scan);
    return { archive, loadBefore, startMs, rssMb, select1Ms, ddlMs, firstScanMs, secondScanMs };
  } finally {
    trinoSh('stop');
  }
}

function rssOfTrino(): number {
  const pid = execFileSync('cat', [join(ROOT, '.trino', 'trino.pid')], { encoding: 'utf8' }).trim();
  const status = execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' });
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function main() {
  try {
    execFileSync(TRINO_SH, ['status'], { env: { ...process.env, TRINO_PORT: PORT }, stdio: 'ignore' });
    throw new Error(`Trino is already running on port ${PORT}: stop it first (TRINO_PORT=${PORT} scripts/local/trino.sh stop).`);
  } catch (e) {
    if ((e as Error).message.startsWith('Trino is already running')) throw e;
  }
  const s3 = s3Client();
  const bucket = `trino-bench-${Date.now().toString(36)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const body = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ requestId: `r${i}`, body: { n: i } })).join('\n') + '\n';
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'events/2026/12/01/20/bench', Body: body }));
  const rounds: Round[] = [];
  try {
    for (let i = 0; i <= ROUNDS; i++) {
      const r = await round(i, bucket);
      rounds.push(r);
      console.log(JSON.stringify(r));
    }
  } finally {
    await emptyBucket(bucket).catch(() => undefined);
  }
  console.log('\narchive                 load  start ms  RSS MB  SELECT 1 ms  DDL ms  1st scan ms  2nd scan ms');
  for (const r of rounds) {
    console.log(`${r.archive.padEnd(22)} ${r.loadBefore.toFixed(1).padStart(5)} ${String(r.startMs).padStart(9)} ${String(r.rssMb).padStart(7)}`
      + ` ${String(r.select1Ms).padStart(12)} ${String(r.ddlMs).padStart(7)} ${String(r.firstScanMs).padStart(12)} ${String(r.secondScanMs).padStart(12)}`);
  }
  const out = join(ROOT, 'docs', 'benchmarks', 'trino-start.json');
  writeFileSync(out, JSON.stringify({ measuredAt: new Date().toISOString(), trino: '476', cores: 2, note: 'start ms = trino.sh start until /v1/info says started; 1,000-line object for the scans', rounds }, null, 2) + '\n');
  console.log(`\nwrote ${out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
