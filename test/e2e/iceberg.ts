/**
 * A mechanical conversion of a synthesized Iceberg `AWS::Glue::Table` (`OpenTableFormatInput.IcebergInput` with an
 * `IcebergTableInput`: schema, partition spec, location) into the Trino SQL that creates the same table in the
 * `iceberg` catalog. What it cannot map, it rejects. Used by the curated tables' e2e test.
 */
import { CfnResolver, ident, sqlString } from './trino';

export interface TrinoIcebergDdl {
  readonly schema: string;
  readonly table: string;
  /** `"schema"."table"` (the session's catalog is `iceberg`). */
  readonly qualifiedName: string;
  readonly createTable: string;
}

/** Iceberg primitive type -> Trino type. */
const PRIMITIVES: Record<string, string> = {
  string: 'varchar', long: 'bigint', int: 'integer', double: 'double', boolean: 'boolean', timestamp: 'timestamp(6)', date: 'date',
};

function trinoType(type: unknown, where: string): string {
  // A nested type is Iceberg's JSON object, given as its text (CloudFormation types the field as a string).
  if (typeof type === 'string' && type.startsWith('{')) return trinoType(JSON.parse(type), where);
  if (typeof type === 'string') {
    const t = PRIMITIVES[type];
    if (!t) throw new Error(`${where}: no Trino type for Iceberg type ${JSON.stringify(type)}.`);
    return t;
  }
  const m = type as Record<string, unknown>;
  if (m?.type === 'map') return `map(${trinoType(m.key, `${where}.key`)}, ${trinoType(m.value, `${where}.value`)})`;
  throw new Error(`${where}: no Trino type for Iceberg type ${JSON.stringify(type)}.`);
}

export function trinoDdlFromIcebergTable(resource: any, resolve: CfnResolver): TrinoIcebergDdl {
  const props = resource.Type === 'AWS::Glue::Table' ? resource.Properties : resource;
  const input = props.OpenTableFormatInput?.IcebergInput;
  if (!input?.IcebergTableInput) throw new Error('not an Iceberg table with an IcebergTableInput');
  const t = input.IcebergTableInput;
  const fields = t.Schema.Fields as { Id: number; Name: string; Type: unknown; Doc?: string }[];
  const partitioning = ((t.PartitionSpec?.Fields ?? []) as { SourceId: number; Transform: string }[]).map((p) => {
    const source = fields.find((f) => f.Id === p.SourceId);
    if (!source) throw new Error(`partition field source id ${p.SourceId} is no column`);
    if (!['day', 'month', 'year', 'hour', 'identity'].includes(p.Transform)) throw new Error(`partition transform ${p.Transform} is not mapped`);
    return p.Transform === 'identity' ? source.Name : `${p.Transform}(${source.Name})`;
  });
  const schema = props.DatabaseName as string;
  const table = props.TableInput.Name as string;
  const qualifiedName = `${ident(schema)}.${ident(table)}`;
  const location = resolve(t.Location, 'IcebergTableInput.Location');
  const columns = fields.map((f) => `  ${ident(f.Name)} ${trinoType(f.Type, `field ${f.Name}`)}${f.Doc ? ` COMMENT ${sqlString(f.Doc)}` : ''}`);
  const withProps = [
    'format = \'PARQUET\'',
    ...(partitioning.length > 0 ? [`partitioning = ARRAY[${partitioning.map(sqlString).join(', ')}]`] : []),
    `location = ${sqlString(location)}`,
  ];
  return {
    schema,
    table,
    qualifiedName,
    createTable: `CREATE TABLE ${qualifiedName} (\n${columns.join(',\n')}\n)\nWITH (${withProps.join(', ')})`,
  };
}
