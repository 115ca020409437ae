/**
 * `fastcontext mcp` over stdio with the embedded explorer, driven by the SDK client against the
 * spawned CLI: tool listing, a real exploration, progress, the allowlist, health, client roots
 * and protocol errors.
 */
import assert from "node:assert/strict";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { CallToolResult } from "@modelcontextprotocol/client";
import { ExploreOutput, HealthOutput } from "../../src/surfaces/mcp/schemas.js";
import type { TmpRepo } from "../support/tmp-repo.js";
import { connectStdio, demoRepo, type StdioSession } from "./support.js";

function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("");
}

describe("mcp over stdio, embedded explorer", () => {
  let repo: TmpRepo;
  let other: TmpRepo;
  let session: StdioSession;
  const transportErrors: Error[] = [];

  before(async () => {
    repo = await demoRepo();
    other = await demoRepo("fc-mcp-other-");
    symlinkSync(other.root, join(repo.root, "escape"));
    session = await connectStdio({ cwd: repo.root });
    session.client.onerror = (error) => transportErrors.push(error);
  });
  after(async () => {
    await session?.close();
    repo?.cleanup();
    other?.cleanup();
  });

  test("lists explore and health with schemas and read-only, idempotent annotations", async () => {
    const { tools } = await session.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const name of ["explore", "health"]) {
      const tool = byName.get(name);
      assert.ok(tool, `${name} is listed`);
      assert.equal(tool.annotations?.readOnlyHint, true);
      assert.equal(tool.annotations?.idempotentHint, true);
      assert.ok(tool.outputSchema, `${name} has an output schema`);
    }
    const explore = byName.get("explore")!;
    assert.deepEqual(explore.inputSchema.required, ["query"]);
    assert.deepEqual(Object.keys(explore.inputSchema.properties ?? {}).sort(), [
      "max_turns",
      "query",
      "repo_path",
      "thoroughness",
    ]);
  });

  test("explore answers with structured, verified citations that point at real lines, with progress", async () => {
    const progress: Array<{ progress: number; message?: string }> = [];
    const result = await session.client.callTool(
      {
        name: "explore",
        arguments: { query: "Where is the config file parsed into an object?", thoroughness: "quick" },
      },
      { onprogress: (p) => progress.push(p) },
    );
    assert.notEqual(result.isError, true, text(result));
    const out = ExploreOutput.parse(result.structuredContent);
    assert.equal(out.root, repo.root);
    assert.equal(out.stats.policy, "embedded");
    assert.ok(out.citations.length > 0);
    for (const c of out.citations) {
      const lines = readFileSync(join(out.root, c.path), "utf8").split("\n");
      assert.ok(
        c.start >= 1 && c.end >= c.start && c.end <= lines.length,
        `${c.path}:${c.start}-${c.end} is inside the file`,
      );
    }
    const parse = out.citations.find((c) => c.path === "src/config.ts" && c.start <= 3 && c.end >= 3);
    assert.ok(parse, `parseConfig (src/config.ts:3) is cited: ${JSON.stringify(out.citations)}`);
    assert.match(text(result), new RegExp(`<final_answer>\\n${repo.root}/src/config\\.ts:\\d+-\\d+`));
    assert.ok(progress.length >= 1, "at least one progress notification");
    assert.ok(
      progress.every((p, i) => i === 0 || p.progress > progress[i - 1]!.progress),
      "progress increases",
    );
    assert.ok(progress.every((p) => typeof p.message === "string" && /elapsed/.test(p.message)));
  });

  test("thoroughness is described as what the embedded explorer honours; max_turns is reported as ignored", async () => {
    const { tools } = await session.client.listTools();
    const description = tools.find((t) => t.name === "explore")?.description ?? "";
    assert.match(description, /quick ≈ 60 cited lines, medium ≈ 150, thorough ≈ 300/);
    assert.doesNotMatch(description, /≈ 4 turns/);
    const result = await session.client.callTool({
      name: "explore",
      arguments: { query: "How is the retry delay computed?", max_turns: 3 },
    });
    assert.notEqual(result.isError, true, text(result));
    const out = ExploreOutput.parse(result.structuredContent);
    assert.match(out.warnings[0] ?? "", /max_turns\) has no effect on the embedded explorer/);
    assert.match(text(result), /warning: the turn limit \(max_turns\) has no effect/);
  });

  test("a relative repo_path resolves against the default repository", async () => {
    const result = await session.client.callTool({
      name: "explore",
      arguments: { query: "How is the retry delay computed?", repo_path: "." },
    });
    assert.notEqual(result.isError, true, text(result));
    assert.equal(ExploreOutput.parse(result.structuredContent).root, repo.root);
  });

  test("a repository outside the allowlist is refused with an actionable isError", async () => {
    const result = await session.client.callTool({
      name: "explore",
      arguments: { query: "Where is the config parsed?", repo_path: other.root },
    });
    assert.equal(result.isError, true);
    assert.equal(result.structuredContent, undefined);
    assert.match(text(result), /outside the roots this server may explore/);
    assert.match(text(result), /--allow-root/);
  });

  test("a symlink inside the allowed root that points outside is refused", async () => {
    const result = await session.client.callTool({
      name: "explore",
      arguments: { query: "Where is the config parsed?", repo_path: join(repo.root, "escape") },
    });
    assert.equal(result.isError, true);
    assert.match(text(result), new RegExp(`resolves to ${other.root}`));
  });

  test("a missing repository is an isError, not a crash", async () => {
    const result = await session.client.callTool({
      name: "explore",
      arguments: { query: "Where is the config parsed?", repo_path: join(repo.root, "nope") },
    });
    assert.equal(result.isError, true);
    assert.match(text(result), /does not exist/);
  });

  test("health reports the embedded explorer, no endpoint, the ripgrep binary and the allowlist", async () => {
    const result = await session.client.callTool({ name: "health", arguments: {} });
    const health = HealthOutput.parse(result.structuredContent);
    assert.equal(health.embedded, true);
    assert.equal(health.policy, "embedded");
    assert.equal(health.transport, "stdio");
    assert.equal(health.endpoint.base_url, null);
    assert.equal(health.endpoint.reachable, null);
    assert.ok(health.ripgrep.path, "a ripgrep binary is located");
    assert.equal(health.ripgrep.engine, "ripgrep");
    assert.deepEqual(health.allowed_roots, [repo.root]);
    assert.equal(health.default_repo, repo.root);
    assert.deepEqual(health.concurrency, { limit: 4, running: 0 });
    assert.match(text(result), /explorer: embedded/);
  });

  test("protocol misuse is a protocol error; bad arguments are a tool error; the server keeps serving", async () => {
    await assert.rejects(session.client.callTool({ name: "no_such_tool", arguments: {} }), /not found/i);
    const bad = await session.client.callTool({ name: "explore", arguments: { query: 42 } });
    assert.equal(bad.isError, true);
    const again = await session.client.callTool({ name: "health", arguments: { probe_model: false } });
    assert.notEqual(again.isError, true);
    assert.deepEqual(transportErrors, [], "stdout carried only MCP frames");
  });

  test("the client's MCP roots become the default repository and are allowed", async () => {
    const rooted = await connectStdio({ cwd: repo.root, roots: [other.root] });
    try {
      const result = await rooted.client.callTool({
        name: "explore",
        arguments: { query: "Where is the config parsed?" },
      });
      assert.notEqual(result.isError, true, text(result));
      assert.equal(ExploreOutput.parse(result.structuredContent).root, other.root);
      const health = HealthOutput.parse(
        (await rooted.client.callTool({ name: "health", arguments: { probe_model: false } })).structuredContent,
      );
      assert.deepEqual(health.allowed_roots, [repo.root, other.root]);
    } finally {
      await rooted.close();
    }
  });
});
