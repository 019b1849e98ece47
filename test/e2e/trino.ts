/**
 * Test helpers for Trino (Athena engine version 3 is Trino), used by e2e tests run inside
 * `scripts/local/trino.sh run -- ...` (which exports TRINO_ENDPOINT):
 *
 * - {@link TrinoClient}: a small client for Trino's HTTP statement protocol (POST /v1/statement, follow nextUri).
 * - {@link trinoDdlFromGlueTable}: a mechanical conversion of a synthesized `AWS::Glue::Table` into the Trino SQL that
 *   creates the same table in the `hive` catalog, partition projection included. What it cannot map, it rejects.
 *
 * Facts about the engine (Trino 476) are in docs/trino-notes.md.
 */

// ---------------------------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------------------------

/** Trino's structured type description (`columns[].typeSignature` in a statement response). */
export interface TrinoTypeSignature {
  readonly rawType: string;
  readonly arguments: ReadonlyArray<
    | { readonly kind: 'TYPE'; readonly value: TrinoTypeSignature }
    | { readonly kind: 'NAMED_TYPE'; readonly value: { readonly fieldName?: { readonly name: string }; readonly typeSignature: TrinoTypeSignature } }
    | { readonly kind: 'LONG'; readonly value: number }
  >;
}

export interface TrinoColumn {
  readonly name: string;
  /** Trino's type name, e.g. `varchar`, `bigint`, `row(a varchar, b array(bigint))`. */
  readonly type: string;
  readonly typeSignature?: TrinoTypeSignature;
}

export interface TrinoResult {
  readonly queryId: string;
  readonly columns: TrinoColumn[];
  /**
   * Rows as Trino's JSON encodes them: varchar/date/timestamp as strings, integers and doubles as numbers (a bigint
   * beyond 2^53 loses precision in JSON.parse: CAST it to varchar to compare exactly), arrays as arrays, maps as
   * objects, rows as positional arrays.
   */
  readonly rows: unknown[][];
  /** Set for DDL/DML, e.g. `CREATE TABLE`. */
  readonly updateType?: string;
  readonly elapsedMs: number;
}

/** The query reached Trino and failed there: Trino's own message, error name and position. */
export class TrinoQueryError extends Error {
  constructor(
    public readonly queryId: string,
    public readonly errorName: string,
    public readonly errorType: string,
    public readonly trinoMessage: string,
    public readonly sql: string,
    public readonly line?: number,
    public readonly column?: number,
    /** Messages of the underlying causes, outermost first (e.g. the JSON parser's for HIVE_CURSOR_ERROR). */
    public readonly causes: string[] = [],
  ) {
    const at = line !== undefined ? ` at line ${line}:${column}` : '';
    const excerpt = sql.length > 300 ? `${sql.slice(0, 300)}...` : sql;
    const why = causes.map((c) => `\n  caused by ${c}`).join('');
    super(`Trino query ${queryId} failed (${errorName}, ${errorType})${at}: ${trinoMessage}${why}\n  SQL: ${excerpt}`);
    this.name = 'TrinoQueryError';
  }
}

/** Trino answered with an HTTP status the protocol does not expect (or could not be reached). */
export class TrinoHttpError extends Error {
  constructor(public readonly status: number, public readonly url: string, public readonly body: string) {
    super(`Trino at ${url} answered HTTP ${status}: ${body.slice(0, 500)}`);
    this.name = 'TrinoHttpError';
  }
}

export interface TrinoClientOptions {
  /** @default process.env.TRINO_ENDPOINT (set by scripts/local/trino.sh run) */
  readonly endpoint?: string;
  /** X-Trino-User. @default 'e2e' */
  readonly user?: string;
  /** X-Trino-Catalog. @default 'hive' */
  readonly catalog?: string;
  /** X-Trino-Schema. @default - none */
  readonly schema?: string;
  /** X-Trino-Time-Zone (session time zone). @default 'UTC' */
  readonly timeZone?: string;
  /** Session properties (X-Trino-Session), e.g. `{ 'hive.timestamp_precision': 'MILLISECONDS' }`. */
  readonly session?: Record<string, string>;
  /** Whole-query deadline; on expiry the query is cancelled. @default 120_000 */
  readonly timeoutMs?: number;
}

interface FailureInfo { type?: string; message?: string; cause?: FailureInfo }

/** The messages of the failure's causes ("Failed to read file at ..." says little; its cause says why). */
function causeMessages(info: FailureInfo | undefined, top: string): string[] {
  const out: string[] = [];
  for (let c = info?.cause, depth = 0; c && depth < 10; c = c.cause, depth++) {
    const m = `${c.type ?? ''}: ${c.message ?? ''}`;
    if (c.message && c.message !== top && !out.includes(m)) out.push(m);
  }
  return out;
}

interface StatementResponse {
  id: string;
  nextUri?: string;
  columns?: TrinoColumn[];
  data?: unknown[][];
  updateType?: string;
  stats?: { state?: string };
  error?: {
    message: string;
    errorName: string;
    errorType: string;
    errorLocation?: { lineNumber: number; columnNumber: number };
    failureInfo?: FailureInfo;
  };
}

export class TrinoClient {
  private readonly endpoint: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(options: TrinoClientOptions = {}) {
    const endpoint = options.endpoint ?? process.env.TRINO_ENDPOINT;
    if (!endpoint) throw new Error('TRINO_ENDPOINT is not set: run the tests inside `scripts/local/trino.sh run -- ...` or pass endpoint.');
    this.endpoint = endpoint.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.headers = {
      'X-Trino-User': options.user ?? 'e2e',
      'X-Trino-Catalog': options.catalog ?? 'hive',
      'X-Trino-Time-Zone': options.timeZone ?? 'UTC',
      'X-Trino-Source': 'cdk-api-to-firehose-e2e',
    };
    if (options.schema) this.headers['X-Trino-Schema'] = options.schema;
    const session = Object.entries(options.session ?? {});
    if (session.length) this.headers['X-Trino-Session'] = session.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join(',');
  }

  /** Runs one statement to completion; throws {@link TrinoQueryError} with Trino's message if it fails. */
  public async query(sql: string): Promise<TrinoResult> {
    const started = Date.now();
    const deadline = started + this.timeoutMs;
    let res = await this.send('POST', `${this.endpoint}/v1/statement`, deadline, sql);
    let columns: TrinoColumn[] | undefined = res.columns;
    const rows: unknown[][] = [];
    for (;;) {
      if (res.columns) columns = res.columns;
      if (res.data) rows.push(...res.data);
      if (res.error) {
        const loc = res.error.errorLocation;
        throw new TrinoQueryError(res.id, res.error.errorName, res.error.errorType, res.error.message, sql,
          loc?.lineNumber, loc?.columnNumber, causeMessages(res.error.failureInfo, res.error.message));
      }
      if (!res.nextUri) break;
      if (Date.now() > deadline) {
        await fetch(res.nextUri, { method: 'DELETE', headers: this.headers }).catch(() => undefined);
        throw new Error(`Trino query ${res.id} did not finish within ${this.timeoutMs} ms (state ${res.stats?.state}); cancelled.\n  SQL: ${sql}`);
      }
      res = await this.send('GET', res.nextUri, deadline);
    }
    return { queryId: res.id, columns: columns ?? [], rows, updateType: res.updateType, elapsedMs: Date.now() - started };
  }

  /** Runs a query and returns its rows as objects keyed by column name, with row-typed values as objects too. */
  public async objects(sql: string): Promise<Record<string, unknown>[]> {
    const r = await this.query(sql);
    return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, c.typeSignature ? named(row[i], c.typeSignature) : row[i]])));
  }

  private async send(method: 'GET' | 'POST', url: string, deadline: number, body?: string): Promise<StatementResponse> {
    // The protocol asks clients to retry 502/503/504 (the coordinator is busy or restarting).
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, { method, body, headers: this.headers, signal: AbortSignal.timeout(Math.max(1_000, deadline - Date.now())) });
      } catch (e) {
        // A kept-alive socket to a Trino that has since restarted fails before anything is sent: retry once.
        const code = ((e as Error).cause as { code?: string } | undefined)?.code;
        if (attempt === 0 && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET')) continue;
        const why = `${(e as Error).message}${code ? ` (${code})` : ''}`;
        throw new TrinoHttpError(0, url, `request failed: ${why}${method === 'POST' ? ' - is Trino running? scripts/local/trino.sh status' : ''}`);
      }
      const text = await response.text();
      if ([502, 503, 504].includes(response.status) && Date.now() < deadline && attempt < 50) {
        await new Promise((r) => setTimeout(r, Math.min(1_000, 50 * 2 ** attempt)));
        continue;
      }
      if (response.status !== 200) throw new TrinoHttpError(response.status, url, text);
      try {
        return JSON.parse(text) as StatementResponse;
      } catch {
        throw new TrinoHttpError(response.status, url, `not JSON: ${text}`);
      }
    }
  }
}

/** Turns Trino's positional row values into objects, recursively through arrays and maps. */
function named(value: unknown, sig: TrinoTypeSignature): unknown {
  if (value === null || value === undefined) return value;
  const args = sig.arguments ?? [];
  switch (sig.rawType) {
    case 'row':
      return Object.fromEntries(args.map((a, i) => {
        if (a.kind !== 'NAMED_TYPE') return [`field${i}`, (value as unknown[])[i]];
        return [a.value.fieldName?.name ?? `field${i}`, named((value as unknown[])[i], a.value.typeSignature)];
      }));
    case 'array': {
      const element = args[0];
      return element?.kind === 'TYPE' ? (value as unknown[]).map((v) => named(v, element.value)) : value;
    }
    case 'map': {
      const v = args[1];
      if (v?.kind !== 'TYPE') return value;
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, x]) => [k, named(x, v.value)]));
    }
    default:
      return value;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Glue table -> Trino DDL
// ---------------------------------------------------------------------------------------------------------------

/**
 * Turns a CloudFormation value that is not a plain string (e.g. `{ 'Fn::Join': [...] }` with a `Ref` to the bucket)
 * into a string. `path` names the property, e.g. `TableInput.StorageDescriptor.Location`.
 */
export type CfnResolver = (value: unknown, path: string) => string;

export interface GlueToTrinoOptions {
  /** Resolves non-string values (Fn::Join, Ref...). Without it such a value is an error naming its path. */
  readonly resolve?: CfnResolver;
  /** @default 'hive' */
  readonly catalog?: string;
  /** Trino schema to create the table in. @default - the resource's DatabaseName */
  readonly schema?: string;
  /**
   * TableInput paths the caller accepts to drop because Trino has no equivalent (e.g. `['TableInput.Owner']`).
   * @default - none: every unmappable property is an error
   */
  readonly drop?: string[];
}

export interface TrinoTableDdl {
  readonly catalog: string;
  readonly schema: string;
  readonly table: string;
  /** `catalog.schema.table`, quoted. */
  readonly qualifiedName: string;
  readonly createSchema: string;
  readonly createTable: string;
  /** Properties that have no effect on reads in Trino or Athena and were left out, with the reason. */
  readonly notes: string[];
}

/** serde -> Trino `format` with the input/output formats Trino 476 pairs with it (HiveStorageFormat). */
const STORAGE_FORMATS: Record<string, { format: string; input: string; output: string }> = {
  'org.openx.data.jsonserde.JsonSerDe': {
    format: 'OPENX_JSON', input: 'org.apache.hadoop.mapred.TextInputFormat', output: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  },
  'org.apache.hive.hcatalog.data.JsonSerDe': {
    format: 'JSON', input: 'org.apache.hadoop.mapred.TextInputFormat', output: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  },
  'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe': {
    format: 'PARQUET', input: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat', output: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  },
  'org.apache.hadoop.hive.ql.io.orc.OrcSerde': {
    format: 'ORC', input: 'org.apache.hadoop.hive.ql.io.orc.OrcInputFormat', output: 'org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat',
  },
};

/** Athena's `projection.<column>.<suffix>` -> Trino column property and how its string value is typed. */
const PROJECTION_COLUMN_PROPERTIES: Record<string, { property: string; encode: (v: string, where: string) => string }> = {
  'type': { property: 'partition_projection_type', encode: (v, where) => sqlString(oneOf(v.toUpperCase(), ['DATE', 'ENUM', 'INTEGER', 'INJECTED'], where)) },
  'values': { property: 'partition_projection_values', encode: (v) => sqlArray(splitList(v)) },
  'range': { property: 'partition_projection_range', encode: (v) => sqlArray(splitList(v)) },
  'interval': { property: 'partition_projection_interval', encode: (v, where) => integer(v, where) },
  'interval.unit': {
    property: 'partition_projection_interval_unit',
    // Trino 476 reads any java.time ChronoUnit here; its date projection accepts DAYS, HOURS, MINUTES, SECONDS.
    encode: (v, where) => sqlString(oneOf(v.toUpperCase(), ['DAYS', 'HOURS', 'MINUTES', 'SECONDS', 'MONTHS', 'YEARS', 'WEEKS'], where)),
  },
  'digits': { property: 'partition_projection_digits', encode: (v, where) => integer(v, where) },
  'format': { property: 'partition_projection_format', encode: (v) => sqlString(v) },
};

/**
 * Converts a synthesized `AWS::Glue::Table` (the resource, or its `Properties`) into Trino 476 SQL for the `hive`
 * connector: `CREATE SCHEMA` and `CREATE TABLE ... WITH (format, external_location, partitioned_by,
 * partition_projection_*)`. Glue/Hive types are parsed and rewritten as Trino types. Table and SerDe parameters
 * that are not partition projection go to `extra_properties`: Trino stores them as table parameters and hands them
 * to the SerDe with its own parameters, so `case.insensitive`, `ignore.malformed.json`, `mapping.*` take effect.
 * Throws on anything it cannot map.
 */
export function trinoDdlFromGlueTable(resource: unknown, options: GlueToTrinoOptions = {}): TrinoTableDdl {
  const props = asRecord(isRecord(resource) && resource.Type === 'AWS::Glue::Table' ? resource.Properties : resource, 'Properties');
  const drop = new Set(options.drop ?? []);
  const notes: string[] = [];
  const str = (v: unknown, path: string): string => {
    if (typeof v === 'string') return v;
    if (v !== undefined && v !== null && options.resolve) {
      const r = options.resolve(v, path);
      if (typeof r !== 'string') throw new Error(`${path}: the resolver returned ${typeof r}, not a string.`);
      return r;
    }
    throw new Error(`${path} is ${JSON.stringify(v)}, not a string${v !== undefined && v !== null ? '; pass options.resolve to resolve CloudFormation values' : ''}.`);
  };
  const unknownKeys = (obj: Record<string, unknown>, known: string[], path: string) => {
    for (const k of Object.keys(obj)) {
      if (known.includes(k)) continue;
      if (drop.has(`${path}.${k}`)) { notes.push(`${path}.${k}: dropped as asked (options.drop)`); continue; }
      throw new Error(`${path}.${k} has no Trino equivalent this converter knows (value ${JSON.stringify(obj[k])}); pass it in options.drop to leave it out.`);
    }
  };

  unknownKeys(props, ['CatalogId', 'DatabaseName', 'TableInput', 'OpenTableFormatInput'], 'Properties');
  if (props.OpenTableFormatInput !== undefined) throw new Error('Properties.OpenTableFormatInput (Iceberg) is not supported: this converter maps Hive tables only.');
  const schema = options.schema ?? str(props.DatabaseName, 'Properties.DatabaseName');
  const catalog = options.catalog ?? 'hive';
  const input = asRecord(props.TableInput, 'TableInput');
  unknownKeys(input, ['Name', 'Description', 'TableType', 'Parameters', 'PartitionKeys', 'StorageDescriptor', 'Retention'], 'TableInput');
  const table = str(input.Name, 'TableInput.Name');
  if (input.Retention !== undefined) notes.push('TableInput.Retention: Glue bookkeeping, no effect on reads');
  if (input.TableType !== undefined && str(input.TableType, 'TableInput.TableType') !== 'EXTERNAL_TABLE') {
    throw new Error(`TableInput.TableType must be EXTERNAL_TABLE (data at an S3 location), got ${JSON.stringify(input.TableType)}.`);
  }

  // Storage
  const sd = asRecord(input.StorageDescriptor, 'TableInput.StorageDescriptor');
  unknownKeys(sd, ['Columns', 'Location', 'InputFormat', 'OutputFormat', 'SerdeInfo', 'Compressed', 'NumberOfBuckets', 'BucketColumns', 'SortColumns', 'StoredAsSubDirectories', 'Parameters', 'SkewedInfo'], 'TableInput.StorageDescriptor');
  const location = str(sd.Location, 'TableInput.StorageDescriptor.Location');
  if (!/^s3:\/\/[^/]+/.test(location)) throw new Error(`TableInput.StorageDescriptor.Location must be an s3:// URI, got ${JSON.stringify(location)}.`);
  const serde = asRecord(sd.SerdeInfo, 'TableInput.StorageDescriptor.SerdeInfo');
  unknownKeys(serde, ['SerializationLibrary', 'Parameters', 'Name'], 'TableInput.StorageDescriptor.SerdeInfo');
  const lib = str(serde.SerializationLibrary, 'TableInput.StorageDescriptor.SerdeInfo.SerializationLibrary');
  const storage = own(STORAGE_FORMATS, lib);
  if (!storage) throw new Error(`TableInput.StorageDescriptor.SerdeInfo.SerializationLibrary ${JSON.stringify(lib)} is not one of ${Object.keys(STORAGE_FORMATS).join(', ')}.`);
  for (const [key, expected] of [['InputFormat', storage.input], ['OutputFormat', storage.output]] as const) {
    const got = sd[key] === undefined ? undefined : str(sd[key], `TableInput.StorageDescriptor.${key}`);
    if (got !== expected) throw new Error(`TableInput.StorageDescriptor.${key} must be ${expected} for ${lib} (Trino format ${storage.format}), got ${JSON.stringify(got)}.`);
  }
  if (sd.Compressed !== undefined) {
    notes.push(`TableInput.StorageDescriptor.Compressed=${JSON.stringify(sd.Compressed)}: informational; Trino and Athena pick the codec from the file extension (.gz)`);
  }
  const buckets = sd.NumberOfBuckets === undefined ? 0 : Number(sd.NumberOfBuckets);
  if (buckets > 0 || nonEmpty(sd.BucketColumns) || nonEmpty(sd.SortColumns)) {
    throw new Error('TableInput.StorageDescriptor bucketing (NumberOfBuckets/BucketColumns/SortColumns) is not supported by this converter.');
  }
  if (sd.StoredAsSubDirectories === true) throw new Error('TableInput.StorageDescriptor.StoredAsSubDirectories=true is not supported by Trino.');
  if (nonEmpty(sd.SkewedInfo)) throw new Error('TableInput.StorageDescriptor.SkewedInfo is not supported by Trino.');
  if (nonEmpty(sd.Parameters)) throw new Error(`TableInput.StorageDescriptor.Parameters has no Trino equivalent: ${JSON.stringify(sd.Parameters)}.`);
  if (serde.Name !== undefined) notes.push('TableInput.StorageDescriptor.SerdeInfo.Name: a label, no effect on reads');

  // Columns
  const dataColumns = columnList(sd.Columns, 'TableInput.StorageDescriptor.Columns', str, true);
  const partitionColumns = columnList(input.PartitionKeys, 'TableInput.PartitionKeys', str, false);
  const allNames = [...dataColumns, ...partitionColumns].map((c) => c.name.toLowerCase());
  const dup = allNames.find((n, i) => allNames.indexOf(n) !== i);
  if (dup) throw new Error(`column ${JSON.stringify(dup)} appears twice (names are case-insensitive in Trino and Athena).`);

  // Parameters: projection -> typed properties; the rest -> extra_properties
  const tableProps: string[] = [`format = ${sqlString(storage.format)}`, `external_location = ${sqlString(location)}`];
  if (partitionColumns.length) tableProps.push(`partitioned_by = ${sqlArray(partitionColumns.map((c) => c.name))}`);
  const columnProps = new Map<string, string[]>();
  const extra = new Map<string, string>();
  const params = input.Parameters === undefined ? {} : asRecord(input.Parameters, 'TableInput.Parameters');
  for (const [key, raw] of Object.entries(params)) {
    const where = `TableInput.Parameters[${JSON.stringify(key)}]`;
    const value = str(raw, where);
    if (key === 'projection.enabled') {
      tableProps.push(`partition_projection_enabled = ${oneOf(value.toLowerCase(), ['true', 'false'], where)}`);
    } else if (key === 'storage.location.template') {
      tableProps.push(`partition_projection_location_template = ${sqlString(value)}`);
    } else if (key.startsWith('projection.')) {
      const rest = key.slice('projection.'.length);
      const col = partitionColumns.find((c) => rest.startsWith(`${c.name}.`));
      if (!col) throw new Error(`${where}: projection parameter for a column that is not a partition key (${partitionColumns.map((c) => c.name).join(', ') || 'none'}).`);
      const suffix = rest.slice(col.name.length + 1);
      const mapping = own(PROJECTION_COLUMN_PROPERTIES, suffix);
      if (!mapping) throw new Error(`${where}: unknown projection property '${suffix}' (Trino 476 maps ${Object.keys(PROJECTION_COLUMN_PROPERTIES).join(', ')}).`);
      columnProps.set(col.name, [...(columnProps.get(col.name) ?? []), `${mapping.property} = ${mapping.encode(value, where)}`]);
    } else if (key === 'EXTERNAL') {
      // Trino sets EXTERNAL=TRUE itself for a table with external_location.
      oneOf(value.toUpperCase(), ['TRUE'], where);
    } else {
      extra.set(key, value);
    }
  }
  const serdeParams = serde.Parameters === undefined ? {} : asRecord(serde.Parameters, 'TableInput.StorageDescriptor.SerdeInfo.Parameters');
  for (const [key, raw] of Object.entries(serdeParams)) {
    const where = `TableInput.StorageDescriptor.SerdeInfo.Parameters[${JSON.stringify(key)}]`;
    const value = str(raw, where);
    if (extra.has(key) && extra.get(key) !== value) throw new Error(`${where} = ${JSON.stringify(value)} conflicts with TableInput.Parameters[${JSON.stringify(key)}] = ${JSON.stringify(extra.get(key))}.`);
    extra.set(key, value);
  }
  if (extra.size) {
    const keys = [...extra.keys()].sort();
    tableProps.push(`extra_properties = MAP(${sqlArray(keys)}, ${sqlArray(keys.map((k) => extra.get(k)!))})`);
  }

  const columnSql = [...dataColumns, ...partitionColumns].map((c) => {
    const cp = columnProps.get(c.name);
    return `  ${ident(c.name)} ${c.trinoType}${c.comment !== undefined ? ` COMMENT ${sqlString(c.comment)}` : ''}${cp ? ` WITH (${cp.join(', ')})` : ''}`;
  });
  const qualifiedName = `${ident(catalog)}.${ident(schema)}.${ident(table)}`;
  const description = input.Description === undefined ? undefined : str(input.Description, 'TableInput.Description');
  const createTable = [
    `CREATE TABLE ${qualifiedName} (`,
    columnSql.join(',\n'),
    `)${description !== undefined ? `\nCOMMENT ${sqlString(description)}` : ''}`,
    `WITH (\n  ${tableProps.join(',\n  ')}\n)`,
  ].join('\n');
  return {
    catalog,
    schema,
    table,
    qualifiedName,
    notes,
    createTable,
    createSchema: `CREATE SCHEMA IF NOT EXISTS ${ident(catalog)}.${ident(schema)}`,
  };
}

interface ColumnSpec { name: string; trinoType: string; comment?: string }

function columnList(value: unknown, path: string, str: (v: unknown, p: string) => string, required: boolean): ColumnSpec[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || (required && value.length === 0)) throw new Error(`${path} must be a${required ? ' non-empty' : 'n'} array of {Name, Type}, got ${JSON.stringify(value)}.`);
  return value.map((c, i) => {
    const col = asRecord(c, `${path}[${i}]`);
    for (const k of Object.keys(col)) {
      if (!['Name', 'Type', 'Comment'].includes(k)) throw new Error(`${path}[${i}].${k} has no Trino equivalent this converter knows.`);
    }
    const name = str(col.Name, `${path}[${i}].Name`);
    const type = str(col.Type, `${path}[${i}].Type`);
    let trinoType: string;
    try {
      trinoType = trinoTypeFromHive(type);
    } catch (e) {
      throw new Error(`${path}[${i}] (${name}): ${(e as Error).message}`);
    }
    return { name, trinoType, comment: col.Comment === undefined ? undefined : str(col.Comment, `${path}[${i}].Comment`) };
  });
}

// ---- Hive type -> Trino type -------------------------------------------------------------------------------------

const PRIMITIVES: Record<string, string> = {
  string: 'varchar',
  tinyint: 'tinyint',
  smallint: 'smallint',
  int: 'integer',
  integer: 'integer',
  bigint: 'bigint',
  float: 'real',
  double: 'double',
  boolean: 'boolean',
  binary: 'varbinary',
  date: 'date',
  // The hive connector reads Hive `timestamp` as timestamp(3) by default (hive.timestamp-precision=MILLISECONDS).
  timestamp: 'timestamp(3)',
};

/**
 * Parses a Glue/Hive type string (`struct<a:string,b:array<bigint>>`) and writes the Trino type
 * (`row("a" varchar, "b" array(bigint))`). Throws on what Trino's hive connector cannot represent.
 */
export function trinoTypeFromHive(hiveType: string): string {
  const p = new HiveTypeParser(hiveType);
  const t = p.type();
  p.end();
  return t;
}

class HiveTypeParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  public type(): string {
    const word = this.word().toLowerCase();
    switch (word) {
      case 'array': {
        this.expect('<');
        const element = this.type();
        this.expect('>');
        return `array(${element})`;
      }
      case 'map': {
        this.expect('<');
        const key = this.type();
        this.expect(',');
        const value = this.type();
        this.expect('>');
        return `map(${key}, ${value})`;
      }
      case 'struct': {
        this.expect('<');
        const fields: string[] = [];
        if (!this.peek('>')) {
          do {
            const name = this.fieldName();
            this.expect(':');
            fields.push(`${ident(name)} ${this.type()}`);
          } while (this.accept(','));
        }
        this.expect('>');
        if (!fields.length) this.fail('a struct needs at least one field');
        return `row(${fields.join(', ')})`;
      }
      case 'decimal': {
        if (!this.accept('(')) return 'decimal(10, 0)'; // Hive's default
        const precision = this.number();
        const scale = this.accept(',') ? this.number() : 0;
        this.expect(')');
        if (precision < 1 || precision > 38 || scale > precision) this.fail(`decimal(${precision}, ${scale}) is out of range (precision 1-38, scale <= precision)`);
        return `decimal(${precision}, ${scale})`;
      }
      case 'varchar':
      case 'char': {
        this.expect('(');
        const n = this.number();
        this.expect(')');
        return `${word}(${n})`;
      }
      default: {
        const t = own(PRIMITIVES, word);
        if (!t) this.fail(`unknown or unsupported type '${word}'`);
        return t;
      }
    }
  }

  public end(): void {
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('unexpected text');
  }

  private fieldName(): string {
    this.skipSpace();
    if (this.text[this.pos] === '`') {
      const close = this.text.indexOf('`', this.pos + 1);
      if (close < 0) this.fail('unterminated `quoted` field name');
      const name = this.text.slice(this.pos + 1, close);
      this.pos = close + 1;
      return name;
    }
    const m = /^[^:<>,\s`]+/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a field name');
    this.pos += m[0].length;
    return m[0];
  }

  private word(): string {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a type name');
    this.pos += m[0].length;
    return m[0];
  }

  private number(): number {
    this.skipSpace();
    const m = /^[0-9]+/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a number');
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private peek(c: string): boolean {
    this.skipSpace();
    return this.text[this.pos] === c;
  }

  private accept(c: string): boolean {
    if (!this.peek(c)) return false;
    this.pos++;
    return true;
  }

  private expect(c: string): void {
    if (!this.accept(c)) this.fail(`expected '${c}'`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private fail(what: string): never {
    throw new Error(`Hive type ${JSON.stringify(this.text)}: ${what} at offset ${this.pos}.`);
  }
}

// ---- SQL text ----------------------------------------------------------------------------------------------------

/** A Trino delimited identifier. */
export function ident(name: string): string {
  if (!name) throw new Error('an identifier cannot be empty');
  return `"${name.replace(/"/g, '""')}"`;
}

/** A Trino string literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function sqlArray(values: string[]): string {
  return `ARRAY[${values.map(sqlString).join(', ')}]`;
}

/** Splits a comma-separated Athena list as Trino 476 does (trimmed, empty items dropped). */
function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function integer(value: string, where: string): string {
  if (!/^-?[0-9]+$/.test(value.trim())) throw new Error(`${where} must be an integer, got ${JSON.stringify(value)}.`);
  return String(Number(value.trim()));
}

function oneOf(value: string, allowed: string[], where: string): string {
  if (!allowed.includes(value)) throw new Error(`${where} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}.`);
  return value;
}

/** A table lookup that ignores inherited keys ('constructor' is no Hive type). */
function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asRecord(v: unknown, path: string): Record<string, unknown> {
  if (!isRecord(v)) throw new Error(`${path} must be an object, got ${JSON.stringify(v)}.`);
  return v;
}

function nonEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isRecord(v)) return Object.keys(v).length > 0;
  return true;
}
