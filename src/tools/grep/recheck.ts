/**
 * ripgrep opens files itself, so what it read cannot be judged at the moment it opened them. A file
 * that changed while the search ran (it, or a directory above it: see PathJudge's `since`) is read
 * once more through the file guard, and its lines are shown only if they are exactly the lines of
 * that file: content ripgrep read through a link that was swapped back meanwhile never passes.
 */
import { spawn } from "node:child_process";
import { closeSync } from "node:fs";
import { readFully } from "../../util/read-fully.js";
import { openGuardedSync } from "../../workspace/file-guard.js";
import type { Workspace } from "../../workspace/workspace.js";
import type { GrepLine, GrepQuery } from "./collect.js";

/** How long before a search began a change still counts as "during the search" (timestamp granularity). */
export const RECENT_SLACK_MS = 100;

/** A file read back for the check is held in memory whole: this much at most (else it is not shown). */
const MAX_RECHECK_BYTES = 256 * 1024 * 1024;

/** Whether every line collected for `rel` is, with its number, a line of the file as opened now. */
export function linesStillShown(ws: Workspace, rel: string, lines: ReadonlyMap<number, GrepLine>): boolean {
  const opened = openGuardedSync(ws.guard(), rel, ws.display(rel));
  if (!opened.ok) return false;
  try {
    if (opened.size > MAX_RECHECK_BYTES) return false;
    const buf = Buffer.allocUnsafe(opened.size);
    const off = readFully(opened.file, buf);
    let text = buf.toString("utf8", 0, off);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const fileLines = text.split("\n");
    for (const [n, line] of lines) {
      const actual = fileLines[n - 1];
      if (actual === undefined) return false;
      if ((actual.endsWith("\r") ? actual.slice(0, -1) : actual) !== line.text && actual !== line.text) return false;
    }
    return true;
  } finally {
    closeSync(opened.file);
  }
}

/**
 * Count and file-list results show no lines to compare: a file that changed during the search is
 * counted again by ripgrep reading the descriptor the guard opened and judged (its stdin), so the
 * number shown is the number for the file inside the root. Null when the guard refuses the file.
 */
export async function recount(
  ws: Workspace,
  rgPath: string,
  q: Pick<GrepQuery, "pattern" | "ignoreCase" | "multiline">,
  rel: string,
): Promise<number | null> {
  const opened = openGuardedSync(ws.guard(), rel, ws.display(rel));
  if (!opened.ok) return null;
  try {
    const args = ["--no-config", "--count-matches"];
    if (q.ignoreCase) args.push("--ignore-case");
    if (q.multiline) args.push("--multiline", "--multiline-dotall");
    args.push("--regexp", q.pattern, "-");
    const child = spawn(rgPath, args, { stdio: [opened.file, "pipe", "ignore"] });
    let out = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      out += chunk;
    });
    const code = await new Promise<number | null>((resolve) => {
      child.on("close", resolve);
      child.on("error", () => resolve(-1));
    });
    if (code === 1) return 0;
    const n = Number(out.trim());
    return code === 0 && Number.isFinite(n) ? n : null;
  } finally {
    closeSync(opened.file);
  }
}
