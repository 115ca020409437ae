/**
 * Derives stack-trace tasks for the learned ranker from mined fix-commit tasks (issue 11: "queries as
 * agents ask them as well as issue texts and stack traces"). Fix-commit messages almost never carry
 * a trace (20 of 4,405 mined tasks had one application frame), so without these the model never sees
 * the frame evidence and learns nothing about it.
 *
 * For each commit task: the first gold edit line, the innermost code unit around it (its function),
 * and up to two call sites of that function's name in other files at the same commit (`git grep -w`,
 * the line holding `name(`, with its own enclosing unit). The query is the commit message followed
 * by a trace in the file's language syntax (Python traceback, V8, JVM, .NET, Go, Rust, Ruby, PHP;
 * ASan-style `#0 … in f path:line:col` for C, C++ and Swift), outermost call site first as that
 * language prints it. The gold stays the commit's own gold.
 *
 * Honesty: generated traces are kinder than real ones. To keep the frames from being a free answer,
 * one task in three (by a hash of its id) omits the gold frame, so the innermost printed frame is a
 * caller and the fix lies one call deeper, in a file the trace never names; a task without a call
 * site then is dropped. Real traces also hold external frames and frames of unrelated code; these do not.
 *
 *   node --import tsx scripts/ranker-traces.ts --mined /work/data/mined --mirrors /work/.mirror --out /work/data/trace --limit 12
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { extractCodeUnits } from "../src/analysis/code-units.js";
import { languageForPath } from "../src/analysis/languages.js";
import type { CodeUnit } from "../src/analysis/unit-types.js";
import { findMirror, gitDirOf } from "../src/eval/mirrors.js";

interface Loc {
  path: string;
  edit_ranges: Array<[number, number]>;
}
interface Task {
  instance_id: string;
  repo: string;
  base_commit: string;
  problem_statement: string;
  locations: Loc[];
  [k: string]: unknown;
}
interface Frame {
  path: string;
  line: number;
  func: string;
  /** Dotted enclosing name, `Class.method` where known. */
  qualified: string;
  text: string;
}

const CALLABLE = new Set(["function", "method", "macro"]);

function git(gitDir: string, args: string[]): string {
  try {
    return execFileSync("git", ["--git-dir", gitDir, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  } catch {
    return "";
  }
}

async function unitsOf(gitDir: string, commit: string, path: string): Promise<{ text: string; units: CodeUnit[] }> {
  const lang = languageForPath(path);
  const text = git(gitDir, ["show", `${commit}:${path}`]);
  if (!lang || !text) return { text, units: [] };
  try {
    return { text, units: await extractCodeUnits(text, lang) };
  } catch {
    return { text, units: [] };
  }
}

/** The innermost callable unit holding `line`, else the innermost unit. */
function enclosing(units: readonly CodeUnit[], line: number): CodeUnit | undefined {
  const holding = units.filter((u) => u.start <= line && u.end >= line);
  const inner = (us: CodeUnit[]) => us.sort((a, b) => a.end - a.start - (b.end - b.start))[0];
  return inner(holding.filter((u) => CALLABLE.has(u.kind))) ?? inner(holding);
}

function exceptionFor(lang: string): string {
  switch (lang) {
    case "python":
      return "RuntimeError: unexpected state";
    case "javascript":
    case "typescript":
    case "tsx":
      return "TypeError: Cannot read properties of undefined";
    case "java":
      return "java.lang.IllegalStateException: unexpected state";
    case "kotlin":
      return "kotlin.IllegalStateException: unexpected state";
    case "c_sharp":
      return "System.InvalidOperationException: Unexpected state.";
    case "go":
      return "panic: runtime error: invalid memory address or nil pointer dereference";
    case "rust":
      return "called `Option::unwrap()` on a `None` value";
    case "ruby":
      return "NoMethodError";
    case "php":
      return "PHP Fatal error:  Uncaught TypeError";
    default:
      return "ERROR: AddressSanitizer: heap-buffer-overflow";
  }
}

/** A trace of `frames` (innermost first) in the syntax of `lang`. */
function formatTrace(lang: string, repo: string, frames: Frame[]): string {
  const root = `/home/dev/${repo.split("/")[1]}`;
  const msg = exceptionFor(lang);
  const javaName = (f: Frame) => {
    const pkg = /^\s*package\s+([\w.]+)/m.exec(f.text)?.[1];
    const cls = basename(f.path).replace(/\.\w+$/, "");
    const method = f.qualified.split(".").pop() ?? f.func;
    return `${pkg ? `${pkg}.` : ""}${cls}.${method}`;
  };
  switch (lang) {
    case "python":
      return [
        "Traceback (most recent call last):",
        ...[...frames].reverse().map((f) => `  File "${root}/${f.path}", line ${f.line}, in ${f.func}`),
        msg,
      ].join("\n");
    case "javascript":
    case "typescript":
    case "tsx":
      return [msg, ...frames.map((f) => `    at ${f.qualified} (${root}/${f.path}:${f.line}:5)`)].join("\n");
    case "java":
    case "kotlin":
      return [
        `Exception in thread "main" ${msg}`,
        ...frames.map((f) => `\tat ${javaName(f)}(${basename(f.path)}:${f.line})`),
      ].join("\n");
    case "c_sharp": {
      const dotted = (f: Frame) => {
        const ns = /^\s*namespace\s+([\w.]+)/m.exec(f.text)?.[1];
        const q = f.qualified.includes(".") ? f.qualified : `${basename(f.path).replace(/\.\w+$/, "")}.${f.qualified}`;
        return ns ? `${ns}.${q}` : q;
      };
      return [msg, ...frames.map((f) => `   at ${dotted(f)}() in /src/${f.path}:line ${f.line}`)].join("\n");
    }
    case "go":
      return [
        msg,
        "",
        "goroutine 1 [running]:",
        ...frames.flatMap((f) => [`main.${f.qualified}(...)`, `\t${root}/${f.path}:${f.line} +0x1d`]),
      ].join("\n");
    case "rust":
      return [
        `thread 'main' panicked at ${frames[0]!.path}:${frames[0]!.line}:9:`,
        msg,
        "stack backtrace:",
        ...frames.flatMap((f, i) => [
          `   ${i}: ${f.qualified.replace(/\./g, "::")}`,
          `             at ./${f.path}:${f.line}:9`,
        ]),
      ].join("\n");
    case "ruby":
      return frames
        .map(
          (f, i) => `${i === 0 ? "" : "\tfrom "}${root}/${f.path}:${f.line}:in '${f.func}'${i === 0 ? `: ${msg}` : ""}`,
        )
        .join("\n");
    case "php":
      return [msg, "Stack trace:", ...frames.map((f, i) => `#${i} ${root}/${f.path}(${f.line}): ${f.func}()`)].join(
        "\n",
      );
    default:
      return [
        `==1==${msg}`,
        ...frames.map((f, i) => `    #${i} 0x4f${(i + 10).toString(16)}a0 in ${f.func} ${root}/${f.path}:${f.line}:5`),
      ].join("\n");
  }
}

async function callSites(gitDir: string, task: Task, name: string, goldPath: string): Promise<Frame[]> {
  if (name.length < 3) return [];
  const lang = languageForPath(goldPath);
  const ext = /\.\w+$/.exec(goldPath)?.[0];
  const out = git(gitDir, ["grep", "-n", "-w", "-F", "-I", name, task.base_commit, "--", ...(ext ? [`*${ext}`] : [])]);
  const call = new RegExp(`\\b${name.replace(/[$]/g, "\\$")}\\s*\\(`);
  const frames: Frame[] = [];
  const seen = new Set<string>();
  for (const line of out.split("\n").sort()) {
    const m = /^[0-9a-f]+:(.+?):(\d+):(.*)$/.exec(line);
    if (!m) continue;
    const [, path, no, code] = m;
    if (path === goldPath || seen.has(path!) || languageForPath(path!) !== lang) continue;
    if (!call.test(code!) || /^\s*(?:def|function|fn|func|public|private|protected|static)\b/.test(code!)) continue;
    const { text, units } = await unitsOf(gitDir, task.base_commit, path!);
    const u = enclosing(units, Number(no));
    if (!u) continue;
    seen.add(path!);
    frames.push({ path: path!, line: Number(no), func: u.name, qualified: u.qualifiedName, text });
    if (frames.length === 2) break;
  }
  return frames;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mined: { type: "string" },
      mirrors: { type: "string" },
      out: { type: "string" },
      /** Commit tasks tried per repository, in file order (newest first). */
      limit: { type: "string", default: "12" },
    },
  });
  if (!values.mined || !values.mirrors || !values.out)
    throw new Error("ranker-traces needs --mined DIR --mirrors DIR --out DIR");
  mkdirSync(values.out, { recursive: true });
  let made = 0;
  let dropped = 0;
  for (const name of readdirSync(values.mined)
    .filter((n) => n.endsWith(".jsonl"))
    .sort()) {
    const tasks = readFileSync(join(values.mined, name), "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Task)
      .slice(0, Number(values.limit));
    const lines: string[] = [];
    for (const task of tasks) {
      const gitDir = gitDirOf(findMirror(task.repo, { mirrorsDir: values.mirrors }));
      const loc = task.locations.find((l) => l.edit_ranges.length > 0);
      const lang = loc && languageForPath(loc.path);
      if (!gitDir || !loc || !lang) {
        dropped++;
        continue;
      }
      const line = loc.edit_ranges[0]![0];
      const { text, units } = await unitsOf(gitDir, task.base_commit, loc.path);
      const u = enclosing(units, line);
      if (!u) {
        dropped++;
        continue;
      }
      const gold: Frame = { path: loc.path, line, func: u.name, qualified: u.qualifiedName, text };
      const callers = await callSites(gitDir, task, u.name, loc.path);
      const omitGold =
        Number.parseInt(createHash("sha256").update(task.instance_id).digest("hex").slice(0, 8), 16) % 3 === 0;
      if (omitGold && callers.length === 0) {
        dropped++;
        continue;
      }
      const frames = omitGold ? callers : [gold, ...callers];
      const { patch: _patch, ...rest } = task;
      lines.push(
        JSON.stringify({
          ...rest,
          instance_id: `${task.instance_id}-trace`,
          tier: "mined-trace",
          problem_statement: `${task.problem_statement}\n\n${formatTrace(lang, task.repo, frames)}`,
          checks: {
            ...((task.checks as object | undefined) ?? {}),
            trace: omitGold ? "callers-only" : "gold-innermost",
          },
        }),
      );
      made++;
    }
    writeFileSync(join(values.out, name), lines.length ? `${lines.join("\n")}\n` : "");
  }
  process.stderr.write(`ranker-traces: ${made} tasks, ${dropped} commit tasks without a usable frame\n`);
}

await main();
