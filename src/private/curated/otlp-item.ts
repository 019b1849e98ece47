/** What the curated OTLP tables (logs, spans, metric points) read alike from a line: attributes, user, service, scope. */
import { CuratedColumn, RawLine } from './kind';
import { attributesMap } from '../inputs/otlp-table';

export interface OtlpItemColumns {
  /** The user an erasure deletes by: the item's `enduser.id` attribute. */
  readonly userId: string;
  /** `service_name`: the resource's service.name. */
  readonly serviceName: CuratedColumn;
  /** `attributes`, `resource_attributes` (maps) and `scope_name`, in that order. */
  readonly attributeColumns: CuratedColumn[];
}

/** The shared columns of an OTLP item (`item`: "log record", "span", "point", for the comments). */
export function otlpItemColumns(line: RawLine, item: string): OtlpItemColumns {
  const attributes = attributesMap(`json_extract(${line.body}, '$.attributes')`);
  const resource = attributesMap('json_extract("resource", \'$.attributes\')');
  return {
    userId: `element_at(${attributes}, 'enduser.id')`,
    serviceName: { name: 'service_name', type: 'string', comment: 'The resource\'s service.name', expression: `element_at(${resource}, 'service.name')` },
    attributeColumns: [
      { name: 'attributes', type: 'map', comment: `The ${item}'s attributes`, expression: attributes },
      { name: 'resource_attributes', type: 'map', comment: 'The resource\'s attributes', expression: resource },
      { name: 'scope_name', type: 'string', comment: 'The instrumentation scope\'s name', expression: 'json_extract_scalar("scope", \'$.name\')' },
    ],
  };
}
