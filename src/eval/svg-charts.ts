/**
 * Small inline-SVG charts for the HTML report: grouped bars with interval whiskers, a scatter and a
 * histogram. Pure string builders with fixed view boxes (they scale with the page); no script, no
 * external resource.
 */

/** Escape text for XML/HTML content and attribute values. */
export function esc(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const INK = "#1f2937";
const MUTED = "#6b7280";
const GRID = "#e5e7eb";
const FONT = `font-family="inherit" fill="${MUTED}"`;

/** Colors that stay distinct for common color-vision deficiencies and in print. */
export const PALETTE = ["#3b5bdb", "#f08c00", "#2b8a3e", "#c2255c", "#7048e8", "#0c8599", "#e8590c", "#5c940d"];

const fmt = (x: number) => (Math.round(x * 10) / 10).toString();
/** A round tick step (1, 2 or 5 × 10^k) at least `raw`. */
export function niceStep(raw: number): number {
  const exp = 10 ** Math.floor(Math.log10(raw));
  for (const f of [1, 2, 5, 10]) if (f * exp >= raw) return f * exp;
  return 10 * exp;
}

/** A small deterministic offset (−3..3) per label, so identical points do not hide each other. */
function jitter(label: string): number {
  let h = 0;
  for (let i = 0; i < label.length; i++) h = (h * 31 + label.charCodeAt(i)) >>> 0;
  return (h % 7) - 3;
}

/** Axis label: two significant digits below 10, whole numbers above. */
const tick = (x: number) => (x === 0 ? "0" : x < 10 ? Number(x.toPrecision(2)).toString() : Math.round(x).toString());

export interface BarValue {
  value: number;
  lo?: number;
  hi?: number;
}

export interface GroupedBarsSpec {
  groups: Array<{ label: string; values: BarValue[] }>;
  series: Array<{ name: string; color: string }>;
  /** Top of the y axis (default 1, i.e. rates). */
  yMax?: number;
  title?: string;
}

function legend(series: ReadonlyArray<{ name: string; color: string }>, x: number, y: number): string {
  let cx = x;
  return series
    .map((s) => {
      const item = `<rect x="${fmt(cx)}" y="${y - 9}" width="10" height="10" rx="2" fill="${s.color}"/><text x="${fmt(cx + 14)}" y="${y}" font-size="11" ${FONT}>${esc(s.name)}</text>`;
      cx += 22 + s.name.length * 6.2;
      return item;
    })
    .join("");
}

/** Grouped vertical bars (rates by default, shown as %) with optional interval whiskers. */
export function groupedBars(spec: GroupedBarsSpec): string {
  const width = 720;
  const height = 280;
  const m = { top: 30, right: 12, bottom: 46, left: 40 };
  const yMax = spec.yMax ?? 1;
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const y = (v: number) => m.top + plotH - (Math.max(0, Math.min(v, yMax)) / yMax) * plotH;
  const parts: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const v = (yMax * t) / 4;
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" stroke="${GRID}"/>`);
    parts.push(
      `<text x="${m.left - 6}" y="${fmt(y(v) + 4)}" font-size="10" text-anchor="end" ${FONT}>${yMax === 1 ? `${Math.round(v * 100)}%` : fmt(v)}</text>`,
    );
  }
  const groupW = plotW / Math.max(1, spec.groups.length);
  const barW = Math.min(34, (groupW * 0.8) / Math.max(1, spec.series.length));
  spec.groups.forEach((g, gi) => {
    const x0 = m.left + gi * groupW + (groupW - barW * spec.series.length) / 2;
    g.values.forEach((v, si) => {
      const x = x0 + si * barW;
      const color = spec.series[si]?.color ?? INK;
      const top = y(v.value);
      const label = `${spec.series[si]?.name ?? ""} ${g.label}: ${yMax === 1 ? `${(v.value * 100).toFixed(1)}%` : fmt(v.value)}`;
      parts.push(
        `<rect x="${fmt(x + 1)}" y="${fmt(top)}" width="${fmt(barW - 2)}" height="${fmt(m.top + plotH - top)}" rx="2" fill="${color}"><title>${esc(label)}</title></rect>`,
      );
      if (v.lo !== undefined && v.hi !== undefined) {
        const cx = x + barW / 2;
        parts.push(
          `<path d="M${fmt(cx)} ${fmt(y(v.lo))}V${fmt(y(v.hi))}M${fmt(cx - 3)} ${fmt(y(v.lo))}h6M${fmt(cx - 3)} ${fmt(y(v.hi))}h6" stroke="${INK}" stroke-width="1.2" opacity="0.7"/>`,
        );
      }
    });
    const lines = g.label.split("\n");
    lines.forEach((line, li) => {
      parts.push(
        `<text x="${fmt(m.left + gi * groupW + groupW / 2)}" y="${height - m.bottom + 16 + li * 13}" font-size="11" text-anchor="middle" fill="${li === 0 ? INK : MUTED}" font-family="inherit">${esc(line)}</text>`,
      );
    });
  });
  parts.push(legend(spec.series, m.left, 16));
  return svg(width, height, parts, spec.title);
}

export interface ScatterSpec {
  points: Array<{ x: number; y: number; color: string; label: string }>;
  xLabel: string;
  yLabel: string;
  /** Log-scale x (values ≤ 0 sit on the left edge). */
  logX?: boolean;
  legend?: Array<{ name: string; color: string }>;
  title?: string;
}

/** Scatter of y in 0..1 (shown as %) against x. */
export function scatter(spec: ScatterSpec): string {
  const width = 720;
  const height = 300;
  const m = { top: 30, right: 16, bottom: 42, left: 44 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const xs = spec.points.map((p) => p.x);
  const maxX = Math.max(1, ...xs);
  const tx = (v: number) => (spec.logX ? Math.log10(Math.max(1, v)) : v);
  const span = Math.max(1e-9, tx(maxX) * 1.05);
  const x = (v: number) => m.left + (tx(v) / span) * plotW;
  const y = (v: number) => m.top + plotH - Math.max(0, Math.min(1, v)) * plotH;
  const parts: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const v = t / 4;
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" stroke="${GRID}"/>`);
    parts.push(
      `<text x="${m.left - 6}" y="${fmt(y(v) + 4)}" font-size="10" text-anchor="end" ${FONT}>${t * 25}%</text>`,
    );
  }
  const ticks = spec.logX
    ? [1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000, 100000].filter((t) => t <= maxX * 1.05)
    : [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(maxX * f));
  for (const t of ticks) {
    parts.push(`<line x1="${fmt(x(t))}" x2="${fmt(x(t))}" y1="${m.top}" y2="${m.top + plotH}" stroke="${GRID}"/>`);
    parts.push(
      `<text x="${fmt(x(t))}" y="${m.top + plotH + 14}" font-size="10" text-anchor="middle" ${FONT}>${t}</text>`,
    );
  }
  for (const p of spec.points) {
    parts.push(
      `<circle cx="${fmt(x(p.x) + jitter(p.label))}" cy="${fmt(y(p.y) + jitter(`${p.label}.`))}" r="4.5" fill="${p.color}" fill-opacity="0.72" stroke="white" stroke-width="1"><title>${esc(p.label)}</title></circle>`,
    );
  }
  parts.push(
    `<text x="${m.left + plotW / 2}" y="${height - 6}" font-size="11" text-anchor="middle" ${FONT}>${esc(spec.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(12 ${m.top + plotH / 2}) rotate(-90)" font-size="11" text-anchor="middle" ${FONT}>${esc(spec.yLabel)}</text>`,
  );
  if (spec.legend) parts.push(legend(spec.legend, m.left, 16));
  return svg(width, height, parts, spec.title);
}

export interface HistogramSpec {
  values: number[];
  bins?: number;
  xLabel: string;
  color: string;
  /** Values drawn as labelled vertical markers (median, p90...). */
  markers?: Array<{ value: number; label: string }>;
  title?: string;
}

/** Histogram of non-negative values with equal-width bins from 0 to the maximum. */
export function histogram(spec: HistogramSpec): string {
  const width = 350;
  const height = 220;
  const m = { top: 24, right: 12, bottom: 40, left: 32 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const step = niceStep(Math.max(1e-9, ...spec.values) / 4);
  const max = step * Math.max(1, Math.ceil(Math.max(1e-9, ...spec.values) / step));
  // Bins align with the ticks: a whole number of bins per tick step.
  const bins = Math.round(max / step) * Math.max(1, Math.round((spec.bins ?? 12) / Math.round(max / step)));
  const counts = new Array<number>(bins).fill(0);
  for (const v of spec.values) {
    const i = Math.min(bins - 1, Math.floor((Math.max(0, v) / max) * bins));
    counts[i] = (counts[i] ?? 0) + 1;
  }
  const countStep = Math.max(1, niceStep(Math.max(1, ...counts) / 3));
  const top = countStep * Math.ceil(Math.max(1, ...counts) / countStep);
  const bw = plotW / bins;
  const y = (c: number) => m.top + plotH - (c / top) * plotH;
  const x = (v: number) => m.left + (v / max) * plotW;
  const parts: string[] = [];
  for (let c = 0; c <= top; c += countStep) {
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${fmt(y(c))}" y2="${fmt(y(c))}" stroke="${GRID}"/>`);
    parts.push(`<text x="${m.left - 6}" y="${fmt(y(c) + 4)}" font-size="10" text-anchor="end" ${FONT}>${c}</text>`);
  }
  counts.forEach((c, i) => {
    const lo = (max * i) / bins;
    const hi = (max * (i + 1)) / bins;
    parts.push(
      `<rect x="${fmt(m.left + i * bw + 1)}" y="${fmt(y(c))}" width="${fmt(bw - 2)}" height="${fmt(m.top + plotH - y(c))}" rx="2" fill="${spec.color}" fill-opacity="0.85"><title>${fmt(lo)}–${fmt(hi)}: ${c} task${c === 1 ? "" : "s"}</title></rect>`,
    );
  });
  for (const mk of spec.markers ?? []) {
    const mx = x(Math.min(max, mk.value));
    parts.push(
      `<line x1="${fmt(mx)}" x2="${fmt(mx)}" y1="${m.top - 6}" y2="${m.top + plotH}" stroke="${INK}" stroke-dasharray="3 3"/>`,
    );
    // Past the middle the label goes on the left of its line so it never runs off the chart.
    const left = mx > m.left + plotW / 2;
    parts.push(
      `<text x="${fmt(left ? mx - 3 : mx + 3)}" y="${m.top - 8}" font-size="10" text-anchor="${left ? "end" : "start"}" fill="${INK}" font-family="inherit">${esc(mk.label)}</text>`,
    );
  }
  for (let v = 0; v <= max + step / 2; v += step) {
    const anchor = v === 0 ? "start" : v + step / 2 > max ? "end" : "middle";
    parts.push(
      `<text x="${fmt(x(v))}" y="${m.top + plotH + 14}" font-size="10" text-anchor="${anchor}" ${FONT}>${tick(v)}</text>`,
    );
  }
  parts.push(
    `<text x="${m.left + plotW / 2}" y="${height - 6}" font-size="11" text-anchor="middle" ${FONT}>${esc(spec.xLabel)}</text>`,
  );
  return svg(width, height, parts, spec.title);
}

function svg(width: number, height: number, parts: string[], title?: string): string {
  const t = title ? `<title>${esc(title)}</title>` : "";
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img"${title ? ` aria-label="${esc(title)}"` : ""}>${t}${parts.join("")}</svg>`;
}
