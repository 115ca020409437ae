/**
 * The embedded explorer on small real repositories: it finds the code an issue is about (by a
 * named identifier, a quoted error message, a stack trace, an option, a file named after the topic),
 * cites the enclosing function rather than whole files, verifies every citation through the ledger,
 * emits the same events as a model run, and answers deterministically.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ExploreEvent } from "../../src/core/types.js";
import { createEmbeddedExplorer } from "../../src/embedded/explorer.js";
import { tmpRepo } from "../support/tmp-repo.js";

/** Functions of filler so that relevance has to be earned, not given by the only file around. */
function filler(name: string, n: number): string {
  return Array.from({ length: n }, (_, i) => `def ${name}_${i}(value):\n    """Helper ${i}."""\n    return value * ${i}\n`).join("\n");
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
    const result = await explore(repo.root, 'Adding an item with quantity 0 fails with `ValueError: quantity must be positive` but zero should remove the item.');
    assert.equal(result.stopReason, "answered");
    assert.equal(result.policy, "embedded");
    const first = result.citations[0]!;
    assert.equal(first.path, "shop/cart.py");
    assert.ok(first.start <= 10 && first.end >= 10, `the citation ${first.start}-${first.end} covers the raise on line 10`);
    assert.ok(first.end - first.start < 40, "a function, not the whole file");
    assert.ok(result.citations.every((c) => c.verified), "every citation was shown by a tool");
    assert.ok(result.toolCalls > 0 && result.turns === 2);
  });

  it("ranks the file defining a named identifier first", async () => {
    await using repo = await tmpRepo({ files: FILES, git: true });
    const result = await explore(repo.root, "The discount from `apply_discount` is applied even when the subtotal equals the threshold.");
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

  it("answers no_answer (not a guess) when nothing in the repository matches", async () => {
    await using repo = await tmpRepo({ files: FILES, git: true });
    const result = await explore(repo.root, "zxqvbn wqpmzr");
    assert.equal(result.stopReason, "no_answer");
    assert.equal(result.citations.length, 0);
    assert.equal(result.partial, true);
  });

  it("keeps the budget of cited lines", async () => {
    await using repo = await tmpRepo({ files: FILES, git: true });
    const result = await createEmbeddedExplorer({ citedLines: 25 })({ query: "Cart add_item total apply_discount make_parser", root: repo.root });
    const lines = result.citations.reduce((n, c) => n + c.end - c.start + 1, 0);
    assert.ok(lines <= 25 + 6, `cited ${lines} lines for a budget of 25`);
  });
});

describe("file roles", () => {
  it("treats copies of libraries inside a package as vendored, but not a monorepo's packages/", async () => {
    const { fileRole } = await import("../../src/embedded/file-kinds.js");
    assert.equal(fileRole("requests/packages/urllib3/response.py"), "vendored");
    assert.equal(fileRole("src/app/_vendor/six.py"), "vendored");
    assert.equal(fileRole("packages/core/src/index.ts"), "source");
    assert.equal(fileRole("static/jquery-3.5.1.js"), "vendored");
    assert.equal(fileRole("CHANGES"), "changelog");
    assert.equal(fileRole("tests/test_cart.py"), "test");
    assert.equal(fileRole("docs/usage.md"), "doc");
    assert.equal(fileRole("pylintrc"), "other");
  });
});
