/**
 * A terminal capture with SGR colour codes (`tmux capture-pane -e`) drawn as an SVG "screenshot":
 * one monospace text row per line, coloured spans for the 16 basic, 256 and true colours, bold and
 * dim. Enough for docs; not a terminal emulator.
 */

const BASIC = ["#1e1e1e", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5"];
const BRIGHT = ["#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"];
const FOREGROUND = "#d4d4d4";

interface Style {
  fg?: string;
  bold: boolean;
  dim: boolean;
}

function color256(n: number): string {
  if (n < 8) return BASIC[n]!;
  if (n < 16) return BRIGHT[n - 8]!;
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const i = n - 16;
  const c = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${c(Math.floor(i / 36))},${c(Math.floor(i / 6) % 6)},${c(i % 6)})`;
}

function apply(style: Style, params: number[]): Style {
  const next = { ...style };
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    if (p === 0) Object.assign(next, { fg: undefined, bold: false, dim: false });
    else if (p === 1) next.bold = true;
    else if (p === 2) next.dim = true;
    else if (p === 22) Object.assign(next, { bold: false, dim: false });
    else if (p >= 30 && p <= 37) next.fg = BASIC[p - 30];
    else if (p >= 90 && p <= 97) next.fg = BRIGHT[p - 90];
    else if (p === 39) next.fg = undefined;
    else if (p === 38 && params[i + 1] === 5) {
      next.fg = color256(params[i + 2] ?? 7);
      i += 2;
    } else if (p === 38 && params[i + 1] === 2) {
      next.fg = `rgb(${params[i + 2] ?? 0},${params[i + 3] ?? 0},${params[i + 4] ?? 0})`;
      i += 4;
    }
  }
  return next;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Render `capture` (lines with SGR codes) as an SVG document of `columns` width. */
export function ansiToSvg(capture: string, columns: number, title: string): string {
  const charW = 8.4;
  const lineH = 18;
  const pad = 16;
  const lines = capture.split("\n");
  let style: Style = { bold: false, dim: false };
  const rows = lines.map((line, row) => {
    const spans: string[] = [];
    for (const part of line.split(/(\u001b\[[0-9;]*m)/)) {
      const sgr = /^\u001b\[([0-9;]*)m$/.exec(part);
      if (sgr) {
        style = apply(style, (sgr[1] || "0").split(";").map(Number));
        continue;
      }
      if (!part) continue;
      const attrs = [
        `fill="${style.fg ?? FOREGROUND}"`,
        style.bold ? 'font-weight="bold"' : "",
        style.dim ? 'opacity="0.6"' : "",
      ]
        .filter(Boolean)
        .join(" ");
      spans.push(`<tspan ${attrs}>${escapeXml(part)}</tspan>`);
    }
    return `<text x="${pad}" y="${pad + 14 + row * lineH}" xml:space="preserve">${spans.join("")}</text>`;
  });
  const width = Math.ceil(pad * 2 + columns * charW);
  const height = pad * 2 + lines.length * lineH;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" rx="6" fill="#1e1e1e"/>`,
    `<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">`,
    ...rows,
    "</g>",
    "</svg>",
    "",
  ].join("\n");
}
