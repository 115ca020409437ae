/**
 * Markdown tables of a benchmark, shaped like the NVFP4 model cards': one row per concurrency for a
 * single endpoint; with `--vs`, one metric-by-endpoint table per concurrency with the ratio.
 */
import type { EndpointBench, LevelResult } from "./run.js";
import type { Spread } from "./stats.js";

/** `43 (41–47)`, or `–` without samples. */
export function formatSpread(s: Spread | null, digits = 0): string {
  if (!s) return "–";
  const f = (v: number) => v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  // A range that rounds to one value says nothing: show the median alone.
  return s.n > 1 && f(s.min) !== f(s.max) ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median);
}

/** The heading line of an endpoint's results. */
export function describeEndpoint(bench: EndpointBench): string {
  return `${bench.label}: ${bench.baseUrl} · model ${bench.model}${bench.ignoreEos ? "" : " · ignore_eos refused"}`;
}

/** One endpoint: concurrency | TTFT | decode per stream | aggregate | prompt | failed. */
export function renderSingle(bench: EndpointBench, promptTokens: number): string {
  const prompt = promptTokens > 0 ? `prompt tok/s (${promptTokensLabel(bench.levels)})` : "prompt tok/s";
  const rows = [
    `| concurrency | TTFT ms | decode tok/s per stream | aggregate tok/s | ${prompt} | failed |`,
    "|---:|---:|---:|---:|---:|---:|",
    ...bench.levels.map(
      (l) =>
        `| ${l.concurrency} | ${formatSpread(l.ttftMs)} | ${formatSpread(l.decodeTps, 1)} | ${formatSpread(l.aggregateTps, 1)} | ${formatSpread(l.promptTps)} | ${l.failed}/${l.requests} |`,
    ),
  ];
  return rows.join("\n");
}

/** Ratio of A over B where higher is better (`2.9× faster`), or lower is better for times. */
export function ratio(a: Spread | null, b: Spread | null, lowerIsBetter: boolean): string {
  if (!a || !b || a.median <= 0 || b.median <= 0) return "–";
  const r = lowerIsBetter ? b.median / a.median : a.median / b.median;
  if (Math.abs(r - 1) < 0.005) return "same";
  return r >= 1 ? `${r.toFixed(2)}× faster` : `${(1 / r).toFixed(2)}× slower`;
}

/** Two endpoints, one table per concurrency: metric | A | B | A vs B. */
export function renderComparison(a: EndpointBench, b: EndpointBench): string {
  const out: string[] = [];
  for (const la of a.levels) {
    const lb = b.levels.find((l) => l.concurrency === la.concurrency);
    if (!lb) continue;
    out.push(
      `concurrency ${la.concurrency}`,
      "",
      `| metric | ${a.label} | ${b.label} | ${a.label} vs ${b.label} |`,
      "|---|---:|---:|---|",
    );
    const row = (name: string, pick: (l: LevelResult) => Spread | null, digits: number, lowerIsBetter = false) =>
      `| ${name} | ${formatSpread(pick(la), digits)} | ${formatSpread(pick(lb), digits)} | ${ratio(pick(la), pick(lb), lowerIsBetter)} |`;
    out.push(
      row("TTFT (ms)", (l) => l.ttftMs, 0, true),
      row("decode tok/s per stream", (l) => l.decodeTps, 1),
      row("aggregate tok/s", (l) => l.aggregateTps, 1),
    );
    if (la.promptTps || lb.promptTps) out.push(row("prompt tok/s", (l) => l.promptTps, 0));
    out.push(`| failed requests | ${la.failed}/${la.requests} | ${lb.failed}/${lb.requests} | |`, "");
  }
  return out.join("\n").trimEnd();
}

function promptTokensLabel(levels: LevelResult[]): string {
  const counted = levels.map((l) => l.promptTokens).find((n): n is number => n !== null);
  return counted === undefined ? "long prompt" : `${counted.toLocaleString("en-US")}-token prompt`;
}
