/**
 * Settings a policy cannot honour are reported, never silently dropped: `--max-turns` under the
 * embedded explorer and `--cited-lines` under the model policy give a warning in the result (so in
 * --json and the last --stream-json line alike) and on stderr; under --fallback both take effect.
 * `--cited-lines` does change what the embedded explorer cites.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ExploreEvent, ExploreResult } from "../../src/core/types.js";
import { reply } from "../support/fake-openai-server.js";
import { runMain, useDemoRepoAndServer } from "./harness.js";

const fx = useDemoRepoAndServer();
const QUERY = "Where is the User model defined?";
const TURNS_NOTE = /the turn limit \(max_turns\) has no effect on the embedded explorer/;
const LINES_NOTE = /the cited-line budget \(cited_lines\) has no effect on the model policy/;

const embedded = (extra: string[]) => runMain(["-q", QUERY, "--repo", fx.repo.root, "--policy", "embedded", ...extra]);
const model = (extra: string[]) =>
  runMain(["-q", QUERY, "--repo", fx.repo.root, "--base-url", fx.server.url, "--model", "fastcontext-4b", ...extra]);

function citedLines(result: ExploreResult): number {
  return result.citations.reduce((n, c) => n + c.end - c.start + 1, 0);
}

describe("settings a policy ignores", () => {
  it("--max-turns under the embedded explorer: a warning in --json, in the stream's result and on stderr", async () => {
    const json = await embedded(["--max-turns", "3", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as ExploreResult;
    assert.match(result.warnings[0] ?? "", TURNS_NOTE);
    assert.match(json.stderr, TURNS_NOTE);
    const streamed = await embedded(["--max-turns", "3", "--stream-json"]);
    const last = JSON.parse(streamed.stdout.trimEnd().split("\n").at(-1)!) as ExploreEvent;
    assert.ok(last.type === "run_end");
    assert.match(last.result.warnings[0] ?? "", TURNS_NOTE);
    const plain = await embedded(["--json"]);
    assert.deepEqual(
      (JSON.parse(plain.stdout) as ExploreResult).warnings.filter((w) => TURNS_NOTE.test(w)),
      [],
      "no warning without the flag",
    );
  });

  it("--cited-lines takes effect in the embedded explorer", async () => {
    const small = JSON.parse((await embedded(["--cited-lines", "10", "--json"])).stdout) as ExploreResult;
    const large = JSON.parse((await embedded(["--cited-lines", "300", "--json"])).stdout) as ExploreResult;
    assert.ok(citedLines(large) > citedLines(small), `${citedLines(large)} > ${citedLines(small)}`);
    assert.deepEqual(
      small.warnings.filter((w) => LINES_NOTE.test(w) || TURNS_NOTE.test(w)),
      [],
    );
  });

  it("--cited-lines under the model policy: a warning; under --fallback none", async () => {
    const answer = `<final_answer>\n${fx.path("src/app/models.py")}:10-20 (User model)\n</final_answer>`;
    fx.server.enqueue(
      reply().toolCall("Read", { path: fx.path("src/app/models.py"), offset: 10, limit: 11 }, { id: "r" }),
      reply().content(answer),
    );
    const run = await model(["--cited-lines", "40", "--json"]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    assert.match((JSON.parse(run.stdout) as ExploreResult).warnings[0] ?? "", LINES_NOTE);
    fx.server.enqueue(
      reply().toolCall("Read", { path: fx.path("src/app/models.py"), offset: 10, limit: 11 }, { id: "r" }),
      reply().content(answer),
    );
    const both = await model(["--cited-lines", "40", "--max-turns", "4", "--fallback", "--json"]);
    assert.equal(both.code, 0, both.stderr);
    const result = JSON.parse(both.stdout) as ExploreResult;
    assert.deepEqual(
      result.warnings.filter((w) => LINES_NOTE.test(w) || TURNS_NOTE.test(w)),
      [],
    );
  });
});
