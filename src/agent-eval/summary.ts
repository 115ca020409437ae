/**
 * Per-arm summary and paired comparisons of a main-agent A/B run. Comparisons pair each task's
 * record in an arm with the same task's record in the baseline arm (the first arm, normally
 * `without`), over tasks both arms completed without a harness error, with percentile bootstrap
 * intervals as `eval compare` uses. Resolution is reported only when a test command judged it.
 */
import { bootstrapMean, type Interval, mean, pairedBootstrap, quantile } from "../eval/bootstrap.js";
import type { ArmName } from "./prompts.js";
import type { AgentRecord } from "./runner.js";

export interface ArmSummary {
  arm: ArmName;
  tasks: number;
  errors: number;
  submitted: number;
  /** Share of tasks the test command passed; null without a test command. */
  resolved: Interval | null;
  main_tokens: Interval;
  main_tokens_median: number;
  explorer_tokens_mean: number;
  steps_mean: number;
  explorer_calls_mean: number;
  wall_s_median: number;
  read_gold_file: number;
  edited_gold_file: number;
  edited_gold_lines: number;
  /** Dollars for the main agent's tokens at the given prices; null without prices. */
  cost: number | null;
  missing_usage: number;
}

export interface PairedDelta {
  arm: ArmName;
  baseline: ArmName;
  pairs: number;
  /** Mean of (arm − baseline) main tokens per task. */
  main_tokens: Interval;
  /** Mean relative change of main tokens, (arm − baseline) / baseline, per task with baseline > 0. */
  main_tokens_relative: Interval;
  edited_gold_file: Interval;
  resolved: Interval | null;
}

export interface AgentSummary {
  arms: ArmSummary[];
  deltas: PairedDelta[];
}

const rate = (records: readonly AgentRecord[], pick: (r: AgentRecord) => boolean) =>
  records.length === 0 ? 0 : records.filter(pick).length / records.length;

export function summarizeAgentRun(
  records: readonly AgentRecord[],
  arms: readonly ArmName[],
  price?: { prompt: number; completion: number },
): AgentSummary {
  const byArm = new Map<ArmName, AgentRecord[]>(arms.map((a) => [a, []]));
  for (const r of records) byArm.get(r.arm)?.push(r);
  const summaries: ArmSummary[] = arms.map((arm) => {
    const all = byArm.get(arm) ?? [];
    // A harness error (tree, wiring) is not the agent's outcome; a model error is.
    const ok = all.filter((r) => r.exit !== "error");
    const judged = ok.filter((r) => r.resolved !== null);
    const tokens = ok.map((r) => r.main_tokens);
    return {
      arm,
      tasks: all.length,
      errors: all.filter((r) => r.exit === "error").length,
      submitted: ok.filter((r) => r.submitted).length,
      resolved: judged.length > 0 ? bootstrapMean(judged.map((r) => (r.resolved ? 1 : 0))) : null,
      main_tokens: bootstrapMean(tokens),
      main_tokens_median: tokens.length ? quantile(tokens, 0.5) : 0,
      explorer_tokens_mean: mean(ok.map((r) => r.explorer_tokens)),
      steps_mean: mean(ok.map((r) => r.steps)),
      explorer_calls_mean: mean(ok.map((r) => r.explorer_calls)),
      wall_s_median: ok.length
        ? quantile(
            ok.map((r) => r.wall_s),
            0.5,
          )
        : 0,
      read_gold_file: rate(ok, (r) => r.localization?.read_gold_file === true),
      edited_gold_file: rate(ok, (r) => r.localization?.edited_gold_file === true),
      edited_gold_lines: rate(ok, (r) => r.localization?.edited_gold_lines === true),
      cost: price
        ? ok.reduce(
            (s, r) => s + (r.main.promptTokens * price.prompt + r.main.completionTokens * price.completion) / 1e6,
            0,
          )
        : null,
      missing_usage: ok.reduce((s, r) => s + r.main.missingUsage, 0),
    };
  });
  const baseline = arms[0];
  const deltas: PairedDelta[] = [];
  if (baseline) {
    const base = new Map((byArm.get(baseline) ?? []).filter((r) => r.exit !== "error").map((r) => [r.instance_id, r]));
    for (const arm of arms.slice(1)) {
      const pairs = (byArm.get(arm) ?? [])
        .filter((r) => r.exit !== "error" && base.has(r.instance_id))
        .map((r) => [base.get(r.instance_id)!, r] as const);
      const rel = pairs
        .filter(([a]) => a.main_tokens > 0)
        .map(([a, b]) => (b.main_tokens - a.main_tokens) / a.main_tokens);
      const judged = pairs.filter(([a, b]) => a.resolved !== null && b.resolved !== null);
      deltas.push({
        arm,
        baseline,
        pairs: pairs.length,
        main_tokens: pairedBootstrap(
          pairs.map(([a]) => a.main_tokens),
          pairs.map(([, b]) => b.main_tokens),
        ),
        main_tokens_relative: bootstrapMean(rel),
        edited_gold_file: pairedBootstrap(
          pairs.map(([a]) => (a.localization?.edited_gold_file ? 1 : 0)),
          pairs.map(([, b]) => (b.localization?.edited_gold_file ? 1 : 0)),
        ),
        resolved:
          judged.length > 0
            ? pairedBootstrap(
                judged.map(([a]) => (a.resolved ? 1 : 0)),
                judged.map(([, b]) => (b.resolved ? 1 : 0)),
              )
            : null,
      });
    }
  }
  return { arms: summaries, deltas };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const ci = (i: Interval, f: (x: number) => string) => `${f(i.mean)} [${f(i.lo)}, ${f(i.hi)}]`;
const int = (x: number) => Math.round(x).toLocaleString("en-US");

/** The summary as Markdown tables. */
export function renderAgentSummaryMd(summary: AgentSummary): string {
  const lines = [
    "| arm | tasks | errors | submitted | resolved | main tokens (mean [95% CI]) | median | explorer tokens | steps | explorer calls | edited gold file | edited gold lines | cost |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const a of summary.arms)
    lines.push(
      `| ${a.arm} | ${a.tasks} | ${a.errors} | ${a.submitted} | ${a.resolved ? ci(a.resolved, pct) : "not judged"} | ${ci(a.main_tokens, int)} | ${int(a.main_tokens_median)} | ${int(a.explorer_tokens_mean)} | ${a.steps_mean.toFixed(1)} | ${a.explorer_calls_mean.toFixed(1)} | ${pct(a.edited_gold_file)} | ${pct(a.edited_gold_lines)} | ${a.cost === null ? "–" : `$${a.cost.toFixed(2)}`} |`,
    );
  if (summary.deltas.length > 0) {
    lines.push(
      "",
      "| arm vs baseline | pairs | Δ main tokens | relative Δ | Δ edited gold file | Δ resolved |",
      "|---|---|---|---|---|---|",
    );
    for (const d of summary.deltas)
      lines.push(
        `| ${d.arm} vs ${d.baseline} | ${d.pairs} | ${ci(d.main_tokens, int)} | ${ci(d.main_tokens_relative, pct)} | ${ci(d.edited_gold_file, pct)} | ${d.resolved ? ci(d.resolved, pct) : "not judged"} |`,
      );
  }
  const missing = summary.arms.reduce((s, a) => s + a.missing_usage, 0);
  if (missing > 0) lines.push("", `${missing} main-model replies carried no usage; their tokens are not counted.`);
  return `${lines.join("\n")}\n`;
}
