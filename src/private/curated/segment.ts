/** The curated table of Segment's events: its common fields typed, properties, traits and context as JSON text. */
import { ColumnRole } from '../field-kinds';
import { CuratedKind, RawLine, commonColumns, utcTimestamp } from './kind';

export function segmentKind(line: RawLine): CuratedKind {
  const apiKeyId = line.role(ColumnRole.SCOPE);
  const timestamp = utcTimestamp(`try(from_iso8601_timestamp(${line.scalar('$.timestamp')}))`);
  const s = (name: string, path: string, comment: string) => ({ name, type: 'string' as const, comment, expression: line.scalar(path) });
  return {
    id: 'segment',
    description: 'Segment\'s events: type, event, user and anonymous ids, message id, timestamp, properties, traits, context, source',
    filter: line.input('segment'),
    columns: [
      // Every Segment SDK sets messageId and resends it on retry; a message without one is keyed by its line.
      ...commonColumns(line, line.idKey(line.scalar('$.messageId')), timestamp, line.scalar('$.userId')),
      s('type', '$.type', 'track, identify, page, screen, group or alias'),
      s('event', '$.event', 'The event name of a track'),
      s('anonymous_id', '$.anonymousId', 'anonymousId'),
      s('message_id', '$.messageId', 'messageId'),
      { name: 'timestamp', type: 'timestamp', comment: 'The event\'s timestamp (UTC)', expression: timestamp },
      { name: 'sent_at', type: 'string', comment: 'sentAt, as sent', expression: `coalesce(${line.scalar('$.sentAt')}, "sentat")` },
      { name: 'properties', type: 'string', comment: 'properties (JSON text)', expression: line.json('$.properties') },
      { name: 'traits', type: 'string', comment: 'traits (JSON text)', expression: line.json('$.traits') },
      { name: 'context', type: 'string', comment: 'context (JSON text): the event\'s own, else the batch\'s', expression: `coalesce(${line.json('$.context')}, "context")` },
      { name: 'source', type: 'string', comment: 'The API key (the Segment source\'s write key) that sent it', expression: apiKeyId ?? 'CAST(NULL AS varchar)' },
    ],
  };
}
