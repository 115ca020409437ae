import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extractImports, type ImportRef } from "../../src/analysis/imports.js";

/** Compact `line kind module [names] rel/abs(level)` strings. */
const show = (refs: ImportRef[]) =>
  refs.map(
    (r) =>
      `${r.line} ${r.kind} ${r.module} [${r.names.join(",")}]${r.relative ? " rel" : ""}${r.level ? ` L${r.level}` : ""}`,
  );

describe("extractImports: python", () => {
  it("handles plain, aliased, relative, parenthesized and continued imports and ignores strings", () => {
    const text = [
      "import os, sys as system",
      "import a.b.c",
      "from .models import User, Group as G",
      "from . import views",
      "from ..core.utils import (",
      "    slugify,",
      "    truncate,  # trailing comment",
      ")",
      "from pkg.sub import \\",
      "    one, two",
      '"""',
      "from fake import nothing",
      '"""',
      "def f():",
      "    from lazy.mod import thing",
      "# from commented import out",
    ].join("\n");
    assert.deepEqual(show(extractImports(text, "python")), [
      "1 import os []",
      "1 import sys []",
      "2 import a.b.c []",
      "3 from .models [User,Group] rel L1",
      "4 from . [views] rel L1",
      "5 from ..core.utils [slugify,truncate] rel L2",
      "9 from pkg.sub [one,two]",
      "15 from lazy.mod [thing]",
    ]);
  });
});

describe("extractImports: javascript / typescript", () => {
  it("handles default, named, namespace, type, side-effect, re-export, require and dynamic imports", () => {
    const text = [
      'import React, { useState as useS, type FC } from "react";',
      "import * as path from 'node:path';",
      'import "./polyfills";',
      "import {",
      "  a,",
      "  b,",
      '} from "../lib/util.js";',
      'export { helper } from "./helpers";',
      'export * from "./types";',
      'const fs = require("fs");',
      'const mod = await import("./lazy.js");',
      '// import nope from "commented";',
      "const x = 1",
      'import late from "./late"',
    ].join("\n");
    assert.deepEqual(show(extractImports(text, "typescript")), [
      "1 import react [React,useState,FC]",
      "2 import node:path []",
      "3 import ./polyfills [] rel",
      "4 import ../lib/util.js [a,b] rel",
      "8 export ./helpers [helper] rel",
      "9 export ./types [] rel",
      "10 require fs []",
      "11 dynamic ./lazy.js [] rel",
      "14 import ./late [late] rel",
    ]);
  });
});

describe("extractImports: go, rust, java, c/c++, others", () => {
  it("go: single and grouped imports with aliases", () => {
    const text = 'package main\n\nimport "fmt"\nimport (\n\t"net/http"\n\tlog "github.com/acme/log"\n\t_ "embed"\n)\n';
    assert.deepEqual(show(extractImports(text, "go")), [
      "3 import fmt []",
      "5 import net/http []",
      "6 import github.com/acme/log []",
      "7 import embed []",
    ]);
  });

  it("rust: use trees, globs, aliases, mod declarations", () => {
    const text = [
      "use std::collections::{HashMap, hash_map::Entry as E};",
      "use crate::parser::Lexer;",
      "pub use super::*;",
      "use self::{",
      "    a::b,",
      "    c,",
      "};",
      "mod lexer;",
      "pub mod tests { }",
    ].join("\n");
    assert.deepEqual(show(extractImports(text, "rust")), [
      "1 use std::collections [HashMap]",
      "1 use std::collections::hash_map [Entry]",
      "2 use crate::parser::Lexer []",
      "3 use super [*] rel",
      "4 use self::a [b] rel",
      "4 use self [c] rel",
      "8 mod lexer [] rel",
    ]);
  });

  it("java, kotlin, scala: plain, static and wildcard imports", () => {
    const java =
      "package a;\nimport java.util.List;\nimport static org.junit.Assert.assertEquals;\nimport com.acme.model.*;\n";
    assert.deepEqual(show(extractImports(java, "java")), [
      "2 import java.util.List []",
      "3 import org.junit.Assert [assertEquals]",
      "4 import com.acme.model [*]",
    ]);
    assert.deepEqual(show(extractImports("import scala.collection.mutable.{Map, Set}\nimport a.b._\n", "scala")), [
      "1 import scala.collection.mutable [Map,Set]",
      "2 import a.b [*]",
    ]);
  });

  it("c/c++: quoted includes are relative, angle includes are not", () => {
    const text = '#include <stdio.h>\n#include "util/str.h"\n  #  include "local.h"\n// #include "no.h"\n';
    assert.deepEqual(show(extractImports(text, "c")), [
      "1 include stdio.h []",
      "2 include util/str.h [] rel",
      "3 include local.h [] rel",
    ]);
  });

  it("c#, php, ruby", () => {
    assert.deepEqual(show(extractImports("using System.Text;\nusing static System.Math;\n", "c_sharp")), [
      "1 import System.Text []",
      "2 import System.Math []",
    ]);
    assert.deepEqual(show(extractImports("<?php\nuse App\\Models\\User;\nrequire_once 'lib/x.php';\n", "php")), [
      "2 import App\\Models\\User []",
      "3 require lib/x.php []",
    ]);
    assert.deepEqual(show(extractImports("require 'json'\nrequire_relative '../lib/foo'\n", "ruby")), [
      "1 require json []",
      "2 require ../lib/foo [] rel",
    ]);
  });
});
