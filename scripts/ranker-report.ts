/**
 * Tables for BENCHMARKS.md from `eval` runs on the same tasks: per language (file Acc@1, Acc@5, line
 * hit on edit ranges, median cited lines), the calibration of citation confidences (share of
 * citations holding gold edit lines, per confidence bin; answers by their best confidence), and wall
 * time per task (p50 / p90).
 *
 *   node --import tsx scripts/ranker-report.ts --tasks TASKS.jsonl --languages repos.txt \
 *     --run before=DIR --run after=DIR [--run bm25=DIR]
 *
 * `repos.txt` lists `owner/name language` per line (the languages of the mined repositories).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LOW_CONFIDENCE } from "../src/embedded/explorer.js";
import { loadTasks } from "../src/eval/tasks.js";

interface Citation {
  path: string;
  start: number;
  end: number;
  confidence?: number;
}

interface Row {
  instance_id: string;
  repo: string;
  citations: Citation[];
  scores: { file_acc_at_1: number; file_acc_at_5: number; line_hit_edit: number; cited_lines: number };
  cost: { wall_s: number };
}

function readRun(dir: string): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const line of readFileSync(join(dir, "results.jsonl"), "utf8").split("\n"))
    if (line.trim()) {
      const r = JSON.parse(line) as Row;
      rows.set(r.instance_id, r);
    }
  return rows;
}

const pct = (xs: number[]) => (xs.length ? `${((100 * xs.reduce((a, b) => a + b, 0)) / xs.length).toFixed(1)}%` : "–");
function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      tasks: { type: "string" },
      languages: { type: "string" },
      run: { type: "string", multiple: true },
    },
  });
  if (!values.tasks || !values.languages || !values.run?.length)
    throw new Error("ranker-report needs --tasks --languages --run name=DIR...");
  const tasks = loadTasks(values.tasks);
  const language = new Map<string, string>();
  for (const line of readFileSync(values.languages, "utf8").split("\n")) {
    const [repo, lang] = line.trim().split(/\s+/);
    if (repo && lang) language.set(repo, lang);
  }
  const runs = values.run.map((spec) => {
    const [name = "", dir = ""] = spec.split("=");
    return { name, rows: readRun(dir) };
  });
  const langOf = (repo: string) => language.get(repo) ?? "other";
  const kindOf = (id: string) => (id.includes("-doc-") ? "doc" : id.endsWith("-trace") ? "trace" : "commit");
  const groups = new Map<string, string[]>();
  for (const t of tasks) {
    for (const key of [langOf(t.repo), `all ${kindOf(t.instance_id)}`, "all"]) {
      const list = groups.get(key) ?? [];
      list.push(t.instance_id);
      groups.set(key, list);
    }
  }
  const out: string[] = [];
  const header = runs.map((r) => r.name).join(" / ");
  out.push(
    `| group | n | Acc@1 (${header}) | Acc@5 | line hit (edit) | median cited lines |`,
    "|---|---|---|---|---|---|",
  );
  const order = [...groups.keys()].sort(
    (a, b) => (a.startsWith("all") ? 1 : 0) - (b.startsWith("all") ? 1 : 0) || (a < b ? -1 : 1),
  );
  for (const key of order) {
    const ids = groups.get(key)!;
    const cell = (f: (r: Row | undefined) => number) =>
      runs.map((run) => pct(ids.map((id) => f(run.rows.get(id))))).join(" / ");
    const median = runs
      .map((run) =>
        quantile(
          ids.map((id) => run.rows.get(id)?.scores.cited_lines ?? 0),
          0.5,
        ),
      )
      .join(" / ");
    out.push(
      `| ${key} | ${ids.length} | ${cell((r) => r?.scores.file_acc_at_1 ?? 0)} | ${cell((r) => r?.scores.file_acc_at_5 ?? 0)} | ${cell((r) => r?.scores.line_hit_edit ?? 0)} | ${median} |`,
    );
  }
  out.push("", "| run | wall time p50 | p90 |", "|---|---|---|");
  for (const run of runs) {
    const walls = tasks.map((t) => run.rows.get(t.instance_id)?.cost.wall_s ?? 0);
    out.push(`| ${run.name} | ${quantile(walls, 0.5).toFixed(2)} s | ${quantile(walls, 0.9).toFixed(2)} s |`);
  }
  // Calibration: a citation "holds gold" when it overlaps the task's edit ranges.
  const gold = new Map(tasks.map((t) => [t.instance_id, t.locations]));
  for (const run of runs) {
    const bins = [0, 0.2, 0.4, 0.6, 0.8, 1.000001].slice(0, -1).map((lo, i, a) => ({
      lo,
      hi: a[i + 1] ?? 1.000001,
      n: 0,
      hit: 0,
      sum: 0,
    }));
    let any = false;
    for (const [id, row] of run.rows) {
      const locs = gold.get(id);
      if (!locs) continue;
      for (const c of row.citations) {
        if (typeof c.confidence !== "number") continue;
        any = true;
        const bin = bins.find((b) => c.confidence! >= b.lo && c.confidence! < b.hi) ?? bins[bins.length - 1]!;
        bin.n++;
        bin.sum += c.confidence;
        const holds = locs.some((l) => l.path === c.path && l.edit_ranges.some(([s, e]) => c.start <= e && c.end >= s));
        if (holds) bin.hit++;
      }
    }
    if (!any) continue;
    out.push("", `Calibration (${run.name}): citations per confidence bin, share holding gold edit lines`, "");
    out.push("| confidence | citations | mean confidence | hold gold lines |", "|---|---|---|---|");
    for (const b of bins)
      out.push(
        `| ${b.lo.toFixed(1)}–${Math.min(1, b.hi).toFixed(1)} | ${b.n} | ${b.n ? (b.sum / b.n).toFixed(3) : "–"} | ${b.n ? `${((100 * b.hit) / b.n).toFixed(1)}%` : "–"} |`,
      );
    // What an answer's best confidence says about the answer: the explorer calls an answer whose
    // best citation is below LOW_CONFIDENCE "Low confidence" (src/embedded/explorer.ts).
    const answerBins = [
      { label: `below ${LOW_CONFIDENCE} ("Low confidence")`, lo: 0, hi: LOW_CONFIDENCE },
      { label: `${LOW_CONFIDENCE}–0.5`, lo: LOW_CONFIDENCE, hi: 0.5 },
      { label: "0.5–0.8", lo: 0.5, hi: 0.8 },
      { label: "0.8 and above", lo: 0.8, hi: Number.POSITIVE_INFINITY },
    ].map((b) => ({ ...b, rows: [] as Row[] }));
    for (const row of run.rows.values()) {
      const best = Math.max(0, ...row.citations.map((c) => c.confidence ?? 0));
      if (row.citations.length === 0) continue;
      answerBins.find((b) => best >= b.lo && best < b.hi)?.rows.push(row);
    }
    out.push("", `Answers by their best citation's confidence (${run.name})`, "");
    out.push("| best confidence | answers | file Acc@1 | line hit (edit) |", "|---|---|---|---|");
    for (const b of answerBins)
      out.push(
        `| ${b.label} | ${b.rows.length} | ${pct(b.rows.map((r) => r.scores.file_acc_at_1))} | ${pct(b.rows.map((r) => r.scores.line_hit_edit))} |`,
      );
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

main();
