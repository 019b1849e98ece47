/**
 * Partition projection that matches the S3 layout Firehose writes, derived
 * from the data output prefix. Pure: prefix in, table properties out.
 *
 * - A prefix with no `!{...}` expression: Firehose appends `YYYY/MM/dd/HH/` (the stream's time zone), so the
 *   table has one `dt` partition, a date projection with format `yyyy/MM/dd/HH`.
 * - `!{timestamp:...}` expressions: the span from the first to the last of them (with the literal text between)
 *   becomes `dt`, a date projection in the same format. It must use fixed-width fields in order from year down
 *   to at least the day (`yyyy`, `MM`, `dd`, optionally `HH`, `mm`, `ss`), so that `dt` sorts as time does.
 * - `!{partitionKeyFromQuery:k}`: a partition column `k` (lowercased).
 * - A prefix with expressions but no timestamp: no `dt` (Firehose adds its time path only to plain prefixes).
 */

/** The date partition column. */
export const DATE_PARTITION = 'dt';

/** One partition column and how it is projected. */
export interface PartitionColumn {
  /** The column name (lowercase). */
  readonly name: string;
  /** A date projection (`dt`) or a value taken from the record (`partitionKeyFromQuery`). */
  readonly kind: 'date' | 'key';
  /** For `date`: the projection format (Java date pattern). */
  readonly format?: string;
  /** For `date`: the projection interval unit. */
  readonly intervalUnit?: 'DAYS' | 'HOURS' | 'MINUTES' | 'SECONDS';
  /** For `key`: the partition key name in the prefix (the envelope field). */
  readonly key?: string;
}

/** Where the table's objects are and how partitions map onto keys. */
export interface PartitionLayout {
  /** The key prefix of the table location: the prefix up to its first expression. */
  readonly locationPrefix: string;
  /** The key template of one partition, with `${column}` for each partition column (for `storage.location.template`). */
  readonly template: string;
  readonly columns: PartitionColumn[];
}

const EXPRESSION = /!\{([A-Za-z]+):([^{}]*)\}/g;

/** Derives the partition layout from a Firehose data output prefix; throws with the reason when it cannot. */
export function partitionLayout(prefix: string): PartitionLayout {
  const parts = splitPrefix(prefix);
  if (parts.every((p) => p.kind === 'literal')) {
    return {
      locationPrefix: prefix,
      template: `${prefix}\${${DATE_PARTITION}}/`,
      columns: [dateColumn('yyyy/MM/dd/HH')],
    };
  }
  for (const p of parts) {
    if (p.kind === 'expression' && p.namespace !== 'timestamp' && p.namespace !== 'partitionKeyFromQuery') {
      throw new Error(`query cannot project the dataOutputPrefix '${prefix}': !{${p.namespace}:${p.value}} puts an unpredictable path in each key.`);
    }
  }
  if (!prefix.endsWith('/')) {
    throw new Error(`query needs a dataOutputPrefix that ends with '/' when it uses expressions (each partition is a folder), got '${prefix}'.`);
  }
  const stamps = parts.map((p, i) => (p.kind === 'expression' && p.namespace === 'timestamp' ? i : -1)).filter((i) => i >= 0);
  const first = stamps[0];
  const last = stamps[stamps.length - 1];
  const columns: PartitionColumn[] = [];
  let template = '';
  parts.forEach((p, i) => {
    if (first !== undefined && i > first && i <= last) return;
    if (i === first) {
      const span = parts.slice(first, last + 1);
      const between = span.find((s) => s.kind === 'expression' && s.namespace !== 'timestamp');
      if (between) {
        throw new Error(`query needs the !{timestamp:...} expressions of dataOutputPrefix together, got !{${(between as Expression).namespace}:${(between as Expression).value}} between them in '${prefix}'.`);
      }
      columns.push(dateColumn(datePattern(span, prefix)));
      template += `\${${DATE_PARTITION}}`;
      return;
    }
    if (p.kind === 'literal') {
      template += p.text;
    } else {
      const name = p.value.toLowerCase();
      columns.push({ name, kind: 'key', key: p.value });
      template += `\${${name}}`;
    }
  });
  // The table's folder: up to the last '/' before the first expression.
  const beforeFirst = prefix.slice(0, prefix.search(/!\{/));
  return { locationPrefix: beforeFirst.slice(0, beforeFirst.lastIndexOf('/') + 1), template, columns };
}

/** Formats a UTC instant with a projection date pattern (the fields `partitionLayout` accepts). */
export function formatDate(pattern: string, date: Date): string {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const values: Record<string, string> = {
    yyyy: pad(date.getUTCFullYear(), 4),
    MM: pad(date.getUTCMonth() + 1, 2),
    dd: pad(date.getUTCDate(), 2),
    HH: pad(date.getUTCHours(), 2),
    mm: pad(date.getUTCMinutes(), 2),
    ss: pad(date.getUTCSeconds(), 2),
  };
  return tokenize(pattern).map((t) => (t.kind === 'field' ? values[t.text] : t.text)).join('');
}

// ---------------------------------------------------------------------------

interface Literal { readonly kind: 'literal'; readonly text: string }
interface Expression { readonly kind: 'expression'; readonly namespace: string; readonly value: string }
type PrefixPart = Literal | Expression;

function splitPrefix(prefix: string): PrefixPart[] {
  const parts: PrefixPart[] = [];
  let at = 0;
  for (const m of prefix.matchAll(EXPRESSION)) {
    if (m.index! > at) parts.push({ kind: 'literal', text: prefix.slice(at, m.index) });
    parts.push({ kind: 'expression', namespace: m[1], value: m[2] });
    at = m.index! + m[0].length;
  }
  if (at < prefix.length) parts.push({ kind: 'literal', text: prefix.slice(at) });
  return parts;
}

function dateColumn(format: string): PartitionColumn {
  const fields = tokenize(format).filter((t) => t.kind === 'field').map((t) => t.text);
  const finest = fields[fields.length - 1];
  const intervalUnit = ({ dd: 'DAYS', HH: 'HOURS', mm: 'MINUTES', ss: 'SECONDS' } as const)[finest as 'dd'];
  return { name: DATE_PARTITION, kind: 'date', format, intervalUnit };
}

/** The ordered fixed-width fields a sortable, projectable date path may use. */
const FIELD_ORDER = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss'];

/** One projection pattern for a span of timestamp expressions and the literal text between them. */
function datePattern(span: PrefixPart[], prefix: string): string {
  const tokens = span.flatMap((p) => (p.kind === 'literal' ? [{ kind: 'literal' as const, text: p.text }] : tokenize((p as Expression).value)));
  const fields = tokens.filter((t) => t.kind === 'field').map((t) => t.text);
  const expected = FIELD_ORDER.slice(0, Math.max(fields.length, 3));
  if (fields.length < 3 || fields.some((f, i) => f !== expected[i])) {
    throw new Error('query needs the !{timestamp:...} fields of dataOutputPrefix to run from year to at least day in order, '
      + `as ${FIELD_ORDER.join(', ')} (so that partitions sort as time does), got ${fields.join(', ') || 'none'} in '${prefix}'.`);
  }
  return tokens.map((t) => (t.kind === 'field' ? t.text : quoteLiteral(t.text))).join('');
}

interface Token { readonly kind: 'field' | 'literal'; readonly text: string }

/** Splits a Java date pattern into field runs (`yyyy`) and literal text (quoted or not). */
function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\'') {
      if (pattern[i + 1] === '\'') {
        tokens.push({ kind: 'literal', text: '\'' });
        i += 2;
        continue;
      }
      let j = i + 1;
      let text = '';
      while (j < pattern.length) {
        if (pattern[j] === '\'' && pattern[j + 1] === '\'') { text += '\''; j += 2; continue; }
        if (pattern[j] === '\'') break;
        text += pattern[j++];
      }
      if (j >= pattern.length) throw new Error(`query cannot read the date pattern '${pattern}': a quote is not closed.`);
      tokens.push({ kind: 'literal', text });
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      tokens.push({ kind: 'field', text: pattern.slice(i, j) });
      i = j;
    } else if ('[]{}#'.includes(c)) {
      throw new Error(`query cannot project the date pattern '${pattern}': '${c}' is reserved in Java date patterns.`);
    } else {
      tokens.push({ kind: 'literal', text: c });
      i++;
    }
  }
  return tokens;
}

/** A literal in a Java date pattern: letters and quotes are quoted, other characters stand as they are. */
function quoteLiteral(text: string): string {
  if (!/[A-Za-z']/.test(text)) return text;
  return `'${text.replace(/'/g, '\'\'')}'`;
}
