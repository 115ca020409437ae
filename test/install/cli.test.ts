/**
 * `fastcontext install` as a user runs it, with HOME pointed at a temporary directory: `--print`
 * (the real binary) shows a diff and writes nothing; then, through the CLI's `main()` in-process
 * (same code, no process start-up), the first run writes and prints the delegation note, the
 * second changes nothing, and bad input is a usage error (exit 2). Also the diff helper.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { unifiedDiff } from "../../src/install/diff.js";
import { runMain } from "../e2e/harness.js";
import { BIN, cleanEnv } from "../mcp/support.js";

const base = realpathSync(mkdtempSync(join(tmpdir(), "fc-install-cli-")));
after(() => rmSync(base, { recursive: true, force: true }));

function spawnInstall(args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, "install", ...args], {
    cwd: base,
    env: cleanEnv({ HOME: base }),
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runMain(["install", ...args], { env: { HOME: base }, cwd: base });
}

describe("fastcontext install (CLI)", () => {
  test("--print writes nothing, then install writes once and prints the note, then is a no-op", async () => {
    const file = join(base, ".gemini", "settings.json");
    const printed = spawnInstall(["gemini-cli", "--user", "--print"]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /nothing written\n--- \/dev\/null\n\+\+\+ .*settings\.json\n@@ -0,0 \+1,\d+ @@\n\+\{/);
    assert.equal(existsSync(file), false);

    const first = await run(["gemini-cli", "--user"]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Created .*settings\.json with the "fastcontext" MCP server \(Gemini CLI, user scope\)/);
    assert.match(first.stdout, /Add this to GEMINI\.md/);
    assert.match(first.stdout, /Call `explore` when/);
    const doc = JSON.parse(readFileSync(file, "utf8")) as { mcpServers: { fastcontext: { args: string[] } } };
    assert.deepEqual(doc.mcpServers.fastcontext.args.slice(-1), ["mcp"]);

    const second = await run(["gemini-cli", "--user", "--no-note"]);
    assert.equal(second.code, 0);
    assert.match(second.stdout, /already has this "fastcontext" server .*nothing changed/);
    assert.doesNotMatch(second.stdout, /Call `explore` when/);
    const again = await run(["gemini-cli", "--user", "--print"]);
    assert.match(again.stdout, /no change/);
    assert.deepEqual(readdirSync(join(base, ".gemini")), ["settings.json"], "no backup for an unchanged file");
  });

  test("qwen-code gets Gemini CLI's entry shape in .qwen/settings.json and a trust hint", async () => {
    const project = join(base, "qwen-project");
    mkdirSync(project);
    const result = await runMain(["install", "qwen-code", "--project"], { env: { HOME: base }, cwd: project });
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(readFileSync(join(project, ".qwen", "settings.json"), "utf8")) as {
      mcpServers: { fastcontext: { command: string; args: string[]; timeout: number } };
    };
    assert.deepEqual(doc.mcpServers.fastcontext.args.slice(-1), ["mcp"]);
    assert.equal(doc.mcpServers.fastcontext.timeout, 600_000);
    assert.match(result.stdout, /Add this to QWEN\.md/);
    assert.match(result.stdout, /trusted/);
  });

  test("--url writes each client's HTTP entry with its headers; --env/--header misuse is a usage error", async () => {
    const url = "http://127.0.0.1:8765/mcp";
    const claude = await run(["claude-code", "--user", "--url", url, "--header", "Authorization=Bearer t0k"]);
    assert.equal(claude.code, 0, claude.stderr);
    assert.match(claude.stdout, /Server URL: http:\/\/127\.0\.0\.1:8765\/mcp/);
    const claudeDoc = JSON.parse(readFileSync(join(base, ".claude.json"), "utf8")) as {
      mcpServers: { fastcontext: Record<string, unknown> };
    };
    assert.deepEqual(claudeDoc.mcpServers.fastcontext, { type: "http", url, headers: { Authorization: "Bearer t0k" } });

    const gemini = await run(["gemini-cli", "--project", "--url", url, "--name", "fc-http"]);
    assert.equal(gemini.code, 0, gemini.stderr);
    const geminiDoc = JSON.parse(readFileSync(join(base, ".gemini", "settings.json"), "utf8")) as {
      mcpServers: Record<string, Record<string, unknown>>;
    };
    assert.equal(geminiDoc.mcpServers["fc-http"]?.httpUrl, url);
    assert.equal(geminiDoc.mcpServers["fc-http"]?.command, undefined);

    const badUrl = await run(["cursor", "--url", "ftp://x/mcp"]);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /--url expects an http\(s\) URL/);
    const headerAlone = await run(["cursor", "--header", "A=b"]);
    assert.equal(headerAlone.code, 2);
    assert.match(headerAlone.stderr, /--header needs --url/);
    const envWithUrl = await run(["cursor", "--url", url, "--env", "FC_BASE_URL=x"]);
    assert.equal(envWithUrl.code, 2);
    assert.match(envWithUrl.stderr, /with --url the server is already running/);
  });

  test("usage errors exit 2 with a clear message", async () => {
    const unknown = await run(["emacs"]);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /unknown client "emacs"; expected one of: claude-code, codex, opencode, cursor, vscode, gemini-cli, qwen-code/,
    );
    const both = await run(["cursor", "--project", "--user"]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /cannot be combined/);
  });
});

describe("unifiedDiff", () => {
  test("shows a small change in a large file as one hunk with context", () => {
    const a = `${Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join("\n")}\n`;
    const b = a.replace("line 20\n", "line 20\nadded\n");
    assert.equal(
      unifiedDiff(a, b, "a", "b"),
      "--- a\n+++ b\n@@ -18,6 +18,7 @@\n line 18\n line 19\n line 20\n+added\n line 21\n line 22\n line 23\n",
    );
    assert.equal(unifiedDiff(a, a, "a", "b"), "");
  });
});
