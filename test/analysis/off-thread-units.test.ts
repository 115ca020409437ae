/**
 * The off-thread unit extractor gives the units the calling thread's extractor gives, parsed on
 * another thread; it falls back to the calling thread when no worker can start, gives heuristic
 * units to a parse past its time limit, and never keeps a process alive once nothing is pending.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { CodeUnitExtractor } from "../../src/analysis/code-units.js";
import { heuristicUnits } from "../../src/analysis/heuristic-units.js";
import type { LanguageId } from "../../src/analysis/languages.js";
import { OffThreadUnitExtractor } from "../../src/analysis/off-thread-units.js";

const SOURCES: Array<[LanguageId, string]> = [
  [
    "python",
    "class Session:\n    def send(self, request):\n        return request\n\n\ndef retry(call):\n    return call()\n",
  ],
  [
    "typescript",
    "export class Pool {\n  take(): number {\n    return 1;\n  }\n}\nexport const size = (p: Pool) => p.take();\n",
  ],
  ["java", "class Backoff {\n  Backoff() {}\n  long delay(int attempt) {\n    return 1L << attempt;\n  }\n}\n"],
  ["go", "package x\n\ntype T struct{}\n\nfunc (t *T) Run() error {\n\treturn nil\n}\n"],
  ["rust", "struct Timer;\nimpl Timer {\n    fn start(&self) {}\n}\nfn main() {}\n"],
  ["kotlin", "class Retry {\n    fun next(attempt: Int): Long = attempt.toLong()\n}\n"],
];

describe("off-thread code units", () => {
  const extractor = new OffThreadUnitExtractor();
  after(() => extractor.close());

  it("are the calling thread's units, parsed on another thread", async () => {
    const local = new CodeUnitExtractor();
    // This file too: a real one of some size.
    const own = readFileSync(new URL("../../src/analysis/off-thread-units.ts", import.meta.url), "utf8");
    for (const [lang, text] of [...SOURCES, ["typescript", own] as [LanguageId, string]]) {
      const expected = await local.extractWithSource(text, lang);
      const got = await extractor.extractWithSource(text, lang);
      assert.deepEqual(got.units, expected.units, lang);
      assert.equal(got.source, "tree-sitter", lang);
      assert.ok(got.threadId > 0, `${lang}: parsed on a worker thread`);
    }
    const concurrent = await Promise.all(SOURCES.map(([lang, text]) => extractor.extract(text, lang)));
    assert.deepEqual(concurrent, await Promise.all(SOURCES.map(([lang, text]) => local.extract(text, lang))));
  });

  it("extracts on the calling thread when no worker can start", async () => {
    const broken = new OffThreadUnitExtractor({
      startWorker: () => new Worker("throw new Error('no worker here')", { eval: true }),
    });
    const [lang, text] = SOURCES[0]!;
    const expected = await new CodeUnitExtractor().extract(text, lang);
    const first = await broken.extractWithSource(text, lang);
    assert.deepEqual(first.units, expected);
    assert.equal(first.threadId, 0, "the calling thread took over");
    const second = await broken.extractWithSource(text, lang);
    assert.deepEqual(second.units, expected);
    assert.ok(broken.unavailable, "given up after failed starts");
    assert.equal((await broken.extractWithSource(text, lang)).threadId, 0);
  });

  it("gives a parse past its time limit the heuristic units, and parses again afterwards", async () => {
    const hasty = new OffThreadUnitExtractor({ timeoutMs: 1 });
    const big = Array.from({ length: 4000 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join("\n");
    const cut = await hasty.extractWithSource(big, "python");
    assert.equal(cut.source, "heuristic");
    assert.deepEqual(cut.units, heuristicUnits(big, "python"));
    await hasty.close();
    const patient = new OffThreadUnitExtractor();
    const [lang, text] = SOURCES[1]!;
    assert.equal((await patient.extractWithSource(text, lang)).source, "tree-sitter");
    await patient.close();
  });

  it("lets a process exit once nothing is pending, and when it was only warmed", () => {
    const load = `const { OffThreadUnitExtractor } = await import(${JSON.stringify(new URL("../../src/analysis/off-thread-units.ts", import.meta.url).href)});`;
    const run = (lines: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", [load, ...lines].join("\n")], {
        encoding: "utf8",
        timeout: 60_000,
      });
    const used = run([
      "const x = new OffThreadUnitExtractor();",
      "const units = await x.extract('def a():\\n    return 1\\n', 'python');",
      "console.log(units.length);",
    ]);
    assert.equal(used.status, 0, used.stderr);
    assert.equal(used.stdout.trim(), "1", "the answer came back before the process ended");
    const warmed = run([
      "const x = new OffThreadUnitExtractor();",
      "x.warm();",
      "await new Promise((r) => setTimeout(r, 300));",
      "console.log('done');",
    ]);
    assert.equal(warmed.status, 0, `a warmed worker kept the process alive: ${warmed.stderr}`);
    assert.equal(warmed.stdout.trim(), "done");
  });
});
