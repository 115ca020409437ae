import assert from "node:assert/strict";
import { utimesSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

const T0 = 1_700_000_000;

describe("Glob", () => {
  let repo: TmpRepo;
  let tb: Toolbox;
  const glob = (args: Record<string, unknown>) => tb.run({ id: "g", name: "Glob", arguments: args });
  const abs = (...rels: string[]) => rels.map((r) => repo.path(r)).join("\n");

  before(async () => {
    repo = await tmpRepo({
      files: {
        ".gitignore": "dist/\n*.log\n",
        "a.ts": "",
        "b.ts": "",
        "c.ts": "",
        "src/index.ts": "",
        "src/util.ts": "",
        "src/sub/deep.ts": "",
        "src/sub/deep.js": "",
        "lib/index.ts": "",
        ".hidden/h.ts": "",
        ".eslintrc.ts": "",
        "dist/bundle.ts": "",
        "debug.log": "",
        "src/x.log": "",
        "many/placeholder": "",
      },
      mtimes: {
        "a.ts": T0 + 10,
        "b.ts": T0 + 30,
        "c.ts": T0 + 30,
        "src/index.ts": T0 + 20,
        "src/util.ts": T0,
        "src/sub/deep.ts": T0,
        "src/sub/deep.js": T0,
        "lib/index.ts": T0 + 5,
        ".hidden/h.ts": T0,
        ".eslintrc.ts": T0,
      },
    });
    for (let i = 0; i < 130; i++) {
      repo.write(`many/f${String(i).padStart(3, "0")}.md`, "");
      utimesSync(repo.path(`many/f${String(i).padStart(3, "0")}.md`), T0, T0);
    }
    tb = new Toolbox(Workspace.openSync(repo.root));
  });
  after(() => repo.cleanup());

  it("matches a pattern without a slash against file names at any depth, newest first, then by path", async () => {
    const r = await glob({ pattern: "*.ts" });
    assert.equal(
      r.text,
      abs(
        "b.ts",
        "c.ts",
        "src/index.ts",
        "a.ts",
        "lib/index.ts",
        ".eslintrc.ts",
        ".hidden/h.ts",
        "src/sub/deep.ts",
        "src/util.ts",
      ),
    );
    assert.deepEqual(r.observed, []);
  });

  it("matches a pattern with a slash relative to `directory` (the reference harness used the root)", async () => {
    assert.equal((await glob({ pattern: "sub/*.ts", directory: repo.path("src") })).text, abs("src/sub/deep.ts"));
    assert.equal((await glob({ pattern: "src/**/*.js" })).text, abs("src/sub/deep.js"));
    assert.equal((await glob({ pattern: "**/index.ts", directory: "src" })).text, abs("src/index.ts"));
    assert.equal((await glob({ pattern: "*.ts", directory: "src/sub" })).text, abs("src/sub/deep.ts"));
  });

  it("accepts absolute patterns inside the workspace and ./ prefixes", async () => {
    assert.equal((await glob({ pattern: `${repo.root}/src/*.ts` })).text, abs("src/index.ts", "src/util.ts"));
    assert.equal((await glob({ pattern: "./src/*.ts" })).text, abs("src/index.ts", "src/util.ts"));
    assert.equal(
      (await glob({ pattern: `${repo.root}/src/sub/*`, directory: "src" })).text,
      abs("src/sub/deep.js", "src/sub/deep.ts"),
    );
  });

  it("applies ignore rules, says how many matches they hid (ignored directories: when nothing matched), and searches an ignored directory when named", async () => {
    assert.equal(
      (await glob({ pattern: "*.log" })).text,
      "No files found\n<system-reminder>2 matching files are excluded by ignore rules; ignored directory was not searched (dist/); pass one as directory to look inside.</system-reminder>",
    );
    assert.equal((await glob({ pattern: "*.ts", directory: "dist" })).text, abs("dist/bundle.ts"));
    const r = await glob({ pattern: "*.ts" });
    assert.equal(r.skipped?.ignored, 3);
  });

  it("caps at 100 paths with the trained notice and the real total", async () => {
    const r = await glob({ pattern: "*.md", directory: "many" });
    const lines = r.text.split("\n");
    assert.equal(lines.length, 101);
    assert.equal(lines[0], repo.path("many/f000.md"));
    assert.equal(lines[99], repo.path("many/f099.md"));
    assert.equal(
      lines[100],
      "Results are truncated: showing first 100 results. Consider using a more specific path or pattern. (130 files matched.)",
    );
    assert.equal(r.truncated, true);
  });

  it("says when the pattern names directories, and when nothing matches", async () => {
    assert.equal(
      (await glob({ pattern: "sub" })).text,
      `No files found\n<system-reminder>The pattern matches 1 directory (Glob lists files): ${repo.path("src/sub")}. Use a pattern like "sub/**" or pass it as directory.</system-reminder>\n<system-reminder>ignored directory was not searched (dist/); pass one as directory to look inside.</system-reminder>`,
    );
    assert.equal((await glob({ pattern: "*.rs", directory: "src" })).text, "No files found");
  });

  it("refuses directories outside the workspace or missing, and bad patterns", async () => {
    const outside = await glob({ pattern: "*", directory: "/etc/ssh" });
    assert.equal(
      outside.text.split("\n")[0],
      `<system-reminder>Permission error: \`/etc/ssh\` is not within the working directory \`${repo.root}\`.`,
    );
    assert.equal(outside.error?.code, "outside_root");
    // A single absolute segment is the model's name for the workspace root (reference harness rule).
    assert.match((await glob({ pattern: "a.ts", directory: "/etc" })).text, new RegExp(`^${repo.path("a.ts")}$`));
    assert.equal((await glob({ pattern: "*", directory: "../" })).error?.code, "outside_root");
    assert.equal(
      (await glob({ pattern: "*", directory: "a.ts" })).text,
      "<system-reminder>Error: directory `a.ts` does not exist or is not a directory.</system-reminder>",
    );
    assert.equal((await glob({ pattern: "*", directory: "nope" })).error?.code, "not_found");
    assert.equal(
      (await glob({})).text,
      "Tool `Glob` arguments are invalid: the required parameter `pattern` is missing.",
    );
  });
});
