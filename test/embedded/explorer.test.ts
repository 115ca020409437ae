/**
 * The embedded explorer on small real repositories: it finds the code an issue is about (by a
 * named identifier, a quoted error message, a stack trace, an option, a file named after the topic),
 * cites the enclosing function rather than whole files, verifies every citation through the ledger,
 * emits the same events as a model run, and answers deterministically.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { lightStem } from "../../src/analysis/identifiers.js";
import { analyzeQuery, type Term } from "../../src/analysis/query.js";
import type { ExploreEvent } from "../../src/core/types.js";
import { createEmbeddedExplorer } from "../../src/embedded/explorer.js";
import { type FileEvidence, pathWordFilter, type RankedFile, rankFiles } from "../../src/embedded/rank-files.js";
import { tmpRepo } from "../support/tmp-repo.js";

/** Functions of filler so that relevance has to be earned, not given by the only file around. */
function filler(name: string, n: number): string {
  return Array.from(
    { length: n },
    (_, i) => `def ${name}_${i}(value):\n    """Helper ${i}."""\n    return value * ${i}\n`,
  ).join("\n");
}

const FILES: Record<string, string> = {
  "shop/__init__.py": "from .cart import Cart\nfrom .pricing import apply_discount\n",
  "shop/cart.py": [
    "from .pricing import apply_discount",
    "",
    "",
    "class Cart:",
    "    def __init__(self):",
    "        self.items = []",
    "",
    "    def add_item(self, sku, quantity):",
    "        if quantity <= 0:",
    '            raise ValueError("quantity must be positive")',
    "        self.items.append((sku, quantity))",
    "",
    "    def total(self, prices):",
    "        subtotal = sum(prices[sku] * qty for sku, qty in self.items)",
    "        return apply_discount(subtotal)",
    "",
    filler("cart_helper", 12),
  ].join("\n"),
  "shop/pricing.py": [
    "DISCOUNT_THRESHOLD = 100",
    "",
    "",
    "def apply_discount(subtotal):",
    "    if subtotal > DISCOUNT_THRESHOLD:",
    "        return subtotal * 0.9",
    "    return subtotal",
    "",
    filler("pricing_helper", 12),
  ].join("\n"),
  "shop/shipping.py": [
    "import argparse",
    "",
    "",
    "def make_parser():",
    "    parser = argparse.ArgumentParser()",
    '    parser.add_argument("--express-delivery", action="store_true")',
    "    return parser",
    "",
    filler("shipping_helper", 12),
  ].join("\n"),
  "shop/inventory.py": filler("inventory_helper", 20),
  "docs/usage.md": "# Usage\n\nCall Cart.total with prices; apply_discount gives 10% above the threshold.\n",
  "tests/test_cart.py": "from shop.cart import Cart\n\n\ndef test_total():\n    assert Cart().total({}) == 0\n",
};

async function explore(root: string, query: string, events?: ExploreEvent[]) {
  const explorer = createEmbeddedExplorer({ citedLines: 60 });
  return explorer({ query, root, ...(events ? { onEvent: (e) => events.push(e) } : {}) });
}

describe("embedded explorer", () => {
  it("finds the function a quoted error message comes from and cites it, verified", async () => {
    await using repo = await tmpRepo({ files: FILES, git: true });
    const result = await explore(
      repo.root,
      "Adding an item with quantity 0 fails with `ValueError: quantity must be positive` but zero should remove the item.",
    );
    assert.equal(result.stopReason, "answered");
    assert.equal(result.policy, "embedded");
    const first = result.citations[0]!;
    assert.equal(first.path, "shop/cart.py");
    assert.ok(
      first.start <= 10 && first.end >= 10,
      `the citation ${first.start}-${first.end} covers the raise on line 10`,
    );
    assert.ok(first.end - first.start < 40, "a function, not the whole file");
    assert.ok(
      result.citations.every((c) => c.verified),
      "every citation was shown by a tool",
    );
    assert.ok(result.toolCalls > 0 && result.turns === 2);
  });

  it("ranks the file defining a named identifier first", async () => {
    await using repo = await tmpRepo({ files: FILES, git: true });
    const result = await explore(
      repo.root,
      "The discount from `apply_discount` is applied even when the subtotal equals the threshold.",
    );
    assert.equal(result.citations[0]?.path, "shop/pricing.py");
    const c = result.citations[0]!;
    assert.ok(c.start <= 4 && c.end >= 7, "cites apply_discount (lines 4-7)");
  });

  it("follows a Python traceback into the repository", async () => {
    await using repo = await tmpRepo({ files: FILES, git: true });
    const query = [
      "Crash when computing the total",
      "```",
      "Traceback (most recent call last):",
      '  File "/home/me/app/run.py", line 3, in <module>',
      '  File "/usr/lib/python3.11/site-packages/shop/cart.py", line 14, in total',
      "KeyError: 'sku-1'",
      "```",
    ].join("\n");
    const result = await explore(repo.root, query);
    assert.equal(result.citations[0]?.path, "shop/cart.py");
    assert.ok(result.citations.some((c) => c.path === "shop/cart.py" && c.start <= 14 && c.end >= 14));
  });

  it("finds where a command-line option is declared", async () => {
    await using repo = await tmpRepo({ files: FILES, git: true });
    const result = await explore(repo.root, "`--express-delivery` is ignored when the cart is empty");
    assert.equal(result.citations[0]?.path, "shop/shipping.py");
  });

  it("down-weights docs and tests that repeat the query's words", async () => {
    await using repo = await tmpRepo({ files: FILES, git: true });
    const result = await explore(repo.root, "Cart.total ignores apply_discount for large carts");
    const first = result.citations[0]!.path;
    assert.ok(first.startsWith("shop/"), `first citation ${first} is source code`);
  });

  it("emits a model-like event stream and is deterministic", async () => {
    await using repo = await tmpRepo({ files: FILES, git: true });
    const events: ExploreEvent[] = [];
    const a = await explore(repo.root, "apply_discount threshold", events);
    const b = await explore(repo.root, "apply_discount threshold");
    assert.deepEqual(
      a.citations.map((c) => [c.path, c.start, c.end]),
      b.citations.map((c) => [c.path, c.start, c.end]),
    );
    const types = events.map((e) => e.type);
    assert.equal(types[0], "run_start");
    assert.equal(types[types.length - 1], "run_end");
    assert.ok(types.includes("tool_start") && types.includes("tool_end") && types.includes("answer"));
    const starts = events.filter((e) => e.type === "tool_start").length;
    assert.equal(starts, a.toolCalls, "one tool_start per tool call");
  });

  it("cites a file the question names even when none of its lines has the question's words", async () => {
    await using repo = await tmpRepo({ files: FILES, git: true });
    for (const query of ["chore: fix typos in inventory.py", "chore: reformat shop/inventory.py (#12)"]) {
      const result = await explore(repo.root, query);
      assert.equal(result.stopReason, "answered", query);
      const first = result.citations[0]!;
      assert.equal(first.path, "shop/inventory.py", query);
      assert.equal(first.start, 1, "from the file's first line");
      assert.match(first.reason ?? "", /the file the question names/);
      assert.ok(first.verified);
    }
  });

  it("answers no_answer (not a guess) when nothing in the repository matches", async () => {
    await using repo = await tmpRepo({ files: FILES, git: true });
    const result = await explore(repo.root, "zxqvbn wqpmzr");
    assert.equal(result.stopReason, "no_answer");
    assert.equal(result.citations.length, 0);
    assert.equal(result.partial, true);
  });

  it("keeps the budget of cited lines", async () => {
    await using repo = await tmpRepo({ files: FILES, git: true });
    const result = await createEmbeddedExplorer({ citedLines: 25 })({
      query: "Cart add_item total apply_discount make_parser",
      root: repo.root,
    });
    const lines = result.citations.reduce((n, c) => n + c.end - c.start + 1, 0);
    assert.ok(lines <= 25 + 6, `cited ${lines} lines for a budget of 25`);
  });

  it("says so when its searches hit the tool time limit, and is silent when none did", async () => {
    await using repo = await tmpRepo({ files: FILES, git: true });
    const query = "ValueError: quantity must be positive";
    const calm = await createEmbeddedExplorer()({ query, root: repo.root });
    assert.ok(
      calm.warnings.every((w) => !/time limit/.test(w)),
      `no warning expected: ${calm.warnings.join("; ")}`,
    );
    // 1 ms: every ripgrep search stops before it starts reading (the ripgrep process alone takes longer).
    const cut = await createEmbeddedExplorer({ toolTimeoutMs: 1, grepEngine: "ripgrep" })({ query, root: repo.root });
    const warning = cut.warnings.find((w) => /time limit/.test(w));
    assert.ok(warning, `a time-limit warning expected, got: ${cut.warnings.join("; ")}`);
    const [limited, total] = (/^(\d+) of (\d+) tool calls/.exec(warning) ?? []).slice(1).map(Number);
    assert.ok(limited !== undefined && total !== undefined && limited > 0 && limited <= total, warning);
  });
});

describe("file roles", () => {
  it("treats copies of libraries inside a package as vendored, but not a monorepo's packages/", async () => {
    const { fileRole, vendorDirsOf, NO_ROLE_EVIDENCE } = await import("../../src/embedded/file-kinds.js");
    const files = ["requests/__init__.py", "requests/packages/__init__.py", "requests/packages/urllib3/response.py"];
    const evidence = { ...NO_ROLE_EVIDENCE, vendorDirs: vendorDirsOf(files) };
    assert.equal(fileRole("requests/packages/urllib3/response.py", evidence), "vendored");
    assert.equal(fileRole("src/app/_vendor/six.py"), "vendored");
    assert.equal(fileRole("packages/core/src/index.ts"), "source");
    assert.equal(fileRole("static/jquery-3.5.1.js"), "vendored");
    assert.equal(fileRole("CHANGES"), "changelog");
    assert.equal(fileRole("tests/test_cart.py"), "test");
    assert.equal(fileRole("docs/usage.md"), "doc");
    assert.equal(fileRole("pylintrc"), "other");
  });
});

describe("embedded explorer: evidence beyond the names in the query", () => {
  const ranking = async (root: string, query: string) => {
    let ranked: RankedFile[] = [];
    const result = await createEmbeddedExplorer({ citedLines: 60, onRanking: (r) => (ranked = r) })({ query, root });
    return { result, ranked, file: (rel: string) => ranked.find((f) => f.rel === rel) };
  };

  it("raises the file defining functions named after the title's words", async () => {
    await using repo = await tmpRepo({
      git: true,
      files: {
        "runner/skipping.py": [
          "class XfailMarker:",
          "    def __init__(self, reason):",
          "        self.reason = reason",
          "",
          "",
          "def evaluate_xfail_marks(item):",
          "    for mark in item.marks:",
          "        if mark.name == 'xfail':",
          "            return XfailMarker(mark.reason)",
          "    return None",
          "",
          filler("skip_helper", 10),
        ].join("\n"),
        "runner/reports.py": [
          "def summarize(report):",
          "    # xfail outcomes are reported as skipped; an xfail that passes is XPASS",
          "    if report.outcome == 'xfail':",
          "        return 'xfail'",
          "    lines = ['xfail', 'xfail strict', 'xfail reason']",
          "    return ' '.join(lines) + ' (xfail)'",
          "",
          filler("report_helper", 10),
        ].join("\n"),
      },
    });
    const { result, file } = await ranking(
      repo.root,
      "Dynamically adding an xfail marker no longer ignores the failure",
    );
    assert.ok(
      file("runner/skipping.py")!.parts.defNames > 0,
      "skipping.py defines evaluate_xfail_marks and XfailMarker",
    );
    assert.equal(file("runner/reports.py")!.parts.defNames, 0, "reports.py only mentions xfail");
    assert.equal(result.citations[0]?.path, "runner/skipping.py");
    const first = result.citations[0]!;
    assert.ok(
      first.start <= 6 && first.end >= 10,
      `cites evaluate_xfail_marks (lines 6-10), not ${first.start}-${first.end}`,
    );
  });

  it("discounts a dotted name from the reporter's own code that the repository never spells", async () => {
    await using repo = await tmpRepo({
      git: true,
      files: {
        "lib/setup_logging.py":
          "import logging\n\n\ndef configure(level):\n    logging.basicConfig(level=level)\n    logging.getLogger('lib').setLevel(level)\n",
        "lib/loader.py":
          "from lib import setup_logging\n\n\ndef load_plugins(names):\n    setup_logging.configure('INFO')\n    return [__import__(n) for n in names]\n",
      },
    });
    // `configure` is counted once for whichever dotted names end in it.
    const countedWeight = async (query: string) => {
      const { ranked } = await ranking(repo.root, query);
      const counted = ranked.flatMap((f) => f.matched).find((m) => m.term.text.endsWith(".configure"))!.term;
      const asked = analyzeQuery(query).all.find((t) => t.text === counted.text)!;
      return counted.weight / asked.weight;
    };
    assert.equal(
      await countedWeight("Plugins load twice when `acme.logging.configure()` runs"),
      0.3,
      "acme.logging.configure is nowhere in the repository",
    );
    assert.equal(
      await countedWeight("Plugins load twice when `setup_logging.configure()` runs"),
      1,
      "setup_logging.configure is spelled in lib/loader.py",
    );
    assert.equal(
      await countedWeight("Plugins load twice: `acme.logging.configure()` calls `setup_logging.configure()`"),
      1,
      "one local name keeps the shared count",
    );
  });

  it("recognizes an option declared by a call that opens lines above it", async () => {
    await using repo = await tmpRepo({
      git: true,
      files: {
        "cli/options.py": [
          "def add_options(parser):",
          "    group = parser.add_argument_group('collection')",
          "    group.add_argument(",
          '        "--collect-only",',
          '        action="store_true",',
          "    )",
          "",
          filler("option_helper", 8),
        ].join("\n"),
        "cli/runner.py": [
          "def run(argv):",
          '    if "--collect-only" in argv:',
          "        return collect(argv)",
          '    print("use --collect-only to list tests")',
          "",
          filler("runner_helper", 8),
        ].join("\n"),
      },
    });
    const { result, file } = await ranking(repo.root, "`--collect-only` needs a one letter shortcut");
    assert.ok(
      file("cli/options.py")!.parts.messages > file("cli/runner.py")!.parts.messages,
      "the declaration counts double",
    );
    assert.equal(result.citations[0]?.path, "cli/options.py");
  });
});

describe("rankFiles", () => {
  const term = (text: string, weight = 2): Term => ({ text, kind: "identifier", weight, source: "code", variants: [] });
  const evidence = (messages: FileEvidence["messages"]): FileEvidence => ({
    termCounts: [],
    definitions: new Map(),
    messages,
    pathHits: new Map(),
    defNames: new Map(),
    frames: new Map(),
  });

  it("credits the options of one command line with diminishing returns, messages in full", async () => {
    const options = ["--project", "--author", "--release", "--language"];
    const files = ["cmd/quickstart.py", "util/rst.py", ...Array.from({ length: 40 }, (_, i) => `pkg/m${i}.py`)];
    const ranked = await rankFiles({
      query: "x",
      files,
      sizeOf: () => 1000,
      terms: options.map((o) => term(o)),
      evidence: evidence(
        new Map<string, Array<{ line: number; weight: number; literal: string; option?: boolean }>>([
          ["cmd/quickstart.py", options.map((o, i) => ({ line: i + 1, weight: 2, literal: o, option: true }))],
          [
            "util/rst.py",
            [
              { line: 3, weight: 2, literal: "prolog removes headings" },
              { line: 9, weight: 2, literal: "heading is not rendered" },
            ],
          ],
        ]),
      ),
    });
    const one = (rel: string) => ranked.find((f) => f.rel === rel)!.parts.messages;
    const single = one("util/rst.py") / 2;
    assert.ok(
      Math.abs(one("cmd/quickstart.py") - single * (1 + 0.5 + 0.25 + 0.125)) < 1e-9,
      "four options count 1.875 times one",
    );
    assert.ok(one("util/rst.py") > single * 1.99, "two distinct messages count twice");
  });

  /** Rank `hits` (each with two matches of the keyword `word`) among 40 files that have none. */
  const rankKeywordHits = (query: string, word: string, hits: string[], ext: string) => {
    const keyword = term(word);
    const files = [...hits, ...Array.from({ length: 40 }, (_, i) => `pkg/m${i}.${ext}`)];
    const counts = new Map(hits.map((rel) => [rel, 2]));
    return rankFiles({
      query,
      files,
      sizeOf: () => 1000,
      terms: [keyword],
      evidence: { ...evidence(new Map()), termCounts: [{ term: keyword, purpose: "keyword", counts }] },
    });
  };

  it("reads the words of camel-case file names in the path, as it does snake-case ones", async () => {
    const files = [
      "Sources/Shell/ZshCompletionsGenerator.swift",
      "Sources/Shell/zsh_completions_generator.py",
      "Sources/Shell/BashScriptsGenerator.swift",
    ];
    const ranked = await rankKeywordHits("completions", "completions", files, "swift");
    const pathWords = (rel: string) => ranked.find((f) => f.rel === rel)!.parts.pathWords;
    assert.ok(
      pathWords("Sources/Shell/ZshCompletionsGenerator.swift") > 0,
      "ZshCompletionsGenerator holds completions",
    );
    assert.equal(
      pathWords("Sources/Shell/ZshCompletionsGenerator.swift"),
      pathWords("Sources/Shell/zsh_completions_generator.py"),
    );
    assert.equal(pathWords("Sources/Shell/BashScriptsGenerator.swift"), 0);
  });

  it("credits the component a commit title's scope names: its file fully, its folder's files by half", async () => {
    const files = ["middleware/static.go", "middleware/static/mime.go", "router.go"];
    const rank = (query: string) => rankKeywordHits(query, "handler", files, "go");
    const scoped = await rank("fix(static): preserve the matched handler");
    const pathWords = (rel: string) => scoped.find((f) => f.rel === rel)!.parts.pathWords;
    assert.equal(scoped[0]?.rel, "middleware/static.go");
    assert.ok(pathWords("middleware/static/mime.go") > 0, "a file of the component's folder");
    assert.ok(pathWords("middleware/static/mime.go") < pathWords("middleware/static.go"), "by less");
    assert.equal(pathWords("router.go"), 0);
    const plain = await rank("fix: preserve the matched handler");
    assert.equal(plain.find((f) => f.rel === "middleware/static.go")!.parts.pathWords, 0, "no scope, no path credit");
  });

  it("reads a path's words only where a query stem can name them, and misses none", async () => {
    // The filter's premise: a stem without its last letter begins the word it came from. Checked on
    // every word of this repository's sources and on the forms its rules rewrite.
    const words = new Set(["entries", "supplies", "classes", "creation", "filtering", "caches", "queries"]);
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
      );
    for (const file of walk(join(import.meta.dirname, "../../src")))
      for (const w of readFileSync(file, "utf8").match(/[A-Za-z]+/g) ?? []) words.add(w);
    assert.ok(words.size > 3000, `${words.size} words`);
    for (const w of words) {
      const stem = lightStem(w);
      assert.ok(w.toLowerCase().startsWith(stem.slice(0, -1)), `${w} -> ${stem}`);
    }

    const may = pathWordFilter(["entry", "toolcall", "retri"].map(lightStem));
    assert.equal(may("src/config/entries.ts"), true, "entries: the stem of entry");
    assert.equal(may("src/llm/tool-call.ts"), true, "tool-call: the name without '-' is toolcall");
    assert.equal(may("lib/Retrying/x.rb"), true);
    assert.equal(may("src/index/builder.ts"), false);
    assert.equal(may("src/Σύνολο/builder.ts"), true, "a non-ASCII path is always read");

    const entry = term("entry");
    const files = ["src/config/entries.ts", "src/llm/tool-call.ts", "src/index/builder.ts"];
    const ranked = await rankFiles({
      query: "where is each entry of a tool call kept?",
      files,
      sizeOf: () => 1000,
      terms: [entry, term("tool"), term("call")],
      evidence: {
        ...evidence(new Map()),
        termCounts: [{ term: entry, purpose: "keyword", counts: new Map(files.map((rel) => [rel, 1])) }],
      },
    });
    const pathWords = (rel: string) => ranked.find((f) => f.rel === rel)!.parts.pathWords;
    assert.ok(pathWords("src/config/entries.ts") > 0);
    assert.ok(pathWords("src/llm/tool-call.ts") > 0, "tool call, joined");
    assert.equal(pathWords("src/index/builder.ts"), 0);
  });
});
