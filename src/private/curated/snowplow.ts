/** The curated table of Snowplow events: the tracker protocol's fields decoded, the self-describing JSON kept. */
import { CuratedKind, RawLine, commonColumns, fromMillisText } from './kind';

/** A base64url member (Node: unpadded, Python: padded) or its plain JSON twin (browsers), as JSON text. */
function selfDescribing(line: RawLine, encoded: string, plain: string): string {
  return `coalesce(try(from_utf8(from_base64url(${line.scalar(`$.${encoded}`)}))), ${line.scalar(`$.${plain}`)})`;
}

/** Tracker protocol fields kept as text: parameter, column, comment. */
const TEXT_FIELDS: [string, string, string][] = [
  ['eid', 'event_id', 'eid: the event id'], ['e', 'event', 'e: pv, pp, se, ue, tr, ti'], ['aid', 'app_id', 'aid'],
  ['p', 'platform', 'p'], ['tv', 'tracker_version', 'tv'], ['duid', 'domain_userid', 'duid'], ['nuid', 'network_userid', 'nuid'],
  ['sid', 'domain_sessionid', 'sid'], ['url', 'page_url', 'url'], ['page', 'page_title', 'page'], ['refr', 'page_referrer', 'refr'],
  ['tz', 'os_timezone', 'tz'], ['lang', 'br_lang', 'lang'], ['res', 'dvce_screen_resolution', 'res'],
  ['se_ca', 'se_category', 'se_ca'], ['se_ac', 'se_action', 'se_ac'], ['se_la', 'se_label', 'se_la'], ['se_pr', 'se_property', 'se_pr'],
];

export function snowplowKind(line: RawLine): CuratedKind {
  const trueTime = fromMillisText(line.scalar('$.ttm'));
  const deviceTime = fromMillisText(line.scalar('$.dtm'));
  return {
    id: 'snowplow',
    description: 'Snowplow events: the tracker protocol\'s fields decoded, the self-describing event and contexts as JSON text',
    filter: line.input('snowplow'),
    columns: [
      ...commonColumns(line, line.idKey(line.scalar('$.eid')), `coalesce(${trueTime}, ${deviceTime})`, line.scalar('$.uid')),
      ...TEXT_FIELDS.map(([p, name, comment]) => ({ name, type: 'string' as const, comment, expression: line.scalar(`$.${p}`) })),
      { name: 'domain_sessionidx', type: 'int', comment: 'vid', expression: `try_cast(${line.scalar('$.vid')} AS integer)` },
      { name: 'se_value', type: 'double', comment: 'se_va', expression: `try_cast(${line.scalar('$.se_va')} AS double)` },
      { name: 'dvce_created_tstamp', type: 'timestamp', comment: 'dtm (UTC)', expression: deviceTime },
      { name: 'dvce_sent_tstamp', type: 'timestamp', comment: 'stm (UTC)', expression: fromMillisText(line.scalar('$.stm')) },
      { name: 'true_tstamp', type: 'timestamp', comment: 'ttm (UTC)', expression: trueTime },
      { name: 'unstruct_event', type: 'string', comment: 'The self-describing event (ue_px decoded, or ue_pr), JSON text', expression: selfDescribing(line, 'ue_px', 'ue_pr') },
      { name: 'contexts', type: 'string', comment: 'The contexts (cx decoded, or co), JSON text', expression: selfDescribing(line, 'cx', 'co') },
    ],
  };
}
