/* eslint-disable no-console */
import { execFileSync } from 'child_process';
import { Analytics } from '@segment/analytics-node';
import { deleteStack, listObjects } from './local/deploy';
import { EventClient } from '../client/src';
import { deployExample } from './local/example';
import { createCuratedInTrino, createInTrino, namedQuery, synthesizedCatalogs } from './local/glue-in-trino';
import { TrinoClient } from '../test/e2e/trino';

/** Events the demo stores: 2 single POSTs, 3 from the client, 2 from Segment's SDK. */
const EXPECTED = 7;

/** The demo: deploy the example stack to LocalStack, POST events, show what landed in S3, query it with Trino. */
async function main(): Promise<void> {
  const step = (m: string) => console.log(`\n==> ${m}`);
  step('Deploying the example stack (integ/example-stack.ts) to LocalStack');
  // With the curated Iceberg tables (query.curated): the demo ends with a query on one.
  const ex = await deployExample('ApiToFirehoseDemo', undefined, false, { curated: true });
  console.log(`    API:        ${ex.baseUrl}`);
  console.log(`    API key id: ${ex.apiKeyId} (the value is read once with GetApiKey; records carry only the id)`);
  console.log(`    bucket:     ${ex.eventsBucket}`);
  // The stack's outputs from `ingest.endpoints`: what each sender is configured with (on AWS; LocalStack serves the same
  // routes under the API URL above).
  console.log('    sender settings (stack outputs from ingest.endpoints):');
  for (const name of ['BatchUrl', 'SegmentHost', 'SegmentPath', 'SegmentApiHost', 'SegmentBaseUrl', 'OtlpEndpoint', 'SnowplowCollectorUrl', 'LogShippersUrl']) {
    if (ex.outputs[name]) console.log(`      ${name.padEnd(20)} ${ex.outputs[name]}`);
  }

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(ex.baseUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': ex.apiKey, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    console.log(`    POST /${path} -> ${res.status} ${text.replace(/\s+/g, ' ').slice(0, 160)}`);
    return res.status;
  };

  step('POSTing single events');
  await post('', { type: 'click', target: 'buy-button', user: 'u-1' }, { 'x-tenant-id': 'acme', 'user-agent': 'demo/1.0' });
  await post('?source=newsletter', { type: 'view', page: '/pricing', note: 'quotes " and \\ and \'' }, { 'x-tenant-id': 'acme' });
  step('Sending 3 events with the client (cdk-api-to-firehose-client: one batch, packed into one Firehose record)');
  const client = new EventClient({
    url: ex.baseUrl.replace(/\/+$/, ''),
    apiKey: ex.apiKey,
    onDrop: (d) => console.log(`    dropped: ${d.map((e) => `${e.id} (${e.reason})`).join(', ')}`),
  });
  const ids = [10, 50, 90].map((depth) => client.track({ type: 'scroll', depth }));
  console.log(`    tracked ${ids.join(', ')}`);
  console.log(`    close() -> ${JSON.stringify(await client.close())}`);
  step('Sending 2 events with Segment\'s SDK (@segment/analytics-node at /v1/batch: the declared source "example", by its write key)');
  const stage = new URL(ex.baseUrl);
  // Only what a Segment user changes when moving collectors: the write key, and where to send (origin + stage path).
  const analytics = new Analytics({ writeKey: ex.segmentWriteKey, host: stage.origin, path: `${stage.pathname}v1/batch` });
  analytics.on('error', (e) => console.log(`    segment error: ${String(e)}`));
  analytics.identify({ userId: 'u-1', traits: { plan: 'pro' } });
  analytics.track({ userId: 'u-1', event: 'Checkout Started', properties: { total: 42 } });
  await analytics.closeAndFlush();
  console.log('    identify and track sent (each line records segmentSource "example", never the write key; messageId becomes eventId)');
  const wrong = new Analytics({ writeKey: 'wkNotDeclared000aaaa1111bbbb2222', host: stage.origin, path: `${stage.pathname}v1/batch`, maxRetries: 0 });
  const wrongErrors: string[] = [];
  wrong.on('error', (e: any) => wrongErrors.push(String(e.reason?.message ?? e.code ?? e)));
  wrong.track({ userId: 'u-2', event: 'Not Stored' });
  await wrong.closeAndFlush();
  console.log(`    a write key no source declared: ${wrongErrors.join('; ') || 'no error (unexpected)'}`);
  step('What the API refuses (nothing is written)');
  const refused = async (what: string, status: Promise<number>) => console.log(`    ${what}: ${await status}`);
  await refused('invalid JSON', post('', '{"type":'));
  await refused('forged envelope field', post('', '1,"apiKeyId":"forged"'));
  await refused('empty body', post('', ''));
  const noKey = await fetch(ex.baseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
  console.log(`    no API key: ${noKey.status}`);

  step('Waiting for delivery and reading S3');
  let objects = await listObjects(ex.eventsBucket, 'events/');
  for (let i = 0; i < 20 && objects.reduce((n, o) => n + o.body.split('\n').filter(Boolean).length, 0) < EXPECTED; i++) {
    await new Promise((r) => setTimeout(r, 500));
    objects = await listObjects(ex.eventsBucket, 'events/');
  }
  for (const o of objects) {
    console.log(`\n    s3://${ex.eventsBucket}/${o.key}`);
    for (const line of o.body.split('\n').filter(Boolean)) console.log(`      ${line}`);
  }
  const lines = objects.flatMap((o) => o.body.split('\n').filter(Boolean));
  const valid = lines.every((l) => { try { JSON.parse(l); return true; } catch { return false; } });
  console.log(`\n    ${lines.length} events in ${objects.length} objects; every line valid JSON: ${valid}`);

  // The synthesized Glue table, created in Trino (Athena engine version 3 is Trino), and one synthesized named query.
  step('Querying with Trino: the Glue table from the template, the named query "recent events"');
  // demo.sh started Trino in the background; `start` returns once it is ready (at once if it already is).
  execFileSync('scripts/local/trino.sh', ['start'], { stdio: 'inherit' });
  const trino = new TrinoClient();
  const [catalog] = await createInTrino(trino, ex.stackName, synthesizedCatalogs(ex.template, 'Ingest'));
  const sql = catalog.queries['recent events'];
  console.log(sql.split('\n').map((l) => `    ${l}`).join('\n'));
  const result = await trino.query(sql);
  const shown = ['receivedat', 'index', 'tenant', 'source', 'body'];
  const at = shown.map((name) => result.columns.findIndex((c) => c.name === name));
  console.log(`\n    ${shown.map((n, i) => `${n} (${result.columns[at[i]].type})`).join(' | ')}`);
  for (const row of result.rows) console.log(`    ${at.map((i) => String(row[i])).join(' | ')}`);
  console.log(`    ${result.rows.length} rows in ${result.elapsedMs} ms`);

  step('The Segment view (named query "create the Segment view"): one row per messageId, Segment\'s fields as columns');
  await trino.query(catalog.queries['create the Segment view']);
  const segment = await trino.query(`SELECT "segmentsource", "type", "event", "user_id", "message_id", "properties", "traits" FROM ${catalog.database}.${catalog.table}_segment`
    // The view prunes by dt (its window leads with the partition columns): the last day, not every hour since firstDay.
    + ' WHERE "dt" >= format_datetime((current_timestamp AT TIME ZONE \'UTC\') - INTERVAL \'1\' DAY, \'yyyy/MM/dd/HH\')');
  for (const row of segment.rows) console.log(`    ${row.map((v) => String(v)).join(' | ')}`);

  step('The curated tables (query.curated): the template\'s MERGE statements, run on Trino\'s Iceberg connector');
  // On AWS a Step Functions state machine runs them in Athena every hour; here, once by hand, then again: a second run
  // over the same raw hours adds nothing (one row per event id).
  const iceberg = new TrinoClient({ catalog: 'iceberg' });
  const curatedTables = await createCuratedInTrino(iceberg, ex.stackName, ex.template);
  console.log(`    Iceberg tables: ${curatedTables.join(', ')}`);
  const curatedCount = async (table: string) => Number((await iceberg.query(`SELECT count(*) FROM "${catalog.database}"."${table}"`)).rows[0][0]);
  for (const table of ['events_curated_events', 'events_curated_segment']) {
    await iceberg.query(namedQuery(ex.template, table, 'merge'));
    const first = await curatedCount(table);
    await iceberg.query(namedQuery(ex.template, table, 'merge'));
    console.log(`    "${table}: merge": ${first} rows; run again: ${await curatedCount(table)} rows`);
  }
  const curated = await iceberg.query('SELECT "type", "event", "user_id", CAST("timestamp" AS varchar) AS "timestamp", "properties", "traits" '
    + `FROM "${catalog.database}"."events_curated_segment" ORDER BY "timestamp"`);
  console.log(`\n    ${curated.columns.map((c) => `${c.name} (${c.type})`).join(' | ')}`);
  for (const row of curated.rows) console.log(`    ${row.map((v) => String(v)).join(' | ')}`);
  const ownCurated = await curatedCount('events_curated_events');

  step('Deleting the stack');
  await deleteStack(ex.stackName, { quiet: true });
  if (lines.length !== EXPECTED || !valid) throw new Error(`expected ${EXPECTED} valid JSON lines in S3, found ${lines.length}`);
  if (result.rows.length !== EXPECTED) throw new Error(`expected the ${EXPECTED} events from Trino, got ${result.rows.length} rows`);
  if (segment.rows.length !== 2) throw new Error(`expected the 2 Segment events in the Segment view, got ${segment.rows.length}`);
  if (curated.rows.length !== 2) throw new Error(`expected the 2 Segment events in the curated Segment table, got ${curated.rows.length}`);
  // The own events: 2 single POSTs and the client's 3 (the Segment events have their own table).
  if (ownCurated !== 5) throw new Error(`expected the 5 own events in the curated events table, got ${ownCurated}`);
  console.log('\nDemo OK');
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
