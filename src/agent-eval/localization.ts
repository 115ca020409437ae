/**
 * Localization outcomes of a main-agent run, always available (no tests needed): which files and
 * lines the agent read (from its shell commands) and edited (from the final diff), and whether
 * those include the task's gold files and gold edit lines.
 *
 * Reads are recovered from the commands people and agents use to look at code: `cat`, `head`,
 * `tail`, `nl`, `less`, `sed -n 'A,Bp'`, `awk 'NR>=A && NR<=B'`; a path counts only when it names an
 * existing file in the tree. Line ranges come from `sed -n`/`head -n`/`awk NR`; otherwise the whole
 * file counts as read. Searches (`grep`, `rg`, `find`) are not reads.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, normalize, relative } from "node:path";
import { goldLineSet, normalizePath } from "../eval/metrics.js";
import { editFacts, parseUnifiedDiff } from "../eval/mine-diff.js";
import type { EvalTask } from "../eval/tasks.js";

export interface FileLines {
  path: string;
  /** Inclusive ranges; `null` means the whole file. */
  ranges: Array<[number, number]> | null;
}

const READERS = new Set(["cat", "head", "tail", "nl", "less", "more", "sed", "awk", "bat", "view"]);

/** Split a shell command into simple commands and their words (quotes removed; no expansion). */
export function shellWords(command: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  const push = () => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };
  const end = () => {
    push();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === "\\" && quote === '"' && i + 1 < command.length) word += command[++i];
      else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\" && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (ch === "|" || ch === ";" || ch === "&" || ch === "\n" || ch === "(" || ch === ")") end();
    else if (ch === " " || ch === "\t") push();
    else {
      word += ch;
      inWord = true;
    }
  }
  end();
  return commands;
}

function rangeFromWords(verb: string, words: readonly string[]): [number, number] | null {
  if (verb === "sed") {
    for (const w of words) {
      const m = /^(\d+)(?:,(\d+))?p$/.exec(w) ?? /^(\d+),(\d+)\{?p/.exec(w);
      if (m) return [Number(m[1]), Number(m[2] ?? m[1])];
    }
  }
  if (verb === "head") {
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const joined = /^-n?(\d+)$/.exec(w);
      if (joined) return [1, Number(joined[1])];
      if (w === "-n" && words[i + 1] && /^\d+$/.test(words[i + 1]!)) return [1, Number(words[i + 1])];
    }
    return [1, 10];
  }
  if (verb === "awk") {
    for (const w of words) {
      const m = /NR\s*>=?\s*(\d+)\s*&&\s*NR\s*<=?\s*(\d+)/.exec(w);
      if (m) return [Number(m[1]), Number(m[2])];
    }
  }
  return null;
}

/** The tree-relative path a word names, if it is an existing file inside `root`. */
function fileIn(root: string, word: string): string | null {
  if (!word || word.startsWith("-") || word.length > 4096) return null;
  const absolute = isAbsolute(word) ? normalize(word) : join(root, word);
  const rel = relative(root, absolute);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return null;
  try {
    if (!existsSync(absolute) || !statSync(absolute).isFile()) return null;
  } catch {
    return null;
  }
  return normalizePath(rel);
}

/** Files (and lines) the commands read, merged per file in first-read order. */
export function filesRead(commands: readonly string[], root: string): FileLines[] {
  const byPath = new Map<string, FileLines>();
  for (const command of commands) {
    for (const words of shellWords(command)) {
      const verb = words[0]?.split("/").pop() ?? "";
      if (!READERS.has(verb)) continue;
      const args = words.slice(1);
      const range = rangeFromWords(verb, args);
      for (const arg of args) {
        const path = fileIn(root, arg);
        if (!path) continue;
        const entry = byPath.get(path) ?? { path, ranges: [] };
        if (range === null) entry.ranges = null;
        else if (entry.ranges !== null) entry.ranges.push(range);
        byPath.set(path, entry);
      }
    }
  }
  return [...byPath.values()];
}

/** Files and pre-image lines an agent's final diff (`git diff -U0`) changed. */
export function filesEdited(diffU0: string): FileLines[] {
  return parseUnifiedDiff(diffU0).map((file) => {
    const facts = editFacts(file.hunks);
    const lines = [...facts.deleted, ...facts.insertAfter.flatMap((l) => [l, l + 1])];
    return { path: normalizePath(file.path), ranges: lines.map((l) => [l, l] as [number, number]) };
  });
}

export interface Localization {
  read_gold_file: boolean;
  read_gold_lines: boolean;
  edited_gold_file: boolean;
  edited_gold_lines: boolean;
  files_read: number;
  lines_read: number | null;
  files_edited: number;
}

function touchesGold(files: readonly FileLines[], gold: Set<string>): boolean {
  for (const f of files) {
    if (f.ranges === null) {
      if ([...gold].some((key) => key.startsWith(`${f.path}\0`))) return true;
      continue;
    }
    for (const [a, b] of f.ranges) for (let l = a; l <= b; l++) if (gold.has(`${f.path}\0${l}`)) return true;
  }
  return false;
}

/** Score reads and edits against the task's gold. */
export function scoreLocalization(
  task: EvalTask,
  read: readonly FileLines[],
  edited: readonly FileLines[],
): Localization {
  const goldFiles = new Set(task.locations.map((l) => normalizePath(l.path)));
  const goldLines = goldLineSet(task, "edit");
  let linesRead: number | null = 0;
  for (const f of read) {
    if (f.ranges === null || linesRead === null) linesRead = null;
    else for (const [a, b] of f.ranges) linesRead += Math.max(0, b - a + 1);
  }
  return {
    read_gold_file: read.some((f) => goldFiles.has(f.path)),
    read_gold_lines: touchesGold(read, goldLines),
    edited_gold_file: edited.some((f) => goldFiles.has(f.path)),
    edited_gold_lines: touchesGold(edited, goldLines),
    files_read: read.length,
    lines_read: linesRead,
    files_edited: edited.length,
  };
}
