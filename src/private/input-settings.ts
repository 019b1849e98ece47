import { NamedQuerySpec, QueryTableSpec } from './sql';
import { TableColumn } from './table';
import { RecordEnvelope } from '../record-envelope';

/** What an input's routes are built from: resolved settings only. */
export interface InputSettings {
  /** The delivery stream's name (a literal or a token). */
  readonly streamName: string;
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
