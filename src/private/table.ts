import { Token, aws_apigateway as apigw } from 'aws-cdk-lib';
import { ColumnRole, kindOf } from './field-kinds';
import { glueColumnName, glueType } from './glue-schema';
import { PartitionLayout, partitionLayout } from './projection';
import { RecordEnvelope } from '../record-envelope';

/** One table column. */
export interface TableColumn {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
}

/** The columns of the events table: one per envelope field, then the body; for RAW, the event's properties. */
export function tableColumns(envelope: RecordEnvelope, eventSchema: apigw.JsonSchema, bodyAsText: boolean): TableColumn[] {
  if (envelope.raw) {
    const properties = Object.entries(eventSchema.properties ?? {});
    if (properties.length === 0 || bodyAsText) {
      throw new Error('query needs an eventSchema with properties and no text/plain AS_STRING bodies when the envelope is RAW: '
        + 'each record is the bare event, so its properties are the columns.');
    }
    return properties.map(([key, schema]) => {
      const name = glueColumnName(key);
      if (!name) throw new Error(`query cannot name a column for the event property '${key}': use letters, digits and underscores.`);
      return { name, type: glueType(schema) };
    });
  }
  return [
    ...envelope.fields.map((f) => ({ name: f.name.toLowerCase(), type: kindOf(f).glueType, comment: kindOf(f).comment(f) })),
    {
      name: envelope.bodyField.toLowerCase(),
      type: bodyAsText ? 'string' : glueType(eventSchema),
      comment: bodyAsText ? 'The event: JSON text (text/plain bodies are JSON strings)' : 'The event',
    },
  ];
}

/** What the table over the delivered events looks like: decided, and refused where it cannot be, before anything is built. */
export interface TablePlan {
  /** The data columns (a field that is also a partition key is read from the key path instead). */
  readonly columns: TableColumn[];
  /** Where the objects are and how the partitions map onto keys. */
  readonly layout: PartitionLayout;
  /** The column (data or partition) that holds each envelope field with a meaning to the named queries. */
  readonly roles: { readonly role: ColumnRole; readonly column: string }[];
  /** The body's column and its type (RAW: none). */
  readonly body?: TableColumn;
}

/** Inputs of `planTable`. */
export interface TableInputs {
  readonly envelope: RecordEnvelope;
  readonly eventSchema: apigw.JsonSchema;
  /** Whether text/plain bodies are stored as JSON strings (the body column is then a string). */
  readonly bodyAsText: boolean;
  readonly dataOutputPrefix: string;
  /** Columns the inputs' own members add, before the body. */
  readonly inputColumns?: TableColumn[];
}

/** Plans the table's columns and partitions; throws with the reason when the layout or the columns cannot be read. */
export function planTable(s: TableInputs): TablePlan {
  if (Token.isUnresolved(s.dataOutputPrefix)) throw new Error('query needs a dataOutputPrefix known at synth time, got a token.');
  const layout = partitionLayout(s.dataOutputPrefix);
  const partitionNames = new Set(layout.columns.map((p) => p.name));
  const own = tableColumns(s.envelope, s.eventSchema, s.bodyAsText);
  const extra = (s.inputColumns ?? []).filter((c, i, all) => all.findIndex((x) => x.name === c.name) === i);
  const columns = (extra.length > 0 ? [...own.slice(0, -1), ...extra, own[own.length - 1]] : own)
    // A partition key is read from the key path; the same field in the record would be a second column of that name.
    .filter((c) => !(partitionNames.has(c.name) && layout.columns.find((p) => p.name === c.name)?.kind === 'key'));
  const clash = columns.find((c) => partitionNames.has(c.name));
  if (clash) throw new Error(`query cannot add the partition column '${clash.name}': a column of that name holds the envelope field or event property.`);
  const roles = s.envelope.fields.flatMap((f) => {
    const role = kindOf(f).role;
    return role ? [{ role, column: f.name.toLowerCase() }] : [];
  });
  return { columns, layout, roles, body: s.envelope.raw ? undefined : own[own.length - 1] };
}
