/**
 * Issue 18, workspace and tools: reads outside the root, secrets through aliases and hard links,
 * `.git` named explicitly, binary content after the first 8 KiB, names with backticks and
 * backslashes, trees deeper than PATH_MAX. Real temporary trees (real symlinks and hard links),
 * every tool through the Toolbox with both Grep engines, and the repro through the CLI.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { linkSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { shutdownFallbackPool } from "../../src/tools/grep/fallback.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { populate } from "../support/tmp-repo.js";

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "fastcontext.js");
const ENGINES = ["ripgrep", "fallback"] as const;
const TOPSECRET = "TOPSECRET-3f9a-outside";
const ENV_SECRET = "sk-live-ENVSECRET-81c2";
const SSH_SECRET = "SSHSECRET-55d0";

function boxes(root: string): Array<{ engine: string; tb: Toolbox }> {
  const ws = Workspace.openSync(root);
  return ENGINES.map((engine) => ({ engine, tb: new Toolbox(ws, { config: { grepEngine: engine } }) }));
}

async function call(tb: Toolbox, name: string, args: Record<string, unknown>): Promise<string> {
  return (await tb.run({ id: "c", name, arguments: args })).text;
}

describe("issue 18: reads outside the root through Grep's link following", () => {
  let base: string;
  let repo: string;
  before(() => {
    // The repro tree: an ignored vendor/ holding a link to a directory outside the root.
    base = realpathSync(mkdtempSync(join(tmpdir(), "fc-i18-out-")));
    repo = join(base, "repo");
    populate(base, { files: { "out/s.txt": `${TOPSECRET}\n`, "repo/.gitignore": "vendor/\n", "repo/a.py": "x\n" } });
    populate(repo, { symlinks: { "alias.py": "a.py", "vendor/evil": join(base, "out") } });
  });
  after(async () => {
    await shutdownFallbackPool();
    rmSync(base, { recursive: true, force: true });
  });

  it("the repro: a glob that enters an ignored directory never follows its link out (both engines)", async () => {
    for (const { engine, tb } of boxes(repo)) {
      for (const args of [
        { pattern: "TOPSECRET", glob: "*" },
        { pattern: "TOPSECRET", glob: "**/*.txt" },
        { pattern: "TOPSECRET", path: "vendor" },
        { pattern: "TOPSECRET", glob: "*", output_mode: "count" },
        { pattern: "TOPSECRET", glob: "*", output_mode: "files_with_matches" },
      ]) {
        const text = await call(tb, "Grep", args);
        assert.ok(!text.includes(TOPSECRET) && !text.includes("s.txt"), `${engine} ${JSON.stringify(args)}: ${text}`);
      }
    }
  });

  it("the repro through the CLI: `fastcontext tool Grep` prints no outside file", () => {
    for (const engine of ENGINES) {
      const r = spawnSync(
        process.execPath,
        [BIN, "tool", "Grep", "--repo", ".", "--engine", engine, "--args", '{"pattern":"TOPSECRET","glob":"*"}'],
        { cwd: repo, encoding: "utf8", timeout: 60_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.ok(!r.stdout.includes(TOPSECRET) && !r.stdout.includes("evil"), `${engine}: ${r.stdout}`);
      assert.match(r.stdout, /No matches found/);
    }
  });

  it("a link made (or retargeted) after the index was built is never followed out", async () => {
    const dir = join(base, "late");
    populate(dir, { files: { "src/a.py": "late\n", "src/b.py": "inside b\n" }, symlinks: { "src/in.py": "a.py" } });
    for (const { engine, tb } of boxes(dir)) {
      // Build the index (Glob) while every link stays inside: ripgrep may then follow links.
      assert.match(await call(tb, "Glob", { pattern: "**/*.py" }), /in\.py/);
      symlinkSync(join(base, "out"), join(dir, "src", `new-${engine}`));
      rmSync(join(dir, "src", "in.py"));
      symlinkSync(join(base, "out", "s.txt"), join(dir, "src", "in.py"));
      for (const args of [
        { pattern: "TOPSECRET|inside" },
        { pattern: "TOPSECRET", output_mode: "count" },
        { pattern: "TOPSECRET", path: "src" },
      ]) {
        const text = await call(tb, "Grep", args);
        assert.ok(!text.includes(TOPSECRET), `${engine} ${JSON.stringify(args)}: ${text}`);
      }
      assert.match(await call(tb, "Grep", { pattern: "inside" }), /b\.py/, engine);
      const read = await call(tb, "Read", { path: "src/in.py" });
      assert.ok(!read.includes(TOPSECRET), read);
      const glob = await call(tb, "Glob", { pattern: "**/*" });
      assert.ok(!glob.includes("src/in.py"), `the index's in.py now leads outside: ${glob}`);
      rmSync(join(dir, "src", "in.py"));
      symlinkSync("a.py", join(dir, "src", "in.py"));
    }
  });
});

describe("issue 18: .git is never listed, read or searched, even when named", () => {
  let repo: string;
  before(() => {
    repo = realpathSync(mkdtempSync(join(tmpdir(), "fc-i18-git-")));
    execFileSync("git", ["init", "-q", repo]);
    execFileSync("git", ["-C", repo, "config", "remote.origin.url", "https://user:GITTOKEN-77@example.com/x"]);
    populate(repo, { files: { "a.py": "print(1)\n" }, symlinks: { gitlink: ".git", "cfg.txt": ".git/config" } });
  });
  after(async () => {
    await shutdownFallbackPool();
    rmSync(repo, { recursive: true, force: true });
  });

  it("Glob directory=.git, Grep path=.git, Read .git/config and links into .git are refused", async () => {
    for (const { engine, tb } of boxes(repo)) {
      for (const [name, args] of [
        ["Glob", { pattern: "*", directory: ".git" }],
        ["Glob", { pattern: "*", directory: `${repo}/.git` }],
        ["Glob", { pattern: "*", directory: "gitlink" }],
        ["Glob", { pattern: "**/config" }],
        ["Grep", { pattern: "GITTOKEN", path: ".git" }],
        ["Grep", { pattern: "GITTOKEN", path: ".git/config" }],
        ["Grep", { pattern: "GITTOKEN", path: "gitlink" }],
        ["Grep", { pattern: "GITTOKEN" }],
        ["Grep", { pattern: "GITTOKEN", glob: "**/config" }],
        ["Read", { path: ".git/config" }],
        ["Read", { path: `${repo}/.git/config` }],
        ["Read", { path: "gitlink/config" }],
        ["Read", { path: "cfg.txt" }],
      ] as const) {
        const text = await call(tb, name, args);
        assert.ok(!text.includes("GITTOKEN"), `${engine} ${name} ${JSON.stringify(args)}: ${text}`);
        const listedGit = text.split("\n").some((l) => l.startsWith("/") && /\/\.git(\/|$)|\/gitlink\//.test(l));
        assert.ok(!listedGit, `${engine} ${name} listed .git: ${text}`);
      }
      assert.match(await call(tb, "Read", { path: ".git/config" }), /never listed, read or searched/);
    }
  });
});

describe("issue 18: secrets are judged by the file, not the name", () => {
  let base: string;
  let repo: string;
  before(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "fc-i18-sec-")));
    repo = join(base, "repo");
    populate(repo, {
      files: {
        ".env": `API_KEY=${ENV_SECRET}\n`,
        ".ssh/id_ed25519": `${SSH_SECRET}\n`,
        "src/app.py": "import os\n",
        "plain.txt": "ordinary words\n",
      },
      symlinks: { "notes.txt": ".env", "src/settings.py": "../.env", keys: ".ssh" },
    });
    linkSync(join(repo, ".env"), join(repo, "backup.txt"));
    // A hard link to a key outside the root: no name of it in the workspace is secret, its content is.
    writeFileSync(join(base, "id_rsa"), `-----BEGIN OPENSSH PRIVATE KEY-----\nKEYBODY-${SSH_SECRET}\n`);
    linkSync(join(base, "id_rsa"), join(repo, "harmless.txt"));
    // A hard link to an ordinary file stays readable (the policy is not "refuse every hard link").
    writeFileSync(join(base, "shared.txt"), "shared ordinary text\n");
    linkSync(join(base, "shared.txt"), join(repo, "shared.txt"));
  });
  after(async () => {
    await shutdownFallbackPool();
    rmSync(base, { recursive: true, force: true });
  });

  const leaked = (text: string) => text.includes(ENV_SECRET) || text.includes(SSH_SECRET);

  it("Read refuses a symlink alias, a link to a secret folder and a hard link to a secret", async () => {
    for (const { tb } of boxes(repo).slice(0, 1)) {
      for (const path of ["notes.txt", "src/settings.py", "keys/id_ed25519", "backup.txt", "harmless.txt"]) {
        const text = await call(tb, "Read", { path });
        assert.ok(!leaked(text), `${path}: ${text}`);
        assert.match(text, /looks like a secret file/, path);
      }
      assert.match(await call(tb, "Read", { path: "shared.txt" }), /1\|shared ordinary text/);
    }
  });

  it("neither Grep engine shows a secret through an alias, in any mode or when the file is named", async () => {
    for (const { engine, tb } of boxes(repo)) {
      for (const args of [
        { pattern: "ENVSECRET|SSHSECRET" },
        { pattern: "ENVSECRET|SSHSECRET", "-i": true, glob: "*" },
        { pattern: "ENVSECRET|SSHSECRET", output_mode: "count" },
        { pattern: "ENVSECRET|SSHSECRET", output_mode: "files_with_matches" },
        { pattern: "ENVSECRET", path: "notes.txt" },
        { pattern: "ENVSECRET", path: "src/settings.py" },
        { pattern: "ENVSECRET", path: "backup.txt" },
        { pattern: "SSHSECRET", path: "keys" },
        { pattern: "SSHSECRET", path: "harmless.txt" },
      ]) {
        const text = await call(tb, "Grep", args);
        assert.ok(!leaked(text), `${engine} ${JSON.stringify(args)}: ${text}`);
        assert.ok(!/notes\.txt|settings\.py|backup\.txt|harmless\.txt|id_ed25519/.test(text) || /secret/.test(text));
      }
      assert.match(await call(tb, "Grep", { pattern: "shared ordinary" }), /shared\.txt/, engine);
    }
  });

  it("Glob-then-Read: every listed path either reads without a secret or is refused as one", async () => {
    const { tb } = boxes(repo)[0]!;
    const listed = (await call(tb, "Glob", { pattern: "**/*" })).split("\n").filter((l) => l.startsWith("/"));
    assert.ok(listed.length >= 5, listed.join("\n"));
    for (const path of listed) assert.ok(!leaked(await call(tb, "Read", { path })), path);
  });

  it("the user's allow_secrets opens them again (the policy is the user's)", async () => {
    const ws = Workspace.openSync(repo, { secrets: { allowAll: true, allow: [] } });
    const tb = new Toolbox(ws);
    assert.match(await call(tb, "Read", { path: "backup.txt" }), new RegExp(ENV_SECRET));
    assert.match(await call(tb, "Read", { path: "notes.txt" }), new RegExp(ENV_SECRET));
  });
});

describe("issue 18: smaller holes", () => {
  let root: string;
  before(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), "fc-i18-small-")));
  });
  after(async () => {
    await shutdownFallbackPool();
    rmSync(root, { recursive: true, force: true });
  });

  it("Read: a NUL after the first 8 KiB inside the shown range is binary; one outside it is not shown", async () => {
    const lines = Array.from({ length: 400 }, (_, i) => `line ${i + 1} ${"x".repeat(40)}`);
    const late = [...lines.slice(0, 300), "bad\0byte", ...lines.slice(300)].join("\n");
    populate(root, { files: { "late-nul.txt": `${late}\n` } });
    const { tb } = boxes(root)[0]!;
    const whole = await call(tb, "Read", { path: "late-nul.txt" });
    assert.match(whole, /is a binary file/);
    assert.ok(!whole.includes("\0"));
    const head = await call(tb, "Read", { path: "late-nul.txt", limit: 20 });
    assert.match(head, /1\|line 1 /);
    assert.ok(!head.includes("\0"));
    assert.match(await call(tb, "Read", { path: "late-nul.txt", offset: 290, limit: 20 }), /is a binary file/);
  });

  it("names with backticks, quotes or a backslash that Glob lists can be read back", async () => {
    const names = ["tick`name`.txt", "back\\slash.txt", "`edge.txt", "quote'd.txt", 'dq"x.txt'];
    for (const name of names) populate(root, { files: { [`odd/${name}`]: `content of ${name}\n` } });
    const { tb } = boxes(root)[0]!;
    const listed = (await call(tb, "Glob", { pattern: "*", directory: "odd" })).split("\n");
    assert.equal(listed.length, names.length, listed.join("\n"));
    for (const path of listed) {
      const text = await call(tb, "Read", { path });
      const name = path.slice(path.lastIndexOf("/") + 1);
      assert.match(text, /1\|content of /, `${path}: ${text}`);
      assert.ok(text.includes(`content of ${name}`), `${path}: ${text}`);
    }
  });

  it("a tree deeper than PATH_MAX gets a note from Glob and both Grep engines instead of a silent skip", async () => {
    const deep = join(root, "deep");
    mkdirSync(deep);
    writeFileSync(join(deep, "top.py"), "needle top\n");
    // Relative mkdir/cd steps: the absolute path passes PATH_MAX (4096) about halfway down.
    execFileSync("bash", [
      "-c",
      'set -e; cd "$1"; for i in $(seq 1 240); do mkdir d0123456789abcdefghi; cd d0123456789abcdefghi; done; echo "needle deep" > deep.py',
      "_",
      deep,
    ]);
    try {
      for (const { engine, tb } of boxes(deep)) {
        const grep = await call(tb, "Grep", { pattern: "needle" });
        assert.match(grep, /top\.py/, engine);
        assert.match(grep, /longer than this system's limit \(PATH_MAX\)/, `${engine}: ${grep}`);
        if (engine === "ripgrep") {
          const glob = await call(tb, "Glob", { pattern: "*.py" });
          assert.match(glob, /top\.py/);
          assert.match(glob, /longer than this system's limit \(PATH_MAX\)/, glob);
        }
      }
    } finally {
      execFileSync("rm", ["-rf", deep]);
    }
  });
});
