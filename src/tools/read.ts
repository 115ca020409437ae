/**
 * Read: a window of a file as the model was trained to see it —
 *   ```/abs/path:START-END
 *   N|line
 *   ```
 * with the trained caps (2000 lines, 500 characters per line), negative offsets counting from
 * the end, streaming for huge files, and explicit errors for binaries, secrets and directories.
 */

import type { FileHandle } from "node:fs/promises";
import { openGuarded } from "../workspace/file-guard.js";
import type { ParsedArgs } from "./args.js";
import { clipLine, reminder, type ToolContext, type ToolOutput, toolError } from "./context.js";
import { guardError } from "./guard-errors.js";
import { countLinesWithTail, isBinaryFile, type LineWindow, readLineWindow } from "./support/line-reader.js";

interface RenderInput {
  display: string;
  rel: string;
  window: LineWindow;
  maxLineChars: number;
  /** The 2000-line cap cut the file: the block ends with "..." and a notice says how to read on. */
  capped: boolean;
  moreNotice?: string;
}

/** Render the first `count` lines of the window in the trained format. */
function render(input: RenderInput, count: number, notice?: string): { text: string; start: number; end: number } {
  const { window } = input;
  const n = Math.min(count, window.lines.length);
  const start = window.start;
  const end = start + n - 1;
  let body = "";
  for (let i = 0; i < n; i++) {
    const line = clipLine(window.lines[i]!, input.maxLineChars);
    const text = window.cut[i] && !line.endsWith("...") ? `${line}...` : line;
    body += `${start + i}|${text}${window.newline[i] ? "\n" : ""}`;
  }
  const truncatedHere = n < window.lines.length;
  if (truncatedHere || input.capped) body += `${body.endsWith("\n") ? "" : "\n"}...\n`;
  let text = `\`\`\`${input.display}:${start}-${end}\n${body}\n\`\`\``;
  if (notice) text += `\n${reminder(notice)}`;
  else if (input.moreNotice) text += `\n${reminder(input.moreNotice)}`;
  return { text, start, end };
}

function continueHint(display: string, nextLine: number, total: number | null): string {
  const of = total !== null ? ` of ${total}` : "";
  return `Showing lines up to ${nextLine - 1}${of}. To read more, call Read with path=${display} and offset=${nextLine} (add a limit to read a smaller range).`;
}

function binaryError(display: string): ToolOutput {
  return toolError(
    "binary",
    `\`${display}\` is a binary file (it contains NUL bytes); its content cannot be shown as text.`,
  );
}

export async function runRead(args: ParsedArgs, ctx: ToolContext): Promise<ToolOutput> {
  const { ws } = ctx;
  const resolved = ws.resolve(String(args.path), "any");
  if (!resolved.ok) {
    const code =
      resolved.reason === "outside" ? "outside_root" : resolved.reason === "invalid" ? "invalid_args" : "not_found";
    return toolError(code, resolved.message);
  }
  if (resolved.kind === "dir") {
    return toolError(
      "not_a_file",
      `\`${resolved.abs}\` is a directory, not a file. Use Glob with directory=${resolved.abs} to list its files.`,
    );
  }
  // Open once, then judge what was opened (its real path, secret names, hard links): a file swapped
  // for a link after resolve() cannot slip through, and every read below uses this descriptor.
  const opened = await openGuarded(ws.guard(), resolved.rel, resolved.abs);
  if (!opened.ok) return guardError(ws, opened, resolved.abs);
  try {
    return await readOpened(args, ctx, resolved, opened.file, opened.size);
  } finally {
    await opened.file.close();
  }
}

async function readOpened(
  args: ParsedArgs,
  ctx: ToolContext,
  resolved: { rel: string; abs: string; range?: { start: number; end: number } },
  handle: FileHandle,
  size: number,
): Promise<ToolOutput> {
  const { config } = ctx;
  let offset = args.offset as number | undefined;
  const limit = args.limit as number | undefined;
  if (offset === 0) offset = undefined; // models send 0 for "from the start"
  if (limit !== undefined && limit <= 0) return toolError("invalid_args", "limit must be a positive integer.");
  // A `path:12-40` suffix is an offset/limit the model put in the wrong place.
  if (offset === undefined && limit === undefined && resolved.range) {
    offset = resolved.range.start;
  }
  const rangeLimit =
    limit === undefined && resolved.range && args.offset === undefined
      ? resolved.range.end - resolved.range.start + 1
      : undefined;

  if (size === 0)
    return {
      text: "File is empty.",
      observed: [],
      truncated: false,
      data: { tool: "Read", path: resolved.rel, start: 1, end: 0, totalLines: 0, lines: [] },
    };
  try {
    if (await isBinaryFile(handle)) return binaryError(resolved.abs);
    let start = offset ?? 1;
    let total: number | null = null;
    let from: { line: number; byte: number } | undefined;
    if (start < 0) {
      // One pass counts the lines and remembers where the last ones start; the window is then
      // read from there (a 2 GB log's tail costs one scan, not two).
      const counted = await countLinesWithTail(handle, Math.min(-start, config.readMaxLines), ctx.signal);
      total = counted.total;
      start = Math.max(1, total + start + 1);
      if (counted.tail) from = counted.tail;
    }
    const wanted = Math.min(limit ?? rangeLimit ?? config.readMaxLines, config.readMaxLines);
    const window = await readLineWindow(handle, start, wanted, {
      signal: ctx.signal,
      fileSize: size,
      ...(from ? { from } : {}),
    });
    // The first 8 KiB said text; a NUL anywhere in the lines to be shown still makes it binary.
    if (window.nul) return binaryError(resolved.abs);
    total ??= window.totalLines;
    if (window.lines.length === 0) {
      const length = total !== null ? `${total} lines` : `${size} bytes`;
      return toolError(
        "invalid_args",
        `offset ${offset} is past the end of \`${resolved.abs}\` (${length}). Use a smaller offset, or a negative one to read the end of the file.`,
      );
    }
    const cappedByTool =
      window.more && (limit === undefined || limit > config.readMaxLines) && rangeLimit === undefined;
    const input: RenderInput = {
      display: resolved.abs,
      rel: resolved.rel,
      window,
      maxLineChars: config.maxLineChars,
      capped: cappedByTool,
      ...(cappedByTool ? { moreNotice: continueHint(resolved.abs, start + window.lines.length, total) } : {}),
    };
    const toResult = (count: number, notice?: string): ToolOutput => {
      const r = render(input, count, notice);
      const shown = r.end - r.start + 1;
      return {
        text: r.text,
        observed: shown > 0 ? [{ path: resolved.rel, start: r.start, end: r.end }] : [],
        truncated: count < window.lines.length || cappedByTool,
        data: {
          tool: "Read",
          path: resolved.rel,
          start: r.start,
          end: r.end,
          totalLines: total ?? -1,
          lines: window.lines.slice(0, shown),
        },
      };
    };
    const full = toResult(window.lines.length);
    full.units = window.lines.length;
    full.shrink = (units: number, notice: string) => {
      const kept = Math.max(0, Math.min(units, window.lines.length));
      if (kept === 0) return { text: reminder(notice), observed: [], truncated: true };
      const next = start + kept;
      return toResult(kept, `${notice} ${continueHint(resolved.abs, next, total)}`);
    };
    return full;
  } catch (error) {
    if (ctx.signal.aborted) return toolError("aborted", "the call was cancelled.");
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM")
      return toolError("io_error", `permission denied reading \`${resolved.abs}\`.`);
    if (code === "EISDIR") return toolError("not_a_file", `\`${resolved.abs}\` is a directory, not a file.`);
    return toolError("io_error", `\`${resolved.abs}\` could not be read (${code ?? "error"}).`);
  }
}
