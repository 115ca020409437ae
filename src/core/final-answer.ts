/**
 * Parsing the model's `<final_answer>` block. Accepts what small models actually write:
 * `path:10-15 (reason)`, `path:10`, a bare `path`, several ranges (`path:1-5, 20-30`), `#L10-L15`,
 * `:L10-L15`, en dashes, bullets, backticks, numbered lists, reversed ranges. Pure text handling:
 * resolving and validating the paths is `citations.ts`'s job.
 */

export interface RawCitation {
  /** The path as written (cleaned of decorations). */
  path: string;
  /** Line ranges; empty means the whole file was cited. */
  ranges: Array<{ start: number; end: number }>;
  reason?: string;
  /** The original line, for error messages. */
  source: string;
}

export interface ParsedAnswer {
  /** True when a `<final_answer>` tag was present. */
  found: boolean;
  citations: RawCitation[];
  /** Text outside the block (the explanation). */
  explanation: string;
  /** Lines inside the block that could not be understood. */
  unparsed: string[];
}

const OPEN = "<final_answer>";
const CLOSE = "</final_answer>";

function extractBlock(content: string): { inner: string; outside: string } | null {
  const start = content.indexOf(OPEN);
  if (start === -1) return null;
  const end = content.indexOf(CLOSE, start + OPEN.length);
  const inner = end === -1 ? content.slice(start + OPEN.length) : content.slice(start + OPEN.length, end);
  const outside = `${content.slice(0, start)}${end === -1 ? "" : content.slice(end + CLOSE.length)}`;
  return { inner, outside };
}

function cleanExplanation(text: string): string {
  return text
    .replace(/<\/?example>/g, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const RANGE = /L?(\d+)(?:\s*(?:-|–|—|to|\.\.)\s*L?(\d+))?/y;

/** Parse `10-15, 20, 30-40` style range lists at the start of `text`; returns them and the rest. */
function parseRanges(text: string): { ranges: Array<{ start: number; end: number }>; rest: string } {
  const ranges: Array<{ start: number; end: number }> = [];
  let pos = 0;
  for (;;) {
    RANGE.lastIndex = pos + /^\s*/.exec(text.slice(pos))![0].length;
    const m = RANGE.exec(text);
    if (!m) break;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (a > 0 && b > 0) ranges.push({ start: Math.min(a, b), end: Math.max(a, b) });
    pos = RANGE.lastIndex;
    const sep = /^\s*(?:,|;|&|and\b)\s*(?=L?\d)/.exec(text.slice(pos));
    if (!sep) break;
    pos += sep[0].length;
  }
  return { ranges, rest: text.slice(pos) };
}

function parseReason(rest: string): string | undefined {
  let r = rest.trim();
  r = r.replace(/^[-–—:|]+\s*/, "").trim();
  if (r.startsWith("(") && r.endsWith(")")) r = r.slice(1, -1).trim();
  r = r
    .replace(/^(?:Optional\s+)?(?:Brief\s+)?Reason:\s*/i, "")
    .replace(/^["']|["']$/g, "")
    .trim();
  return r === "" ? undefined : r;
}

/** Parse one line of the block; null when it holds no path. */
export function parseCitationLine(line: string): RawCitation | null {
  let s = line.trim();
  if (s === "") return null;
  s = s.replace(/^(?:[-*•+]|\d+[.)])\s+/, ""); // bullets and numbered lists
  // Markdown link: [label](path...)
  const link = /^\[([^\]]*)\]\(([^)]+)\)(.*)$/.exec(s);
  if (link) s = `${link[2]}${link[3]}`;
  s = s.replace(/`/g, "").replace(/\*\*/g, "");
  // `path:10-15`, `path#L10-L15`, `path: 10-15`, `path:L10`
  const withRange = /^(.+?)(?::\s*|#)(?=L?\d)(.*)$/.exec(s);
  if (withRange) {
    const path = withRange[1]!.trim().replace(/^["']|["']$/g, "");
    const { ranges, rest } = parseRanges(withRange[2]!);
    if (ranges.length > 0 && path !== "") {
      const reason = parseReason(rest);
      return reason ? { path, ranges, reason, source: line } : { path, ranges, source: line };
    }
  }
  // `path (lines 10-15)` / `path lines 10-15`
  const words = /^(\S+)\s+\(?(?:lines?|L)\s*(\d+(?:\s*[-–]\s*\d+)?)\)?(.*)$/i.exec(s);
  if (words) {
    const { ranges, rest } = parseRanges(words[2]!);
    if (ranges.length > 0) {
      const reason = parseReason(words[3] ?? rest);
      return reason ? { path: words[1]!, ranges, reason, source: line } : { path: words[1]!, ranges, source: line };
    }
  }
  // A bare path, possibly followed by a reason.
  const bare = /^(\S+)(.*)$/.exec(s);
  if (!bare) return null;
  const path = bare[1]!.replace(/[,:;]+$/, "");
  if (!/[/\\.]/.test(path)) return null; // a word, not a path
  const reason = parseReason(bare[2] ?? "");
  return reason ? { path, ranges: [], reason, source: line } : { path, ranges: [], source: line };
}

export function parseFinalAnswer(content: string): ParsedAnswer {
  const block = extractBlock(content);
  if (!block) return { found: false, citations: [], explanation: cleanExplanation(content), unparsed: [] };
  const citations: RawCitation[] = [];
  const unparsed: string[] = [];
  for (const line of block.inner.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const c = parseCitationLine(line);
    if (c) citations.push(c);
    else unparsed.push(line.trim());
  }
  return { found: true, citations, explanation: cleanExplanation(block.outside), unparsed };
}

/** Render citations as the block callers of the original CLI expect. */
export function renderFinalAnswer(lines: Array<{ path: string; start: number; end: number; reason?: string }>): string {
  const body = lines.map((c) => `${c.path}:${c.start}-${c.end}${c.reason ? ` (${c.reason})` : ""}`).join("\n");
  return `<final_answer>\n${body}${body ? "\n" : ""}</final_answer>`;
}
