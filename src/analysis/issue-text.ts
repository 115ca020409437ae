/**
 * Splits issue-style Markdown into weighted segments: the title, prose per section, inline code spans
 * and code blocks (fenced, indented, or unfenced stack traces). Template boilerplate (HTML comments,
 * checkboxes, template headings, version listings) is removed; sections such as "Environment" are kept
 * but flagged as noise so their terms weigh little. Generic Markdown rules only.
 */
import { ENGLISH_STOPWORDS, ISSUE_NOISE } from "./stopwords.js";

export type SegmentSource = "title" | "prose" | "inline_code" | "code";

export interface TextSegment {
  text: string;
  source: SegmentSource;
  /** From an environment/version/checklist-like section, or a package listing. */
  noise: boolean;
  /** Part of the title (inline code in the title keeps source `inline_code`). */
  inTitle?: boolean;
}

export interface IssueDocument {
  title: string;
  segments: TextSegment[];
  /** Code blocks' contents, in order (fenced, indented and detected traces). */
  codeBlocks: string[];
  /** Repository paths taken from links to source files (`…/blob/<ref>/<path>`). */
  linkedPaths: string[];
}

const NOISE_HEADING =
  /\b(?:environment|versions?|system info|system information|platform|operating system|os|installed|pip (?:freeze|list)|dependencies|browser|device|smartphone|desktop|checklist|prerequisites?|screenshots?|code of conduct|contributing|before submitting|search terms)\b/i;
const HEADING =
  /^\s{0,3}(?:#{1,6}\s+(.+?)\s*#*\s*$|\*\*([^*]+?)\*\*:?\s*$|__([^_]+?)__:?\s*$|([A-Z][\w /&()-]{2,40}):\s*$)/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const CHECKBOX = /^\s*(?:[-*+]|\d+\.)\s+\[[ xX]\]/;
const VERSION_LINE = [
  /^\s*[-*+]?\s*[\w .()/+-]{1,40}:\s*[\w .()/-]{0,30}?\bv?\d+(?:\.\d+)+[\w.+-]*[\s\w.()/,-]{0,30}$/,
  /^\s*[\w.[\]-]+\s*(?:==|>=|<=|~=|===|@)\s*\S+\s*$/,
  /^\s*\|?\s*[\w .-]+\s*\|\s*v?\d+(?:\.\d+)+[\w.+-]*\s*\|?\s*$/,
  /^\s*[-*+]?\s*[\w.-]+\s+v?\d+(?:\.\d+)+[\w.+-]*\s*$/,
  // Several `key: value` pairs with versions on one short line ("Node: v20.1, OS: macOS 14").
  /^(?=.{0,120}$)\s*[-*+]?\s*[\w .()/+-]{1,30}:\s*[^:\n]*\bv?\d+\.\d+(?:\.\d+)*\b[^:\n]*,\s*[\w .()/+-]{1,30}:/,
];
const TRACE_LINE =
  /^(?:\s*Traceback \(most recent call last\)|\s*File ".+", line \d+|\s+at \S|\s+\S+\.go:\d+|goroutine \d+ \[|\s*\d+: \S|\s*(?:from )?\S+\.rb:\d+:in |#\d+ \S+\.php\(|\s*Caused by: |thread '.+' panicked at |\s*#\d+\s+0x[0-9a-fA-F]+\s+in\s)/;

// Only real HTML tags: `<module>` in tracebacks and `List<String>` in prose must survive.
const HTML_TAG =
  /<\/?(?:details|summary|br|p|div|span|img|a|b|i|u|em|strong|code|pre|sup|sub|kbd|table|thead|tbody|tr|td|th|ul|ol|li|h[1-6]|hr|blockquote|picture|source|video)\b[^>\n]*>/g;

const isVersionLine = (line: string): boolean => VERSION_LINE.some((re) => re.test(line));

/** True when every word of a heading is template vocabulary ("Steps to reproduce", "Expected behavior"). */
function isTemplateHeading(heading: string): boolean {
  const ws = heading.toLowerCase().match(/[a-z]+/g) ?? [];
  return ws.length > 0 && ws.every((w) => ISSUE_NOISE.has(w) || ENGLISH_STOPWORDS.has(w) || NOISE_HEADING.test(w));
}

interface Line {
  text: string;
  noise: boolean;
  /** A fenced code block, kept in document order among the prose lines. */
  fenced?: boolean;
}

/** Input beyond this is ignored: issue bodies are far smaller; giant pasted logs add nothing but time. */
export const MAX_QUERY_CHARS = 400_000;
/** Longer lines (minified code, base64, log dumps) are cut: their tails carry no search terms. */
export const MAX_LINE_CHARS = 2_000;

/** Parses `text` into segments. */
export function segmentIssue(text: string): IssueDocument {
  const clean = text
    .slice(0, MAX_QUERY_CHARS)
    .replace(new RegExp(`^(.{${MAX_LINE_CHARS}}).+$`, "gm"), "$1")
    .replace(/\r\n?/g, "\n")
    .replace(/<!--[\s\S]*?(?:-->|$)/g, "")
    .replace(HTML_TAG, " ");
  const lines = clean.split("\n");
  const segments: TextSegment[] = [];
  const codeBlocks: string[] = [];
  const linkedPaths: string[] = [];
  const addCode = (code: string, noise: boolean) => {
    if (!code.trim()) return;
    codeBlocks.push(code);
    const body = code.split("\n").filter((l) => l.trim());
    const listing = body.length > 0 && body.filter(isVersionLine).length / body.length >= 0.6;
    segments.push({ text: code, source: "code", noise: noise || listing });
  };

  let title = "";
  let start = lines.findIndex((l) => l.trim());
  if (start >= 0 && !FENCE.test(lines[start]!)) {
    const first = lines[start]!.trim()
      .replace(/^#+\s*/, "")
      .replace(/^(?:title|subject)\s*:\s*/i, "");
    if (!isTemplateHeading(first) && !CHECKBOX.test(first)) {
      title = first;
      start++;
    }
  }

  const prose: Line[] = [];
  let noise = false;
  for (let i = Math.max(start, 0); i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const closer = new RegExp(`^\\s{0,3}${fence[1]![0] === "`" ? "`" : "~"}{${fence[1]!.length},}\\s*$`);
      const body: string[] = [];
      for (i++; i < lines.length && !closer.test(lines[i]!); i++) body.push(lines[i]!);
      prose.push({ text: body.join("\n"), noise, fenced: true });
      continue;
    }
    const heading = TRACE_LINE.test(line) ? null : HEADING.exec(line);
    if (heading) {
      const h = (heading[1] ?? heading[2] ?? heading[3] ?? heading[4] ?? "").trim();
      noise = NOISE_HEADING.test(h);
      if (!isTemplateHeading(h)) prose.push({ text: h, noise });
      continue;
    }
    if (CHECKBOX.test(line) || isVersionLine(line)) continue;
    prose.push({ text: line, noise });
  }

  if (title) {
    const t: TextSegment[] = [];
    proseSegments({ text: title, noise: false }, t, linkedPaths);
    for (const s of t) segments.push({ ...s, source: s.source === "prose" ? "title" : s.source, inTitle: true });
  }
  for (const block of splitOutCode(prose)) {
    if (block.code)
      addCode(
        block.lines.map((l) => l.text).join("\n"),
        block.lines.every((l) => l.noise),
      );
    else for (const l of block.lines) proseSegments(l, segments, linkedPaths);
  }
  return { title, segments, codeBlocks, linkedPaths };
}

/** Separates unfenced traces and indented code (4+ spaces after a blank line) from prose lines. */
function splitOutCode(lines: Line[]): Array<{ code: boolean; lines: Line[] }> {
  const isCode = new Array<boolean>(lines.length).fill(false);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.fenced || !TRACE_LINE.test(lines[i]!.text)) continue;
    let j = i;
    // A trace continues through indented source lines and ends after its exception line.
    const continues = (l: Line) => !l.fenced && (TRACE_LINE.test(l.text) || /^\s{2,}\S/.test(l.text));
    for (;;) {
      const next = lines[j + 1];
      if (next && continues(next)) j++;
      // One other line between trace lines ("stack backtrace:", a chained message) belongs to the trace.
      else if (
        next &&
        !next.fenced &&
        next.text.trim() &&
        lines[j + 2] &&
        !lines[j + 2]!.fenced &&
        TRACE_LINE.test(lines[j + 2]!.text)
      )
        j += 2;
      else break;
    }
    if (j + 1 < lines.length && !lines[j + 1]!.fenced && lines[j + 1]!.text.trim()) j++;
    const above = lines[i - 1];
    const from = above && !above.fenced && above.text.trim() && /^\s+at /.test(lines[i]!.text) ? i - 1 : i; // JS/Java: message line above
    for (let k = from; k <= j; k++) isCode[k] = true;
    i = j;
  }
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (
      isCode[i] ||
      l.fenced ||
      !/^(?: {4}|\t)\S/.test(l.text) ||
      (i > 0 && lines[i - 1]!.text.trim() && !isCode[i - 1])
    )
      continue;
    for (
      let k = i;
      k < lines.length && !lines[k]!.fenced && (/^(?: {4}|\t)/.test(lines[k]!.text) || !lines[k]!.text.trim());
      k++
    )
      isCode[k] = true;
  }
  const blocks: Array<{ code: boolean; lines: Line[] }> = [];
  lines.forEach((l, i) => {
    const last = blocks[blocks.length - 1];
    if (l.fenced)
      blocks.push({ code: true, lines: [l] }); // a fenced block is never merged with neighbours
    else if (last && last.code === isCode[i] && !last.lines[0]!.fenced) last.lines.push(l);
    else blocks.push({ code: isCode[i]!, lines: [l] });
  });
  return blocks;
}

const BLOB_URL = /https?:\/\/(?:www\.)?github\.com\/[^/\s]+\/[^/\s]+\/(?:blob|tree)\/[^/\s]+\/([^\s#?)\]>]+)/g;

/** Splits one prose line into inline-code spans and the remaining prose, removing links and mentions. */
function proseSegments(line: Line, out: TextSegment[], linkedPaths: string[]): void {
  let text = line.text;
  for (const m of text.matchAll(BLOB_URL)) linkedPaths.push(decodeURIComponent(m[1]!));
  text = text.replace(/(`{1,3})([^`\n]{1,1000}?)\1/g, (_, _ticks: string, code: string) => {
    out.push({ text: code.trim(), source: "inline_code", noise: line.noise });
    return " ";
  });
  text = text
    .replace(/!\[[^\]\n]{0,500}\]\([^)\s]{0,1000}\)/g, " ")
    .replace(/\[([^\]\n]{0,500})\]\([^)\s]{0,1000}\)/g, "$1")
    .replace(/\b(?:https?|ftp):\/\/\S+|\bwww\.\S+/g, " ")
    // Bounded and anchored at a word start so that long runs without `@` stay linear.
    .replace(/(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+/g, " ")
    .replace(/(^|\s)@[\w-]+/g, "$1")
    .replace(/^\s*(?:>\s*)+/, "")
    .replace(/^\s*(?:[-*+]|\d+\.)\s+/, "");
  if (text.trim()) out.push({ text, source: "prose", noise: line.noise });
}
