/**
 * Benchmark: the Grep tool (through Toolbox.run, ripgrep engine and fallback engine) against raw
 * `rg` with the same pattern on the same large tree, measured in the same run.
 *
 *   node --import tsx bench/grep-vs-rg.ts [--tree DIR] [--runs N] [--copies K]
 *
 * The tree (default /tmp/fc-bench-tree) is built on first use from the source trees exported from
 * the bare git mirrors in /work/.mirror/<name>/repo (`git archive HEAD | tar -x`), copied K times,
 * plus one copy of this repository's node_modules (JavaScript, TypeScript, JSON, binaries), to
 * exceed 50k files. The file index is built once per exploration: its cost (the first call) is
 * reported separately from the per-call ratio.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { shutdownFallbackPool } from "../src/tools/grep/fallback.js";
import { locateRipgrep } from "../src/tools/grep/ripgrep.js";
import { Toolbox } from "../src/tools/toolbox.js";
import { Workspace } from "../src/workspace/workspace.js";

interface Options {
  tree: string;
  runs: number;
  copies: number;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? undefined : argv[i + 1];
  };
  return {
    tree: get("tree") ?? "/tmp/fc-bench-tree",
    runs: Number(get("runs") ?? 7),
    copies: Number(get("copies") ?? 6),
  };
}

function buildTree(o: Options): void {
  if (existsSync(join(o.tree, ".built"))) return;
  const mirrors = existsSync("/work/.mirror")
    ? readdirSync("/work/.mirror").filter((m) => existsSync(join("/work/.mirror", m, "repo")))
    : [];
  if (mirrors.length === 0)
    throw new Error("no git mirrors under /work/.mirror to build the tree from; pass --tree DIR with a large tree");
  mkdirSync(o.tree, { recursive: true });
  for (let k = 0; k < o.copies; k++) {
    for (const m of mirrors) {
      const dest = join(o.tree, `copy${k}`, m);
      mkdirSync(dest, { recursive: true });
      const archive = spawnSync("git", ["--git-dir", join("/work/.mirror", m, "repo"), "archive", "HEAD"], {
        maxBuffer: 1 << 30,
      });
      if (archive.status !== 0) throw new Error(`git archive failed for ${m}: ${archive.stderr}`);
      execFileSync("tar", ["-x", "-C", dest], { input: archive.stdout, maxBuffer: 1 << 30 });
    }
  }
  cpSync("node_modules", join(o.tree, "deps", "node_modules"), { recursive: true, verbatimSymlinks: true });
  execFileSync("touch", [join(o.tree, ".built")]);
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU milliseconds used by this process's reaped children so far (Linux /proc: cutime + cstime).
 * Wall time on a shared 2-core machine swings with the neighbours' load; CPU time much less.
 */
function childCpuMs(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** CPU milliseconds of this process (all its threads, so the fallback's workers too). */
function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Raw ripgrep as a user would run it, output fully read from a pipe. */
function rawRg(
  rg: string,
  tree: string,
  pattern: string,
  ignoreCase: boolean,
  count = false,
): Promise<{ ms: number; cpu: number; bytes: number }> {
  const mode = count ? ["--count-matches"] : ["--line-number", "--heading"];
  const args = [
    "--no-config",
    "--hidden",
    "--glob",
    "!.git",
    ...mode,
    "--color",
    "never",
    ...(ignoreCase ? ["-i"] : []),
    "--regexp",
    pattern,
    tree,
  ];
  const cpu0 = childCpuMs();
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(rg, args, { stdio: ["ignore", "pipe", "ignore"] });
    let bytes = 0;
    child.stdout.on("data", (chunk: Buffer) => (bytes += chunk.length));
    child.on("error", reject);
    child.on("close", () => resolve({ ms: performance.now() - started, cpu: childCpuMs() - cpu0, bytes }));
  });
}

/** One Grep call: wall time, and CPU time of this process plus the ripgrep it ran. */
async function timeTool(
  tb: Toolbox,
  args: Record<string, unknown>,
): Promise<{ ms: number; cpu: number; text: string }> {
  const child0 = childCpuMs();
  const own0 = ownCpuMs();
  const started = performance.now();
  const r = await tb.run({ id: "bench", name: "Grep", arguments: args });
  const ms = performance.now() - started;
  return { ms, cpu: ownCpuMs() - own0 + (childCpuMs() - child0), text: r.text };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const best = (xs: number[]) => Math.min(...xs);
const fmt = (ms: number) => `${ms.toFixed(1)}`;

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  buildTree(o);
  const rg = await locateRipgrep();
  if (!rg) throw new Error("no ripgrep binary");
  const files =
    execFileSync(rg.path, ["--no-config", "--files", "--hidden", "--glob", "!.git", o.tree], { maxBuffer: 1 << 28 })
      .toString()
      .split("\n").length - 1;

  // First call: a fresh workspace builds its file index.
  const coldStarted = performance.now();
  const cold = Workspace.openSync(o.tree);
  await new Toolbox(cold, { config: { grepEngine: "ripgrep" } }).run({
    id: "c",
    name: "Grep",
    arguments: { pattern: "zzzq_no_such_thing_qqq" },
  });
  const firstCallMs = performance.now() - coldStarted;
  const indexMs = cold.files().buildMs;

  const ws = Workspace.openSync(o.tree);
  ws.files();
  const rgBox = new Toolbox(ws, { config: { grepEngine: "ripgrep", toolTimeoutMs: 60_000 } });
  const fbBox = new Toolbox(ws, { config: { grepEngine: "fallback", toolTimeoutMs: 60_000 } });
  await fbBox.run({ id: "w", name: "Grep", arguments: { pattern: "warm-up-the-workers" } });

  const cases: Array<{ name: string; args: Record<string, unknown> }> = [
    { name: "rare literal", args: { pattern: "get_auth_from_url" } },
    { name: "common word", args: { pattern: "import" } },
    { name: "regex with class", args: { pattern: "def [a-z_]+_request\\(" } },
    { name: "case-insensitive", args: { pattern: "deprecationwarning", "-i": true } },
    // What the embedded explorer issues most: per-file counts of a common word (raw rg: --count-matches).
    { name: "common word, count", args: { pattern: "import", output_mode: "count" } },
  ];
  const rows: string[] = [];
  rows.push(
    `| pattern | raw rg wall best / median (ms) | Grep (ripgrep) wall best / median | ratio best / median | Grep (fallback) wall best / median | ratio best / median | CPU median (ms): raw rg / Grep rg / fallback | CPU ratio rg / fallback | raw rg output |`,
  );
  rows.push(`|---|---|---|---|---|---|---|---|---|`);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  for (const c of cases) {
    const raw: number[] = [];
    const rawCpu: number[] = [];
    const ours: number[] = [];
    const oursCpu: number[] = [];
    const fb: number[] = [];
    const fbCpu: number[] = [];
    let bytes = 0;
    let sample = "";
    for (let i = 0; i < o.runs; i++) {
      // Interleaved, so load changes on the machine hit all three alike.
      const r = await rawRg(
        rg.path,
        o.tree,
        String(c.args.pattern),
        c.args["-i"] === true,
        c.args.output_mode === "count",
      );
      raw.push(r.ms);
      rawCpu.push(r.cpu);
      bytes = r.bytes;
      const t = await timeTool(rgBox, c.args);
      ours.push(t.ms);
      oursCpu.push(t.cpu);
      sample = t.text;
      const f = await timeTool(fbBox, c.args);
      fb.push(f.ms);
      fbCpu.push(f.cpu);
    }
    rows.push(
      `| ${c.name} \`${String(c.args.pattern)}\`${c.args["-i"] ? " -i" : ""}${c.args.output_mode === "count" ? " (count)" : ""} | ${fmt(best(raw))} / ${fmt(median(raw))} | ${fmt(best(ours))} / ${fmt(median(ours))} | ${ratio(best(ours), best(raw))} / ${ratio(median(ours), median(raw))} | ${fmt(best(fb))} / ${fmt(median(fb))} | ${ratio(best(fb), best(raw))} / ${ratio(median(fb), median(raw))} | ${fmt(median(rawCpu))} / ${fmt(median(oursCpu))} / ${fmt(median(fbCpu))} | ${ratio(median(oursCpu), median(rawCpu))} / ${ratio(median(fbCpu), median(rawCpu))} | ${(bytes / 1024).toFixed(0)} KiB |`,
    );
    process.stderr.write(`${c.name}: the tool's text ends with: ${sample.split("\n").at(-1)!.slice(0, 80)}\n`);
  }
  await shutdownFallbackPool();
  const header = [
    `Tree: ${o.tree}, ${files} files (ripgrep's count), ${o.copies} copies of the mirrors plus node_modules; ${o.runs} runs each, interleaved.`,
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ripgrep ${rg.version}.`,
    `First call (fresh workspace: file index build + one search): ${fmt(firstCallMs)} ms, of which the index build ${fmt(indexMs)} ms (${ws.files().files.length} indexed files).`,
  ];
  process.stdout.write(`${header.join("\n")}\n\n${rows.join("\n")}\n`);
}

await main();
