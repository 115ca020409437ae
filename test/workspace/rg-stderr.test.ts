/**
 * ripgrep's stderr through a file (openStderrFile): what the child wrote is read back whole after
 * it exits, split the way the pipe reader splits it, and no file is left in the temp directory.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, it } from "node:test";
import { openStderrFile, RipgrepStderr } from "../../src/workspace/rg-stderr.js";

const leftovers = () => readdirSync(tmpdir()).filter((n) => n.startsWith(`fc-rg-err-${process.pid}-`));

describe("ripgrep stderr file", () => {
  it("collects a child's debug lines and messages after it exits and leaves nothing behind", async () => {
    const file = openStderrFile();
    assert.ok(file, "a temporary file can be made here");
    assert.deepEqual(leftovers(), [], "unlinked as soon as it is open");
    // Many small writes, as ripgrep makes them, with a multi-byte name split across nothing in particular.
    const script = [
      "for (let i = 0; i < 3000; i++)",
      "  process.stderr.write(`rg: DEBUG|ignore::walk|crates/ignore/src/walk.rs:1: ignoring ./dir${i}/é: Ignore(IgnoreMatch(Gitignore(x)))\\n`);",
      "process.stderr.write('rg: ./locked: Permission denied (os error 13)\\n');",
    ].join("\n");
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "ignore", file.fd] });
    await new Promise((resolve) => child.on("close", resolve));
    const into = new RipgrepStderr();
    file.drain(into);
    file.drain(into); // a second drain is a no-op (close and error may both fire)
    assert.equal(into.ignored.length, 3000);
    assert.equal(into.ignored[2999], "./dir2999/é");
    assert.equal(into.osErrors, 1);
    assert.match(into.text(), /Permission denied/);
    assert.doesNotMatch(into.text(), /DEBUG/);
    assert.deepEqual(leftovers(), []);
  });
});
