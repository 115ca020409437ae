/**
 * The `corpus` command end to end, as a user runs it: index a real directory into an XDG data
 * folder, then ask without a model (the embedded retriever) and get `<Document>` entries or JSON.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { tmpRepo } from "../support/tmp-repo.js";
import { CORPUS_FILES } from "./support/corpus-fixture.js";

const run = promisify(execFile);
const MAIN = join(import.meta.dirname, "..", "..", "src", "surfaces", "cli", "main.ts");

test("corpus index, then corpus ask without a model", async () => {
  await using repo = await tmpRepo({ files: CORPUS_FILES });
  const data = mkdtempSync(join(tmpdir(), "fc-corpus-cli-"));
  const env = { ...process.env, XDG_DATA_HOME: data };
  try {
    const indexed = await run(
      process.execPath,
      ["--import", "tsx", MAIN, "corpus", "index", repo.root, "--name", "docs"],
      { env },
    );
    assert.match(indexed.stdout, /^corpus docs: 5 documents, \d+ chunks \(4 files indexed, 0 unchanged, 0 removed\)/);
    const asked = await run(
      process.execPath,
      ["--import", "tsx", MAIN, "corpus", "ask", "-q", "what is the quota limit per key?", "--corpus", "docs"],
      { env },
    );
    assert.match(
      asked.stdout.split("\n")[0] ?? "",
      /^<Document id=faq\.jsonl#q1><Justification>The quota limit is 500 requests per minute per key\.<\/Justification><\/Document>$/,
    );
    const json = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        MAIN,
        "corpus",
        "ask",
        "-q",
        "legal hold and the beta cache",
        "--corpus",
        repo.root,
        "--json",
      ],
      {
        env: { ...env },
      },
    ).catch((e: { stderr?: string }) => ({ stdout: "", stderr: e.stderr ?? "" }));
    // The directory form names the corpus after the folder, which was indexed as "docs": a clear error.
    assert.match(json.stderr, /no corpus ".+" is indexed/);
    const byName = await run(
      process.execPath,
      ["--import", "tsx", MAIN, "corpus", "ask", "legal hold and the beta cache", "--corpus", "docs", "--json"],
      { env },
    );
    const result = JSON.parse(byName.stdout) as {
      policy: string;
      stopReason: string;
      documents: Array<{ id: string }>;
    };
    assert.equal(result.policy, "embedded");
    assert.equal(result.stopReason, "answered");
    const ids = result.documents.map((d) => d.id);
    assert.ok(
      ids.indexOf("retention.md") >= 0 &&
        ids.indexOf("caching.md") >= 0 &&
        ids.indexOf("retention.md") < 3 &&
        ids.indexOf("caching.md") < 3,
      ids.join(" "),
    );
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

test("corpus ask with a model writes a trajectory that replay shows", async () => {
  const { reply, startFakeOpenAI } = await import("../support/fake-openai-server.js");
  const server = await startFakeOpenAI({ models: [{ id: "chromadb/context-1", max_model_len: 131072 }] });
  await using repo = await tmpRepo({ files: CORPUS_FILES });
  const data = mkdtempSync(join(tmpdir(), "fc-corpus-cli-"));
  const env = { ...process.env, XDG_DATA_HOME: data, XDG_STATE_HOME: join(data, "state") };
  try {
    await run(process.execPath, ["--import", "tsx", MAIN, "corpus", "index", repo.root, "--name", "kb", "--quiet"], {
      env,
    });
    server.enqueue(
      reply().reasoningField("reasoning").reasoning("look it up").toolCall("search_corpus", { query: "quota limit" }),
      reply().content("<Document id=faq.jsonl#q1><Justification>States the quota.</Justification></Document>"),
    );
    const traj = join(data, "run.jsonl");
    const asked = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        MAIN,
        "corpus",
        "ask",
        "-q",
        "quota limit?",
        "--corpus",
        "kb",
        "--base-url",
        server.url,
        "--traj",
        traj,
        "--json",
      ],
      { env },
    );
    const result = JSON.parse(asked.stdout) as {
      stopReason: string;
      policy: string;
      documents: Array<{ id: string }>;
      model: string;
    };
    assert.equal(result.stopReason, "answered");
    assert.equal(result.model, "chromadb/context-1");
    assert.deepEqual(
      result.documents.map((d) => d.id),
      ["faq.jsonl#q1"],
    );
    server.assertDrained();
    const shown = await run(process.execPath, ["--import", "tsx", MAIN, "replay", traj, "--text"], { env });
    assert.match(shown.stdout, /search_corpus/);
    assert.match(shown.stdout, /faq\.jsonl/);
  } finally {
    await server.close();
    rmSync(data, { recursive: true, force: true });
  }
});
