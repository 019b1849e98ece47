/** Fixed-width text tables for the benchmark reports (console and Markdown). */

export interface Column {
  readonly title: string;
  /** Right-align (numbers). */
  readonly right?: boolean;
}

/** A plain fixed-width table: header, a rule, rows. */
export function textTable(columns: readonly Column[], rows: readonly string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells
    .map((cell, i) => (columns[i].right ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
    .join('  ')
    .trimEnd();
  return [line(columns.map((c) => c.title)), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same table as GitHub Markdown. */
export function markdownTable(columns: readonly Column[], rows: readonly string[][]): string {
  const head = `| ${columns.map((c) => c.title).join(' | ')} |`;
  const rule = `|${columns.map((c) => (c.right ? '---:' : ':---')).join('|')}|`;
  return [head, rule, ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`)].join('\n');
}

/** 12345.678 -> '12,346' (digits after the point chosen by magnitude). */
export function usd(x: number): string {
  if (x === 0) return '$0';
  const digits = x >= 100 ? 0 : x >= 1 ? 2 : x >= 0.01 ? 3 : 5;
  return '$' + x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function int(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

export function fixed(x: number, digits: number): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A ratio such as 123.4 -> '123x'. */
export function times(x: number): string {
  return `${x >= 10 ? int(x) : fixed(x, x >= 0.95 ? 1 : 2)}x`;
}
