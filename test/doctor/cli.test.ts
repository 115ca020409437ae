/** `fastcontext doctor` through the real binary: the text report, `--json`, and the exit codes. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { DoctorReport } from "../../src/doctor/types.js";
import { type ChatBody, type FakeOpenAI, reply, startFakeOpenAI } from "../support/fake-openai-server.js";

const BIN = fileURLToPath(new URL("../../bin/fastcontext.js", import.meta.url));
const FC = "microsoft/FastContext-1.0-4B-RL";
const isPlain = (b: ChatBody) => b.tools === undefined;
const isToolResult = (b: ChatBody) =>
  Array.isArray(b.messages) && b.messages.some((m: { role?: string }) => m.role === "tool");

let home: string;
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_STATE_HOME: join(home, "state"),
    FC_LOG_LEVEL: "warn",
    NO_COLOR: "1",
  };
  for (const name of [
    "FC_BASE_URL",
    "FC_MODEL",
    "FC_API_KEY",
    "BASE_URL",
    "MODEL",
    "API_KEY",
    "FC_CONFIG",
    "FORCE_COLOR",
  ])
    delete env[name];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd: home }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("fastcontext doctor (CLI)", () => {
  let server: FakeOpenAI;
  before(async () => {
    home = mkdtempSync(join(tmpdir(), "fc-doctor-"));
    server = await startFakeOpenAI({ models: [{ id: FC, max_model_len: 32768 }] });
  });
  after(async () => {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("prints every check and exits 0 for a healthy endpoint", async () => {
    server.match(isPlain, reply().content("OK"));
    server.match((b) => !isPlain(b) && !isToolResult(b), reply().toolCall("Grep", { pattern: "DOCTOR_PROBE_LIMIT" }));
    server.match(isToolResult, reply().content("7319"));
    const r = await cli(["doctor", "--base-url", server.url]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^fastcontext doctor · ${server.url} · profile auto$`, "m"));
    for (const name of [
      "endpoint",
      "model",
      "context-window",
      "chat",
      "tool-call",
      "tool-result",
      "thinking",
      "ripgrep",
      "tokenizer",
    ]) {
      assert.match(r.stdout, new RegExp(`^  ok    ${name} `, "m"), `${name} ok in:\n${r.stdout}`);
    }
    assert.match(
      r.stdout,
      /checked microsoft\/FastContext-1\.0-4B-RL with the fastcontext-4b profile on vLLM\nall checks passed\n$/,
    );
  });

  it("exits 1 on a parser-off endpoint and prints the fix under the failed check", async () => {
    server.match(isPlain, reply().content("OK"));
    server.match(
      (b) => !isPlain(b) && !isToolResult(b),
      reply().content('<tool_call>\n{"name": "Grep", "arguments": {"pattern": "DOCTOR_PROBE_LIMIT"}}\n</tool_call>'),
    );
    server.match(isToolResult, reply().content("7319"));
    const r = await cli(["doctor", "--base-url", server.url, "--json"]);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as DoctorReport;
    const failed = report.checks.filter((c) => c.status === "fail");
    assert.deepEqual(
      failed.map((c) => c.name),
      ["tool-call"],
    );
    assert.equal(failed[0]?.fix, "vLLM: add --enable-auto-tool-choice --tool-call-parser hermes");
    assert.equal(report.ok, false);
    assert.equal(report.exitCode, 1);
    for (const c of report.checks)
      assert.deepEqual(
        Object.keys(c).filter((k) => !["ms", "fix"].includes(k)),
        ["name", "status", "detail"],
      );
  });

  it("exits 1 for a missing model, with the served ids in the text", async () => {
    const r = await cli(["doctor", "--base-url", server.url, "--model", "nope"]);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      new RegExp(
        `^  FAIL  model {11}nope is not served; the server serves: ${FC}\\n {23}fix: pass --model ${FC}$`,
        "m",
      ),
    );
    assert.doesNotMatch(r.stdout, /checked nope/);
  });

  it("exits 1 for an unreachable endpoint", async () => {
    const gone = await startFakeOpenAI();
    await gone.close();
    const r = await cli(["doctor", "--base-url", gone.url]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAIL {2}endpoint {8}cannot reach .*ECONNREFUSED/);
    assert.match(r.stdout, /fix: start the model server, or fix --base-url/);
  });

  it("exits 2 on a usage error", async () => {
    assert.equal((await cli(["doctor", "--timeout", "soon"])).code, 2);
    assert.equal((await cli(["doctor", "--base-url", "ftp://x"])).code, 2);
    assert.equal((await cli(["doctor", "--no-such-flag"])).code, 2);
  });
});
