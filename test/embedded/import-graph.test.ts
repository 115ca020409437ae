/**
 * The import graph the explorer ranks with: resolution (Python absolute and relative imports, the
 * same import from one package resolved once), proximity damping, and the cache of whole graphs
 * that a warm exploration reuses — same inputs, same graph; an edited import line, an added file,
 * a new graph.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildImportGraph, importGraphFor, proximity } from "../../src/embedded/import-graph.js";

const FILES = ["pkg/__init__.py", "pkg/core.py", "pkg/util.py", "pkg/cli.py", "app/main.py"];
const LINES = new Map([
  ["pkg/core.py", ["from pkg.util import helper", "from . import cli"]],
  ["pkg/cli.py", ["from pkg.util import helper"]],
  ["app/main.py", ["import pkg.core"]],
]);

test("resolves absolute, relative and package imports; the same import from one package resolves alike", async () => {
  const graph = await buildImportGraph(LINES, FILES);
  // `from . import cli` names the module and, second, its package.
  assert.deepEqual([...(graph.out.get("pkg/core.py") ?? [])].sort(), ["pkg/__init__.py", "pkg/cli.py", "pkg/util.py"]);
  assert.deepEqual([...(graph.out.get("pkg/cli.py") ?? [])], ["pkg/util.py"]);
  assert.deepEqual([...(graph.out.get("app/main.py") ?? [])], ["pkg/core.py"]);
  assert.deepEqual([...(graph.in.get("pkg/util.py") ?? [])].sort(), ["pkg/cli.py", "pkg/core.py"]);
  const near = proximity(graph, new Map([["pkg/util.py", 1]]));
  assert.ok((near.get("pkg/core.py") ?? 0) > 0 && (near.get("pkg/cli.py") ?? 0) > 0);
  assert.equal(near.get("app/main.py"), undefined, "two edges away");
});

test("the graph cache: same inputs give the same graph; an edited line or a new file rebuilds it", async () => {
  const first = await importGraphFor(LINES, FILES);
  assert.equal(
    await importGraphFor(new Map([...LINES].reverse()), [...FILES]),
    first,
    "equal inputs, any order, hit the cache",
  );
  const edited = new Map(LINES);
  edited.set("app/main.py", ["import pkg.cli"]);
  const rebuilt = await importGraphFor(edited, FILES);
  assert.notEqual(rebuilt, first);
  assert.deepEqual([...(rebuilt.out.get("app/main.py") ?? [])], ["pkg/cli.py"]);
  const grown = await importGraphFor(LINES, [...FILES, "pkg/extra.py"]);
  assert.notEqual(grown, first);
  assert.deepEqual(grown.out, first.out);
});

test("a frozen file list's path index is shared; another list, even with the same paths, is indexed afresh", async () => {
  const frozen = Object.freeze([...FILES]);
  const lines = new Map([["app/main.py", ["import pkg.extra"]]]);
  // pkg/extra.py is not in the list: the import resolves to nothing.
  assert.equal((await buildImportGraph(lines, frozen)).out.get("app/main.py"), undefined);
  assert.equal((await buildImportGraph(lines, frozen)).out.get("app/main.py"), undefined, "the shared index again");
  // A new listing is a new array: its new file is resolved, whatever the first list's index held.
  const grown = Object.freeze([...FILES, "pkg/extra.py"]);
  assert.deepEqual([...((await buildImportGraph(lines, grown)).out.get("app/main.py") ?? [])], ["pkg/extra.py"]);
  // A list that is not frozen may change between calls: it is never remembered.
  const open = [...FILES];
  assert.equal((await buildImportGraph(lines, open)).out.get("app/main.py"), undefined);
  open.push("pkg/extra.py");
  assert.deepEqual([...((await buildImportGraph(lines, open)).out.get("app/main.py") ?? [])], ["pkg/extra.py"]);
});
