/**
 * The `corpus_search` MCP tool through the official SDK (server and client linked in memory):
 * listed with its schema, answering from a real indexed corpus, and an isError result for an
 * unknown corpus.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
import { loadConfig } from "../../src/config/load.js";
import { indexCorpus } from "../../src/corpus/indexer.js";
import { corpusStoreDir, listCorpora } from "../../src/corpus/paths.js";
import { registerCorpusTool } from "../../src/surfaces/mcp/corpus-tool.js";
import { ExploreLimiter } from "../../src/surfaces/mcp/limiter.js";
import type { McpRuntime } from "../../src/surfaces/mcp/runtime.js";
import { tmpRepo } from "../support/tmp-repo.js";
import { CORPUS_FILES } from "./support/corpus-fixture.js";

test("corpus_search answers from an indexed corpus and reports an unknown one as an error", async () => {
  await using repo = await tmpRepo({ files: CORPUS_FILES });
  const data = mkdtempSync(join(tmpdir(), "fc-corpus-mcp-"));
  const saved = process.env.XDG_DATA_HOME;
  process.env.XDG_DATA_HOME = data;
  try {
    assert.deepEqual(listCorpora(), [], "no corpus yet: the server does not list corpus_search");
    await indexCorpus({ dir: repo.root, name: "kb", storeDir: corpusStoreDir("kb") });
    assert.deepEqual(listCorpora(), ["kb"]);
    const { config } = loadConfig({ flags: {}, configFile: undefined });
    const runtime = {
      config: { ...config, base_url: undefined },
      policy: "embedded",
      limiter: new ExploreLimiter(2),
      shutdown: new AbortController().signal,
    } as unknown as McpRuntime; // only the fields the corpus tool reads
    const server = new McpServer({ name: "t", version: "0" }, { capabilities: { tools: {} } });
    registerCorpusTool(server, runtime, listCorpora());
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const client = new Client({ name: "c", version: "0" });
    await client.connect(b);
    const tools = await client.listTools();
    const listed = tools.tools.find((t) => t.name === "corpus_search");
    assert.match(listed?.description ?? "", /Indexed corpora: kb\./);
    const ok = await client.callTool({
      name: "corpus_search",
      arguments: { query: "quota limit per key", corpus: "kb" },
    });
    assert.equal(ok.isError, undefined);
    const structured = ok.structuredContent as { documents: Array<{ id: string }>; policy: string };
    assert.equal(structured.documents[0]?.id, "faq.jsonl#q1");
    assert.equal(structured.policy, "embedded");
    const bad = await client.callTool({
      name: "corpus_search",
      arguments: { query: "anything at all", corpus: "nope" },
    });
    assert.equal(bad.isError, true);
    assert.match(JSON.stringify(bad.content), /no corpus \\"nope\\" is indexed/);
    await client.close();
  } finally {
    if (saved === undefined) delete process.env.XDG_DATA_HOME;
    else process.env.XDG_DATA_HOME = saved;
    rmSync(data, { recursive: true, force: true });
  }
});
