/**
 * Parse + extract throughput of the code-unit extractor (tree-sitter), on generated Python and on
 * this repository's own TypeScript sources. Prints MB/s; no pass/fail.
 *   node --import tsx bench/code-units.ts
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CodeUnitExtractor } from "../src/analysis/code-units.js";

function python(lines: number): string {
  const out: string[] = [];
  for (let n = 0; out.length < lines; n++) {
    out.push(`class Handler${n}(Base):`, `    """Handles ${n}."""`);
    for (let m = 0; m < 8; m++)
      out.push(
        `    def method_${m}(self, value):`,
        `        return {"a": value, "b": [x * ${m} for x in range(value)]}`,
        "",
      );
  }
  return out.join("\n");
}

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (p.endsWith(".ts") && statSync(p).size < 500_000) out.push(p);
  }
  return out;
}

const extractor = new CodeUnitExtractor();
async function measure(label: string, texts: string[], lang: "python" | "typescript"): Promise<void> {
  await extractor.extract(texts[0]!, lang); // grammar load and JIT warm-up
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const runs: number[] = [];
  let units = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    units = 0;
    for (const t of texts) units += (await extractor.extract(t, lang)).length;
    runs.push(performance.now() - t0);
  }
  const best = Math.min(...runs);
  console.log(
    `${label}: ${(bytes / 1e6).toFixed(2)} MB, ${units} units, best of 3 ${best.toFixed(1)} ms = ${(bytes / 1e6 / (best / 1000)).toFixed(1)} MB/s`,
  );
}

await measure("generated Python, 5,000 lines", [python(5000)], "python");
await measure(
  "fastcontext src/**/*.ts",
  sources(new URL("../src", import.meta.url).pathname).map((f) => readFileSync(f, "utf8")),
  "typescript",
);
