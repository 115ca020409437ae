import assert from "node:assert/strict";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { shutdownFallbackPool } from "../../src/tools/grep/fallback.js";
import { locateRipgrep, type RipgrepInfo, resetRipgrepLocation, ripgrepArgs } from "../../src/tools/grep/ripgrep.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

const ENGINES = ["ripgrep", "fallback"] as const;

describe("Grep (both engines, exact text)", () => {
  let repo: TmpRepo;
  let ws: Workspace;
  const grep = (
    args: Record<string, unknown>,
    engine: (typeof ENGINES)[number] = "ripgrep",
    config: Record<string, unknown> = {},
  ) => new Toolbox(ws, { config: { grepEngine: engine, ...config } }).run({ id: "g", name: "Grep", arguments: args });

  before(async () => {
    repo = await tmpRepo({
      files: {
        ".gitignore": "vendor/\n",
        "src/a.py": "import os\n\ndef foo():\n    return os.path\n\n\nclass Foo:\n    pass\n",
        "src/b.ts": "export const foo = 1;\nexport function bar() {\n  return foo + 1;\n}\n",
        "src/c.md": "# Foo\nfoo foo foo\n",
        "docs/-dash.txt": "-v is a flag\n--verbose too\n",
        "vendor/lib.py": "def foo(): pass\n",
        ".env": "FOO_TOKEN=foo-secret-value\n",
        "bin.dat": Buffer.concat([Buffer.from("foo\n"), Buffer.from([0, 1, 2])]),
        "many.txt": `${Array.from({ length: 1500 }, (_, i) => `match ${i + 1}`).join("\n")}\n`,
        "huge.txt": "line\n".repeat(50_000),
      },
    });
    ws = Workspace.openSync(repo.root);
  });
  after(async () => {
    await shutdownFallbackPool();
    repo.cleanup();
  });

  for (const engine of ENGINES) {
    describe(engine, () => {
      it("defaults to content mode with line numbers, grouped by file, and notes ignored directories", async () => {
        const r = await grep({ pattern: "foo", path: "src" }, engine);
        assert.equal(
          r.text,
          [
            `${repo.path("src/a.py")}`,
            "3:def foo():",
            "",
            `${repo.path("src/b.ts")}`,
            "1:export const foo = 1;",
            "3:  return foo + 1;",
            "",
            `${repo.path("src/c.md")}`,
            "2:foo foo foo",
          ].join("\n"),
        );
        assert.deepEqual(r.observed, [
          { path: "src/a.py", start: 3, end: 3 },
          { path: "src/b.ts", start: 1, end: 1 },
          { path: "src/b.ts", start: 3, end: 3 },
          { path: "src/c.md", start: 2, end: 2 },
        ]);
        const all = await grep({ pattern: "def foo" }, engine);
        assert.equal(
          all.text,
          `${repo.path("src/a.py")}\n3:def foo():\n<system-reminder>Not searched: 1 directory excluded by ignore rules (vendor/). Pass one as path to search inside it.</system-reminder>`,
        );
        assert.equal(all.skipped?.ignored, 1);
        assert.equal(
          (await grep({ pattern: "def foo", path: "vendor" }, engine)).text,
          `${repo.path("vendor/lib.py")}\n1:def foo(): pass`,
        );
      });

      it("shows context with -A/-B/-C, `-` for context lines and `--` between groups", async () => {
        assert.equal(
          (await grep({ pattern: "foo|class", path: "src/a.py", "-C": 1 }, engine)).text,
          [
            repo.path("src/a.py"),
            "2-",
            "3:def foo():",
            "4-    return os.path",
            "--",
            "6-",
            "7:class Foo:",
            "8-    pass",
          ].join("\n"),
        );
        assert.equal(
          (await grep({ pattern: "bar", path: "src/b.ts", "-A": 1 }, engine)).text,
          [repo.path("src/b.ts"), "2:export function bar() {", "3-  return foo + 1;"].join("\n"),
        );
        assert.equal(
          (await grep({ pattern: "bar", path: "src/b.ts", "-B": 1, "-C": 5 }, engine)).text,
          [
            repo.path("src/b.ts"),
            "1-export const foo = 1;",
            "2:export function bar() {",
            "3-  return foo + 1;",
            "4-}",
          ].join("\n"),
        );
        const ctx = await grep({ pattern: "class", path: "src/a.py", "-B": 2 }, engine);
        assert.deepEqual(ctx.observed, [{ path: "src/a.py", start: 5, end: 7 }]);
      });

      it("supports -i, -n false, files_with_matches, count, glob and type", async () => {
        assert.equal(
          (await grep({ pattern: "FOO", path: "src/c.md", "-i": true }, engine)).text,
          [repo.path("src/c.md"), "1:# Foo", "2:foo foo foo"].join("\n"),
        );
        assert.equal(
          (await grep({ pattern: "foo", path: "src/c.md", "-n": false }, engine)).text,
          [repo.path("src/c.md"), "foo foo foo"].join("\n"),
        );
        assert.equal(
          (await grep({ pattern: "foo", output_mode: "files_with_matches" }, engine)).text
            .split("\n")
            .slice(0, 3)
            .join("\n"),
          [repo.path("src/a.py"), repo.path("src/b.ts"), repo.path("src/c.md")].join("\n"),
        );
        assert.equal(
          (await grep({ pattern: "foo", output_mode: "count", path: "src" }, engine)).text,
          [`${repo.path("src/a.py")}:1`, `${repo.path("src/b.ts")}:2`, `${repo.path("src/c.md")}:3`].join("\n"),
        );
        assert.equal(
          (await grep({ pattern: "foo", glob: "*.{ts,md}", output_mode: "files_with_matches" }, engine)).text.split(
            "\n",
          )[0],
          repo.path("src/b.ts"),
        );
        assert.equal(
          (await grep({ pattern: "foo", type: "py", output_mode: "files_with_matches" }, engine)).text.split("\n")[0],
          repo.path("src/a.py"),
        );
        const badType = await grep({ pattern: "foo", type: "nosuchtype" }, engine);
        assert.equal(badType.error?.code, "invalid_args");
        assert.match(badType.text, /unrecognized file type: nosuchtype\. Common types: py, js, ts/);
        const badMode = await grep({ pattern: "foo", output_mode: "lines" }, engine);
        assert.equal(
          badMode.text,
          '<system-reminder>Error: output_mode must be one of "content", "files_with_matches", "count" (got "lines").</system-reminder>',
        );
      });

      it("counts every match, shows no line texts in count mode, and leaves out secret and binary files", async () => {
        const big = await grep({ pattern: "line", output_mode: "count", path: "huge.txt" }, engine);
        assert.equal(big.text, `${repo.path("huge.txt")}:50000`, "counts are not cut at the 20,000 shown-lines cap");
        assert.ok(big.data?.tool === "Grep" && big.data.total === 50_000 && !big.data.atLeast);
        assert.ok(
          big.data?.tool === "Grep" && big.data.files.every((f) => f.lines.length === 0),
          "count mode carries no line texts",
        );
        const all = await grep({ pattern: "foo", output_mode: "count" }, engine);
        assert.ok(!all.text.includes(".env") && !all.text.includes("bin.dat"), all.text);
        assert.match(all.text, /src\/c\.md:3/);
        const multi = await grep(
          { pattern: "foo\\(\\):\\n\\s+return", path: "src/a.py", multiline: true, output_mode: "count" },
          engine,
        );
        assert.equal(multi.text, `${repo.path("src/a.py")}:1`);
        const capped = await grep({ pattern: "foo", output_mode: "count", path: "src", head_limit: 1 }, engine);
        assert.equal(
          capped.text,
          `${repo.path("src/a.py")}:1\nResults truncated to first 1 lines (6 matches in 3 files). Narrow the search with path, glob or type, or use a more specific pattern.`,
        );
      });

      it("matches across lines only with multiline", async () => {
        assert.equal(
          (await grep({ pattern: "foo\\(\\):\\n\\s+return", path: "src/a.py", multiline: true }, engine)).text,
          [repo.path("src/a.py"), "3:def foo():", "4:    return os.path"].join("\n"),
        );
        const r = await grep({ pattern: "foo\\n", path: "src/a.py" }, engine);
        assert.equal(r.error?.code, "invalid_regex");
      });

      it("treats a pattern starting with - as a pattern", async () => {
        assert.equal(
          (await grep({ pattern: "-v is", path: "docs" }, engine)).text,
          [repo.path("docs/-dash.txt"), "1:-v is a flag"].join("\n"),
        );
        assert.equal(
          (await grep({ pattern: "--verbose", path: repo.path("docs/-dash.txt") }, engine)).text,
          [repo.path("docs/-dash.txt"), "2:--verbose too"].join("\n"),
        );
      });

      it("says an invalid regex is invalid, not that nothing matched", async () => {
        const r = await grep({ pattern: "foo(" }, engine);
        assert.equal(r.error?.code, "invalid_regex");
        assert.match(
          r.text,
          /^<system-reminder>Error: invalid regex pattern `foo\(` \(the search did not run, this is not "no matches"\):\n/,
        );
        assert.match(
          r.text,
          /Escape special characters such as \( \) \[ \] \{ \} \. \* \+ \? \| with a backslash, or search a simpler fragment\.<\/system-reminder>$/,
        );
      });

      it("honours head_limit below and above 100, and caps at 1000 lines by default", async () => {
        const five = await grep({ pattern: "match", path: "many.txt", head_limit: 5 }, engine);
        assert.equal(
          five.text,
          `${repo.path("many.txt")}\n1:match 1\n2:match 2\n3:match 3\n4:match 4\nResults truncated to first 5 lines (1500 matching lines in 1 file). Narrow the search with path, glob or type, or use a more specific pattern.`,
        );
        assert.deepEqual(five.observed, [{ path: "many.txt", start: 1, end: 4 }]);
        assert.equal(five.truncated, true);
        const big = await grep({ pattern: "match", path: "many.txt", head_limit: 1200 }, engine);
        assert.equal(big.text.split("\n").length, 1201);
        assert.match(big.text, /\n1199:match 1199\nResults truncated to first 1200 lines/);
        const dflt = await grep({ pattern: "match", path: "many.txt" }, engine);
        assert.equal(dflt.text.split("\n").length, 1001);
        assert.match(
          dflt.text,
          /\n999:match 999\nResults truncated to first 1000 lines \(1500 matching lines in 1 file\)/,
        );
        const fwm = await grep({ pattern: "foo", output_mode: "files_with_matches", head_limit: 1 }, engine);
        assert.equal(
          fwm.text,
          `${repo.path("src/a.py")}\nResults truncated to first 1 lines (3 files matched). Narrow the search with path, glob or type, or use a more specific pattern.\n<system-reminder>Not searched: 1 directory excluded by ignore rules (vendor/). Pass one as path to search inside it.</system-reminder>`,
        );
      });

      it("never shows secret or binary files' content", async () => {
        const r = await grep({ pattern: "secret-value" }, engine);
        assert.ok(!r.text.includes("secret-value"));
        assert.match(r.text, /^No matches found/);
        const named = await grep({ pattern: "foo", path: ".env" }, engine);
        assert.equal(named.error?.code, "secret");
        const bin = await grep({ pattern: "foo", path: "bin.dat" }, engine);
        assert.equal(
          bin.text,
          `No matches found\n<system-reminder>${repo.path("bin.dat")} is a binary file; Grep does not search binary files.</system-reminder>`,
        );
        assert.ok(
          !(await grep({ pattern: "foo", output_mode: "files_with_matches" }, engine)).text.includes("bin.dat"),
        );
      });

      it("refuses paths outside the workspace", async () => {
        const r = await grep({ pattern: "root", path: "/etc/passwd" }, engine);
        assert.equal(r.error?.code, "outside_root");
        assert.equal(
          r.text,
          `<system-reminder>Permission error: \`/etc/passwd\` is not within the working directory \`${repo.root}\`.</system-reminder>`,
        );
      });
    });
  }

  it("says `at least` when collection stopped early", async () => {
    await using big = await tmpRepo({ files: { "huge.txt": "x\n".repeat(25_000) } });
    const r = await new Toolbox(Workspace.openSync(big.root), { config: { grepEngine: "ripgrep" } }).run({
      id: "g",
      name: "Grep",
      arguments: { pattern: "x" },
    });
    assert.match(
      r.text,
      /\nResults truncated to first 1000 lines \(at least 2\d{4} matching lines in 1 file\)\. Narrow/,
    );
  });

  it("skips files over the size limit in directory searches (both engines), not when named", async () => {
    await using sized = await tmpRepo({ files: { "big.txt": `foo\n${"x".repeat(2000)}\n`, "small.txt": "foo\n" } });
    const sizedWs = Workspace.openSync(sized.root, { maxSearchFileBytes: 1000 });
    for (const engine of ENGINES) {
      const tb = new Toolbox(sizedWs, { config: { grepEngine: engine } });
      const dir = await tb.run({ id: "g", name: "Grep", arguments: { pattern: "foo" } });
      assert.equal(dir.text, `${sized.path("small.txt")}\n1:foo`, engine);
      assert.equal(dir.skipped?.tooLarge, 1, engine);
      const named = await tb.run({ id: "g", name: "Grep", arguments: { pattern: "foo", path: "big.txt" } });
      assert.equal(named.text, `${sized.path("big.txt")}\n1:foo`, engine);
      const dirCount = await tb.run({ id: "g", name: "Grep", arguments: { pattern: "foo", output_mode: "count" } });
      assert.equal(dirCount.text, `${sized.path("small.txt")}:1`, `${engine} count`);
      assert.equal(dirCount.skipped?.tooLarge, 1, `${engine} count`);
      const namedCount = await tb.run({
        id: "g",
        name: "Grep",
        arguments: { pattern: "foo", path: "big.txt", output_mode: "count" },
      });
      assert.equal(namedCount.text, `${sized.path("big.txt")}:1`, `${engine} count`);
    }
  });

  it("passes the pattern with --regexp and the path after --", () => {
    const args = ripgrepArgs(
      ws,
      {
        pattern: "-e",
        targetRel: "src",
        targetIsFile: false,
        mode: "content",
        before: 0,
        after: 0,
        ignoreCase: false,
        multiline: false,
      },
      [],
    );
    assert.deepEqual(args.slice(-4), ["--regexp", "-e", "--", repo.path("src")]);
  });
});

describe("Grep: the ripgrep process", () => {
  let repo: TmpRepo;
  let real: RipgrepInfo | null;

  before(async () => {
    repo = await tmpRepo({ files: { "a.txt": "foo\n" } });
    real = await locateRipgrep();
  });
  after(() => {
    resetRipgrepLocation(real);
    repo.cleanup();
  });

  /** A stand-in ripgrep: prints `stdout`, `stderr`, records its pid, then exits or sleeps. */
  function fakeRg(
    name: string,
    script: { stdout?: string[]; stderr?: string; exit?: number; hang?: boolean },
  ): { pidFile: string } {
    const pidFile = repo.path(`${name}.pid`);
    const lines = (script.stdout ?? []).map((l) => `printf '%s\\n' '${l.replace(/'/g, "'\\''")}'`);
    const body = [
      "#!/bin/sh",
      `echo $$ > '${pidFile}'`,
      ...lines,
      script.stderr ? `printf '%s\\n' '${script.stderr}' >&2` : "",
      script.hang ? "exec sleep 60" : `exit ${script.exit ?? 0}`,
    ];
    const path = repo.path(`${name}.sh`);
    writeFileSync(path, `${body.join("\n")}\n`);
    chmodSync(path, 0o755);
    resetRipgrepLocation({ path, version: "fake" });
    return { pidFile };
  }
  const match = (rel: string, n: number, text: string) =>
    JSON.stringify({
      type: "match",
      data: {
        path: { text: join(repo.root, rel) },
        lines: { text: `${text}\n` },
        line_number: n,
        submatches: [{ match: { text: "foo" }, start: 0, end: 3 }],
      },
    });
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  /** Child processes of this test process (Linux /proc; tsx's esbuild is one), to prove none is left behind. */
  const children = () => {
    if (!existsSync("/proc/self/stat")) return [];
    const out: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
        if (ppid === process.pid && state !== "Z") out.push(Number(entry));
      } catch {
        /* the process ended while we looked */
      }
    }
    return out;
  };

  it("keeps partial results when ripgrep exits 2 (some files unreadable)", async () => {
    fakeRg("exit2", {
      stdout: [match("a.txt", 1, "foo")],
      stderr: "rg: ./locked: Permission denied (os error 13)",
      exit: 2,
    });
    const r = await new Toolbox(Workspace.openSync(repo.root), { config: { grepEngine: "ripgrep" } }).run({
      id: "g",
      name: "Grep",
      arguments: { pattern: "foo" },
    });
    assert.equal(r.text, `${repo.path("a.txt")}\n1:foo`);
    assert.equal(r.skipped?.unreadable, 1);
  });

  it("ends a search at the time limit, keeps what it found and kills the process", async () => {
    const before = children();
    const { pidFile } = fakeRg("slow", { stdout: [match("a.txt", 1, "foo")], hang: true });
    const started = performance.now();
    const r = await new Toolbox(Workspace.openSync(repo.root), {
      config: { grepEngine: "ripgrep", toolTimeoutMs: 400 },
    }).run({ id: "g", name: "Grep", arguments: { pattern: "foo" } });
    const ms = performance.now() - started;
    assert.ok(ms < 5000, `took ${ms} ms`);
    assert.equal(
      r.text,
      `${repo.path("a.txt")}\n1:foo\n<system-reminder>The search hit its time limit; the results are partial. Narrow path, glob or type, or simplify the pattern.</system-reminder>`,
    );
    assert.equal(r.truncated, true);
    const pid = Number(readFileSync(pidFile, "utf8"));
    assert.equal(alive(pid), false, "the ripgrep process survived its time limit");
    assert.deepEqual(children(), before);
  });

  it("starts no ripgrep that outlives an abort made while its start waited for a loop turn", async () => {
    const before = children();
    fakeRg("abort-early", { hang: true });
    const controller = new AbortController();
    const tb = new Toolbox(Workspace.openSync(repo.root), { config: { grepEngine: "ripgrep" } });
    // Four searches at once: all but the first wait for a turn of the event loop to start.
    const pending = tb.runTurn(
      ["foo", "bar", "baz", "qux"].map((pattern, i) => ({ id: `g${i}`, name: "Grep", arguments: { pattern } })),
      { signal: controller.signal },
    );
    await new Promise((r) => setImmediate(r));
    controller.abort();
    const results = await pending;
    for (const r of results) assert.equal(r.error?.code, "aborted", r.text);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(children(), before, "no ripgrep is left running");
  });

  it("kills ripgrep when the caller aborts, and reports the cancellation", async () => {
    const before = children();
    const { pidFile } = fakeRg("abort", { hang: true });
    const controller = new AbortController();
    const tb = new Toolbox(Workspace.openSync(repo.root), { config: { grepEngine: "ripgrep" } });
    const pending = tb.runTurn([{ id: "g", name: "Grep", arguments: { pattern: "foo" } }], {
      signal: controller.signal,
    });
    while (!existsSync(pidFile)) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    const [r] = await pending;
    assert.equal(r!.text, "<system-reminder>Error: the call was cancelled.</system-reminder>");
    assert.equal(r!.error?.code, "aborted");
    const pid = Number(readFileSync(pidFile, "utf8"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(alive(pid), false, "the ripgrep process survived the abort");
    assert.deepEqual(children(), before);
  });

  it("ends a runaway regex in the fallback engine at the time limit with a notice", async () => {
    // The workspace lists files with ripgrep: not with the hanging stand-in of the tests above.
    resetRipgrepLocation(real);
    await using runaway = await tmpRepo({ files: { "a.txt": `${"a".repeat(40)}b\nfoo\n`, "b.txt": "aaa\n" } });
    const tb = new Toolbox(Workspace.openSync(runaway.root), {
      config: { grepEngine: "fallback", toolTimeoutMs: 500 },
    });
    const started = performance.now();
    const r = await tb.run({ id: "g", name: "Grep", arguments: { pattern: "(a+)+$" } });
    const ms = performance.now() - started;
    assert.ok(ms < 8000, `took ${ms} ms`);
    assert.match(
      r.text,
      /<system-reminder>The search hit its time limit; the results are partial\. Narrow path, glob or type, or simplify the pattern\.<\/system-reminder>$/,
    );
    assert.equal(r.text.split("\n")[0], "No matches found");
    // The stuck worker was terminated and the pool is replaced: the next search works (its
    // workers start afresh, which under tsx takes longer than the 500 ms limit above).
    const next = await new Toolbox(tb.ws, { config: { grepEngine: "fallback" } }).run({
      id: "g",
      name: "Grep",
      arguments: { pattern: "foo" },
    });
    assert.equal(next.text, `${runaway.path("a.txt")}\n2:foo`);
    await shutdownFallbackPool();
  });
});
