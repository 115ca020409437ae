/**
 * Benchmark: where the event loop stops during new questions on a warm server.
 *
 *   node --import tsx bench/loop-gaps.ts [--tree DIR] [--query "Q1||Q2"] [--gap-ms 60] [--profile DIR] [--cold]
 *
 * In-process, with the memory index cache the MCP server uses: one cold exploration lists the tree,
 * the term index is built, then each question is asked once. A 5 ms timer notes every gap longer
 * than `--gap-ms` (start and length, ms from the question's start). `--profile DIR` also writes a
 * CPU profile of each question (`node:inspector`, 250 µs sampling) and prints, for each gap, the
 * functions with the most self time inside it. `--cold`: nothing is listed first; only the first
 * question is asked, as a server's first call on the tree.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { type Profiler, Session } from "node:inspector/promises";
import { join } from "node:path";
import { createEmbeddedExplorer } from "../src/embedded/explorer.js";
import { useMemoryIndexCache } from "../src/index-cache/install.js";
import { Workspace } from "../src/workspace/workspace.js";

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (argv[i + 1] ?? fallback);
};
const tree = opt("tree", "/tmp/fc-large-100000");
const questions = opt(
  "query",
  "how are the request headers merged with the session defaults?||which function turns a stack frame into a file path?",
).split("||");
const gapMs = Number(opt("gap-ms", "60"));
const profileDir = argv.includes("--profile") ? opt("profile", ".") : undefined;
if (profileDir) mkdirSync(profileDir, { recursive: true });

const cold = argv.includes("--cold");
const cache = useMemoryIndexCache();
const explorer = createEmbeddedExplorer();
if (!cold) {
  await explorer({ root: tree, query: "list the tree" });
  await cache?.termIndexOf(await Workspace.openSync(tree).fileIndex())?.built();
}

/** The functions with the most self time inside one gap of a CPU profile, "ms name file:line". */
function busiestIn(profile: Profiler.Profile, from: number, length: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let t = profile.startTime;
  const deltas = profile.timeDeltas ?? [];
  for (const [i, id] of (profile.samples ?? []).entries()) {
    t += deltas[i] ?? 0;
    const at = (t - profile.startTime) / 1000;
    if (at < from || at > from + length) continue;
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = frame.url.replace(/^.*\/node_modules\//, "").replace(/^.*\/(src|bench)\//, "$1/");
    const key = `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([k, ms]) => `${ms.toFixed(0)} ms ${k}`)
    .join("; ");
}

for (const [i, query] of (cold ? questions.slice(0, 1) : questions).entries()) {
  const session = profileDir ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 250 });
    await session.post("Profiler.start");
  }
  const started = performance.now();
  const gaps: Array<[number, number]> = [];
  let last = started;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > gapMs) gaps.push([last - started, now - last]);
    last = now;
  }, 5);
  await explorer({ root: tree, query });
  clearInterval(timer);
  const ms = performance.now() - started;
  if (session) {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(join(profileDir!, `question${i}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
    const shown = gaps.map(([at, length]) => `${at.toFixed(0)}+${length.toFixed(0)}`).join(", ") || "none";
    console.log(`q${i} ${JSON.stringify(query)}: ${ms.toFixed(0)} ms; gaps over ${gapMs} ms (start+length): ${shown}`);
    for (const [at, length] of gaps)
      console.log(`  ${at.toFixed(0)}+${length.toFixed(0)}: ${busiestIn(profile, at, length)}`);
    continue;
  }
  const shown = gaps.map(([at, length]) => `${at.toFixed(0)}+${length.toFixed(0)}`).join(", ") || "none";
  console.log(`q${i} ${JSON.stringify(query)}: ${ms.toFixed(0)} ms; gaps over ${gapMs} ms (start+length): ${shown}`);
}
process.exit(0);
