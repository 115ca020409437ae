/**
 * Prints the conformance counts (per format, per source repository: pass / deliberate difference /
 * fail), the reasons for the deliberate differences, and any failure.
 * Run: node --import tsx test/llm/conformance/report.ts
 */
import { runAll, type VectorResult } from "./runner.js";

const started = performance.now();
const results = await runAll();
const ms = Math.round(performance.now() - started);

const row = (label: string, group: VectorResult[]) => {
  const count = (verdict: VectorResult["verdict"]) => group.filter((r) => r.verdict === verdict).length;
  return `| ${label} | ${group.length} | ${count("pass")} | ${count("deliberate")} | ${count("fail")} |`;
};
const groupBy = (key: (r: VectorResult) => string) => {
  const groups = new Map<string, VectorResult[]>();
  for (const result of results) groups.set(key(result), [...(groups.get(key(result)) ?? []), result]);
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
};

const lines = [
  `Tool-call parser conformance: ${results.length} vectors, each as a complete message and as SSE in 1-, 3- and 7-character deltas (${ms} ms)`,
  "",
  "| format | vectors | pass | deliberate | fail |",
  "|---|---|---|---|---|",
  ...groupBy((r) => r.format).map(([format, group]) => row(format, group)),
  row("**all**", results),
  "",
  "| source | format | vectors | pass | deliberate | fail |",
  "|---|---|---|---|---|---|",
  ...groupBy((r) => `${r.repo}\u0000${r.format}`).map(([key, group]) => {
    const [repo, format] = key.split("\u0000");
    return row(`${repo} | ${format}`, group);
  }),
  "",
  "Deliberate differences:",
  ...results.filter((r) => r.verdict === "deliberate").map((r) => `- ${r.vector.source}: ${r.vector.deliberate}`),
];
const failures = results.filter((r) => r.verdict === "fail");
if (failures.length > 0) {
  lines.push("", "Failures:");
  for (const failure of failures) lines.push(`- ${failure.vector.source}`, ...failure.problems.map((p) => `    ${p}`));
}
process.stdout.write(`${lines.join("\n")}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
