/**
 * `corpus doctor`'s harmony checks against the fake vLLM: a parsed single call passes, harmony
 * text in content (parser off) fails with the parser fix, two calls in one generation warn, and
 * generation_config.json is read from the model root the server reports.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import { runHarmonyChecks } from "../../src/doctor/harmony-checks.js";
import { type FakeOpenAI, reply, startFakeOpenAI } from "../support/fake-openai-server.js";
import { tmpRepo } from "../support/tmp-repo.js";

let server: FakeOpenAI;
beforeEach(async () => {
  server = await startFakeOpenAI();
});
afterEach(async () => {
  await server.close();
});

const status = (checks: Awaited<ReturnType<typeof runHarmonyChecks>>) =>
  Object.fromEntries(checks.map((c) => [c.name, c.status]));

test("a harmony server with eos 200012 and the openai parser passes", async () => {
  await using ckpt = await tmpRepo({
    files: { "generation_config.json": JSON.stringify({ eos_token_id: [200002, 199999, 200012] }) },
  });
  server.configure({ models: [{ id: "context-1", root: ckpt.root, max_model_len: 131072 }] });
  server.enqueue(reply().reasoning("search first").toolCall("search_corpus", { query: "alpha" }));
  const checks = await runHarmonyChecks({ baseUrl: server.url, model: "context-1" });
  assert.deepEqual(status(checks), { "harmony-eos": "ok", "harmony-parser": "ok", "harmony-one-call": "ok" });
});

test("eos without 200012, the parser off, and two calls per generation are reported", async () => {
  await using ckpt = await tmpRepo({ files: { "generation_config.json": JSON.stringify({ eos_token_id: 200002 }) } });
  server.enqueue(
    reply().content(
      '<|channel|>commentary to=functions.search_corpus <|constrain|>json<|message|>{"query": "alpha"}<|call|>',
    ),
  );
  let checks = await runHarmonyChecks({ baseUrl: server.url, model: "gpt-oss-20b", checkpointDir: ckpt.root });
  assert.deepEqual(status(checks), { "harmony-eos": "fail", "harmony-parser": "fail", "harmony-one-call": "ok" });
  assert.match(checks[1]?.fix ?? "", /--tool-call-parser openai/);
  server.enqueue(reply().toolCall("search_corpus", { query: "alpha" }).toolCall("grep_corpus", { pattern: "beta" }));
  checks = await runHarmonyChecks({ baseUrl: server.url, model: "gpt-oss-20b" });
  assert.equal(status(checks)["harmony-one-call"], "warn");
  assert.equal(status(checks)["harmony-eos"], "warn");
  server.assertDrained();
});
