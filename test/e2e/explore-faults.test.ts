/**
 * Server faults through the CLI (in process): transient ones are retried and the run answers;
 * persistent ones end in an honest result (stop reason, exit code, nothing on stdout for an
 * endpoint failure) within the deadline.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import type { ExploreResult } from "../../src/core/types.js";
import { hang, httpError, malformedSSE, reply, reset, resetAfterChunks } from "../support/fake-openai-server.js";
import { runMain, useDemoRepoAndServer } from "./harness.js";

const fx = useDemoRepoAndServer();
const P = fx.path;
const explore = (extra: string[] = [], env: Record<string, string | undefined> = {}, baseUrl = fx.server.url) =>
  runMain(
    [
      "-q",
      "Where is the User model defined?",
      "--repo",
      fx.repo.root,
      "--base-url",
      baseUrl,
      "--model",
      "fastcontext-4b",
      ...extra,
    ],
    { env },
  );
const scriptGoodRun = () => {
  fx.server.enqueue(reply().toolCall("Read", { path: P("src/app/models.py"), offset: 10, limit: 11 }));
  fx.server.enqueue(reply().content(`<final_answer>\n${P("src/app/models.py")}:10-20\n</final_answer>`));
};
const BLOCK = () => `<final_answer>\n${P("src/app/models.py")}:10-20\n</final_answer>\n`;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as { port: number }).port; // a TCP listen always yields AddressInfo
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe("e2e faults: transient, retried", () => {
  it("429 with Retry-After: waits as asked, then answers", async () => {
    fx.server.enqueue(httpError(429, { message: "slow down" }, { retryAfter: 0.25 }));
    scriptGoodRun();
    const run = await explore(["--verbose"]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, BLOCK());
    const [first, second] = fx.server.chatRequests();
    assert.ok(second!.at - first!.at >= 240, `retried after ${Math.round(second!.at - first!.at)} ms`);
    assert.match(run.stderr, /turn 1: retry 1 in 250 ms \(HTTP 429/);
  });

  it("500, connection reset, a stream cut mid-way and malformed SSE are each retried", async () => {
    fx.server.enqueue(httpError(500, { message: "boom" }));
    fx.server.enqueue(reply().toolCall("Read", { path: P("src/app/models.py"), offset: 10, limit: 11 }));
    fx.server.enqueue(reset());
    fx.server.enqueue(resetAfterChunks(2));
    fx.server.enqueue(malformedSSE());
    fx.server.enqueue(reply().content(`<final_answer>\n${P("src/app/models.py")}:10-20\n</final_answer>`));
    const run = await explore(["--json"]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as ExploreResult;
    assert.equal(result.stopReason, "answered");
    assert.equal(result.turns, 2);
    assert.equal(fx.server.chatRequests().length, 6);
    // The retried request is the same request.
    const bodies = fx.server.chatRequests().map((r) => r.rawBody);
    assert.equal(bodies[0], bodies[1]);
    assert.equal(bodies[2], bodies[5]);
  });
});

describe("e2e faults: persistent", () => {
  it("a server that keeps failing: exit 3, nothing on stdout, the error on stderr", async () => {
    fx.server.enqueue(httpError(500, { message: "still broken" }), httpError(500, { message: "still broken" }));
    const run = await explore([], { FC_MAX_RETRIES: "1" });
    fx.server.assertDrained();
    assert.equal(run.code, 3);
    assert.equal(run.stdout, "");
    assert.match(
      run.stderr,
      /fastcontext: the model server failed: HTTP 500 .*still broken.*; check it with `fastcontext doctor`/,
    );
  });

  it("--json still prints the result object of a failed run, with the error", async () => {
    fx.server.enqueue(httpError(400, { message: "unknown parameter top_k" }));
    const run = await explore(["--json"]);
    fx.server.assertDrained();
    assert.equal(run.code, 3);
    const result = JSON.parse(run.stdout) as ExploreResult;
    assert.equal(result.stopReason, "model_error");
    assert.equal(result.partial, true);
    assert.deepEqual(result.error, {
      kind: "model",
      message: "HTTP 400 Bad Request from the model server: unknown parameter top_k",
    });
  });

  it("endpoint unreachable (closed port): exit 3, stdout empty, a message on stderr", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const run = await explore([], { FC_MAX_RETRIES: "0" }, url);
    assert.equal(run.code, 3);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /fastcontext: the model server failed: could not reach the model server; check it with/);
  });

  it("endpoint unreachable while finding the model id: exit 3, stdout empty", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const run = await runMain(["-q", "where?", "--repo", fx.repo.root, "--base-url", url]);
    assert.equal(run.code, 3);
    assert.equal(run.stdout, "");
    // One sentence: what failed and what to do; the transport's detail is not nested into it.
    const line = run.stderr.split("\n").find((l) => l.startsWith("fastcontext: ")) ?? "";
    assert.match(line, /^fastcontext: cannot list the models at \S+: could not reach the model server; check that/);
    assert.doesNotMatch(line, /\(.*\(/, "no nested parentheses");
    assert.doesNotMatch(run.stderr, /caused by/);
    // The causes under -v, and with --json as an error object on stdout.
    const verbose = await runMain(["-q", "where?", "--repo", fx.repo.root, "--base-url", url, "-v"]);
    assert.match(verbose.stderr, /\n {2}caused by: fetch failed/);
    const json = await runMain(["-q", "where?", "--repo", fx.repo.root, "--base-url", url, "--json"]);
    assert.equal(json.code, 3);
    const printed = JSON.parse(json.stdout) as { error: { message: string; hint: string; causes: string[] } };
    assert.match(printed.error.message, /^cannot list the models at \S+: could not reach the model server$/);
    assert.match(printed.error.hint, /fastcontext doctor/);
    assert.ok(
      printed.error.causes.some((c) => /fetch failed/.test(c)),
      printed.error.causes.join(" | "),
    );
  });

  it("a hanging server: stop deadline within the deadline, exit 4 with an empty block", async () => {
    fx.server.enqueue(hang(), hang());
    const run = await explore(["--deadline", "1", "--json"]);
    fx.server.assertDrained();
    assert.ok(run.ms < 1000 + 800, `took ${Math.round(run.ms)} ms`);
    assert.equal(run.code, 4);
    const result = JSON.parse(run.stdout) as ExploreResult;
    assert.equal(result.stopReason, "deadline");
    assert.equal(result.partial, true);
  });

  it("connections reset on every attempt: retries stop at the deadline, the run ends honestly", async () => {
    fx.server.match(() => true, reset(), { times: Number.POSITIVE_INFINITY });
    const run = await explore(["--deadline", "2"]);
    assert.ok(run.ms < 2000 + 800, `took ${Math.round(run.ms)} ms`);
    assert.equal(run.code, 4);
    assert.equal(run.stdout, "<final_answer>\n</final_answer>\n");
    assert.match(run.stderr, /no answer \(deadline\)/);
    fx.server.assertDrained();
  });
});
