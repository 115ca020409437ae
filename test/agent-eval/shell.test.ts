import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { formatObservation, networkIsolation, runShellCommand, submissionOf } from "../../src/agent-eval/shell.js";
import { tmpRepo } from "../support/tmp-repo.js";

describe("agent shell", () => {
  it("runs every command in a fresh shell in the tree: cd and variables do not persist", async () => {
    await using repo = await tmpRepo({ files: { "sub/a.txt": "hello\n" } });
    const opts = { cwd: repo.root, isolateNetwork: false };
    const first = await runShellCommand("cd sub && export X=1 && cat a.txt", opts);
    assert.equal(first.returncode, 0);
    assert.equal(first.output, "hello\n");
    const second = await runShellCommand('pwd; echo "X=${X:-unset}"', opts);
    assert.equal(second.output, `${repo.root}\nX=unset\n`);
  });

  it("kills a command at its time limit, children included, and says so", async () => {
    await using repo = await tmpRepo({ files: {} });
    const started = Date.now();
    const r = await runShellCommand("sleep 30 & sleep 30; echo never", {
      cwd: repo.root,
      timeoutMs: 300,
      isolateNetwork: false,
    });
    assert.ok(Date.now() - started < 5000);
    assert.equal(r.timedOut, true);
    assert.equal(r.returncode, 124);
    assert.match(r.output, /killed after/);
    assert.doesNotMatch(r.output, /never/);
  });

  it("keeps a bounded amount of a huge output", async () => {
    await using repo = await tmpRepo({ files: {} });
    const r = await runShellCommand("head -c 5000000 /dev/zero | tr '\\0' x", {
      cwd: repo.root,
      isolateNetwork: false,
      maxOutputBytes: 100_000,
    });
    assert.ok(r.output.length < 100_200);
    assert.match(r.output, /4900000 more bytes of output were discarded/);
  });

  it("has no network by default: a server on 127.0.0.1 of the host is unreachable", async (t) => {
    if (networkIsolation().prefix === null) {
      t.skip("no network namespace on this machine");
      return;
    }
    const server = http.createServer((_req, res) => res.end("reachable"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      await using repo = await tmpRepo({ files: {} });
      const cmd = `node -e "fetch('http://127.0.0.1:${port}/').then(r=>r.text()).then(t=>console.log(t),e=>{console.log('blocked');process.exit(3)})"`;
      const open = await runShellCommand(cmd, { cwd: repo.root, isolateNetwork: false });
      assert.equal(open.output.trim(), "reachable");
      const closed = await runShellCommand(cmd, { cwd: repo.root });
      assert.equal(closed.returncode, 3);
      assert.equal(closed.output.trim(), "blocked");
    } finally {
      server.close();
    }
  });
});

describe("observations and submission", () => {
  it("shows return code and output, and cuts long output to head and tail of 5,000 characters", () => {
    assert.equal(
      formatObservation({ returncode: 0, output: "ok\n" }),
      "<returncode>0</returncode>\n<output>\nok\n</output>",
    );
    const long = `${"a".repeat(6000)}${"m".repeat(3000)}${"z".repeat(6000)}`;
    const text = formatObservation({ returncode: 1, output: long });
    assert.match(text, /^<returncode>1<\/returncode>\n<warning>/);
    assert.match(text, /<elided_chars>5000 characters elided<\/elided_chars>/);
    assert.ok(text.includes(`<output_head>\n${"a".repeat(5000)}\n</output_head>`));
    assert.ok(text.includes(`<output_tail>\n${"z".repeat(5000)}\n</output_tail>`));
    assert.ok(!text.includes("mmm"));
  });

  it("takes a submission only from a successful command whose first line is the token", () => {
    assert.equal(
      submissionOf({ returncode: 0, output: "  \nCOMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT\ndiff --git a b\n" }),
      "diff --git a b\n",
    );
    assert.equal(submissionOf({ returncode: 0, output: "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT" }), "");
    assert.equal(submissionOf({ returncode: 1, output: "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT\nx" }), null);
    assert.equal(submissionOf({ returncode: 0, output: "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT\n" }), null);
    assert.equal(submissionOf({ returncode: 0, output: "note\nCOMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT\n" }), null);
  });
});
