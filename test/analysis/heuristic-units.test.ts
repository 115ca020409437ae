import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { heuristicUnits } from "../../src/analysis/heuristic-units.js";
import { maskSource } from "../../src/analysis/source-mask.js";
import type { CodeUnit } from "../../src/analysis/unit-types.js";

const summary = (units: CodeUnit[]) => units.map((u) => `${u.kind} ${u.qualifiedName} ${u.start}-${u.end}`);

describe("heuristicUnits (no grammar)", () => {
  it("typescript: classes, methods, functions and arrow functions by brace matching", () => {
    const text = `/** Docs. */
export class Cache {
  // a "{" in a comment and '}' in a string must not confuse brace matching
  get(key: string): string | undefined {
    return this.map.get("}" + key);
  }
}

export const load = async (id: string) => {
  return id;
};

function helper() {}
`;
    assert.deepEqual(summary(heuristicUnits(text, "typescript")), [
      "class Cache 1-7",
      "method Cache.get 3-6", // the adjacent comment is attached, as tree-sitter does
      "function load 9-11",
      "function helper 13-13",
    ]);
  });

  it("go, rust, java, c: receivers, impl targets, annotations, declarations skipped", () => {
    assert.deepEqual(
      summary(
        heuristicUnits(
          "type Server struct {\n\taddr string\n}\n\n// Start starts.\nfunc (s *Server) Start() error {\n\treturn nil\n}\n",
          "go",
        ),
      ),
      ["struct Server 1-3", "method Server.Start 5-8"],
    );
    assert.deepEqual(
      summary(
        heuristicUnits(
          "#[derive(Debug)]\npub struct P { x: i32 }\nimpl fmt::Display for crate::geo::P {\n    fn fmt(&self) {}\n}\n",
          "rust",
        ),
      ),
      ["struct P 1-2", "impl P 3-5", "method P.fmt 4-4"],
    );
    assert.deepEqual(
      summary(
        heuristicUnits(
          'public class A {\n    @Override\n    public String toString() {\n        return "";\n    }\n    abstract void decl();\n}\n',
          "java",
        ),
      ),
      ["class A 1-7", "method A.toString 2-5"],
    );
    assert.deepEqual(
      summary(
        heuristicUnits(
          "struct node *make_node(int v)\n{\n    return 0;\n}\nint Widget::size() const { return 1; }\n",
          "cpp",
        ),
      ),
      ["function make_node 1-4", "method Widget.size 5-5"],
    );
  });

  it("ruby: def/class/module closed by end at the same indentation", () => {
    const text = "module Shop\n  class Cart\n    def total\n      1\n    end\n  end\nend\n";
    assert.deepEqual(summary(heuristicUnits(text, "ruby")), [
      "module Shop 1-7",
      "class Shop.Cart 2-6",
      "method Shop.Cart.total 3-5",
    ]);
  });

  it("python: docstrings that mention def do not create units", () => {
    const text = 'def f():\n    """\ndef not_a_function():\n    """\n    return 1\n\nclass C:\n    pass\n';
    assert.deepEqual(summary(heuristicUnits(text, "python")), ["function f 1-5", "class C 7-8"]);
  });
});

describe("maskSource", () => {
  it("blanks comments (and optionally strings) while keeping offsets and newlines", () => {
    const ts = 'const a = "x // y"; // note\n/* block\n comment */ let b = `t`;';
    const masked = maskSource(ts, "typescript");
    assert.equal(masked.length, ts.length);
    assert.equal(masked.split("\n").length, 3);
    assert.ok(masked.includes('"x // y"') && !masked.includes("note") && !masked.includes("block"));
    assert.ok(!maskSource(ts, "typescript", { strings: true }).includes("x // y"));
    assert.equal(maskSource("x = '#'  # c", "python"), "x = '#'     ");
    assert.equal(maskSource("let c = '{'; // }", "rust", { strings: true }), "let c = ' ';     ");
  });
});
