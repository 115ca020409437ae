import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type CodeUnit,
  CodeUnitCache,
  CodeUnitExtractor,
  enclosingUnit,
  extractCodeUnits,
  unitsContaining,
  unitsOverlapping,
} from "../../src/analysis/code-units.js";
import { LANGUAGE_IDS, type LanguageId, languageForPath } from "../../src/analysis/languages.js";

/** `kind qualifiedName start-end` per unit: compact and readable in failure diffs. */
const summary = (units: CodeUnit[]) => units.map((u) => `${u.kind} ${u.qualifiedName} ${u.start}-${u.end}`);
const find = (units: CodeUnit[], qn: string) => {
  const u = units.find((x) => x.qualifiedName === qn);
  assert.ok(u, `no unit ${qn} in ${JSON.stringify(summary(units))}`);
  return u;
};

const PYTHON = `import os

# Registry of handlers.
@register("json")
class JsonHandler(BaseHandler):
    """Handles JSON."""

    MAX = 3

    @property
    def name(self):
        return "json"

    async def load(self, path,
                   strict=False):
        def _decode(raw):
            return raw
        return _decode(path)

    class Options:
        def merged(self):
            pass


DEFAULT_TIMEOUT = 30


def main():
    pass
`;

describe("extractCodeUnits: python", () => {
  it("finds classes, decorated methods, nested functions and constants", async () => {
    const units = await extractCodeUnits(PYTHON, "python");
    assert.deepEqual(summary(units), [
      "class JsonHandler 3-22",
      "method JsonHandler.name 10-12",
      "method JsonHandler.load 14-18",
      "function JsonHandler.load._decode 16-17",
      "class JsonHandler.Options 20-22",
      "method JsonHandler.Options.merged 21-22",
      "constant DEFAULT_TIMEOUT 25-25",
      "function main 28-29",
    ]);
    const load = find(units, "JsonHandler.load");
    assert.equal(load.headerEnd, 15, "multi-line signature ends at the colon line");
    assert.equal(load.depth, 1);
    assert.equal(units[load.parent!]!.name, "JsonHandler");
    assert.equal(find(units, "JsonHandler").headerEnd, 5);
    assert.equal(find(units, "main").parent, undefined);
  });
});

const TS = `import { x } from "./x";

/** Adds. */
export function add(a: number, b: number): number {
  return a + b;
}

export default class Store<T> extends Base {
  private items: T[] = [];
  static create = (seed: number) => new Store();

  @memo()
  get size(): number {
    return this.items.length;
  }

  async *drain(): AsyncIterable<T> {}
}

export const handler = async (req: Request) => {
  const inner = () => 1;
  return inner();
};

export interface Shape {
  area(): number;
}

export type Id = string | number;

enum Color { Red, Green }

export const api = {
  get(id: string) { return id; },
  post: (body: unknown) => body,
};

Store.prototype.legacy = function () {};
`;

describe("extractCodeUnits: typescript / javascript / tsx", () => {
  it("finds functions, classes, members, arrow functions, interfaces, types, enums and object methods", async () => {
    const units = await extractCodeUnits(TS, "typescript");
    assert.deepEqual(summary(units), [
      "function add 3-6",
      "class Store 8-18",
      "method Store.create 10-10",
      "method Store.size 12-15",
      "method Store.drain 17-17",
      "function handler 20-23",
      "function handler.inner 21-21",
      "interface Shape 25-27",
      "type Id 29-29",
      "enum Color 31-31",
      "constant api 33-36",
      "method api.get 34-34",
      "method api.post 35-35",
      "method Store.legacy 38-38",
    ]);
    assert.equal(find(units, "add").headerEnd, 4);
  });

  it("parses plain JavaScript and TSX with their own grammars", async () => {
    const js = await extractCodeUnits(
      `class A {\n  m() {}\n}\nmodule.exports.run = function () {};\nexports.stop = () => {};\n`,
      "javascript",
    );
    assert.deepEqual(summary(js), [
      "class A 1-3",
      "method A.m 2-2",
      "method module.exports.run 4-4",
      "function stop 5-5",
    ]);
    const tsx = await extractCodeUnits(
      `export function App(): JSX.Element {\n  return <div>{items.map((i) => <Row key={i} />)}</div>;\n}\n`,
      "tsx",
    );
    assert.deepEqual(summary(tsx), ["function App 1-3"]);
  });
});

const GO = `package server

// Server serves requests.
type Server struct {
	addr string
}

type (
	Handler interface{ Serve() }
	ID      int
)

// Start starts the server.
func (s *Server) Start(ctx context.Context,
	opts Options) error {
	return nil
}

func (Box[T]) Get() T { var z T; return z }

func New() *Server { return &Server{} }
`;

describe("extractCodeUnits: go", () => {
  it("qualifies methods with their receiver type and classifies type specs", async () => {
    const units = await extractCodeUnits(GO, "go");
    assert.deepEqual(summary(units), [
      "struct Server 3-6",
      "interface Handler 9-9",
      "type ID 10-10",
      "method Server.Start 13-17",
      "method Box.Get 19-19",
      "function New 21-21",
    ]);
    assert.equal(find(units, "Server.Start").headerEnd, 15);
  });
});

const RUST = `use std::fmt;

/// A point.
#[derive(Debug)]
pub struct Point<T> { x: T }

impl<T: Clone> Point<T> {
    /// Makes one.
    pub fn new(x: T) -> Self { Point { x } }
}

impl fmt::Display for crate::geo::Point<i32> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { Ok(()) }
}

pub trait Shape {
    fn area(&self) -> f64;
}

mod tests {
    fn helper() {}
}
`;

describe("extractCodeUnits: rust", () => {
  it("finds impl blocks (Type.method), traits, structs with attributes and doc comments, inline mods", async () => {
    const units = await extractCodeUnits(RUST, "rust");
    assert.deepEqual(summary(units), [
      "struct Point 3-5",
      "impl Point 7-10",
      "method Point.new 8-9",
      "impl Point 12-14",
      "method Point.fmt 13-13",
      "trait Shape 16-18",
      "method Shape.area 17-17",
      "module tests 20-22",
      "function tests.helper 21-21",
    ]);
  });
});

const JAVA = `package com.example;

/** Outer docs. */
@Entity
public class Outer<T> extends Base {
    @Override
    public String toString() { return ""; }

    public Outer(int x) { super(); }

    static class Inner implements Runnable {
        public void run() {}
    }

    enum Mode { A, B; void flip() {} }

    record Pair(int a, int b) {}
}

interface Callback { void call(); }
`;

describe("extractCodeUnits: java", () => {
  it("finds classes, constructors, annotated methods, nested types, enums and records", async () => {
    const units = await extractCodeUnits(JAVA, "java");
    assert.deepEqual(summary(units), [
      "class Outer 3-18",
      "method Outer.toString 6-7",
      "method Outer.Outer 9-9",
      "class Outer.Inner 11-13",
      "method Outer.Inner.run 12-12",
      "enum Outer.Mode 15-15",
      "method Outer.Mode.flip 15-15",
      "class Outer.Pair 17-17",
      "interface Callback 20-20",
      "method Callback.call 20-20",
    ]);
  });
});

const C = `#include <stdio.h>

/* A list node. */
struct node {
    int value;
    struct node *next;
};

typedef struct { int x, y; } point_t;

static struct node *make_node(int value)
{
    return NULL;
}

#define MAX(a, b) ((a) > (b) ? (a) : (b))
`;

const CPP = `#include <vector>

namespace app {

/// A widget.
class Widget : public Base {
public:
    void draw() const override {}
    template <typename T> T get() { return T(); }
};

Widget::Widget() : Base() {}

template <typename T>
void Widget::set(T value) {}

int detail::Registry::count() const { return 0; }

}  // namespace app

namespace { void hidden() {} }
`;

describe("extractCodeUnits: c / c++", () => {
  it("names C functions from their declarators and finds structs, typedefs and macros", async () => {
    const units = await extractCodeUnits(C, "c");
    assert.deepEqual(summary(units), [
      "struct node 3-7",
      "struct point_t 9-9",
      "function make_node 11-14",
      "macro MAX 16-16",
    ]);
    assert.equal(find(units, "make_node").headerEnd, 11);
  });

  it("qualifies out-of-line C++ methods and nests namespaces, classes and templates", async () => {
    const units = await extractCodeUnits(CPP, "cpp");
    assert.deepEqual(summary(units), [
      "module app 3-19",
      "class app.Widget 5-10",
      "method app.Widget.draw 8-8",
      "method app.Widget.get 9-9",
      "method app.Widget.Widget 12-12",
      "method app.Widget.set 14-15",
      "method app.detail.Registry.count 17-17",
      "function hidden 21-21",
    ]);
  });
});

describe("extractCodeUnits: other grammars", () => {
  const samples: Array<[LanguageId, string, string[]]> = [
    [
      "ruby",
      "module Shop\n  class Cart\n    def total\n    end\n    def self.empty; end\n  end\nend\n",
      ["module Shop 1-7", "class Shop.Cart 2-6", "method Shop.Cart.total 3-4", "method Shop.Cart.empty 5-5"],
    ],
    [
      "php",
      "<?php\nclass User {\n  public function save() {}\n}\nfunction helper() {}\n",
      ["class User 2-4", "method User.save 3-3", "function helper 5-5"],
    ],
    [
      "c_sharp",
      "namespace App {\n  class Foo {\n    public int Run() { return 1; }\n  }\n}\n",
      ["module App 1-5", "class App.Foo 2-4", "method App.Foo.Run 3-3"],
    ],
    [
      "kotlin",
      "class Foo {\n  fun run() {}\n}\ninterface Bar { fun m() }\nfun top() {}\n",
      ["class Foo 1-3", "method Foo.run 2-2", "interface Bar 4-4", "method Bar.m 4-4", "function top 5-5"],
    ],
    [
      "scala",
      "object Main {\n  def run(): Unit = ()\n}\ntrait T { def m(): Unit }\n",
      ["class Main 1-3", "method Main.run 2-2", "trait T 4-4", "method T.m 4-4"],
    ],
    [
      "swift",
      "struct S {\n  func m() {}\n}\nextension S { func e() {} }\n",
      ["struct S 1-3", "method S.m 2-2", "impl S 4-4", "method S.e 4-4"],
    ],
  ];
  for (const [lang, text, expected] of samples) {
    it(lang, async () => assert.deepEqual(summary(await extractCodeUnits(text, lang)), expected));
  }

  it("loads every supported grammar", async () => {
    const extractor = new CodeUnitExtractor();
    for (const lang of LANGUAGE_IDS)
      assert.equal((await extractor.extractWithSource("x", lang)).source, "tree-sitter", lang);
  });
});

describe("enclosingUnit / unitsContaining / unitsOverlapping", () => {
  it("returns the innermost unit around a line and the chain of enclosing units", async () => {
    const units = await extractCodeUnits(PYTHON, "python");
    assert.equal(enclosingUnit(units, 17)?.qualifiedName, "JsonHandler.load._decode");
    assert.equal(enclosingUnit(units, 18)?.qualifiedName, "JsonHandler.load");
    assert.equal(enclosingUnit(units, 8)?.qualifiedName, "JsonHandler");
    assert.equal(enclosingUnit(units, 1), undefined);
    assert.deepEqual(
      unitsContaining(units, 16, 17).map((u) => u.qualifiedName),
      ["JsonHandler", "JsonHandler.load", "JsonHandler.load._decode"],
    );
    assert.deepEqual(
      unitsContaining(units, 12, 16).map((u) => u.qualifiedName),
      ["JsonHandler"],
    );
    assert.deepEqual(
      unitsOverlapping(units, 22, 28).map((u) => u.qualifiedName),
      ["JsonHandler", "JsonHandler.Options", "JsonHandler.Options.merged", "DEFAULT_TIMEOUT", "main"],
    );
  });
});

describe("fallback and caching", () => {
  it("falls back to the heuristic extractor when a grammar cannot be loaded", async () => {
    const extractor = new CodeUnitExtractor({ loader: () => Promise.reject(new Error("no wasm here")) });
    const py = await extractor.extractWithSource(PYTHON, "python");
    assert.equal(py.source, "heuristic");
    assert.deepEqual(summary(py.units), summary(await extractCodeUnits(PYTHON, "python")));
    const go = await extractor.extractWithSource(GO, "go");
    assert.equal(go.source, "heuristic");
    assert.ok(go.units.some((u) => u.qualifiedName === "Server.Start" && u.start === 13 && u.end === 17));
  });

  it("uses the heuristic extractor for files above maxParseChars", async () => {
    const extractor = new CodeUnitExtractor({ maxParseChars: 10 });
    assert.equal((await extractor.extractWithSource(PYTHON, "python")).source, "heuristic");
  });

  it("caches per path and stamp, re-parses on change, evicts least recently used", async () => {
    const cache = new CodeUnitCache({ maxEntries: 2 });
    let reads = 0;
    const read = () => {
      reads++;
      return PYTHON;
    };
    const a1 = await cache.get("pkg/a.py", { mtimeMs: 1, size: 10 }, read);
    const a2 = await cache.get("pkg/a.py", { mtimeMs: 1, size: 10 }, read);
    assert.equal(a1, a2);
    assert.deepEqual(cache.stats, { hits: 1, misses: 1 });
    await cache.get("pkg/a.py", { mtimeMs: 2, size: 10 }, read);
    assert.equal(reads, 2, "a new mtime is a miss");
    await cache.get("pkg/b.py", { mtimeMs: 1, size: 1 }, read);
    await cache.get("pkg/c.py", { mtimeMs: 1, size: 1 }, read);
    assert.equal(cache.size, 2);
    await cache.get("pkg/a.py", { mtimeMs: 2, size: 10 }, read);
    assert.equal(reads, 5, "a.py was evicted");
    assert.deepEqual(await cache.get("notes.txt", { mtimeMs: 1, size: 1 }, () => "text"), []);
  });

  it("does not cache failed reads", async () => {
    const cache = new CodeUnitCache();
    await assert.rejects(cache.get("x.py", { mtimeMs: 1, size: 1 }, () => Promise.reject(new Error("EACCES"))));
    assert.equal((await cache.get("x.py", { mtimeMs: 1, size: 1 }, () => "def f(): pass\n")).length, 1);
  });
});

describe("languageForPath", () => {
  it("maps extensions and sniffs C++ headers", () => {
    assert.equal(languageForPath("a/b.py"), "python");
    assert.equal(languageForPath("x.d.ts"), "typescript");
    assert.equal(languageForPath("x.mjs"), "javascript");
    assert.equal(languageForPath("x.tsx"), "tsx");
    assert.equal(languageForPath("x.hpp"), "cpp");
    assert.equal(languageForPath("x.h"), "c");
    assert.equal(languageForPath("x.h", "namespace a {\nclass B {};\n}\n"), "cpp");
    assert.equal(languageForPath("x.h", "struct b { int c; };\n"), "c");
    assert.equal(languageForPath("README.md"), null);
    assert.equal(languageForPath("Makefile"), null);
  });
});

describe("large files", () => {
  // Throughput is measured in bench/code-units.ts, not asserted here.
  it("extracts every unit of a 5,000-line Python file", async () => {
    const lines: string[] = [];
    for (let n = 0; lines.length < 5000; n++) {
      lines.push(`@register("h${n}")`, `class Handler${n}(Base):`, `    """Handles ${n}."""`, "");
      for (let m = 0; m < 8; m++) {
        lines.push(
          "    @property",
          `    def method_${m}(self, value: int, *args, **kwargs) -> dict:`,
          `        result = {"a": value, "b": [x * 2 for x in range(value)]}`,
          `        if value > ${m}:`,
          `            result["c"] = self.helper(value, name="x${m}")`,
          "        return result",
          "",
        );
      }
    }
    const units = await new CodeUnitExtractor().extract(lines.join("\n"), "python");
    const classes = units.filter((u) => u.kind === "class").length;
    const methods = units.filter((u) => u.kind === "method").length;
    assert.equal(methods, classes * 8);
    assert.ok(classes > 60);
  });
});
