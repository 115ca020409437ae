/**
 * A self-contained HTML report of a main-agent A/B run: the arm table, the paired comparisons and a
 * per-task chart of main-agent tokens by arm (no scripts, no external resources).
 */
import { esc, groupedBars, PALETTE } from "../eval/svg-charts.js";
import type { ArmName } from "./prompts.js";
import type { AgentRecord } from "./runner.js";
import { type AgentSummary, renderAgentSummaryMd } from "./summary.js";

function mdTableToHtml(md: string): string {
  const blocks = md.trim().split(/\n\s*\n/);
  return blocks
    .map((block) => {
      const rows = block.split("\n").filter((l) => l.startsWith("|") && !/^\|[-| ]+\|$/.test(l));
      if (rows.length === 0) return `<p>${esc(block)}</p>`;
      const cells = (row: string) =>
        row
          .slice(1, -1)
          .split("|")
          .map((c) => c.trim());
      const [head, ...body] = rows;
      return `<table><thead><tr>${cells(head!)
        .map((c) => `<th>${esc(c)}</th>`)
        .join("")}</tr></thead><tbody>${body
        .map(
          (r) =>
            `<tr>${cells(r)
              .map((c) => `<td>${esc(c)}</td>`)
              .join("")}</tr>`,
        )
        .join("")}</tbody></table>`;
    })
    .join("\n");
}

/** Per-task token bars, one chart per 12 tasks so labels stay readable. */
function tokenCharts(records: readonly AgentRecord[], arms: readonly ArmName[]): string {
  const ids = [...new Set(records.map((r) => r.instance_id))];
  const byKey = new Map(records.map((r) => [`${r.instance_id}\0${r.arm}`, r]));
  const yMax = Math.max(1, ...records.map((r) => r.main_tokens));
  const charts: string[] = [];
  for (let i = 0; i < ids.length; i += 12) {
    const slice = ids.slice(i, i + 12);
    charts.push(
      groupedBars({
        title: `Main-agent tokens per task (${i + 1}–${i + slice.length} of ${ids.length})`,
        yMax,
        series: arms.map((arm, k) => ({ name: arm, color: PALETTE[k % PALETTE.length]! })),
        groups: slice.map((id) => ({
          label: id.length > 18 ? `${id.slice(0, 17)}…` : id,
          values: arms.map((arm) => ({ value: byKey.get(`${id}\0${arm}`)?.main_tokens ?? 0 })),
        })),
      }),
    );
  }
  return charts.join("\n");
}

export function renderAgentReportHtml(
  summary: AgentSummary,
  records: readonly AgentRecord[],
  arms: readonly ArmName[],
  commandLine: string,
): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fastcontext eval agent</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:12px 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}code{background:#f3f3f3;padding:1px 4px}
</style></head><body>
<h1>Main-agent A/B</h1>
<p><code>${esc(commandLine)}</code></p>
<p>Tokens are the main model's own <code>usage</code>, counted by the metering proxy; explorer tokens are counted
apart. Resolution appears only when a test command judged it.</p>
${mdTableToHtml(renderAgentSummaryMd(summary))}
${tokenCharts(records, arms)}
</body></html>
`;
}
