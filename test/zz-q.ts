import { TrinoClient } from './e2e/trino';
(async () => {
  const t = new TrinoClient({ endpoint: 'http://127.0.0.1:8107', catalog: 'iceberg', timeoutMs: 600_000 });
  const sql = process.argv[2];
  const t0 = Date.now();
  try { const r = await t.query(sql); console.log(JSON.stringify(r.rows.slice(0, 50), null, 0).slice(0, 6000)); } catch (e) { console.log(String(e).slice(0, 3000)); }
  console.log('ms', Date.now() - t0);
})();
