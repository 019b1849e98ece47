import { NamedQuerySpec, QueryTableSpec } from './sql';
import { TableColumn } from './table';
import { RecordEnvelope } from '../record-envelope';
import { WriteTarget } from './targets/target';

/** What an input's routes are built from: resolved settings only. */
export interface InputSettings {
  /** The name of the stream the records are written to: the delivery stream's, or the Kinesis stream's (a literal or a token). */
  readonly streamName: string;
  /**
   * What the records are written to: Firehose Direct PUT, or the Kinesis data stream with the configured partition
   * key. Every input renders its record, its refusals and its answers through it (packing.ts: vtlInputRecord).
   */
  readonly target: WriteTarget;
  /** The construct's envelope; each input writes its lines with it (and may add members before the body). */
  readonly envelope: RecordEnvelope;
  /** The construct's resource path parts: inputs serve their routes below it. */
  readonly resourceParts: string[];
}

/** What an input adds to the events table: the columns of its own members, and named queries over its lines. */
export interface InputTable {
  readonly columns: TableColumn[];
  readonly queries: (t: QueryTableSpec) => NamedQuerySpec[];
}

/** The `input` column every input's lines fill (null on the construct's own routes). */
export const INPUT_COLUMN: TableColumn = {
  name: 'input', type: 'string', comment: 'The input that wrote the line (e.g. segment); null for the construct\'s own routes',
};

/** A table contribution of the `input` column and the input's own members as JSON-text columns, with no named queries. */
export function inputColumnTable(members: [string, string][]): InputTable {
  return {
    columns: [INPUT_COLUMN, ...members.map(([name, comment]) => ({ name, type: 'string', comment }))],
    queries: () => [],
  };
}
