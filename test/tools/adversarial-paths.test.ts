/**
 * Adversarial paths through all three tools (and both Grep engines): traversal, encoded and
 * Windows forms, absolute paths elsewhere, symlinks out of the root (file, directory, chains),
 * NUL bytes and very long paths. A sentinel file with a unique string sits next to the root; it
 * must never appear in any output, and neither may any name from the outside directory.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { shutdownFallbackPool } from "../../src/tools/grep/fallback.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { populate } from "../support/tmp-repo.js";

const SECRET = "SENTINEL-7c1e0b5d-outside-the-root";
const OUTSIDE_NAME = "zz-outside-name-4411";

describe("adversarial paths", () => {
  let base: string;
  let root: string;
  let outsideDir: string;
  let sentinel: string;
  let boxes: Toolbox[];

  before(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "fc-adv-")));
    root = join(base, "repo");
    outsideDir = join(base, OUTSIDE_NAME);
    mkdirSync(outsideDir);
    sentinel = join(base, "sentinel.txt");
    writeFileSync(sentinel, `${SECRET}\n`);
    writeFileSync(join(outsideDir, `${OUTSIDE_NAME}.txt`), `${SECRET}\n`);
    mkdirSync(root);
    populate(root, {
      files: { "src/app.py": "print('hello')\n", "README.md": "readme\n", "etc/notes.txt": "inside etc\n" },
      symlinks: {
        up: "..",
        "out-file.txt": sentinel,
        "out-dir": outsideDir,
        "chain-a": "chain-b",
        "chain-b": "chain-c",
        "chain-c": outsideDir,
        "src/rel-out": "../../sentinel.txt",
        "src/inner-to-out": "../out-dir",
      },
    });
    const ws = Workspace.openSync(root);
    boxes = [
      new Toolbox(ws, { config: { grepEngine: "ripgrep" } }),
      new Toolbox(ws, { config: { grepEngine: "fallback" } }),
    ];
  });
  after(async () => {
    await shutdownFallbackPool();
    rmSync(base, { recursive: true, force: true });
  });

  const inputs = () => [
    "../sentinel.txt",
    "../../sentinel.txt",
    `../${OUTSIDE_NAME}/${OUTSIDE_NAME}.txt`,
    "..%2fsentinel.txt",
    "%2e%2e/sentinel.txt",
    "..%252fsentinel.txt",
    "....//sentinel.txt",
    "....//....//etc/passwd",
    "/root/../../etc/passwd",
    "/etc/passwd",
    "/etc/shadow",
    "~/.ssh/id_rsa",
    "$HOME/.ssh/id_rsa",
    "file:///etc/passwd",
    `file://${sentinel}`,
    sentinel,
    `${root}/../sentinel.txt`,
    `${root}/up/sentinel.txt`,
    `${root}/src/../../sentinel.txt`,
    "/proc/self/root/etc/passwd",
    "/proc/self/cwd/package.json",
    "/dev/stdin",
    "C:\\..\\..\\sentinel.txt",
    "C:\\Windows\\System32\\drivers\\etc\\hosts",
    "\\\\server\\share\\sentinel.txt",
    "..\\sentinel.txt",
    "..\\../sentinel.txt",
    "src\\..\\..\\sentinel.txt",
    "up/sentinel.txt",
    "up",
    "up/repo/../sentinel.txt",
    "out-file.txt",
    "out-dir",
    `out-dir/${OUTSIDE_NAME}.txt`,
    "chain-a",
    `chain-a/${OUTSIDE_NAME}.txt`,
    "src/rel-out",
    "src/inner-to-out",
    `src/inner-to-out/${OUTSIDE_NAME}.txt`,
    `README.md\0../sentinel.txt`,
    "\0",
    `${"../".repeat(400)}sentinel.txt`,
    `${"a/".repeat(3000)}b`,
    `${"x".repeat(5000)}`,
    `/${"..".repeat(100)}/sentinel.txt`,
    `${root}/${"./".repeat(500)}../sentinel.txt`,
  ];

  /** `echo` is the input, which error messages may quote back (clipped to 200 characters). */
  function assertClean(text: string, what: string, echo = ""): void {
    assert.ok(!text.includes(SECRET), `${what} leaked the sentinel:\n${text.slice(0, 400)}`);
    const unquoted = echo ? text.split(echo).join("").split(echo.slice(0, 200)).join("") : text;
    assert.ok(!unquoted.includes(OUTSIDE_NAME), `${what} listed a name from outside the root:\n${text.slice(0, 400)}`);
    assert.ok(!/root:.*:0:0:/.test(text), `${what} showed /etc/passwd`);
  }

  it("Read never shows anything outside the root", async () => {
    for (const path of inputs()) {
      const r = await boxes[0]!.run({ id: "r", name: "Read", arguments: { path } });
      assertClean(r.text, `Read ${JSON.stringify(path.slice(0, 80))}`, path);
      assert.ok(r.error, `Read ${JSON.stringify(path.slice(0, 80))} should fail, got:\n${r.text.slice(0, 200)}`);
      assert.deepEqual(r.observed, []);
    }
  });

  it("Glob never lists anything outside the root, as directory or as pattern", async () => {
    for (const input of inputs()) {
      const asDir = await boxes[0]!.run({ id: "g", name: "Glob", arguments: { pattern: "**/*", directory: input } });
      assertClean(asDir.text, `Glob directory=${JSON.stringify(input.slice(0, 80))}`, input);
      const asPattern = await boxes[0]!.run({ id: "g", name: "Glob", arguments: { pattern: input } });
      assertClean(asPattern.text, `Glob pattern=${JSON.stringify(input.slice(0, 80))}`, input);
    }
    const all = await boxes[0]!.run({ id: "g", name: "Glob", arguments: { pattern: "**/*" } });
    assert.equal(
      all.text
        .split("\n")
        .filter((l) => l.startsWith("/"))
        .sort()
        .join("\n"),
      ["README.md", "etc/notes.txt", "src/app.py"].map((r) => join(root, r)).join("\n"),
    );
  });

  for (const [i, engine] of ["ripgrep", "fallback"].entries()) {
    it(`Grep (${engine}) never searches anything outside the root`, async () => {
      const tb = boxes[i]!;
      for (const path of inputs()) {
        const r = await tb.run({ id: "s", name: "Grep", arguments: { pattern: "SENTINEL|root|.", path } });
        assertClean(r.text, `Grep path=${JSON.stringify(path.slice(0, 80))}`, path);
        const g = await tb.run({ id: "s", name: "Grep", arguments: { pattern: "SENTINEL", glob: path } });
        assertClean(g.text, `Grep glob=${JSON.stringify(path.slice(0, 80))}`, path);
      }
      for (const args of [
        { pattern: "SENTINEL" },
        { pattern: ".", output_mode: "files_with_matches" },
        { pattern: "SENTINEL", glob: "**/*" },
        { pattern: "SENTINEL", glob: "*" },
        { pattern: ".", output_mode: "count", "-i": true },
        { pattern: "SENTINEL[\\s\\S]*", multiline: true },
      ]) {
        const r = await tb.run({ id: "s", name: "Grep", arguments: args });
        assertClean(r.text, `Grep ${JSON.stringify(args)}`);
      }
      const everything = await tb.run({
        id: "s",
        name: "Grep",
        arguments: { pattern: ".", output_mode: "files_with_matches" },
      });
      assert.equal(everything.text, ["README.md", "etc/notes.txt", "src/app.py"].map((r) => join(root, r)).join("\n"));
    });
  }

  it("still repairs a mangled path to the file inside the root (not the one outside)", async () => {
    const r = await boxes[0]!.run({ id: "r", name: "Read", arguments: { path: `/${basename(root)}/etc/notes.txt` } });
    assert.equal(r.text, `\`\`\`${join(root, "etc/notes.txt")}:1-1\n1|inside etc\n\n\`\`\``);
  });
});
