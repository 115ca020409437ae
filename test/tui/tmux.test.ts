/**
 * The live view as a person sees it: `fastcontext --tui` runs in a real terminal (a detached tmux
 * session, 120×40) against the fake model server; the screen is captured mid-run and at the end and
 * checked for the turns, the tool calls with their arguments and results, the verified citations
 * and the footer. Then the recorded trajectory is replayed, in the same view and as text.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai-server.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";
import { DEMO_FILES, QUESTION, scriptRun } from "./support/scripted-run.js";
import { shellQuote, startTmux, tmuxAvailable } from "./support/tmux.js";

const BIN = fileURLToPath(new URL("../../bin/fastcontext.js", import.meta.url));
const skip = tmuxAvailable() ? false : "tmux is not installed: the terminal capture test needs it";

/** Environment for the CLI: no user config, no inherited endpoint, logs at warn. */
function cliEnv(home: string): Record<string, string> {
  return {
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_STATE_HOME: join(home, "state"),
    HOME: home,
    FC_LOG_LEVEL: "warn",
  };
}
const UNSET = [
  "CI",
  "FC_BASE_URL",
  "FC_MODEL",
  "FC_API_KEY",
  "BASE_URL",
  "MODEL",
  "API_KEY",
  "FC_CONFIG",
  "NO_COLOR",
  "FORCE_COLOR",
];

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe("--tui in a real terminal (tmux)", { skip }, () => {
  let server: FakeOpenAI;
  let repo: TmpRepo;
  let home: string;
  let traj: string;

  before(async () => {
    server = await startFakeOpenAI();
    repo = await tmpRepo({ files: DEMO_FILES, prefix: "fc-tui-" });
    home = mkdtempSync(join(tmpdir(), "fc-tui-home-"));
    traj = join(home, "run.jsonl");
  });
  after(async () => {
    await server.close();
    repo.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  it("shows turns, tool calls, the waiting indicator, the verified citations and the footer", async () => {
    scriptRun(server, repo.root);
    const command = `cd ${shellQuote(repo.root)} && node ${shellQuote(BIN)} --tui --base-url ${shellQuote(server.url)} -q ${shellQuote(QUESTION)} --repo . --traj ${shellQuote(traj)}`;
    const tmux = startTmux(command, { width: 120, height: 40, env: cliEnv(home), unset: UNSET });
    try {
      const mid = await tmux.waitFor((s) => /waiting on the model for [1-9] s/.test(s), 30_000);
      assert.match(mid, /fastcontext · .* · model fake-model · max 12 turns/);
      assert.match(mid, /─ turn 1\/12 · model [\d.]+ s · 1\.9k prompt \+ 48 out tokens · 2 tool calls/);
      assert.match(mid, /▸ Grep pattern="validateToken" path="\." output_mode="content" {2}→ \d+ lines? · /);
      assert.match(mid, /─ turn 2\/12 · \d+ messages, ~[\d.]+k? tokens sent/);
      assert.match(
        mid,
        /turn 2\/12 · tokens ~[\d.]+k? \/ 32\.8k \(\d+%\) · in 1\.9k out 48 · elapsed [\d.]+ s · waiting on the model for [1-9] s/,
      );

      const screen = await tmux.waitFor((s) => /\[exit \d+\]/.test(s), 60_000);
      assert.match(screen, /\[exit 0\]/, screen);
      // Each finished turn is printed once (<Static>), not once per redraw.
      assert.equal(count(screen, `query: ${QUESTION}`), 1, screen);
      assert.equal(count(screen, "─ turn 1/12"), 1, screen);
      assert.match(screen, /▸ Glob pattern="src\/\*\*\/\*\.ts" {2}→ 2 lines · /);
      assert.match(screen, /─ turn 2\/12 · model 2\.\d s · 2\.3k prompt \+ 31 out tokens · 1 tool call/);
      assert.match(screen, /▸ Read path="src\/auth\.ts" {2}→ \d+ lines · [\d.]+k? chars · ~\d+ tok · \d+ ms/);
      assert.match(screen, /─ turn 3\/12 · model [\d.]+ s · 2\.6k prompt \+ 64 out tokens · answer/);
      assert.match(screen, /─ final answer · 2 citations \(2 verified\)/);
      assert.match(screen, /✓ src\/auth\.ts:1-5 {2}validates the session token/);
      assert.match(screen, /✓ src\/routes\.ts:4-4 {2}the caller \[grep\]/);
      assert.match(
        screen,
        /done: answered · 3 turns · 3 tool calls · tokens 2\.7k \/ 32\.8k \(8%\) · in 6\.8k out 143 · elapsed [\d.]+ s/,
      );
      assert.doesNotMatch(screen, /waiting on the model for/, "the indicator is gone once the run ended");
      // stdout (the product) follows the view.
      assert.match(
        screen,
        new RegExp(`<final_answer>\\n${repo.root}/src/auth\\.ts:1-5 \\(validates the session token\\)`),
      );
      server.assertDrained();
    } finally {
      tmux.kill();
    }
  });

  it("replays the recorded trajectory in the same view", async () => {
    const tmux = startTmux(`node ${shellQuote(BIN)} replay ${shellQuote(traj)}`, {
      width: 120,
      height: 40,
      env: cliEnv(home),
      unset: UNSET,
    });
    try {
      const screen = await tmux.waitFor((s) => /\[exit \d+\]/.test(s), 30_000);
      assert.match(screen, /\[exit 0\]/, screen);
      assert.match(screen, /▸ Read path="src\/auth\.ts" {2}→ /);
      assert.match(screen, /✓ src\/auth\.ts:1-5 {2}validates the session token/);
      assert.match(screen, /done: answered · 3 turns · 3 tool calls/);
    } finally {
      tmux.kill();
    }
  });

  it("replays it as text when stdout is not a terminal", async () => {
    const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [BIN, "replay", traj], { env: { ...process.env, ...cliEnv(home) } }, (error, stdout) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
      );
    });
    assert.equal(out.code, 0);
    assert.match(out.stdout, /^\[0(\.0)?s\] exploring /m);
    assert.match(out.stdout, /turn 1: Grep pattern="validateToken"/);
    assert.match(out.stdout, /done: answered, 2 citation\(s\), 3 turn\(s\), 3 tool call\(s\)/);
    assert.match(out.stdout, /<final_answer>\n.*src\/auth\.ts:1-5 \(validates the session token\)/);
    assert.doesNotMatch(out.stdout, /\u001b\[/, "no escape codes in text mode");
  });
});
