import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { lstat, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptySkipStats } from "../contracts/tools.js";
import { spawnPipedInTurn } from "../util/lean-spawn.js";
import { sortInSlices } from "../util/sort-in-slices.js";
import { yieldToLoop } from "../util/yield.js";
import { ancestorLevels, buildFileIndex, type FileIndex, type IndexedFile, type WalkOptions } from "./file-index.js";
import { rebasedIgnoreText } from "./ignore-rules.js";
import { tooLongDirs } from "./path-limit.js";
import { isWithin, relativeTo } from "./paths.js";
import { RipgrepStderr } from "./rg-stderr.js";
import { isSecretPath } from "./secrets.js";
import { probeSymlinks } from "./symlink-probe.js";

const DEFAULT_MAX_FILES = 500_000;
const MAX_IGNORED_KEPT = 10_000;
/** Paths judged between two turns of the event loop. */
const YIELD_EVERY = 250;

/** ripgrep's flags for the workspace's ignore semantics (shared with the Grep engine). */
export const RG_WALK_FLAGS = [
  "--no-config",
  "--hidden",
  "--no-require-git",
  "--no-ignore-global",
  "--no-ignore-parent",
  "--glob",
  "!.git",
] as const;

/** "" and every directory above `rel` ("a/b/c" → "", "a", "a/b"). */
export function properAncestors(rel: string): string[] {
  if (rel === "") return [];
  const parts = rel.split("/");
  const out = [""];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

/**
 * Below the root ripgrep does not read the ancestors' ignore files (`--no-ignore-parent` keeps out
 * the ones above the workspace): they are handed to it rewritten relative to the root. Returns the
 * extra arguments and a cleanup.
 */
export function ancestorIgnoreFile(root: string, dirRels: string[]): { args: string[]; cleanup: () => void } {
  const rules = rebasedIgnoreText(root, dirRels); // includes the rules above the root, if any
  if (rules === "") return { args: [], cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), "fc-rg-"));
  const file = join(dir, "ignore");
  writeFileSync(file, rules);
  return { args: ["--ignore-file", file], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

interface RgListing {
  files: string[];
  stderr: RipgrepStderr;
  truncated: boolean;
  ok: boolean;
}

async function runRgFiles(rgPath: string, root: string, args: string[], maxFiles: number): Promise<RgListing> {
  // stderr into a file: the --debug lines are as many as the ignored entries (see openStderrFile).
  // From the spawn helper once this process is large (a listing again of a tree kept in memory).
  const { child, errFile } = await spawnPipedInTurn(rgPath, args, root);
  return new Promise((resolve) => {
    const files: string[] = [];
    const stderr = new RipgrepStderr();
    const finish = () => {
      if (errFile) errFile.drain(stderr);
      else stderr.end();
    };
    let carry = "";
    let truncated = false;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      if (truncated) return;
      const parts = (carry + chunk).split("\0");
      carry = parts.pop() ?? "";
      for (const p of parts) {
        files.push(p);
        if (files.length >= maxFiles) {
          truncated = true;
          child.kill("SIGKILL");
          break;
        }
      }
    });
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => stderr.push(chunk));
    child.on("error", () => {
      finish();
      resolve({ files, stderr, truncated, ok: false });
    });
    child.on("close", (code) => {
      finish();
      // 0: files listed; 1: none; 2: some entries unreadable (the rest is still right).
      resolve({ files, stderr, truncated, ok: truncated || code === 0 || code === 1 || code === 2 });
    });
  });
}

/**
 * The order in which the walker meets entries: directory by directory in depth-first pre-order,
 * children in name order, so the entries of one directory come together, before its subdirectories'.
 */
export function walkOrder(a: string, b: string): number {
  const pa = a.split("/");
  const pb = b.split("/");
  const da = pa.length - 1;
  const db = pb.length - 1;
  for (let i = 0; i < Math.min(da, db); i++) {
    if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1;
  }
  if (da !== db) return da < db ? -1 : 1; // the shallower entry's directory is visited first
  const na = pa[da]!;
  const nb = pb[db]!;
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/**
 * List the tree with ripgrep. Resolves to null when ripgrep or `find` cannot run here (the caller
 * then walks in JavaScript); never rejects for a file system problem, which is counted instead.
 */
export async function listWithRipgrep(options: WalkOptions & { rgPath: string }): Promise<FileIndex | null> {
  const started = performance.now();
  const root = options.root;
  const startRel = options.startRel ?? "";
  const maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
  const absStart = startRel === "" ? root : join(root, startRel);
  try {
    realpathSync(absStart);
  } catch {
    return buildFileIndex(options); // a missing start: the walker's empty index
  }
  const base = ancestorLevels(root, startRel);
  const ignoreFile = ancestorIgnoreFile(root, properAncestors(startRel));
  let listing: RgListing;
  let probe: Awaited<ReturnType<typeof probeSymlinks>>;
  try {
    [listing, probe] = await Promise.all([
      runRgFiles(
        options.rgPath,
        root,
        ["--files", "--null", "--debug", ...RG_WALK_FLAGS, ...ignoreFile.args, "--", absStart],
        maxFiles,
      ),
      options.probe ? options.probe(startRel, base) : probeSymlinks(root, startRel, base),
    ]);
  } finally {
    ignoreFile.cleanup();
  }
  if (!listing.ok || probe === null) return null;

  const skipped = emptySkipStats();
  const files: IndexedFile[] = [];
  const byRel = new Map<string, IndexedFile>();
  const dirs = new Set<string>([startRel]);
  const followedSymlinks: string[] = [];
  const ignoredEntries: FileIndex["ignoredEntries"] = [];
  let truncated = listing.truncated;
  let loopSymlinks = probe.loops;
  const add = (file: IndexedFile) => {
    if (byRel.has(file.rel)) return;
    files.push(file);
    byRel.set(file.rel, file);
  };
  let n = 0;
  for (const abs of listing.files) {
    // Judging 100k paths (secret names) takes a while: let other work run in between.
    if (++n % YIELD_EVERY === 0) await yieldToLoop();
    if (!isWithin(root, abs)) continue;
    const rel = relativeTo(root, abs);
    add({ rel, abs, viaSymlink: false, secret: isSecretPath(rel, options.secrets) });
    for (let slash = rel.lastIndexOf("/"); slash > 0; slash = rel.lastIndexOf("/", slash - 1)) {
      const dir = rel.slice(0, slash);
      if (dirs.has(dir)) break;
      dirs.add(dir);
    }
  }
  skipped.unreadable += listing.stderr.osErrors + probe.unreadable;
  skipped.outsideRoot += probe.outsideRoot;
  const tooLong = tooLongDirs(root, listing.stderr.text());

  // Followed links: files directly, directories through the walker (it applies their own rules).
  for (const link of probe.followed) {
    if (truncated) break;
    followedSymlinks.push(link.rel);
    const abs = join(root, link.rel);
    if (!link.dir) {
      add({ rel: link.rel, abs, viaSymlink: true, secret: isSecretPath(link.rel, options.secrets) });
      continue;
    }
    const chain = [
      root,
      ...properAncestors(link.rel)
        .slice(1)
        .map((d) => join(root, d)),
    ];
    const sub = buildFileIndex({
      root,
      startRel: link.rel,
      explicit: true,
      secrets: options.secrets,
      maxFiles: Math.max(1, maxFiles - files.length),
      via: { chain, viaSymlink: true },
    });
    for (const f of sub.files) add(f);
    for (const d of sub.dirs) dirs.add(d);
    followedSymlinks.push(...sub.followedSymlinks);
    loopSymlinks += sub.loopSymlinks;
    ignoredEntries.push(...sub.ignoredEntries);
    for (const key of Object.keys(skipped) as Array<keyof typeof skipped>) skipped[key] += sub.skipped[key];
    truncated ||= sub.truncated;
  }

  // Ignored entries: ripgrep names them; whether each is a directory (or a link) is asked here.
  // Links the walker counts as dangling, outside or loops never reach its ignore rules.
  const links = new Map(probe.ignored.map((l) => [l.rel, l.dir]));
  const ignoredRels = new Set<string>();
  for (const p of listing.stderr.ignored) {
    if (!isWithin(root, p)) continue;
    const rel = relativeTo(root, p);
    if (!probe.counted.has(rel)) ignoredRels.add(rel);
  }
  for (const rel of links.keys()) ignoredRels.add(rel);
  skipped.ignored += ignoredRels.size;
  const kept = [...ignoredRels].slice(0, Math.max(0, MAX_IGNORED_KEPT - ignoredEntries.length));
  const kinds = await Promise.all(
    kept.map(async (rel): Promise<FileIndex["ignoredEntries"][number]> => {
      const link = links.get(rel);
      if (link !== undefined) return { rel, dir: link, link: true };
      const abs = join(root, rel);
      const st = await lstat(abs).catch(() => null);
      if (st?.isSymbolicLink()) {
        const target = await stat(abs).catch(() => null);
        return { rel, dir: target?.isDirectory() ?? false, link: true };
      }
      return { rel, dir: st?.isDirectory() ?? false };
    }),
  );
  ignoredEntries.push(...kinds);
  ignoredEntries.sort((a, b) => walkOrder(a.rel, b.rel));
  // In slices: one sort of 100k paths held the event loop for 66 ms or more (ripgrep's order).
  const sorted = await sortInSlices(files, (a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  if (sorted.length > maxFiles) sorted.length = maxFiles;
  return {
    files: sorted,
    byRel,
    dirs,
    followedSymlinks,
    loopSymlinks,
    ignoredEntries,
    skipped,
    truncated,
    buildMs: performance.now() - started,
    ...(tooLong.length > 0 ? { tooLong } : {}),
  };
}
