/** A hand-written SVG log-log line chart (no dependencies), readable inline in a GitHub README. */

export interface Series {
  readonly label: string;
  readonly color: string;
  /** stroke-dasharray, e.g. '6 4'. */
  readonly dash?: string;
  /** The line, [x, y] with x and y > 0. */
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** Points drawn as dots (the measured rates). */
  readonly markers?: ReadonlyArray<readonly [number, number]>;
}

export interface ChartOptions {
  readonly title: string;
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly xTick?: (v: number) => string;
  readonly yTick?: (v: number) => string;
  readonly footnote?: string;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function r1(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

/** Compact value labels: 1000 -> '1k', 1e6 -> '1M'. */
export function shortNumber(v: number): string {
  if (v >= 1e9) return `${v / 1e9}B`;
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return String(v);
}

export function logLogChart(o: ChartOptions): string {
  const W = 1000;
  const H = 590;
  const left = 88;
  const top = 70;
  const plotW = 540;
  const plotH = 400;
  const legendX = left + plotW + 28;
  const all = o.series.flatMap((s) => [...s.points, ...(s.markers ?? [])]);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x0 = Math.floor(Math.log10(Math.min(...xs)));
  const x1 = Math.ceil(Math.log10(Math.max(...xs)));
  const y0 = Math.floor(Math.log10(Math.min(...ys)));
  const y1 = Math.ceil(Math.log10(Math.max(...ys)));
  const sx = (x: number) => left + ((Math.log10(x) - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => top + plotH - ((Math.log10(y) - y0) / (y1 - y0)) * plotH;
  const xTick = o.xTick ?? shortNumber;
  const yTick = o.yTick ?? shortNumber;
  const font = 'font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${font} font-size="14">`);
  out.push(`<title>${esc(o.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="30" font-size="19" font-weight="bold" fill="#111">${esc(o.title)}</text>`);
  if (o.subtitle) out.push(`<text x="${left}" y="52" font-size="13" fill="#444">${esc(o.subtitle)}</text>`);

  // Grid: minor lines at 2..9 of each decade, major lines at decades.
  const grid: string[] = [];
  for (let d = x0; d <= x1; d++) {
    for (let m = 1; m <= 9; m++) {
      const v = m * 10 ** d;
      if (Math.log10(v) > x1 + 1e-9) break;
      const X = r1(sx(v));
      grid.push(`<line x1="${X}" y1="${top}" x2="${X}" y2="${top + plotH}" stroke="${m === 1 ? '#c8c8c8' : '#ececec'}" stroke-width="1"/>`);
    }
  }
  for (let d = y0; d <= y1; d++) {
    for (let m = 1; m <= 9; m++) {
      const v = m * 10 ** d;
      if (Math.log10(v) > y1 + 1e-9) break;
      const Y = r1(sy(v));
      grid.push(`<line x1="${left}" y1="${Y}" x2="${left + plotW}" y2="${Y}" stroke="${m === 1 ? '#c8c8c8' : '#ececec'}" stroke-width="1"/>`);
    }
  }
  out.push(`<g>${grid.join('')}</g>`);
  // Axes and tick labels.
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333" stroke-width="1.2"/>`);
  for (let d = x0; d <= x1; d++) {
    const X = r1(sx(10 ** d));
    out.push(`<line x1="${X}" y1="${top + plotH}" x2="${X}" y2="${top + plotH + 6}" stroke="#333"/>`);
    out.push(`<text x="${X}" y="${top + plotH + 24}" text-anchor="middle" fill="#222">${esc(xTick(10 ** d))}</text>`);
  }
  for (let d = y0; d <= y1; d++) {
    const Y = r1(sy(10 ** d));
    out.push(`<line x1="${left - 6}" y1="${Y}" x2="${left}" y2="${Y}" stroke="#333"/>`);
    out.push(`<text x="${left - 10}" y="${r1(sy(10 ** d) + 5)}" text-anchor="end" fill="#222">${esc(yTick(10 ** d))}</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 50}" text-anchor="middle" fill="#111">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(24 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#111">${esc(o.yLabel)}</text>`);

  // Series: solid lines first, dashed ones on top, so a dashed line that coincides with a solid one stays visible.
  for (const s of [...o.series.filter((x) => !x.dash), ...o.series.filter((x) => x.dash)]) {
    const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${r1(sx(p[0]))} ${r1(sy(p[1]))}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.6"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} stroke-linejoin="round"/>`);
    for (const m of s.markers ?? []) {
      out.push(`<circle cx="${r1(sx(m[0]))}" cy="${r1(sy(m[1]))}" r="4.5" fill="${s.color}" stroke="#fff" stroke-width="1.5"/>`);
    }
  }

  // Legend (outside the plot, to the right).
  out.push(`<text x="${legendX}" y="${top + 4}" font-weight="bold" fill="#111">Path</text>`);
  o.series.forEach((s, i) => {
    const y = top + 30 + i * 48;
    out.push(`<line x1="${legendX}" y1="${y}" x2="${legendX + 30}" y2="${y}" stroke="${s.color}" stroke-width="3"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    out.push(`<circle cx="${legendX + 15}" cy="${y}" r="4.5" fill="${s.color}" stroke="#fff" stroke-width="1.5"/>`);
    const [first, ...rest] = s.label.split('\n');
    out.push(`<text x="${legendX + 40}" y="${y + 5}" fill="#111">${esc(first)}</text>`);
    rest.forEach((l, j) => out.push(`<text x="${legendX + 40}" y="${y + 23 + j * 17}" font-size="12.5" fill="#444">${esc(l)}</text>`));
  });
  if (o.footnote) {
    o.footnote.split('\n').forEach((l, i) => out.push(`<text x="${left}" y="${H - 34 + i * 16}" font-size="12" fill="#555">${esc(l)}</text>`));
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
