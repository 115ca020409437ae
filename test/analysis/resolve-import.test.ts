import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { extractImports, type ImportRef } from "../../src/analysis/imports.js";
import { languageForPath } from "../../src/analysis/languages.js";
import { createPathIndex, normalizePath, resolveImport } from "../../src/analysis/resolve-import.js";

const FILES = [
  // python: a src layout, a flat package, relative imports
  "src/shop/__init__.py",
  "src/shop/models.py",
  "src/shop/api/__init__.py",
  "src/shop/api/views.py",
  "src/shop/api/serializers.py",
  "tools/report.py",
  // js/ts
  "web/src/app.ts",
  "web/src/util/index.ts",
  "web/src/util/format.ts",
  "web/src/components/Button.tsx",
  "web/src/legacy.js",
  // go
  "internal/scheduler/queue.go",
  "cmd/jobq/main.go",
  // rust: a workspace with two crates
  "crates/core_lib/src/lib.rs",
  "crates/core_lib/src/parser/mod.rs",
  "crates/core_lib/src/parser/lexer.rs",
  "crates/core_lib/src/util.rs",
  "crates/cli/src/main.rs",
  // java
  "service/src/main/java/com/acme/shop/Order.java",
  "service/src/main/java/com/acme/shop/Cart.java",
  "service/src/main/java/com/acme/shop/util/Money.java",
  // c
  "include/acme/str.h",
  "src/str.c",
  "src/local.h",
];

let root = "";
const exists = (rel: string) => existsSync(join(root, rel));
const index = createPathIndex(FILES);

/** Resolves the first import of `line` written in a file at `from`. */
function resolve(from: string, line: string, useIndex = false): string[] {
  const lang = languageForPath(from)!;
  const ref = extractImports(line, lang)[0];
  assert.ok(ref, `no import parsed from ${line}`);
  return resolveImport(ref, from, exists, useIndex ? { index } : {});
}

before(() => {
  root = mkdtempSync(join(tmpdir(), "fc-resolve-"));
  for (const f of FILES) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), "");
  }
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("resolveImport", () => {
  it("python: absolute imports under a src/ root, submodules, packages and relative levels", () => {
    assert.deepEqual(resolve("tools/report.py", "from shop.models import Order"), ["src/shop/models.py"]);
    assert.deepEqual(resolve("tools/report.py", "import shop.api"), ["src/shop/api/__init__.py"]);
    assert.deepEqual(resolve("src/shop/api/views.py", "from .serializers import OrderSerializer"), [
      "src/shop/api/serializers.py",
    ]);
    assert.deepEqual(resolve("src/shop/api/views.py", "from . import serializers"), [
      "src/shop/api/serializers.py",
      "src/shop/api/__init__.py",
    ]);
    assert.deepEqual(resolve("src/shop/api/views.py", "from ..models import Order"), ["src/shop/models.py"]);
    assert.deepEqual(resolve("src/shop/api/views.py", "from shop import api"), [
      "src/shop/__init__.py",
      "src/shop/api/__init__.py",
    ]);
    assert.deepEqual(resolve("tools/report.py", "import json"), []);
    assert.deepEqual(
      resolve("src/shop/models.py", "from .... import x"),
      [],
      "climbing above the root resolves to nothing",
    );
  });

  it("javascript/typescript: extensions, index files, .js → .ts, bare specifiers", () => {
    assert.deepEqual(resolve("web/src/app.ts", 'import { fmt } from "./util/format";'), ["web/src/util/format.ts"]);
    assert.deepEqual(resolve("web/src/app.ts", 'import { fmt } from "./util/format.js";'), ["web/src/util/format.ts"]);
    assert.deepEqual(resolve("web/src/app.ts", 'import * as u from "./util";'), ["web/src/util/index.ts"]);
    assert.deepEqual(resolve("web/src/components/Button.tsx", 'import legacy from "../legacy";'), [
      "web/src/legacy.js",
    ]);
    assert.deepEqual(resolve("web/src/app.ts", 'import React from "react";'), []);
  });

  it("go: the package directory by the longest existing suffix of the import path", () => {
    assert.deepEqual(resolve("cmd/jobq/main.go", 'import "github.com/acme/jobq/internal/scheduler"'), [
      "internal/scheduler",
    ]);
    assert.deepEqual(resolve("cmd/jobq/main.go", 'import "github.com/acme/jobq/internal/scheduler"', true), [
      "internal/scheduler",
    ]);
    assert.deepEqual(resolve("cmd/jobq/main.go", 'import "fmt"'), []);
  });

  it("rust: mod declarations, crate/self/super paths and workspace crates", () => {
    const lib = "crates/core_lib/src/lib.rs";
    assert.deepEqual(resolve(lib, "mod parser;"), ["crates/core_lib/src/parser/mod.rs"]);
    assert.deepEqual(resolve("crates/core_lib/src/parser/mod.rs", "mod lexer;"), [
      "crates/core_lib/src/parser/lexer.rs",
    ]);
    assert.deepEqual(resolve("crates/core_lib/src/util.rs", "use crate::parser::lexer::Lexer;"), [
      "crates/core_lib/src/parser/lexer.rs",
      "crates/core_lib/src/parser/mod.rs",
    ]);
    assert.deepEqual(resolve("crates/core_lib/src/parser/lexer.rs", "use super::super::util::helper;"), [
      "crates/core_lib/src/util.rs",
    ]);
    assert.deepEqual(resolve("crates/core_lib/src/parser/mod.rs", "use self::lexer::Lexer;"), [
      "crates/core_lib/src/parser/lexer.rs",
    ]);
    assert.deepEqual(resolve("crates/cli/src/main.rs", "use core_lib::parser::{lexer, Parser};", true), [
      "crates/core_lib/src/parser/lexer.rs",
      "crates/core_lib/src/parser/mod.rs",
      "crates/core_lib/src/lib.rs",
    ]);
  });

  it("java: package paths under the importing file's source root, nested classes, suffix search", () => {
    const from = "service/src/main/java/com/acme/shop/Cart.java";
    assert.deepEqual(resolve(from, "import com.acme.shop.util.Money;"), [
      "service/src/main/java/com/acme/shop/util/Money.java",
    ]);
    assert.deepEqual(resolve(from, "import com.acme.shop.Order.Line;"), [
      "service/src/main/java/com/acme/shop/Order.java",
    ]);
    assert.deepEqual(resolve(from, "import static com.acme.shop.util.Money.of;"), [
      "service/src/main/java/com/acme/shop/util/Money.java",
    ]);
    assert.deepEqual(resolve("other/Tool.java", "import com.acme.shop.util.Money;", true), [
      "service/src/main/java/com/acme/shop/util/Money.java",
    ]);
    assert.deepEqual(resolve(from, "import java.util.List;"), []);
  });

  it("c: relative includes, include roots and suffix search", () => {
    assert.deepEqual(resolve("src/str.c", '#include "local.h"'), ["src/local.h"]);
    assert.deepEqual(resolve("src/str.c", "#include <acme/str.h>"), ["include/acme/str.h"]);
    assert.deepEqual(resolve("src/str.c", '#include "str.h"', true), ["include/acme/str.h"]);
    assert.deepEqual(resolve("src/str.c", "#include <stdio.h>"), []);
  });

  it("a hand-made ref needs no parser", () => {
    const ref: ImportRef = { module: "shop.api.views", names: [], line: 1, relative: false, kind: "import" };
    assert.deepEqual(resolveImport(ref, "manage.py", exists), ["src/shop/api/views.py"]);
  });
});

describe("normalizePath / createPathIndex", () => {
  it("normalizes and refuses to climb above the root", () => {
    assert.equal(normalizePath("a/./b/../c.py"), "a/c.py");
    assert.equal(normalizePath("../x"), null);
  });

  it("finds files by path suffix and knows directories", () => {
    assert.deepEqual(index.withSuffix("acme/shop/Order.java"), ["service/src/main/java/com/acme/shop/Order.java"]);
    assert.deepEqual(index.withSuffix("hop/Order.java"), [], "suffixes match whole segments");
    assert.ok(index.hasDir("crates/core_lib/src"));
    assert.ok(!index.hasDir("crates/core"));
  });
});
