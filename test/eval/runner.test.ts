import assert from "node:assert/strict";
import { appendFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ExploreRequest, ExploreResult, Explorer } from "../../src/core/types.js";
import { readResults } from "../../src/eval/results.js";
import { type RunOptions, runEval } from "../../src/eval/runner.js";
import { ConfigError } from "../../src/util/errors.js";
import { git, makeRepo, makeTask, numberedLines, tempDir } from "./support.js";

const tasks = ["t1", "t2", "t3", "t4"].map((id) => makeTask({ instance_id: id, problem_statement: `query ${id}` }));

function result(request: ExploreRequest, citations: ExploreResult["citations"]): ExploreResult {
  return {
    query: request.query,
    root: request.root,
    policy: "embedded",
    citations,
    explanation: "",
    stopReason: "answered",
    partial: false,
    turns: 2,
    toolCalls: 3,
    tokens: { input: 100, output: 10 },
    timings: { totalMs: 1, modelMs: 0, toolMs: 0, otherMs: 1 },
    warnings: [],
  };
}

/** An explorer that cites the gold for every query except those listed to throw. */
function scripted(throwFor: Set<string>, calls: string[]): Explorer {
  return async (request) => {
    calls.push(request.query);
    if ([...throwFor].some((id) => request.query.endsWith(id))) throw new Error("boom");
    return result(request, [{ path: "src/a.py", start: 10, end: 12, verified: true }]);
  };
}

function options(outDir: string, explorer: Explorer, extra: Partial<RunOptions> = {}): RunOptions {
  const root = tempDir();
  return {
    tasks,
    policy: "embedded",
    explorer,
    mirrors: {},
    cacheDir: tempDir(),
    outDir,
    concurrency: 2,
    resolveTree: async () => ({ root, seconds: 0 }),
    ...extra,
  };
}

describe("runEval", () => {
  it("records a failing task with its error and finishes the others", async () => {
    const out = tempDir();
    const calls: string[] = [];
    const outcome = await runEval(options(out, scripted(new Set(["t2"]), calls)));
    assert.equal(outcome.ran, 4);
    assert.equal(outcome.interrupted, false);
    const byId = new Map(outcome.records.map((r) => [r.instance_id, r]));
    assert.equal(byId.get("t2")?.error, "explorer: boom");
    assert.equal(byId.get("t2")?.scores.file_acc_at_1, 0);
    assert.equal(byId.get("t2")?.stop_reason, null);
    assert.equal(byId.get("t1")?.error, null);
    assert.equal(byId.get("t1")?.scores.line_recall_edit, 0.75);
    assert.deepEqual(byId.get("t1")?.cost, {
      cited_lines: 3,
      wall_s: byId.get("t1")!.cost.wall_s,
      tool_calls: 3,
      turns: 2,
      tokens_in: 100,
      tokens_out: 10,
    });
    assert.equal(readResults(join(out, "results.jsonl")).length, 4);
  });

  it("records a tree that cannot be exported as an error of that task", async () => {
    const out = tempDir();
    const calls: string[] = [];
    const outcome = await runEval(
      options(out, scripted(new Set(), calls), {
        resolveTree: async (task) => {
          if (task.instance_id === "t3") throw new Error("no such commit");
          return { root: tempDir(), seconds: 0.5 };
        },
      }),
    );
    assert.equal(outcome.records.find((r) => r.instance_id === "t3")?.error, "tree: no such commit");
    assert.equal(calls.length, 3);
    assert.equal(outcome.records[0]?.materialize_s, 0.5);
  });

  it("scores a task whose tree lacks a non-gold blob with a warning, and errors one whose gold blob is missing", async () => {
    const { dir, shas } = makeRepo([
      { message: "one", files: { "src/a.py": numberedLines(100), "fixtures/large.json": '{"big": true}\n' } },
    ]);
    const sha = git(dir, "rev-parse", `${shas[0]!}:fixtures/large.json`);
    rmSync(join(dir, ".git", "objects", sha.slice(0, 2), sha.slice(2)));
    const goldMissing = makeTask({
      instance_id: "gold-missing",
      base_commit: shas[0]!,
      location: { path: "fixtures/large.json" },
    });
    const outcome = await runEval({
      ...options(tempDir(), scripted(new Set(), [])),
      tasks: [makeTask({ instance_id: "gold-kept", base_commit: shas[0]! }), goldMissing],
      mirrors: { repoDir: dir },
      resolveTree: undefined,
    });
    const byId = new Map(outcome.records.map((r) => [r.instance_id, r]));
    assert.equal(byId.get("gold-kept")?.error, null);
    assert.equal(byId.get("gold-kept")?.scores.file_acc_at_1, 1);
    assert.deepEqual(byId.get("gold-kept")?.warnings, [
      "tree: 1 file(s) left out, their blobs are not in the mirror: fixtures/large.json",
    ]);
    assert.match(
      byId.get("gold-missing")?.error ?? "",
      /^tree: the mirror lacks the blob of gold file fixtures\/large\.json/,
    );
  });

  it("resumes: scored tasks are skipped, errored ones retried unless told otherwise, torn lines ignored", async () => {
    const out = tempDir();
    await runEval(options(out, scripted(new Set(["t2"]), [])));
    appendFileSync(join(out, "results.jsonl"), '{"instance_id":"t4","torn'); // a killed run's last line

    const keep: string[] = [];
    const kept = await runEval(options(out, scripted(new Set(), keep), { retryErrors: false }));
    assert.deepEqual(keep, []);
    assert.equal(kept.skipped, 4);
    assert.equal(kept.records.find((r) => r.instance_id === "t2")?.error, "explorer: boom");

    const retry: string[] = [];
    const retried = await runEval(options(out, scripted(new Set(), retry)));
    assert.deepEqual(retry, ["query t2"]);
    assert.equal(retried.records.find((r) => r.instance_id === "t2")?.error, null, "the newest record wins");
    const lines = readFileSync(join(out, "results.jsonl"), "utf8").split("\n").filter(Boolean);
    assert.equal(lines.length, 6, "4 + torn fragment + 1 retry, each on its own line");
  });

  it("refuses to mix policies in one output directory", async () => {
    const out = tempDir();
    await runEval(options(out, scripted(new Set(), []), { tasks: tasks.slice(0, 1) }));
    await assert.rejects(runEval(options(out, scripted(new Set(), []), { policy: "bm25" })), ConfigError);
  });

  it("does not record tasks cut short by an abort, so a resumed run does them", async () => {
    const out = tempDir();
    const controller = new AbortController();
    const explorer: Explorer = async (request) => {
      controller.abort();
      return result(request, []);
    };
    const outcome = await runEval(options(out, explorer, { signal: controller.signal, concurrency: 1 }));
    assert.equal(outcome.records.length, 0);
    assert.equal(outcome.interrupted, true);
  });
});

describe("runEval task timeout", () => {
  it("records an explorer that overruns its hard limit as an error and aborts its signal", async () => {
    let aborted = false;
    const explorer: Explorer = (request) =>
      new Promise((resolve) => {
        request.signal?.addEventListener("abort", () => {
          aborted = true;
          resolve(result(request, []));
        });
      });
    const outcome = await runEval(options(tempDir(), explorer, { tasks: tasks.slice(0, 1), taskTimeoutMs: 50 }));
    assert.match(outcome.records[0]?.error ?? "", /timed out/);
    assert.equal(aborted, true);
  });
});
