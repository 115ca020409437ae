/**
 * Error messages and exception names in issue text: exception lines (`ValueError: …`,
 * `Caused by: x.y.FooException: …`, pytest `E   …`), Go `panic:`, Rust panics and `error[E…]:`,
 * generic `error: …` lines, the last line of a Python traceback, and quoted messages in prose.
 */

export interface FoundMessage {
  /** The message text (exception prefix removed), if any. */
  message?: string;
  /** Exception class (short name, `FooError`), if any. */
  exception?: string;
  /** `quoted` for text quoted in prose, else `error`. */
  kind: "error" | "quoted";
}

const EXCEPTION_LINE =
  /^\s*(?:E\s+|>\s+|Uncaught\s+(?:\(in promise\)\s+)?|Unhandled\s+(?:\w+\s+)?(?:exception|rejection)[.:]?\s+|Caused by:\s+|Exception in thread "[^"]*"\s+|raise\s+)?((?:[A-Za-z_$][\w$]*\.)*([A-Z][\w$]*(?:Error|Exception|Warning|Exit|Interrupt|Failure|Fault|Panic)|Error))(?:\(.*\))?(?::\s*(.*?))?\s*$/;
const GENERIC_LINE =
  /^\s*(?:error(?:\[E\d+\])?|fatal(?: error)?|panic|FAIL(?:ED)?|ERROR|FATAL|warning|Assertion failed)\s*[:!]\s*(.+?)\s*$/i;
const RUST_OLD_PANIC = /panicked at '([^]+?)', \S+\.rs:\d+/;
/** Compiler/linter/doc-tool diagnostics: `path/file.ext:12: message` or `file.ext:12:3: message`. */
const DIAGNOSTIC_LINE =
  /^\s*[^\s:]+\.[A-Za-z][\w.]*:\d+(?::\d+)?:\s*(?:(?:WARNING|ERROR|SEVERE|CRITICAL|INFO|warning|error|note)\s*:\s*)?([A-Za-z].{7,})$/;
const RUST_NEW_PANIC = /panicked at \S+\.rs:\d+:\d+:\s*$/;
const EXCEPTION_WORD = /\b[A-Z][\w$]*(?:Error|Exception|Warning)\b/g;

/** Strips trailing punctuation and surrounding quotes; collapses whitespace. */
export function tidyMessage(msg: string): string {
  let m = msg.replace(/\s+/g, " ").trim();
  // Quotes are stripped only as a pair: `'utf-8' codec can't …` keeps its opening quote.
  const q = m[0];
  if (q && `"'\``.includes(q) && m.endsWith(q) && m.length > 1 && !m.slice(1, -1).includes(q)) m = m.slice(1, -1);
  return m.replace(/[.:;,]+$/, "").trim();
}

/** Two or more alphabetic words outside quotes: enough to be worth searching for literally. */
export function hasWords(msg: string): boolean {
  const outside = msg.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, " ");
  return (outside.match(/[A-Za-z]{2,}/g) ?? []).length >= 2;
}

/** Messages in code, traces or single lines (each line is tried on its own). */
export function messagesInCode(text: string): FoundMessage[] {
  const out: FoundMessage[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let m: RegExpExecArray | null;
    if ((m = RUST_OLD_PANIC.exec(line))) out.push({ message: tidyMessage(m[1]!), kind: "error" });
    else if (RUST_NEW_PANIC.test(line) && lines[i + 1]?.trim())
      out.push({ message: tidyMessage(lines[i + 1]!), kind: "error" });
    else if ((m = EXCEPTION_LINE.exec(line))) out.push(found(m[2]!, m[3]));
    else if ((m = GENERIC_LINE.exec(line))) out.push({ message: tidyMessage(m[1]!), kind: "error" });
    else if ((m = DIAGNOSTIC_LINE.exec(line))) out.push({ message: tidyMessage(m[1]!), kind: "error" });
    else if (/^\s*File ".+", line \d+/.test(line)) {
      // The line after a Python traceback's last frame (and its source/caret lines) names the exception.
      let j = i + 1;
      while (j < lines.length && (/^\s/.test(lines[j]!) || !lines[j]!.trim())) j++;
      const last = /^((?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*))(?::\s*(.*))?$/.exec(lines[j]?.trim() ?? "");
      if (
        last &&
        j < lines.length &&
        !/^(?:File|Traceback|During|The above)\b/.test(lines[j]!.trim()) &&
        (last[3] !== undefined || /^[A-Z]/.test(last[2]!))
      )
        out.push(found(last[2]!, last[3]));
    }
    for (const w of line.matchAll(EXCEPTION_WORD)) out.push({ exception: w[0], kind: "error" });
  }
  return out;
}

function found(exception: string, message: string | undefined): FoundMessage {
  const msg = message ? tidyMessage(message) : "";
  return { exception, ...(msg ? { message: msg } : {}), kind: "error" };
}

/** Messages in prose: exception lines, exception names, and quoted text that reads like a message. */
export function messagesInProse(text: string): FoundMessage[] {
  const out = messagesInCode(text);
  for (const m of text.matchAll(/"([^"\n]{8,240})"|“([^”\n]{8,240})”/g)) {
    const msg = tidyMessage(m[1] ?? m[2]!);
    if (/\s/.test(msg) && hasWords(msg)) out.push({ message: msg, kind: "quoted" });
  }
  return out;
}

/** An inline code span that is a sentence rather than code (`Cannot find module 'x'`). */
export function looksLikeMessage(span: string): boolean {
  const words = span.match(/[A-Za-z]{2,}/g) ?? [];
  return (
    words.length >= 3 &&
    / /.test(span) &&
    !/[=;{}]|\w\(|^\s*(?:import|from|def|class|const|let|var|return)\b|^\s*[$>#]\s/.test(span)
  );
}
