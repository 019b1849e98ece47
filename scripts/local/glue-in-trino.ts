/**
 * Creates the Glue tables of a synthesized template in Trino, mechanically (test/e2e/trino.ts converts each
 * AWS::Glue::Table: same SerDe, columns, location, partition projection), with the template's intrinsics resolved
 * against the stack deployed to LocalStack. Used by the query e2e and the demo.
 */
import { stackResources } from './deploy';
import { trinoDdlFromIcebergTable } from '../../test/e2e/iceberg';
import { TrinoClient, ident, trinoDdlFromGlueTable } from '../../test/e2e/trino';

/** A Glue table and the named queries of the same database, from a synthesized template. */
export interface SynthesizedCatalog {
  readonly logicalId: string;
  readonly database: string;
  readonly table: string;
  readonly properties: Record<string, any>;
  /** Named query SQL by name (the part after "<table>: "). */
  readonly queries: Record<string, string>;
}

/** The Glue tables of a template whose logical ids start with `prefix`, each with its named queries. */
export function synthesizedCatalogs(template: Record<string, any>, prefix = ''): SynthesizedCatalog[] {
  const resources = Object.entries<any>(template.Resources ?? {});
  // Iceberg tables (query.curated) are created by createCuratedInTrino, in the iceberg catalog.
  return resources.filter(([id, r]) => r.Type === 'AWS::Glue::Table' && !r.Properties.OpenTableFormatInput && id.startsWith(prefix)).map(([logicalId, r]) => {
    const table = r.Properties.TableInput.Name as string;
    const database = r.Properties.DatabaseName as string;
    const queries = Object.fromEntries(resources
      .filter(([, q]) => q.Type === 'AWS::Athena::NamedQuery' && q.Properties.Database === database && q.Properties.Name.startsWith(`${table}: `))
      .map(([, q]) => [q.Properties.Name.slice(table.length + 2), q.Properties.QueryString as string]));
    return { logicalId, database, table, properties: r.Properties, queries };
  });
}

/** The SQL of the template's named query `<table>: <label>` (the curated tables' statements, say); throws when absent. */
export function namedQuery(template: Record<string, any>, table: string, label: string): string {
  const name = `${table}: ${label}`;
  const q = Object.values<any>(template.Resources ?? {}).find((r) => r.Type === 'AWS::Athena::NamedQuery' && r.Properties.Name === name);
  if (!q) throw new Error(`no named query "${name}" in the template`);
  return q.Properties.QueryString;
}

/** Resolves Ref (to the deployed physical id, or LocalStack's pseudo parameters) and Fn::Join. */
export function cfnResolver(physicalIds: Record<string, string>) {
  const resolve = (value: unknown, path: string): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, any>;
    const pseudo: Record<string, string> = { 'AWS::AccountId': '000000000000', 'AWS::Region': 'us-east-1', 'AWS::Partition': 'aws' };
    if (typeof v?.Ref === 'string' && pseudo[v.Ref]) return pseudo[v.Ref];
    if (typeof v?.Ref === 'string' && physicalIds[v.Ref] !== undefined) return physicalIds[v.Ref];
    if (Array.isArray(v?.['Fn::Join'])) return (v['Fn::Join'][1] as unknown[]).map((x, i) => resolve(x, `${path}[${i}]`)).join(v['Fn::Join'][0]);
    throw new Error(`cannot resolve ${JSON.stringify(value)} at ${path}`);
  };
  return resolve;
}

/** Creates each catalog's schema and table in Trino; returns the catalogs. */
export async function createInTrino(trino: TrinoClient, stackName: string, catalogs: SynthesizedCatalog[]): Promise<SynthesizedCatalog[]> {
  const resolve = cfnResolver(await stackResources(stackName));
  for (const c of catalogs) {
    const ddl = trinoDdlFromGlueTable(c.properties, { resolve });
    await trino.query(ddl.createSchema);
    await trino.query(ddl.createTable);
  }
  return catalogs;
}

/**
 * Creates the template's Iceberg tables (query.curated) in Trino's `iceberg` catalog (same metastore as `hive`); returns
 * their names. Run the template's `<table>: merge` named queries with a client whose catalog is `iceberg`.
 */
export async function createCuratedInTrino(trino: TrinoClient, stackName: string, template: Record<string, any>): Promise<string[]> {
  const resolve = cfnResolver(await stackResources(stackName));
  const tables = Object.values<any>(template.Resources ?? {}).filter((r) => r.Type === 'AWS::Glue::Table' && r.Properties.OpenTableFormatInput);
  const names: string[] = [];
  for (const r of tables) {
    const ddl = trinoDdlFromIcebergTable(r, resolve);
    await trino.query(`CREATE SCHEMA IF NOT EXISTS iceberg.${ident(ddl.schema)}`);
    await trino.query(ddl.createTable.replace(/^CREATE TABLE /, 'CREATE TABLE iceberg.'));
    names.push(ddl.table);
  }
  return names;
}
