/**
 * Grep's text for the model, in ripgrep's `--heading` format: a block per file (its absolute path,
 * then `N:match` and `N-context` lines, `--` between separate groups), blocks separated by a blank
 * line; `files_with_matches` lists paths; `count` prints `path:N`. Output is capped in lines
 * (headings and blanks included, as trained) with a note that says how much there was.
 */
import type { LineSpan, ToolResult } from "../../contracts/tools.js";
import { clipLine, reminder } from "../context.js";
import type { Collected, GrepQuery } from "./collect.js";

interface OutLine {
  text: string;
  /** The file line this output line shows, if any. */
  obs?: { rel: string; line: number };
}

export interface FormatOptions {
  display: (rel: string) => string;
  lineNumbers: boolean;
  maxLineChars: number;
  /** Output line cap (head_limit, or the default). */
  limit: number;
  /** Extra notes appended after the results (ignored directories, timeouts...). */
  notes: string[];
}

/**
 * The first `limit` output lines, and how many there are in all. Why not all of them: a search
 * collects up to 20,000 lines, and clipping and numbering those a `head_limit` never shows held the
 * event loop 15–30 ms on a large tree; counting them is cheap.
 */
function buildLines(c: Collected, q: GrepQuery, o: FormatOptions, limit: number): { lines: OutLine[]; total: number } {
  const out: OutLine[] = [];
  if (q.mode === "files_with_matches" || q.mode === "count") {
    for (const f of c.files) {
      if (out.length >= limit) break;
      out.push({ text: q.mode === "count" ? `${o.display(f.rel)}:${f.matches}` : o.display(f.rel) });
    }
    return { lines: out, total: c.files.length };
  }
  const context = q.before > 0 || q.after > 0;
  let total = 0;
  /** Counts one more output line; true while it is among the first `limit` (then it is built). */
  const shown = () => total++ < limit;
  for (const [i, f] of c.files.entries()) {
    if (i > 0 && shown()) out.push({ text: "" });
    if (shown()) out.push({ text: o.display(f.rel) });
    let prev = -1;
    for (const l of f.lines) {
      if (context && prev !== -1 && l.line > prev + 1 && shown()) out.push({ text: "--" });
      if (shown()) {
        const body = clipLine(l.text, o.maxLineChars, l.focus);
        const text = o.lineNumbers ? `${l.line}${l.match ? ":" : "-"}${body}` : body;
        out.push({ text, obs: { rel: f.rel, line: l.line } });
      }
      prev = l.line;
    }
  }
  return { lines: out, total };
}

function observedOf(lines: OutLine[]): LineSpan[] {
  const spans: LineSpan[] = [];
  for (const l of lines) {
    if (!l.obs) continue;
    const last = spans[spans.length - 1];
    if (last && last.path === l.obs.rel && l.obs.line === last.end + 1) last.end = l.obs.line;
    else spans.push({ path: l.obs.rel, start: l.obs.line, end: l.obs.line });
  }
  return spans;
}

function totals(c: Collected, q: GrepQuery): string {
  const atLeast = c.atLeast ? "at least " : "";
  const files = `${c.files.length} file${c.files.length === 1 ? "" : "s"}`;
  if (q.mode === "files_with_matches") return `${atLeast}${files} matched`;
  if (q.mode === "count") {
    const matches = c.files.reduce((n, f) => n + f.matches, 0);
    return `${atLeast}${matches} match${matches === 1 ? "" : "es"} in ${files}`;
  }
  const lines = c.files.reduce((n, f) => n + f.matchLines, 0);
  return `${atLeast}${lines} matching line${lines === 1 ? "" : "s"} in ${files}`;
}

export interface FormattedGrep extends ToolResult {
  units: number;
  shrink: (units: number, notice: string) => ToolResult;
}

export function formatGrep(c: Collected, q: GrepQuery, o: FormatOptions): FormattedGrep {
  // `shrink` never shows more than the first render: the lines past `limit` are only counted.
  const { lines: shown, total } = buildLines(c, q, o, o.limit);
  const data = {
    tool: "Grep" as const,
    mode: q.mode,
    // Only content mode shows lines; the others would hold every matching line's text (tens of
    // thousands for a common word) for as long as the result lives.
    files: c.files.map((f) => ({
      path: f.rel,
      count: q.mode === "count" ? f.matches : f.matchLines,
      lines: q.mode === "content" ? f.lines.map((l) => ({ line: l.line, text: l.text, match: l.match })) : [],
    })),
    total:
      q.mode === "files_with_matches"
        ? c.files.length
        : c.files.reduce((n, f) => n + (q.mode === "count" ? f.matches : f.matchLines), 0),
    atLeast: c.atLeast,
    timedOut: c.timedOut,
    engine: c.engine,
  };
  const notes = [...o.notes];
  if (c.timedOut)
    notes.unshift(
      "The search hit its time limit; the results are partial. Narrow path, glob or type, or simplify the pattern.",
    );
  const render = (count: number, extra?: string): ToolResult => {
    if (total === 0) {
      const text = ["No matches found", ...notes.map(reminder)].join("\n");
      return { text, observed: [], truncated: false, data };
    }
    const kept = shown.slice(0, count);
    while (kept.length > 0 && kept[kept.length - 1]!.text === "") kept.pop();
    let text = kept.map((l) => l.text).join("\n");
    const truncated = count < total;
    if (truncated)
      text += `\nResults truncated to first ${count} lines (${totals(c, q)}). Narrow the search with path, glob or type, or use a more specific pattern.`;
    else if (c.atLeast && !c.timedOut) text += `\n${reminder(`The search stopped early: ${totals(c, q)}.`)}`;
    const trailer = extra ? [extra, ...notes] : notes;
    if (trailer.length) text += `\n${trailer.map(reminder).join("\n")}`;
    return { text, observed: observedOf(kept), truncated: truncated || c.atLeast, data };
  };
  const first = render(Math.min(o.limit, total));
  return {
    ...first,
    units: Math.min(o.limit, total),
    shrink: (units, notice) => render(Math.min(Math.max(0, units), shown.length), notice),
  };
}
