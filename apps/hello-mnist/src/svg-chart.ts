/** One line of a chart. */
export interface Series {
  readonly name: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly color: string;
  /** Draw as a step function (metrics between thresholds). */
  readonly step?: boolean;
  readonly width?: number;
}

/** A vertical line marking one x value (e.g. the chosen cutpoint), or a dot when `y` is given. */
export interface Marker {
  readonly x: number;
  readonly y?: number;
  readonly label: string;
  readonly color: string;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly markers?: readonly Marker[];
  readonly xRange?: readonly [number, number];
  readonly yRange?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
}

/** Escapes text for HTML and SVG. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function extent(values: number[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

/** About five round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function tickText(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  return Number(v.toPrecision(3)).toString();
}

/** A self-contained SVG line chart with axes, grid, legend and optional markers. */
export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 560;
  const height = options.height ?? 320;
  const pad = { left: 56, right: 16, top: 52, bottom: 46 };
  const allX = options.series.flatMap((s) => Array.from(s.x));
  const allY = options.series.flatMap((s) => Array.from(s.y));
  const [x0, x1] = options.xRange ?? extent(allX);
  const [y0, y1] = options.yRange ?? extent(allY);
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const sx = (x: number) => pad.left + ((Math.min(Math.max(x, x0), x1) - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => pad.top + plotH - ((Math.min(Math.max(y, y0), y1) - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(options.title)}">`,
  );
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(options.title)}</text>`,
  );
  for (const t of ticks(x0, x1)) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" y1="${pad.top}" x2="${x}" y2="${pad.top + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${pad.top + plotH + 16}" text-anchor="middle" font-size="11">${tickText(t)}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${pad.left}" y1="${y}" x2="${pad.left + plotW}" y2="${y}" stroke="#eee"/>`);
    parts.push(
      `<text x="${pad.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${tickText(t)}</text>`,
    );
  }
  parts.push(
    `<rect x="${pad.left}" y="${pad.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    `<text x="${pad.left + plotW / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(14 ${pad.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(options.yLabel)}</text>`,
  );
  for (const s of options.series) {
    const points: string[] = [];
    let prevY: number | undefined;
    for (let i = 0; i < s.x.length; i++) {
      const xv = s.x[i] as number;
      const yv = s.y[i] as number;
      if (!Number.isFinite(yv) || Number.isNaN(xv)) continue;
      const px = sx(xv).toFixed(1);
      if (s.step && prevY !== undefined) points.push(`${px},${sy(prevY).toFixed(1)}`);
      points.push(`${px},${sy(yv).toFixed(1)}`);
      prevY = yv;
    }
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.8}" stroke-linejoin="round" points="${points.join(' ')}"/>`,
    );
  }
  for (const m of options.markers ?? []) {
    const x = sx(m.x);
    // Labels near the right edge go on the left of their marker.
    const right = x > pad.left + plotW * 0.7;
    const anchor = right ? 'end' : 'start';
    const lx = right ? x - 6 : x + 6;
    if (m.y === undefined) {
      parts.push(
        `<line x1="${x.toFixed(1)}" y1="${pad.top}" x2="${x.toFixed(1)}" y2="${pad.top + plotH}" stroke="${m.color}" stroke-dasharray="5 3" stroke-width="1.5"/>`,
        `<text x="${lx.toFixed(1)}" y="${pad.top + plotH - 8}" text-anchor="${anchor}" font-size="11" fill="${m.color}">${escapeXml(m.label)}</text>`,
      );
    } else {
      const y = sy(m.y);
      parts.push(
        `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4.5" fill="none" stroke="${m.color}" stroke-width="2"/>`,
        `<text x="${lx.toFixed(1)}" y="${(y + 16).toFixed(1)}" text-anchor="${anchor}" font-size="11" fill="${m.color}">${escapeXml(m.label)}</text>`,
      );
    }
  }
  // Legend: one row between the title and the plot.
  let lx = pad.left;
  for (const s of options.series) {
    parts.push(
      `<line x1="${lx}" y1="36" x2="${lx + 18}" y2="36" stroke="${s.color}" stroke-width="3"/>`,
      `<text x="${lx + 23}" y="36" dominant-baseline="middle" font-size="11">${escapeXml(s.name)}</text>`,
    );
    lx += 34 + s.name.length * 6.2;
  }
  parts.push('</svg>');
  return parts.join('\n');
}
