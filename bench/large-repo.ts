/**
 * Benchmark for large repositories (issue 12), every ratio against a reference measured in the same
 * run, paired and interleaved:
 *
 *   node --import tsx bench/large-repo.ts grep    [--tree DIR] [--runs N] [--cli PATH] [--settle]
 *   node --import tsx bench/large-repo.ts explore [--tree DIR] [--runs N] [--query TEXT] [--settle]
 *   node --import tsx bench/large-repo.ts listing [--tree DIR] [--runs N]
 *   node --import tsx bench/large-repo.ts questions [--tree DIR] [--runs N] [--query "Q1||Q2"]
 *
 * grep: a fresh `fastcontext tool Grep` process (the compiled CLI at --cli, default
 *   /tmp/fc-build/bin/fastcontext.js; build it with `tsc -p tsconfig.build.json --outDir
 *   /tmp/fc-build/dist`) against a fresh raw `rg -l` process, process start included on both sides,
 *   with the index cache off (cold) and on (the disk cache warm from the previous run); then the
 *   server's warm path in this process (a new workspace per call, the in-memory index cache, as
 *   `fastcontext mcp` runs it) against raw `rg` spawned from this process.
 * explore: the embedded explorer, first call (cold: nothing listed) then warm calls through the
 *   in-memory index cache, with the event loop's delay (perf_hooks.monitorEventLoopDelay, 10 ms
 *   resolution) and the peak RSS. `--settle`: the warm calls start once the term index the cache
 *   builds after the first listing is ready (FC_TERM_INDEX=off: no term index).
 * listing: the file index built by ripgrep's walker (Workspace.fileIndex) against the synchronous
 *   JavaScript walk (buildFileIndex), wall time and the event loop's longest stall during each.
 * Trees: --tree DIR, or `--tree gen:N` for N files copied from the git mirrors in /work/.mirror
 *   (`git archive HEAD`) under /tmp/fc-large-N, `--tree synth:N:KB` for N generated Python files
 *   of KB kilobytes each under /tmp/fc-synth-N-KB, or `--tree nm:K` for a JavaScript project's shape
 *   (one copy of the mirrors beside an ignored node_modules of K copies of this checkout's) under
 *   /tmp/fc-nm-K.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createEmbeddedExplorer } from "../src/embedded/explorer.js";
import { useMemoryIndexCache } from "../src/index-cache/install.js";
import { locateRipgrep } from "../src/tools/grep/ripgrep.js";
import { Toolbox } from "../src/tools/toolbox.js";
import { buildFileIndex } from "../src/workspace/file-index.js";
import { DEFAULT_SECRET_POLICY } from "../src/workspace/secrets.js";
import { Workspace } from "../src/workspace/workspace.js";

const argv = process.argv.slice(2);
const mode = argv[0] ?? "grep";
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (argv[i + 1] ?? fallback);
};
const runs = Number(opt("runs", "7"));
const PATTERN = opt("pattern", "def parse_args");

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += countFiles(join(dir, e.name));
    else n++;
  }
  return n;
}

/** Copies of the mirrors' trees until at least `target` files. */
function generatedTree(target: number): string {
  const tree = `/tmp/fc-large-${target}`;
  if (existsSync(join(tree, ".built"))) return tree;
  const mirrors = readdirSync("/work/.mirror").filter((m) => existsSync(join("/work/.mirror", m, "repo")));
  // Without a mirror that archives, the copy loop below would never reach the target.
  if (mirrors.length === 0) throw new Error("gen:N needs git mirrors under /work/.mirror (bring them with fetch)");
  mkdirSync(tree, { recursive: true });
  let files = 0;
  for (let k = 0; files < target; k++) {
    const before = files;
    for (const m of mirrors) {
      if (files >= target) break;
      const dest = join(tree, `packages${k}`, m);
      mkdirSync(dest, { recursive: true });
      const archive = spawnSync("git", ["--git-dir", join("/work/.mirror", m, "repo"), "archive", "HEAD"], {
        maxBuffer: 1 << 30,
      });
      if (archive.status !== 0) continue;
      execFileSync("tar", ["-x", "-C", dest], {
        input: archive.stdout,
        maxBuffer: 1 << 30,
        stdio: ["pipe", "ignore", "ignore"],
      });
      files = countFiles(tree);
    }
    if (files === before) throw new Error(`gen:${target}: no mirror under /work/.mirror could be archived`);
  }
  writeFileSync(join(tree, ".built"), "");
  return tree;
}

/** N Python files of about KB kilobytes each, 50 per package. */
function syntheticTree(n: number, kb: number): string {
  const tree = `/tmp/fc-synth-${n}-${kb}`;
  if (existsSync(join(tree, ".built"))) return tree;
  for (let i = 0; i < n; i++) {
    const dir = join(tree, `pkg${Math.floor(i / 50)}`);
    mkdirSync(dir, { recursive: true });
    const lines: string[] = [
      `"""Module ${i}."""`,
      "import os",
      `from pkg${(i * 7) % 40} import helper_${(i * 3) % 50}`,
      "",
    ];
    for (let f = 0; lines.join("\n").length < kb * 1024; f++)
      lines.push(
        `def handler_${i}_${f}(request, retries=3):`,
        `    """Handle request ${f} of module ${i} with a retry budget."""`,
        `    for attempt in range(retries):`,
        `        value = compute_backoff_${f % 17}(attempt, request.timeout)`,
        `        if value > ${f}: return value`,
        "    raise RuntimeError('gave up')",
        "",
      );
    writeFileSync(join(dir, `mod_${i}.py`), `${lines.join("\n")}\n`);
  }
  writeFileSync(join(tree, ".built"), "");
  return tree;
}

/**
 * A JavaScript project's shape: `src/` = the first copy of the mirrors (from `gen:10000`), and an
 * ignored `node_modules/` of K copies of this checkout's own `node_modules` (what ripgrep skips and
 * a walk without ignore rules would not), in a git repository.
 */
function nodeModulesTree(copies: number): string {
  const tree = `/tmp/fc-nm-${copies}`;
  if (existsSync(join(tree, ".built"))) return tree;
  const modules = join(import.meta.dirname, "..", "node_modules");
  if (!existsSync(modules)) throw new Error("nm:K copies this checkout's node_modules: run npm ci first");
  mkdirSync(join(tree, "node_modules"), { recursive: true });
  execFileSync("git", ["init", "-q", tree]);
  writeFileSync(join(tree, ".gitignore"), "node_modules/\n");
  execFileSync("cp", ["-r", join(generatedTree(10000), "packages0"), join(tree, "src")]);
  for (let k = 1; k <= copies; k++) execFileSync("cp", ["-r", modules, join(tree, "node_modules", `copy${k}`)]);
  writeFileSync(join(tree, ".built"), "");
  return tree;
}

function resolveTree(spec: string): string {
  if (spec.startsWith("gen:")) return generatedTree(Number(spec.slice(4)));
  if (spec.startsWith("nm:")) return nodeModulesTree(Number(spec.slice(3)));
  if (spec.startsWith("synth:")) {
    const [, n, kb] = spec.split(":");
    return syntheticTree(Number(n), Number(kb));
  }
  return spec;
}

function timeProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "ignore"], env });
    child.stdout.resume();
    child.on("error", reject);
    child.on("close", () => resolve(performance.now() - started));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function benchGrep(tree: string): Promise<void> {
  const rg = (await locateRipgrep())!;
  const cli = opt("cli", "/tmp/fc-build/bin/fastcontext.js");
  const args = JSON.stringify({ pattern: PATTERN, output_mode: "files_with_matches" });
  const ours = ["--no-warnings", cli, "tool", "Grep", "--repo", tree, "--args", args];
  const raw = ["-l", "--no-config", "--regexp", PATTERN, tree];
  const cold = { ...process.env, FC_INDEX_CACHE: "off" };
  const pairs: Record<string, Array<[number, number]>> = { cold: [], diskCache: [] };
  await timeProcess(process.execPath, ours); // fills the disk cache and the page cache
  for (let i = 0; i < runs; i++) {
    for (const [name, env] of [
      ["cold", cold],
      ["diskCache", process.env],
    ] as const) {
      const r = await timeProcess(rg.path, raw);
      const o = await timeProcess(process.execPath, ours, env);
      pairs[name]!.push([r, o]);
    }
  }
  // The server's warm path: a new workspace per call over the in-memory cache, in this process.
  const cache = useMemoryIndexCache();
  const server: Array<[number, number]> = [];
  const call = async () => {
    const ws = await Workspace.open(tree);
    const started = performance.now();
    await new Toolbox(ws).run({
      id: "g",
      name: "Grep",
      arguments: { pattern: PATTERN, output_mode: "files_with_matches" },
    });
    return performance.now() - started;
  };
  await call();
  if (argv.includes("--settle")) {
    // The server builds a term index once a tree is listed: the warm calls start once it is ready.
    const terms = cache?.termIndexOf(await Workspace.openSync(tree).fileIndex());
    await terms?.built();
    console.log(terms?.ready ? `term index: built in ${terms.stats.buildMs} ms` : "term index: none");
  }
  for (let i = 0; i < runs; i++) server.push([await timeProcess(rg.path, raw), await call()]);
  console.log(
    `tree ${tree}: ${countFiles(tree)} files; ripgrep ${rg.version}; ${cpus().length} cores; ${runs} paired runs`,
  );
  console.log("| case | raw rg median | fastcontext median | ratio of medians | median of paired ratios |");
  console.log("|---|---|---|---|---|");
  for (const [name, list] of [...Object.entries(pairs), ["server (in-process, warm)", server] as const]) {
    const r = median(list.map((p) => p[0]));
    const o = median(list.map((p) => p[1]));
    console.log(
      `| ${name} | ${ms(r)} | ${ms(o)} | ${(o / r).toFixed(2)}x | ${median(list.map((p) => p[1] / p[0])).toFixed(2)}x |`,
    );
  }
}

async function benchExplore(tree: string): Promise<void> {
  const query = opt(
    "query",
    "The retry adapter ignores max_retries when a connection error happens in send(); see HTTPAdapter.send",
  );
  const cache = useMemoryIndexCache();
  const explorer = createEmbeddedExplorer();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const times: number[] = [];
  const delays: number[] = [];
  let citations = 0;
  for (let i = 0; i <= runs; i++) {
    delay.reset();
    delay.enable();
    const started = performance.now();
    const result = await explorer({ root: tree, query });
    times.push(performance.now() - started);
    delay.disable();
    delays.push(delay.max / 1e6);
    citations = result.citations.length;
    if (i === 0 && argv.includes("--settle")) {
      // The server builds a term index once a tree is listed; wait for it before the warm calls.
      const listing = await Workspace.openSync(tree).fileIndex();
      const terms = cache?.termIndexOf(listing);
      const waited = performance.now();
      await terms?.built();
      console.log(
        terms?.ready
          ? `term index: built in ${terms.stats.buildMs} ms (waited ${ms(performance.now() - waited)} after the cold call), ${terms.stats.words} words, ${(terms.bytes / 2 ** 20).toFixed(0)} MB`
          : `term index: none (${terms?.failed ?? "off"})`,
      );
    }
  }
  clearInterval(rssTimer);
  const warm = times.slice(1);
  console.log(`tree ${tree}: ${countFiles(tree)} files; ${cpus().length} cores; query: ${JSON.stringify(query)}`);
  console.log(
    `cold (first call) ${ms(times[0]!)}; warm p50 ${ms(median(warm))}, p95 ${ms(pct(warm, 0.95))} over ${warm.length}; ` +
      `event-loop delay max ${Math.max(...delays).toFixed(0)} ms (per call: ${delays.map((d) => d.toFixed(0)).join(", ")}); ` +
      `peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB; ${citations} citations`,
  );
}

/**
 * questions: several questions (`--query "a||b"`) over one server-warm tree, once its term index is
 * ready: the first time each is asked (a new question) and the later times (asked again, `--runs`
 * rounds in all), with the event loop's longest delay per call.
 */
async function benchQuestions(tree: string): Promise<void> {
  const questions = opt(
    "query",
    "where is the retry backoff computed for a failed request?||Template rendering fails when a filter is undefined",
  ).split("||");
  const cache = useMemoryIndexCache();
  const explorer = createEmbeddedExplorer();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const cold = performance.now();
  await explorer({ root: tree, query: "where is the file listing built?" });
  console.log(`cold call (no term index yet) ${ms(performance.now() - cold)}`);
  const terms = cache?.termIndexOf(await Workspace.openSync(tree).fileIndex());
  await terms?.built();
  const rows = questions.map((q) => ({ q, times: [] as number[], delays: [] as number[], top: "" }));
  for (let i = 0; i < runs; i++)
    for (const row of rows) {
      delay.reset();
      delay.enable();
      const started = performance.now();
      const result = await explorer({ root: tree, query: row.q });
      row.times.push(performance.now() - started);
      delay.disable();
      row.delays.push(delay.max / 1e6);
      const top = result.citations[0]?.path ?? "(none)";
      row.top = row.top === "" || row.top === top ? top : `${row.top} / ${top}`;
    }
  console.log(`tree ${tree}; ${cpus().length} cores; term index ${terms?.ready ? "ready" : "none"}; ${runs} rounds`);
  console.log("| question | new | again (median) | loop delay per call | first citation |");
  console.log("|---|---|---|---|---|");
  for (const r of rows)
    console.log(
      `| ${r.q.slice(0, 60)} | ${ms(r.times[0]!)} | ${r.times.length > 1 ? ms(median(r.times.slice(1))) : "-"} | ${r.delays.map((d) => d.toFixed(0)).join(", ")} ms | ${r.top} |`,
    );
}

async function benchListing(tree: string): Promise<void> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const rows: Array<{ name: string; ms: number[]; stall: number[]; files: number }> = [
    { name: "ripgrep walker (Workspace.fileIndex)", ms: [], stall: [], files: 0 },
    { name: "JavaScript walk (buildFileIndex, before)", ms: [], stall: [], files: 0 },
  ];
  for (let i = 0; i < runs; i++) {
    for (const [k, row] of rows.entries()) {
      delay.reset();
      delay.enable();
      // A timer keeps the loop turning so a blocked loop shows as delay.
      const tick = setInterval(() => undefined, 5);
      await new Promise((r) => setTimeout(r, 30)); // the monitor's timer is running before the work starts
      const started = performance.now();
      const index =
        k === 0
          ? await Workspace.openSync(tree).fileIndex()
          : buildFileIndex({ root: tree, secrets: DEFAULT_SECRET_POLICY });
      row.ms.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 20));
      clearInterval(tick);
      delay.disable();
      row.stall.push(delay.max / 1e6);
      row.files = index.files.length;
    }
  }
  console.log(`tree ${tree}; ${cpus().length} cores; ${runs} interleaved runs`);
  console.log("| listing | files | wall median | longest event-loop stall (median of runs / max) |");
  console.log("|---|---|---|---|");
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.files} | ${ms(median(r.ms))} | ${ms(median(r.stall))} / ${ms(Math.max(...r.stall))} |`,
    );
}

const tree = resolveTree(opt("tree", "gen:40000"));
if (mode === "grep") await benchGrep(tree);
else if (mode === "explore") await benchExplore(tree);
else if (mode === "questions") await benchQuestions(tree);
else if (mode === "listing") await benchListing(tree);
else throw new Error(`unknown mode ${mode}: grep or explore`);
process.exit(0);
