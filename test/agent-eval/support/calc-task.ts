/**
 * The one-bug task every agent-CLI end-to-end test runs: a git repository whose `add()` subtracts,
 * its localization task (gold: line 2 of src/calc.py), a metering proxy in front of the fake
 * server and an output folder — all removed after `body`, whatever it does.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliAgentName } from "../../../src/agent-eval/cli-agents/types.js";
import { type MeteringProxy, startMeteringProxy } from "../../../src/agent-eval/metering-proxy.js";
import { type AgentRecord, runAgentEval } from "../../../src/agent-eval/runner.js";
import { type EvalTask, parseTask } from "../../../src/eval/tasks.js";
import { type TmpRepo, tmpRepo } from "../../support/tmp-repo.js";

export interface CalcTask {
  repo: TmpRepo;
  task: EvalTask;
  proxy: MeteringProxy;
  /** Output folder of the eval run (its cache below it). */
  out: string;
}

export async function withCalcTask<T>(upstream: string, id: string, body: (t: CalcTask) => Promise<T>): Promise<T> {
  const repo = await tmpRepo({
    files: { "src/calc.py": "def add(a, b):\n    return a - b\n" },
    git: true,
    commit: true,
  });
  const out = mkdtempSync(join(tmpdir(), `fc-${id}-out-`));
  const proxy = await startMeteringProxy(upstream);
  try {
    const task = parseTask({
      instance_id: id,
      repo: "local/calc",
      base_commit: repo.git("rev-parse", "HEAD").trim(),
      problem_statement: "add() subtracts.",
      locations: [{ path: "src/calc.py", file_lines: 2, deleted_lines: [2], insert_after: [] }],
    });
    return await body({ repo, task, proxy, out });
  } finally {
    await proxy.close();
    rmSync(out, { recursive: true, force: true });
    repo.cleanup();
  }
}

/**
 * One arm of the calc task run by a real agent CLI against the metering proxy, and what every such
 * run must show: no error, and the agent submitted.
 */
export async function runCalcArm(
  t: CalcTask,
  agent: { name: CliAgentName; bin: string },
  arm: "mcp" | "cli",
  wallTimeMs: number,
): Promise<AgentRecord> {
  const [record] = await runAgentEval({
    tasks: [t.task],
    arms: [arm],
    agent,
    allowNetwork: true,
    mirrors: { repoDir: t.repo.root },
    cacheDir: join(t.out, "cache"),
    outDir: t.out,
    main: { proxy: t.proxy, model: "fake-model" },
    wallTimeMs,
  });
  assert.ok(record, "one record for one task and arm");
  assert.equal(record.error, null, JSON.stringify(record));
  assert.equal(record.exit, "submitted", JSON.stringify(record));
  return record;
}
