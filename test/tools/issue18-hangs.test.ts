/**
 * Issue 18: catastrophic regexes in the fallback engine. Two (and three) at once must each end at
 * their time limit, with the main thread free the whole time (no scan ever falls back to it), and
 * the engine must keep working afterwards with the workers it replaced.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { shutdownFallbackPool } from "../../src/tools/grep/fallback.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "fastcontext.js");
const EVIL = `${"a".repeat(40)}b\n`;
const TIME_LIMIT_MS = 1500;

/** The longest gap between ticks of a 20 ms interval while `work` runs: how long the main thread was blocked. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ value: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 20);
  try {
    const value = await work();
    return { value, stallMs: Math.max(stallMs, performance.now() - last) };
  } finally {
    clearInterval(timer);
  }
}

describe("issue 18: runaway regexes in the fallback engine", { timeout: 180_000 }, () => {
  let repo: TmpRepo;
  let tb: Toolbox;
  before(async () => {
    repo = await tmpRepo({ files: { "a.txt": EVIL, "b.txt": EVIL, "c.txt": EVIL, "ok.py": "def fine():\n" } });
    tb = new Toolbox(Workspace.openSync(repo.root), {
      config: { grepEngine: "fallback", toolTimeoutMs: TIME_LIMIT_MS },
    });
  });
  after(async () => {
    await shutdownFallbackPool();
    repo.cleanup();
  });

  const grep = async (pattern: string, extra: Record<string, unknown> = {}) =>
    (await tb.run({ id: "g", name: "Grep", arguments: { pattern, ...extra } })).text;

  for (const count of [2, 3]) {
    it(`${count} catastrophic searches at once all end at their limit and never block the main thread`, async () => {
      const patterns = ["(a+)+$", "(a|aa)+$", "(a*)*$"].slice(0, count);
      const started = performance.now();
      const { value: texts, stallMs } = await longestStall(() =>
        Promise.all(patterns.map((p, i) => grep(p, { head_limit: 100 + i + count * 10 }))),
      );
      const elapsed = performance.now() - started;
      for (const text of texts) assert.match(text, /hit its time limit/, text);
      // Each search has its own limit; the ones queued behind busy workers wait at most their own.
      assert.ok(elapsed < TIME_LIMIT_MS * 2 + 4000, `took ${Math.round(elapsed)} ms`);
      assert.ok(stallMs < 1000, `the main thread was blocked for ${Math.round(stallMs)} ms`);
      // The workers that were stopped were replaced: an ordinary search works right away.
      assert.match(await grep("def fine", { head_limit: 7 + count }), /ok\.py/);
    });
  }

  it("the CLI with the fallback engine ends a runaway search instead of hanging", () => {
    const started = performance.now();
    const r = spawnSync(
      process.execPath,
      [BIN, "tool", "Grep", "--repo", repo.root, "--engine", "fallback", "--args", '{"pattern":"(a+)+$"}'],
      { encoding: "utf8", timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /hit its time limit/);
    assert.ok(performance.now() - started < 40_000);
  });
});
