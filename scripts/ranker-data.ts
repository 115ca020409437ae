/**
 * Builds the learned ranker's data split from mined task files (`eval mine`, both kinds, and the
 * trace tasks `scripts/ranker-traces.ts` derives from fix commits, `--trace DIR`): tasks are
 * split by repository (a repository is wholly in train or wholly in validation), capped per
 * repository and kind in file order (newest commit first; doc tasks in their seeded order), and a
 * manifest (repositories, commits, counts per kind and split, file hashes) is written for the
 * repository. The tasks themselves stay outside commits.
 *
 *   node --import tsx scripts/ranker-data.ts --mined /work/data/mined --doc /work/data/doc \
 *     [--trace /work/data/trace] --validation owner/a,owner/b --out /work/data/split --manifest eval/manifests/ranker-training.json
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

/** Never mined, trained, tuned or evaluated on (issue 11): independent checks. */
export const RESERVED = new Set(
  [
    "mwaskom/seaborn",
    "pydata/xarray",
    "astropy/astropy",
    "sympy/sympy",
    "tj/commander.js",
    "expressjs/express",
    "axios/axios",
    "colinhacks/zod",
    "yargs/yargs",
    "apache/commons-lang",
    "square/okhttp",
    "gin-gonic/gin",
    "BurntSushi/ripgrep",
    "clap-rs/clap",
    "fmtlib/fmt",
    "sinatra/sinatra",
    "guzzle/guzzle",
  ].map((r) => r.toLowerCase()),
);

interface Task {
  instance_id: string;
  repo: string;
  base_commit: string;
  tier?: string;
  checks?: { language?: string };
}

function readJsonl(file: string): Task[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Task);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      mined: { type: "string" },
      doc: { type: "string" },
      trace: { type: "string" },
      validation: { type: "string" },
      out: { type: "string" },
      manifest: { type: "string" },
      languages: { type: "string" },
      "train-commit": { type: "string", default: "25" },
      "train-doc": { type: "string", default: "15" },
      "validation-commit": { type: "string", default: "20" },
      "validation-doc": { type: "string", default: "15" },
      "train-trace": { type: "string", default: "4" },
      "validation-trace": { type: "string", default: "4" },
    },
  });
  if (!values.mined || !values.doc || !values.validation || !values.out || !values.manifest)
    throw new Error("ranker-data needs --mined DIR --doc DIR --validation REPOS --out DIR --manifest FILE");
  const validation = new Set(values.validation.split(",").map((r) => r.trim()));
  const languages = new Map<string, string>();
  if (values.languages)
    for (const line of readFileSync(values.languages, "utf8").split("\n")) {
      const [repo, lang] = line.trim().split(/\s+/);
      if (repo && lang) languages.set(repo, lang);
    }
  const caps = {
    train: {
      commit: Number(values["train-commit"]),
      doc: Number(values["train-doc"]),
      trace: Number(values["train-trace"]),
    },
    validation: {
      commit: Number(values["validation-commit"]),
      doc: Number(values["validation-doc"]),
      trace: Number(values["validation-trace"]),
    },
  };
  const split: Record<"train" | "validation", string[]> = { train: [], validation: [] };
  const repos: Array<Record<string, unknown>> = [];
  const files = new Map<string, { commit?: string; doc?: string; trace?: string }>();
  for (const [kind, dir] of [
    ["commit", values.mined],
    ["doc", values.doc],
    ...(values.trace ? [["trace", values.trace] as const] : []),
  ] as const)
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith(".jsonl"))
      .sort()) {
      const entry = files.get(name) ?? {};
      entry[kind] = join(dir, name);
      files.set(name, entry);
    }
  for (const [, entry] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const commitTasks = entry.commit ? readJsonl(entry.commit) : [];
    const docTasks = entry.doc ? readJsonl(entry.doc) : [];
    const traceTasks = entry.trace ? readJsonl(entry.trace) : [];
    const repo = commitTasks[0]?.repo ?? docTasks[0]?.repo;
    if (!repo) continue;
    if (RESERVED.has(repo.toLowerCase())) throw new Error(`${repo} is reserved for independent checks`);
    const side = validation.has(repo) ? "validation" : "train";
    const keptCommit = commitTasks.slice(0, caps[side].commit);
    const keptDoc = docTasks.slice(0, caps[side].doc);
    const keptTrace = traceTasks.slice(0, caps[side].trace);
    for (const t of [...keptCommit, ...keptDoc, ...keptTrace]) split[side].push(JSON.stringify(t));
    repos.push({
      repo,
      language: languages.get(repo) ?? null,
      split: side,
      head: docTasks[0]?.base_commit ?? null,
      mined: { commit: commitTasks.length, doc: docTasks.length, trace: traceTasks.length },
      used: { commit: keptCommit.length, doc: keptDoc.length, trace: keptTrace.length },
      base_commits: [...new Set(keptCommit.map((t) => t.base_commit))].length,
    });
  }
  mkdirSync(values.out, { recursive: true });
  const hashes: Record<string, string> = {};
  for (const side of ["train", "validation"] as const) {
    const text = `${split[side].join("\n")}\n`;
    writeFileSync(join(values.out, `${side}.jsonl`), text);
    hashes[side] = createHash("sha256").update(text).digest("hex");
  }
  const count = (side: string, kind: "commit" | "doc" | "trace") =>
    repos.filter((r) => r.split === side).reduce((n, r) => n + ((r.used as Record<string, number>)[kind] ?? 0), 0);
  const manifest = {
    description:
      "Training data of the embedded explorer's learned ranker (issue 11): tasks mined with `eval mine` (fix commits) and `eval mine --kind doc` from public repositories, plus stack-trace tasks derived from the fix commits by scripts/ranker-traces.ts, split by repository. Tasks live outside the repository; sha256 of each split file is recorded.",
    command: `node --import tsx scripts/ranker-data.ts ${process.argv.slice(2).join(" ")}`,
    caps,
    counts: {
      train: { commit: count("train", "commit"), doc: count("train", "doc"), trace: count("train", "trace") },
      validation: {
        commit: count("validation", "commit"),
        doc: count("validation", "doc"),
        trace: count("validation", "trace"),
      },
      mined: Object.fromEntries(
        (["commit", "doc", "trace"] as const).map((k) => [
          k,
          repos.reduce((n, r) => n + ((r.mined as Record<string, number>)[k] ?? 0), 0),
        ]),
      ),
    },
    sha256: hashes,
    repositories: repos,
  };
  writeFileSync(values.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  process.stderr.write(
    `ranker-data: train ${split.train.length} tasks, validation ${split.validation.length} tasks, ${repos.length} repositories\n`,
  );
}

main();
