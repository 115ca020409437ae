/**
 * The import layering of src/, enforced so it cannot regress. Every relative import of every
 * module is read with TypeScript's own pre-processor (static, type-only, re-exports and literal
 * dynamic imports) and resolved to a folder of src/:
 *
 *   contracts                 imports nothing of ours (pure types at the bottom)
 *   workspace, tools          never import the run (core), the explorers or any surface
 *   core                      never imports a surface or the explorers
 *   surfaces/cli              is imported by nothing outside it (eval and MCP use neutral modules)
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

const SRC = resolve(import.meta.dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Every module specifier a source text imports or re-exports. */
export function specifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

interface Edge {
  /** Importing module, relative to src/ with forward slashes. */
  from: string;
  /** Imported module, relative to src/ with forward slashes (relative specifiers only). */
  to: string;
}

function edges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) =>
    specifiers(readFileSync(file, "utf8"))
      .filter((s) => s.startsWith("."))
      .map((s) => ({
        from: relative(SRC, file).split(sep).join("/"),
        to: relative(SRC, resolve(dirname(file), s))
          .split(sep)
          .join("/"),
      })),
  );
}

const ALL = edges();
const under = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);
const violations = (rule: (e: Edge) => boolean) => ALL.filter(rule).map((e) => `${e.from} imports ${e.to}`);

describe("layering", () => {
  it("the scanner sees static, type-only, re-exported and dynamic imports", () => {
    const text = [
      'import { a } from "./a.js";',
      'import type {\n  B,\n} from "../b.js";',
      'export { c } from "./c.js";',
      'export * from "./d.js";',
      'const e = await import("./e.js");',
      'import "./f.js";',
    ].join("\n");
    assert.deepEqual(specifiers(text).sort(), ["../b.js", "./a.js", "./c.js", "./d.js", "./e.js", "./f.js"]);
    // And it found the program's real imports (an empty scan would pass every rule below).
    assert.ok(ALL.some((e) => e.from === "surfaces/cli/main.ts" && under(e.to, "surfaces/cli/commands")));
    assert.ok(ALL.some((e) => under(e.from, "tools") && under(e.to, "contracts")));
  });

  it("contracts import nothing of ours outside contracts", () => {
    assert.deepEqual(
      violations((e) => under(e.from, "contracts") && !under(e.to, "contracts")),
      [],
    );
  });

  it("workspace and tools never import the run, the explorers or a surface", () => {
    const above = ["core", "explore", "surfaces", "embedded", "eval", "agent-eval", "corpus", "llm"];
    assert.deepEqual(
      violations(
        (e) => (under(e.from, "workspace") || under(e.from, "tools")) && above.some((folder) => under(e.to, folder)),
      ),
      [],
    );
  });

  it("core never imports a surface or the explorers", () => {
    assert.deepEqual(
      violations((e) => under(e.from, "core") && (under(e.to, "surfaces") || under(e.to, "explore"))),
      [],
    );
  });

  it("nothing outside surfaces/cli imports it", () => {
    assert.deepEqual(
      violations((e) => !under(e.from, "surfaces/cli") && under(e.to, "surfaces/cli")),
      [],
    );
  });
});
