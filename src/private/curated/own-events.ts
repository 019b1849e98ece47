/** The curated table of the construct's own events: the envelope's columns and the body as JSON text. */
import { ColumnRole } from '../field-kinds';
import { CuratedKind, RawLine, commonColumns } from './kind';

export function ownEventsKind(line: RawLine, userIdProperty: string): CuratedKind {
  const eventId = line.role(ColumnRole.EVENT_ID);
  const apiKeyId = line.role(ColumnRole.SCOPE);
  const index = line.role(ColumnRole.INDEX);
  const key = eventId ? line.idKey(eventId) : line.lineKey;
  return {
    id: 'events',
    description: 'The construct\'s own events: envelope columns, the body as JSON text',
    filter: line.input(),
    columns: [
      ...commonColumns(line, key, 'NULL', line.scalar(`$.${userIdProperty}`)),
      { name: 'event_id', type: 'string', comment: 'The client\'s event id', expression: eventId ?? 'CAST(NULL AS varchar)' },
      { name: 'api_key_id', type: 'string', comment: 'The API key that sent it', expression: apiKeyId ?? 'CAST(NULL AS varchar)' },
      { name: 'event_index', type: 'int', comment: 'Its position in a batch request (null: a single event)', expression: index ? `CAST(${index} AS integer)` : 'CAST(NULL AS integer)' },
      { name: 'body', type: 'string', comment: 'The event as sent (JSON text)', expression: line.body },
    ],
  };
}
