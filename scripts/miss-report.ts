/**
 * What the Acc@5 misses of an `eval` run are made of, for BENCHMARKS.md: how many tasks have more
 * than one gold file (Acc@5 needs all of them among the first five cited), and of the single-gold
 * misses, whether the question shares a word with the gold file at all (its path or its text at the
 * task's commit, from the eval's tree cache). A word: four letters or more, not an English
 * stopword, compared by its first five letters, identifiers split as the query analysis splits them.
 *
 *   node --import tsx scripts/miss-report.ts --tasks TASKS.jsonl --run DIR --trees CACHE_DIR
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { splitIdentifier } from "../src/analysis/identifiers.js";
import { ENGLISH_STOPWORDS } from "../src/analysis/stopwords.js";
import { treeKey } from "../src/eval/materialize.js";
import { loadTasks } from "../src/eval/tasks.js";

interface Row {
  instance_id: string;
  scores: { file_acc_at_5: number } | null;
}

function words(text: string): Set<string> {
  const out = new Set<string>();
  for (const token of text.match(/[A-Za-z][A-Za-z0-9_]*/g) ?? [])
    for (const part of [token, ...splitIdentifier(token)]) {
      const w = part.toLowerCase();
      if (w.length >= 4 && !ENGLISH_STOPWORDS.has(w)) out.add(w.slice(0, 5));
    }
  return out;
}

function overlap(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((w) => b.has(w)).sort();
}

const { values } = parseArgs({
  options: { tasks: { type: "string" }, run: { type: "string" }, trees: { type: "string" } },
});
if (!values.tasks || !values.run || !values.trees) {
  console.error("usage: miss-report.ts --tasks TASKS.jsonl --run DIR --trees CACHE_DIR");
  process.exit(2);
}
const tasks = new Map(loadTasks(values.tasks).map((t) => [t.instance_id, t]));
const rows: Row[] = readFileSync(join(values.run, "results.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as Row);

const kinds = new Map<string, string[]>();
const add = (kind: string, line: string) => kinds.set(kind, [...(kinds.get(kind) ?? []), line]);
let misses = 0;
for (const row of rows) {
  const task = tasks.get(row.instance_id);
  if (!task || (row.scores?.file_acc_at_5 ?? 0) > 0) continue;
  misses++;
  if (task.gold_files.length > 1) {
    add(`${task.gold_files.length >= 3 ? "3+" : "2"} gold files`, row.instance_id);
    continue;
  }
  const gold = task.gold_files[0]!;
  let text: string;
  try {
    text = readFileSync(join(values.trees, treeKey(task.repo, task.base_commit), gold), "utf8");
  } catch {
    add("one gold file, not in the tree cache", row.instance_id);
    continue;
  }
  const inGold = new Set([...words(gold), ...words(text)]);
  const title = task.problem_statement.split("\n")[0] ?? "";
  const fromTitle = overlap(words(title), inGold);
  const fromAll = overlap(words(task.problem_statement), inGold);
  const kind =
    fromAll.length === 0
      ? "one gold file: no question word in it or its path"
      : fromTitle.length === 0
        ? "one gold file: only the body's words are in it"
        : "one gold file: the title's words are in it";
  add(kind, `${row.instance_id} | ${title.slice(0, 70)} | ${fromTitle.slice(0, 6).join(", ")}`);
}
console.log(`${rows.length} tasks, ${misses} Acc@5 misses\n`);
console.log("| kind | tasks |\n|---|---|");
for (const [kind, list] of [...kinds].sort()) console.log(`| ${kind} | ${list.length} |`);
for (const [kind, list] of [...kinds].sort()) console.log(`\n${kind}:\n  ${list.join("\n  ")}`);
