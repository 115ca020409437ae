/** `fastcontext --tui` when stderr is not a terminal: plain progress lines, the answer on stdout. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { startFakeOpenAI } from "../support/fake-openai-server.js";
import { tmpRepo } from "../support/tmp-repo.js";
import { DEMO_FILES, QUESTION, scriptRun } from "./support/scripted-run.js";

const BIN = fileURLToPath(new URL("../../bin/fastcontext.js", import.meta.url));

describe("--tui without a terminal", () => {
  it("falls back to one-line progress on stderr and keeps stdout the answer", async () => {
    const server = await startFakeOpenAI();
    const repo = await tmpRepo({ files: DEMO_FILES, prefix: "fc-tui-plain-" });
    const home = mkdtempSync(join(tmpdir(), "fc-tui-plain-home-"));
    try {
      scriptRun(server, repo.root, { slowTurnMs: 300 });
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        XDG_CONFIG_HOME: join(home, "c"),
        XDG_STATE_HOME: join(home, "s"),
        FC_LOG_LEVEL: "warn",
      };
      for (const name of ["FC_BASE_URL", "FC_MODEL", "FC_CONFIG", "BASE_URL", "MODEL"]) delete env[name];
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [BIN, "--tui", "--base-url", server.url, "-q", QUESTION, "--repo", repo.root],
          { env, cwd: home },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^\[[\d.]+s\] exploring .* \(model: fake-model, max 12 turns\)$/m);
      assert.match(r.stderr, /^\[[\d.]+s\] turn 1: Grep pattern="validateToken"/m);
      assert.match(r.stderr, /^\[[\d.]+s\] turn 2: Read \d+ lines \(\d+ ms\)$/m);
      assert.match(r.stderr, /^\[[\d.]+s\] done: answered, 2 citation\(s\), 3 turn\(s\), 3 tool call\(s\)/m);
      assert.doesNotMatch(r.stderr, /\u001b\[/, "no cursor codes when stderr is not a terminal");
      assert.equal(
        r.stdout,
        `validateToken in src/auth.ts checks the session token; routes.ts calls it.\n\n<final_answer>\n${repo.root}/src/auth.ts:1-5 (validates the session token)\n${repo.root}/src/routes.ts:4-4 (the caller)\n</final_answer>\n`,
      );
      server.assertDrained();
    } finally {
      await server.close();
      repo.cleanup();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
