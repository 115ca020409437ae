/** Plain-text rendering of an inspect report (the `--json` form is the report object itself). */
import type { InspectReport, ModuleGroup } from "./inspect.js";

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function formatSize(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function groups(list: ModuleGroup[]): string[] {
  if (list.length === 0) return ["    (none)"];
  return list.map((g) => `    ${g.pattern}${g.count > 1 ? ` ×${g.count}` : ""}`);
}

/** The report as lines for a terminal. */
export function renderInspect(report: InspectReport): string {
  const q = report.quantization;
  const lines = [
    `checkpoint   ${report.dir}`,
    `architecture ${report.architecture ?? "?"} (${report.modelType ?? "?"})${report.layers !== undefined ? `, ${report.layers} layers` : ""}${report.experts !== undefined ? `, ${report.experts} experts` : ""}`,
    `parameters   ${formatCount(report.parameters)} (+${formatCount(report.auxiliaryElements)} scale/zero elements)`,
    `size         ${formatSize(report.weightBytes)} in ${report.files.length} weight file${report.files.length === 1 ? "" : "s"}${report.sharded ? " (sharded)" : ""}, ${formatSize(report.totalBytes)} in all`,
    `context      ${report.contextLength ?? "?"} tokens (config)`,
    `quantization ${q.format}${q.groupSizes.length ? `, group ${q.groupSizes.join("/")} (measured)` : ""}${q.declared ? `; declared ${q.declared.algo ?? q.declared.method} in ${q.declared.source}${q.declared.groupSize !== undefined ? ` (group ${q.declared.groupSize})` : ""}` : "; none declared"}`,
    "  quantized:",
    ...groups(q.quantized),
    "  not quantized:",
    ...groups(q.excluded),
    `tokenizer    ${report.serving.tokenizer ?? "missing"}; chat template ${report.serving.chatTemplate ?? "missing"}${report.serving.chatTemplate ? (report.serving.tools ? " (renders tools)" : " (no tools)") : ""}`,
    `stop ids     ${report.serving.eos.ids.join(", ") || "none"}${report.serving.eos.missing.length ? ` (missing ${report.serving.eos.missing.join(", ")})` : ""}`,
    `embeddings   ${report.serving.tiedEmbeddings.configured === undefined ? "tie unset" : report.serving.tiedEmbeddings.configured ? "tied" : "untied"}, lm_head tensor ${report.serving.tiedEmbeddings.lmHeadTensor ? "present" : "absent"}`,
  ];
  if (report.findings.length > 0) {
    lines.push("", "findings:");
    for (const f of report.findings) lines.push(`  ${f.level.padEnd(5)} ${f.message}`);
  }
  lines.push("", report.ok ? "ok: nothing blocks serving" : "problems: fix the errors above before serving");
  return lines.join("\n");
}
