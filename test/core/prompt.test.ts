import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  DEFAULT_SYSTEM_PROMPT_FILE,
  loadSystemPrompt,
  osKind,
  queryMessage,
  renderTemplate,
  shellName,
  workspaceListing,
} from "../../src/core/prompt.js";
import { ConfigError } from "../../src/util/errors.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

const SNAPSHOT = join(dirname(fileURLToPath(import.meta.url)), "__snapshots__", "system-prompt.md");

describe("system prompt", () => {
  it("renders the shipped template with fixed variables exactly as the committed snapshot (UPDATE_SNAPSHOTS=1 rewrites it)", () => {
    const rendered = renderTemplate(readFileSync(DEFAULT_SYSTEM_PROMPT_FILE, "utf8"), {
      OS_KIND: "Linux",
      SHELL_NAME: "bash",
      WORK_DIR: "/testbed/demo",
      WORK_DIR_LS: "README.md\nsetup.py\nsrc\ntests",
    });
    if (process.env.UPDATE_SNAPSHOTS === "1") writeFileSync(SNAPSHOT, rendered);
    assert.ok(existsSync(SNAPSHOT), `missing snapshot ${SNAPSHOT}; run with UPDATE_SNAPSHOTS=1`);
    assert.equal(rendered, readFileSync(SNAPSHOT, "utf8"));
  });

  it("keeps the trained structure: sections, variables in place, the answer example, no trailing newline", () => {
    const rendered = renderTemplate(readFileSync(DEFAULT_SYSTEM_PROMPT_FILE, "utf8"), {
      OS_KIND: "Darwin",
      SHELL_NAME: "zsh",
      WORK_DIR: "/w",
      WORK_DIR_LS: "a\nb",
    });
    assert.match(rendered, /<query> tag/);
    assert.match(rendered, /^## Required Output$/m);
    assert.match(rendered, /^## Working Environment$/m);
    assert.match(rendered, /^OS Version: Darwin$/m);
    assert.match(rendered, /^Shell: zsh$/m);
    assert.match(rendered, /^Workspace Path: \/w$/m);
    assert.match(rendered, /```\na\nb\n```/);
    assert.match(
      rendered,
      /<final_answer>\n\/absolute\/path\/to\/file_1\.py:10-15 \(Optional Brief Reason: e\.g\., "Core logic to modify"\)\n\/absolute\/path\/to\/file_2\.js:102-123\n<\/final_answer><\/example>/,
    );
    assert.doesNotMatch(rendered, /\$\{/);
    assert.ok(!rendered.endsWith("\n"));
  });

  it("an unknown variable in a user template is a ConfigError", () => {
    assert.throws(
      () => renderTemplate("hello ${NOPE}", { OS_KIND: "", SHELL_NAME: "", WORK_DIR: "", WORK_DIR_LS: "" }),
      (e: unknown) => e instanceof ConfigError && /unknown variable \$\{NOPE\}/.test(e.message),
    );
  });

  it("a missing template file is a ConfigError naming it", () => {
    assert.throws(
      () => loadSystemPrompt("/tmp", "/nonexistent/system.md"),
      (e: unknown) => e instanceof ConfigError && /\/nonexistent\/system\.md/.test(e.message),
    );
  });

  it("OS and shell values", () => {
    assert.equal(osKind("linux"), "Linux");
    assert.equal(osKind("darwin"), "Darwin");
    assert.equal(osKind("win32"), "Windows");
    assert.equal(shellName({ SHELL: "/usr/bin/zsh" }), "zsh");
    assert.equal(shellName({}), process.platform === "win32" ? "powershell.exe" : "bash");
  });
});

describe("workspace listing", () => {
  let repo: TmpRepo;
  before(async () => {
    repo = await tmpRepo({
      git: true,
      files: { "b.py": "", "A.md": "", ".env": "", "src/x.py": "", "a.txt": "" },
      dirs: ["docs", ".hidden"],
    });
  });
  after(() => repo.cleanup());

  it("names only, sorted, hidden entries (.git included) left out", () => {
    assert.equal(workspaceListing(repo.root), "A.md\na.txt\nb.py\ndocs\nsrc");
  });

  it("caps a huge root with a '... (N more)' line", () => {
    assert.equal(workspaceListing(repo.root, 2), "A.md\na.txt\n... (3 more)");
  });

  it("a root that cannot be listed gives an empty listing", () => {
    assert.equal(workspaceListing(join(repo.root, "missing")), "");
  });

  it("loadSystemPrompt puts the root and its listing into the prompt", () => {
    const text = loadSystemPrompt(repo.root);
    assert.ok(text.includes(`Workspace Path: ${repo.root}\n`));
    assert.ok(text.includes("```\nA.md\na.txt\nb.py\ndocs\nsrc\n```"));
  });
});

describe("queryMessage", () => {
  it("wraps the query in <query> tags with no whitespace inside", () => {
    assert.equal(queryMessage("  where is X handled?\n"), "<query>where is X handled?</query>");
  });

  it("keeps a query that is already wrapped, multi-line included", () => {
    assert.equal(queryMessage("<query>a\nb</query>"), "<query>a\nb</query>");
  });

  it("wraps a query that only mentions the tag", () => {
    assert.equal(queryMessage("what does <query> mean"), "<query>what does <query> mean</query>");
  });
});
