/**
 * Issue 18: a file swapped for a link to outside the root between the check and the open. A child
 * process swaps `race.txt` between a regular file and a link to a sentinel outside the root as fast
 * as it can (atomic renames), while Read and both Grep engines read it, a bounded number of times.
 * The sentinel must never appear; the swapper must really have swapped while the reads ran.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { shutdownFallbackPool } from "../../src/tools/grep/fallback.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { populate } from "../support/tmp-repo.js";

const SENTINEL = "SENTINEL-race-0b7f-outside";

/** Swaps `race.txt` in chunks (so SIGTERM is handled between them) and prints the swap count on exit. */
const SWAPPER = `
const fs = require("node:fs");
const [dir, target] = process.argv.slice(1);
const race = dir + "/race.txt";
let swaps = 0;
process.on("SIGTERM", () => { process.stdout.write(" " + String(swaps)); process.exit(0); });
function chunk() {
  for (let i = 0; i < 50; i++) {
    fs.writeFileSync(dir + "/.tmp-file", "inside race\\n");
    fs.renameSync(dir + "/.tmp-file", race);
    try { fs.unlinkSync(dir + "/.tmp-link"); } catch {}
    fs.symlinkSync(target, dir + "/.tmp-link");
    fs.renameSync(dir + "/.tmp-link", race);
    swaps++;
  }
  if (swaps === 50) process.stdout.write("ready");
  setImmediate(chunk);
}
chunk();
`;

/** Starts the swapper and resolves once it is swapping. */
async function startSwapper(
  dir: string,
  target: string,
): Promise<{ child: ChildProcess; stop: () => Promise<number> }> {
  const child = spawn(process.execPath, ["-e", SWAPPER, dir, target], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await new Promise<void>((resolve) => {
    const check = () => (out.includes("ready") ? resolve() : setTimeout(check, 5));
    check();
  });
  return {
    child,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      return Number(out.replace("ready", "").trim());
    },
  };
}

describe("issue 18: swap between check and open", { timeout: 300_000 }, () => {
  let base: string;
  let repo: string;
  let sentinel: string;
  before(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "fc-i18-race-")));
    repo = join(base, "repo");
    sentinel = join(base, "sentinel.txt");
    writeFileSync(sentinel, `${SENTINEL}\n`);
    // An in-root link too, so that the ripgrep engine takes its --follow path.
    populate(repo, {
      files: { "race.txt": "inside race\n", "other.txt": "inside other\n" },
      symlinks: { "alias.txt": "other.txt" },
    });
  });
  /** race.txt back to a regular file (a swapper stopped mid-way may leave the link). */
  const restore = () => {
    rmSync(join(repo, "race.txt"), { force: true });
    writeFileSync(join(repo, "race.txt"), "inside race\n");
  };
  after(async () => {
    await shutdownFallbackPool();
    rmSync(base, { recursive: true, force: true });
  });

  it("Read: 300 reads while the file is swapped for a link to outside never show the sentinel", async () => {
    const tb = new Toolbox(Workspace.openSync(repo));
    restore();
    const swapper = await startSwapper(repo, sentinel);
    const outcomes = { shown: 0, refused: 0 };
    try {
      for (let i = 0; i < 300; i++) {
        const text = (await tb.run({ id: "r", name: "Read", arguments: { path: "race.txt", limit: 1000 + i } })).text;
        assert.ok(!text.includes(SENTINEL), `iteration ${i}: ${text}`);
        if (text.includes("1|inside race")) outcomes.shown++;
        else outcomes.refused++;
      }
    } finally {
      const swaps = await swapper.stop();
      assert.ok(swaps > 60, `the swapper ran (${swaps} swaps)`);
    }
    assert.equal(outcomes.shown + outcomes.refused, 300);
    // How many reads during the swaps show the file depends on the machine's speed: a file replaced
    // (unlinked) right after the open is refused on purpose. Once the swaps stop, the guard must not
    // be refusing the regular file.
    restore();
    const calm = (await tb.run({ id: "r", name: "Read", arguments: { path: "race.txt", limit: 5000 } })).text;
    assert.match(calm, /1\|inside race/, `after the swaps: ${calm} (during: ${JSON.stringify(outcomes)})`);
  });

  for (const engine of ["fallback", "ripgrep"] as const) {
    it(`Grep (${engine}): 150 searches during the swaps never show the sentinel`, async () => {
      restore();
      const ws = Workspace.openSync(repo);
      const tb = new Toolbox(ws, { config: { grepEngine: engine } });
      // The index is built while race.txt is a regular file, so the engine does search it.
      assert.match((await tb.run({ id: "g", name: "Glob", arguments: { pattern: "*.txt" } })).text, /race\.txt/);
      restore();
      const swapper = await startSwapper(repo, sentinel);
      let sawInside = 0;
      try {
        for (let i = 0; i < 150; i++) {
          // head_limit varies so that no call is answered from the toolbox's cache of repeated calls.
          for (const args of [
            { pattern: "SENTINEL|inside race", head_limit: 1000 + i },
            { pattern: "SENTINEL", output_mode: "count", head_limit: 1000 + i },
          ]) {
            const text = (await tb.run({ id: "g", name: "Grep", arguments: args })).text;
            assert.ok(!text.includes(SENTINEL), `${engine} iteration ${i}: ${text}`);
            assert.ok(!/race\.txt:\d/.test(text), `${engine} counted the outside file, iteration ${i}: ${text}`);
            if (text.includes("inside race")) sawInside++;
          }
        }
      } finally {
        const swaps = await swapper.stop();
        assert.ok(swaps > 60, `the swapper ran (${swaps} swaps)`);
      }
      // As for Read: during the swaps a replaced file may be refused; after them it must be found.
      restore();
      const calm = (await tb.run({ id: "g", name: "Grep", arguments: { pattern: "inside race", head_limit: 9999 } }))
        .text;
      assert.match(calm, /inside race/, `${engine} after the swaps: ${calm} (during: ${sawInside} saw it)`);
    });
  }
});
