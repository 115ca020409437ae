import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { docTextOf, firstSentence, mineDocTasks, queryFromDoc } from "../../src/eval/mine-doc.js";
import { parseTask } from "../../src/eval/tasks.js";
import { makeRepo } from "./support.js";

const PY = `class Store:
    def fetch_user_record(self, user_id):
        """Look up the stored profile for one account and return it. Raises KeyError."""
        return self.rows[user_id]

    def tiny(self):
        """Short."""
        return 1
`;

const TS = `/**
 * Computes how long to wait before the next attempt of a failed upload.
 * @param attempt the attempt number
 */
export function retryDelayMillis(attempt: number, baseMillis: number): number {
  return baseMillis * 2 ** attempt;
}
`;

describe("eval mine --kind doc", () => {
  it("takes the first sentence of a docstring or doc comment", () => {
    const lines = PY.split("\n");
    const unit = {
      kind: "method" as const,
      name: "fetch_user_record",
      qualifiedName: "Store.fetch_user_record",
      start: 2,
      end: 4,
      headerEnd: 2,
      depth: 1,
    };
    assert.equal(
      firstSentence(docTextOf(lines, unit, "python")),
      "Look up the stored profile for one account and return it.",
    );
    const tsUnit = {
      kind: "function" as const,
      name: "retryDelayMillis",
      qualifiedName: "retryDelayMillis",
      start: 1,
      end: 7,
      headerEnd: 5,
      depth: 0,
    };
    assert.equal(
      firstSentence(docTextOf(TS.split("\n"), tsUnit, "typescript")),
      "Computes how long to wait before the next attempt of a failed upload.",
    );
  });

  it("removes the unit's own name, its parts and its signature's identifiers from the query", () => {
    const unit = {
      kind: "function" as const,
      name: "retryDelayMillis",
      qualifiedName: "retryDelayMillis",
      start: 1,
      end: 3,
      headerEnd: 1,
      depth: 0,
    };
    const q = queryFromDoc(
      "Returns the retry delay in millis for `attempt`, scaled by baseMillis.",
      unit,
      "export function retryDelayMillis(attempt: number, baseMillis: number)",
    );
    assert.equal(q, "Returns the in for scaled by");
  });

  it("mines documented units of a real repository as tasks whose gold is the unit", async () => {
    const { dir, shas } = makeRepo([
      {
        message: "initial",
        files: { "src/store.py": PY, "src/retry.ts": TS, "tests/test_store.py": PY, "README.md": "# x\n" },
      },
    ]);
    const { tasks } = await mineDocTasks({ repo: dir, name: "acme/store", limit: 10 });
    const byPath = new Map(tasks.map((t) => [t.gold_files[0], t]));
    assert.deepEqual([...byPath.keys()].sort(), ["src/retry.ts", "src/store.py"], "tests and docs are not mined");
    const py = byPath.get("src/store.py")!;
    assert.equal(py.base_commit, shas[0]);
    assert.equal(py.problem_statement, "Look up the stored profile for one account and return it.");
    assert.deepEqual(py.locations[0]!.edit_ranges, [[2, 4]]);
    assert.deepEqual(py.locations[0]!.functions, ["Store.fetch_user_record"]);
    // The record loads in the shared task schema.
    assert.equal(parseTask(py).locations[0]!.path, "src/store.py");
    const again = await mineDocTasks({ repo: dir, name: "acme/store", limit: 10 });
    assert.deepEqual(
      again.tasks.map((t) => t.instance_id),
      tasks.map((t) => t.instance_id),
      "deterministic",
    );
  });
});
