import { Token } from 'aws-cdk-lib';
import { SegmentSource } from '../../input';
import { WriteTarget } from '../targets/target';
import { RejectReason, jsonStringLiteral } from '../vtl';

/**
 * Segment write keys, checked in the mapping template: the sources a user declared, and the VTL that finds the
 * request's source from the write key every Segment SDK already sends (`Authorization: Basic base64(writeKey:)`,
 * and `writeKey` in the body: at batch level, and inside each event of analytics-next), and refuses the request when
 * there is none, one that no source declared, or two that differ. Pure: no constructs.
 *
 * A key is compared as text, never decoded: the header's credential against `$util.base64Encode("<key>:")`, a body
 * member's value against the key. So malformed base64, another scheme or a huge header can only fail to match.
 */

/** A literal write key: Segment's are 32 letters and digits; letters, digits, '_' and '-', 8 to 128, with a letter. */
const WRITE_KEY_PATTERN = /^(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{8,128}$/;
/** A source's name, written to each of its lines. */
const SOURCE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** The longest Authorization header compared (a Basic credential of a 128-character key is 180). */
const MAX_AUTHORIZATION_CHARS = 1024;
/** A body's writeKey members are read in a loop, which API Gateway ends after 1,000 iterations. */
const MAX_WRITE_KEY_MEMBERS = 998;

/** The member of each stored line that names its source. */
export const SOURCE_MEMBER = 'segmentSource';

/**
 * Checks the declared sources: at least one; names unique and plain; one or two keys each (two while rotating);
 * literal keys plain and unique across sources. A key that is a token (a parameter, a secret's dynamic reference)
 * is checked at deploy time by nothing: its value must be a plain key too (it is placed in a single-quoted VTL literal).
 */
export function checkSegmentSources(sources: SegmentSource[]): void {
  if (sources.length === 0) {
    throw new Error('segment sources is empty: declare at least one source ({ name, writeKeys }), or leave sources out to require x-api-key.');
  }
  const names = new Set<string>();
  const keys = new Map<string, string>();
  for (const s of sources) {
    if (!SOURCE_NAME_PATTERN.test(s.name)) {
      throw new Error(`segment source name '${s.name}' is not accepted: 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit.`);
    }
    if (names.has(s.name)) throw new Error(`segment source name '${s.name}' is declared twice: each source needs its own name.`);
    names.add(s.name);
    if (s.writeKeys.length < 1 || s.writeKeys.length > 2) {
      throw new Error(`segment source '${s.name}' has ${s.writeKeys.length} writeKeys: give one, or two while rotating.`);
    }
    for (const k of s.writeKeys) {
      if (Token.isUnresolved(k)) continue;
      if (!WRITE_KEY_PATTERN.test(k)) {
        throw new Error(`segment source '${s.name}' has a write key that is not accepted ('${k.slice(0, 4)}...', ${k.length} characters): `
          + 'use 8 to 128 letters, digits, \'_\' or \'-\', with at least one letter (Segment\'s keys are 32 letters and digits).');
      }
      const other = keys.get(k);
      if (other !== undefined) throw new Error(`segment sources '${other}' and '${s.name}' declare the same write key: a key names one source.`);
      keys.set(k, s.name);
    }
  }
}

/** The VTL references of the declared keys: `$wk<source>_<key>`, with their source's index. */
function keyRefs(sources: SegmentSource[]): { ref: string; source: number }[] {
  return sources.flatMap((s, i) => s.writeKeys.map((_, j) => ({ ref: `$wk${i}_${j}`, source: i })));
}

/**
 * VTL that sets `$wk_source` to the JSON string of the request's source name, or renders a refusal (`#if` ... `#else`,
 * closed by the caller with `#end`): no write key at all (401), a key no source declared, an Authorization header
 * that is not a declared key's Basic credential (401), or two keys that differ (401).
 */
export function vtlWriteKeyCheck(sources: SegmentSource[], target: WriteTarget): string {
  const refs = keyRefs(sources);
  // `$wk_key` is the matched key's reference name ('' when none yet); `$wk_bad` the refusal.
  const matchCred = refs.map((k, n) => `${n === 0 ? '#if' : '#elseif'}($wk_cred == $util.base64Encode("\${${k.ref.slice(1)}}:"))#set($wk_hit = '${k.ref.slice(1)}')`).join('');
  const matchValue = refs.map((k, n) => `${n === 0 ? '#if' : '#elseif'}($wk_value == ${k.ref})#set($wk_hit = '${k.ref.slice(1)}')`).join('');
  const sourceOf = refs.map((k, n) => `${n === 0 ? '#if' : '#elseif'}($wk_key == '${k.ref.slice(1)}')#set($wk_source = $wk_name${k.source})`).join('');
  return [
    '## Write keys: the declared sources (names as JSON strings; keys as they were declared).',
    ...sources.map((s, i) => `#set($wk_name${i} = '${jsonStringLiteral(s.name)}')`),
    ...sources.flatMap((s, i) => s.writeKeys.map((k, j) => `#set($wk${i}_${j} = '${k}')`)),
    '#set($wk_key = \'\')',
    '#set($wk_bad = \'\')',
    // The Authorization header, by any case of its name: when present, it must be a declared key's Basic credential.
    '#set($wk_auth = "$!{headers.get(\'Authorization\')}")',
    '#if($wk_auth.length() == 0)#foreach($hname in $headers.keySet())#if($wk_auth.length() == 0 && $hname.matches("(?i)authorization"))' +
      '#set($wk_auth = "$!{headers.get($hname)}")#end#end#end',
    '#if($wk_auth.length() > 0)',
    '#set($wk_cred = \'\')',
    `#if($wk_auth.length() <= ${MAX_AUTHORIZATION_CHARS} && $wk_auth.matches("(?i)basic +[A-Za-z0-9+/]+={0,2} *"))` +
      // No trim(): LocalStack's strings lack it.
      '#set($wk_cred = $wk_auth.replaceAll("(?i)^basic +", "").replaceAll(" +$", ""))#end',
    '#set($wk_hit = \'\')',
    `${matchCred}#end`,
    '#if($wk_hit == \'\')#set($wk_bad = \'unknown\')#else#set($wk_key = $wk_hit)#end',
    '#end',
    // Every writeKey member of the body, in the raw text (two members of one object are both seen) and in API
    // Gateway's re-serialisation (a member name written with escapes reads as writeKey there): each value must be the
    // same declared key. A value is read up to its closing quote; one with an escape cannot be a declared key.
    '#set($wk_json = $input.json(\'$\'))',
    '#set($wk_text = "$raw $wk_json")',
    // Each member's opening becomes U+0001 (never in JSON text), then the text is split there: LocalStack's split
    // takes a literal, API Gateway's a regex, and U+0001 is the same in both.
    '#set($wk_sep = $util.urlDecode("%01"))',
    '#set($wk_parts = $wk_text.replaceAll(\'"writeKey"\\s*:\\s*"\', $wk_sep).split($wk_sep))',
    `#if($wk_parts.size() > ${MAX_WRITE_KEY_MEMBERS})#set($wk_bad = 'unknown')#end`,
    '#if($wk_bad == \'\')',
    '#foreach($wk_part in $wk_parts)#if($foreach.index > 0)',
    // JSON text closes every string, so the quote is there (LocalStack's indexOf fails when it is not).
    '#set($wk_end = $wk_part.indexOf(\'"\'))#if($wk_end < 0)#set($wk_end = $wk_part.length())#end',
    '#set($wk_value = $wk_part.substring(0, $wk_end))',
    '#set($wk_hit = \'\')',
    `${matchValue}#end`,
    '#if($wk_hit == \'\')#set($wk_bad = \'unknown\')#elseif($wk_key == \'\')#set($wk_key = $wk_hit)' +
      '#elseif($wk_key != $wk_hit && $wk_bad == \'\')#set($wk_bad = \'disagree\')#end',
    '#end#end',
    '#end',
    '#set($wk_source = \'\')',
    `${sourceOf}#end`,
    '#if($wk_bad == \'unknown\')',
    target.reject(RejectReason.UNKNOWN_WRITE_KEY),
    '#elseif($wk_bad == \'disagree\')',
    target.reject(RejectReason.WRITE_KEYS_DISAGREE),
    '#elseif($wk_key == \'\')',
    target.reject(RejectReason.NO_WRITE_KEY),
    '#else',
  ].join('\n');
}

/**
 * VTL condition: the text in `target` (the record about to be written) still holds a declared key's value, or its
 * Basic credential, anywhere (an event's properties, a header field): such a request is refused, so no key reaches S3.
 */
export function vtlHoldsWriteKey(sources: SegmentSource[], target: string): string {
  return keyRefs(sources)
    .map((k) => `${target}.contains(${k.ref}) || ${target}.contains($util.base64Encode("\${${k.ref.slice(1)}}:"))`)
    .join(' || ');
}

/** The refusals' integration response branches: what each answers (401, and 400 for a key inside the events). */
export const WRITE_KEY_REFUSALS: [RejectReason, number, string, string][] = [
  [RejectReason.NO_WRITE_KEY, 401, 'MissingWriteKey',
    'No write key: send a declared source\'s write key as Authorization: Basic base64(writeKey:) or as writeKey in the body. Nothing was stored.'],
  [RejectReason.UNKNOWN_WRITE_KEY, 401, 'InvalidWriteKey',
    'The write key (Authorization header or writeKey) is not one of a declared source, or the Authorization header is not Basic. Nothing was stored.'],
  [RejectReason.WRITE_KEYS_DISAGREE, 401, 'WriteKeysDisagree',
    'The request carries two different write keys (Authorization header and body, or two writeKey members). Nothing was stored.'],
  [RejectReason.WRITE_KEY_IN_EVENTS, 400, 'WriteKeyInEvents',
    'A write key\'s value appears in the events outside writeKey; write keys are never stored, so nothing was stored.'],
];
