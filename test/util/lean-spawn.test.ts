/**
 * The spawn helper (src/util/lean-spawn.ts) with the real ripgrep: what a lean child gives its
 * reader must be what a child started directly gives, however slowly it is read.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { after, before, describe, it } from "node:test";
import type { ToolCallRequest } from "../../src/contracts/tools.js";
import { locateRipgrep, resetRipgrepLocation } from "../../src/tools/grep/ripgrep.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { type PipedChild, spawnLean, spawnPipedInTurn, spawnTurn } from "../../src/util/lean-spawn.js";
import { RipgrepStderr } from "../../src/workspace/rg-stderr.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { tmpRepo } from "../support/tmp-repo.js";

const linux = process.platform === "linux";

async function drain(child: PipedChild, slow = false): Promise<{ out: Buffer; code: number | null | string }> {
  const chunks: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => {
    chunks.push(c);
    if (slow) {
      // A reader that falls behind: the helper must hold the child back, not lose bytes.
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 1);
    }
  });
  const code = await new Promise<number | null | string>((resolve) => {
    child.on("close", resolve);
    child.on("error", (e) => resolve(`error: ${e.message}`));
  });
  return { out: Buffer.concat(chunks), code };
}

const stderrFiles = () => readdirSync(tmpdir()).filter((n) => n.startsWith(`fc-rg-err-${process.pid}-`));

describe("the spawn helper", { skip: !linux }, () => {
  let saved: string | undefined;
  before(() => {
    saved = process.env.FC_LEAN_SPAWN;
    process.env.FC_LEAN_SPAWN = "on";
  });
  after(() => {
    if (saved === undefined) delete process.env.FC_LEAN_SPAWN;
    else process.env.FC_LEAN_SPAWN = saved;
  });

  it("gives a slow reader every byte ripgrep prints, as a direct child does", async () => {
    const rg = (await locateRipgrep())!;
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) files[`src/f${i}.txt`] = `${"needle in line\n".repeat(800)}`;
    await using repo = await tmpRepo({ files });
    const args = ["--no-config", "--line-number", "--sort", "path", "needle", "."];
    const direct = spawnSync(rg.path, args, { cwd: repo.root, maxBuffer: 1 << 28 });
    const lean = spawnLean(rg.path, args, repo.root);
    assert.ok(lean, "the helper is used when asked for");
    const got = await drain(lean.child, true);
    assert.equal(got.code, 0);
    assert.ok(direct.stdout.length > 4 << 20, `output enough to fill the helper's window: ${direct.stdout.length}`);
    assert.ok(got.out.equals(direct.stdout), "byte for byte");
    assert.equal(lean.child.exitCode, 0);
  });

  it("keeps ripgrep's stderr in a file that is gone once read, and reports a failed start", async () => {
    const rg = (await locateRipgrep())!;
    const lean = spawnLean(rg.path, ["--no-config", "(", "."], tmpdir())!;
    assert.equal((await drain(lean.child)).code, 2);
    const stderr = new RipgrepStderr();
    lean.errFile.drain(stderr);
    assert.match(stderr.text(), /regex parse error/);
    assert.deepEqual(stderrFiles(), []);
    const missing = spawnLean("/nonexistent/rg", ["x"], tmpdir())!;
    assert.match(String((await drain(missing.child)).code), /^error: .*ENOENT/);
    missing.errFile.drain(new RipgrepStderr());
    assert.deepEqual(stderrFiles(), []);
  });

  it("kills a child on request", async () => {
    const lean = spawnLean(process.execPath, ["-e", "setInterval(() => process.stdout.write('x'), 5)"], tmpdir())!;
    lean.child.stdout.once("data", () => lean.child.kill("SIGKILL"));
    const got = await drain(lean.child);
    assert.equal(got.code, null, "ended by the signal");
    assert.equal(lean.child.killed, true);
    lean.errFile.drain(new RipgrepStderr());
  });

  it("gives Grep the same text as children started directly, and lets the process exit", async () => {
    await using repo = await tmpRepo({
      files: {
        "src/a.py": "def send(request):\n    return retry(request)\n",
        "src/b.py": "class Retry:\n    pass\n# send it\n",
        "docs/c.md": "How to send a request with a retry.\n",
      },
    });
    const calls: ToolCallRequest[] = [
      { id: "a", name: "Grep", arguments: { pattern: "send", output_mode: "content" } },
      { id: "b", name: "Grep", arguments: { pattern: "\\b(?:retry)\\w*", "-i": true, output_mode: "count" } },
      { id: "c", name: "Grep", arguments: { pattern: "\\b(?:send)\\w*", "-i": true, output_mode: "count" } },
      { id: "d", name: "Grep", arguments: { pattern: "request", output_mode: "files_with_matches" } },
    ];
    const texts = async () => (await new Toolbox(await Workspace.open(repo.root)).runTurn(calls)).map((r) => r.text);
    const lean = await texts();
    process.env.FC_LEAN_SPAWN = "off";
    const direct = await texts();
    process.env.FC_LEAN_SPAWN = "on";
    assert.deepEqual(lean, direct);
    assert.match(lean[0]!, /a\.py/);
    // A process whose helper is idle is not kept alive by it.
    const script = `import { spawnLean } from ${JSON.stringify(new URL("../../src/util/lean-spawn.ts", import.meta.url).href)};
      process.env.FC_LEAN_SPAWN = "on";
      const { child } = spawnLean(process.execPath, ["-e", "console.log('hi')"], ".");
      child.stdout.on("data", (c) => process.stdout.write(c));
      child.on("close", (code) => process.stdout.write("closed " + code + "\\n"));`;
    const ran = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    ran.stdout.on("data", (c: Buffer) => (out += c));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => ran.kill("SIGKILL"), 20_000);
      ran.on("close", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0, out);
    assert.equal(out, "hi\nclosed 0\n");
  });
});

describe("starting children one per event-loop turn", () => {
  it("lets the loop turn between starts asked for at once, in the order asked", async () => {
    const order: string[] = [];
    // Each immediate below runs in one check phase; a start asked in the same tick must wait past it.
    const turns = Promise.all(
      [1, 2, 3].map(async (k) => {
        await spawnTurn();
        order.push(`start${k}`);
        setImmediate(() => order.push(`after${k}`));
      }),
    );
    await turns;
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(order.slice(0, 5), ["start1", "after1", "start2", "after2", "start3"]);
  });

  it("starts real children through it with nothing lost", async () => {
    const rg = (await locateRipgrep())!;
    await using repo = await tmpRepo({ files: { "a.txt": "needle\n", "b.txt": "needle\nneedle\n" } });
    const runs = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const { child, errFile } = await spawnPipedInTurn(
          rg.path,
          ["--no-config", "--count", "--sort", "path", "needle", "."],
          repo.root,
        );
        const got = await drain(child);
        errFile?.drain(new RipgrepStderr());
        return got;
      }),
    );
    for (const r of runs) {
      assert.equal(r.code, 0);
      assert.equal(r.out.toString(), "./a.txt:1\n./b.txt:2\n");
    }
  });

  it("has every caller at once wait for the same ripgrep probe (none sees 'no ripgrep' meanwhile)", async () => {
    const real = (await locateRipgrep())!;
    resetRipgrepLocation(undefined);
    try {
      const all = await Promise.all([locateRipgrep(), locateRipgrep(), locateRipgrep()]);
      for (const info of all) assert.deepEqual(info, real);
      assert.equal(all[0], all[2], "one probe answers all");
    } finally {
      resetRipgrepLocation(real);
    }
  });
});
