/**
 * `fastcontext tool <Read|Glob|Grep> --repo DIR --args JSON` prints exactly the text the model
 * would get, exits 0 even when that text is an error message, and exits non-zero only when the
 * command itself is misused.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { main } from "../../src/surfaces/cli/main.js";
import { shutdownFallbackPool } from "../../src/tools/grep/fallback.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "fastcontext.js");

/** The real binary, end to end (slow under tsx: used once). */
function spawnCli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, "tool", ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same command in-process: `main()` with stdout and stderr captured. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write;
  const err = process.stderr.write;
  // The CLI writes strings; the test runner's own reports (binary) pass through untouched.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    typeof chunk === "string"
      ? ((stdout += chunk), true)
      : out.call(process.stdout, chunk, ...(rest as []))) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    typeof chunk === "string"
      ? ((stderr += chunk), true)
      : err.call(process.stderr, chunk, ...(rest as []))) as typeof process.stderr.write;
  try {
    const code = await main(["tool", ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

describe("fastcontext tool", { timeout: 120_000 }, () => {
  let repo: TmpRepo;
  before(async () => {
    repo = await tmpRepo({
      files: { "src/a.py": "def foo():\n    return 1\n", ".gitignore": "out/\n", "out/x.py": "foo\n" },
    });
  });
  after(async () => {
    await shutdownFallbackPool();
    repo.cleanup();
  });

  it("prints exactly what the model gets, for each tool and both Grep engines", async () => {
    const ws = Workspace.openSync(repo.root);
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      ["Read", { path: repo.path("src/a.py"), offset: 2 }, []],
      ["Glob", { pattern: "*.py" }, []],
      ["Grep", { pattern: "foo", "-A": 1 }, []],
      ["Grep", { pattern: "foo", "-A": 1 }, ["--engine", "fallback"]],
      ["Grep", { pattern: "foo", output_mode: "count" }, ["--engine", "ripgrep"]],
    ];
    for (const [name, args, extra] of cases) {
      const engine = (extra[1] ?? "auto") as "auto" | "ripgrep" | "fallback";
      const [expected] = await new Toolbox(ws, { config: { grepEngine: engine } }).runTurn([
        { id: "x", name, arguments: args },
      ]);
      const r = await cli(name, "--repo", repo.root, "--args", JSON.stringify(args), ...extra);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${expected!.text}\n`);
    }
    // And once through the real binary.
    const e2e = spawnCli("Grep", "--repo", repo.root, "--args", '{"pattern":"foo","-A":1}');
    assert.equal(e2e.code, 0, e2e.stderr);
    assert.equal(
      e2e.stdout,
      `${repo.path("src/a.py")}\n1:def foo():\n2-    return 1\n<system-reminder>Not searched: 1 directory excluded by ignore rules (out/). Pass one as path to search inside it.</system-reminder>\n`,
    );
  });

  it("exits 0 when the model-facing text is an error, and prints structured JSON with --json", async () => {
    const missing = await cli("Read", "--repo", repo.root, "--args", '{"path":"nope.py"}');
    assert.equal(missing.code, 0);
    assert.equal(missing.stdout, "<system-reminder>Error: `nope.py` does not exist.</system-reminder>\n");
    const badArgs = await cli("Read", "--repo", repo.root, "--args", "not json");
    assert.equal(badArgs.code, 0);
    assert.equal(
      badArgs.stdout,
      'Tool `Read` arguments are invalid: not valid JSON. Send a JSON object such as {"path": "..."}.\n',
    );
    const json = await cli("Read", "--repo", repo.root, "--args", '{"path":"src/a.py","limit":1}', "--json");
    assert.equal(json.code, 0);
    const parsed = JSON.parse(json.stdout) as { text: string; observed: unknown; truncated: boolean };
    assert.equal(parsed.text, `\`\`\`${repo.path("src/a.py")}:1-1\n1|def foo():\n\n\`\`\``);
    assert.deepEqual(parsed.observed, [{ path: "src/a.py", start: 1, end: 1 }]);
  });

  it("exits non-zero when the command itself is misused", async () => {
    const unknown = await cli("Bash", "--repo", repo.root);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown tool "Bash"; expected one of Read, Glob, Grep/);
    assert.equal(unknown.stdout, "");
    assert.equal((await cli("Read", "--repo", repo.path("does-not-exist"), "--args", '{"path":"a"}')).code, 2);
    assert.equal((await cli("Grep", "--repo", repo.root, "--engine", "grep", "--args", '{"pattern":"a"}')).code, 2);
    assert.notEqual((await cli()).code, 0);
    const e2e = spawnCli("Nope", "--repo", repo.root);
    assert.equal(e2e.code, 2);
    assert.equal(e2e.stdout, "");
  });
});
