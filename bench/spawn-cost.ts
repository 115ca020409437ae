/**
 * What starting ripgrep costs this process's event loop as the process grows, started directly
 * (libuv's fork copies the page tables) and from the spawn helper (src/util/lean-spawn.ts):
 *
 *   node --import tsx bench/spawn-cost.ts [--sizes 0,500,1500] [--runs 20]
 *
 * For each resident size (MB of touched buffers added), `runs` starts of `rg --version` each way,
 * one after the other: the mean wall time of a start-to-exit, and the longest event-loop stall
 * (perf_hooks.monitorEventLoopDelay) during them. The ratio is direct / helper, same run.
 */
import { spawn } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { locateRipgrep } from "../src/tools/grep/ripgrep.js";
import { type PipedChild, spawnLean } from "../src/util/lean-spawn.js";

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (argv[i + 1] ?? fallback);
};
const sizes = opt("sizes", "0,500,1500").split(",").map(Number);
const runs = Number(opt("runs", "20"));

const rg = await locateRipgrep();
if (!rg) throw new Error("no ripgrep here");
process.env.FC_LEAN_SPAWN = "on";

const ended = (child: PipedChild) =>
  new Promise<void>((resolve) => {
    child.stdout.resume();
    child.on("close", () => resolve());
    child.on("error", () => resolve());
  });

async function measure(start: () => PipedChild): Promise<{ ms: number; stall: number }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await ended(start());
  const ms = (performance.now() - t0) / runs;
  delay.disable();
  return { ms, stall: delay.max / 1e6 };
}

const held: Buffer[] = [];
console.log(`ripgrep ${rg.version}; ${runs} starts each way per size`);
console.log("| resident | direct start-to-exit | helper start-to-exit | ratio | longest stall direct / helper |");
console.log("|---|---|---|---|---|");
for (const mb of sizes) {
  while (held.length < mb) held.push(Buffer.alloc(1 << 20, 1)); // touched: resident, not just reserved
  const direct = await measure(() => spawn(rg.path, ["--version"], { stdio: ["ignore", "pipe", "ignore"] }));
  const lean = await measure(() => {
    const started = spawnLean(rg.path, ["--version"], process.cwd());
    if (!started) throw new Error("the spawn helper is not available here");
    return started.child;
  });
  const rss = process.memoryUsage.rss() / 2 ** 20;
  console.log(
    `| ${rss.toFixed(0)} MB | ${direct.ms.toFixed(1)} ms | ${lean.ms.toFixed(1)} ms | ${(direct.ms / lean.ms).toFixed(2)}x | ${direct.stall.toFixed(0)} / ${lean.stall.toFixed(0)} ms |`,
  );
}
process.exit(0);
