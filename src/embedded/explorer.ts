/**
 * The embedded explorer: answers with no model at all. It plans the same Read/Glob/Grep calls a
 * model would, in turns, through the same workspace, toolbox, ledger, events and result object:
 *   turn 1 — parallel searches built from the query (identifier and keyword counts, whether dotted
 *            names exist here at all, definitions, definitions named after the title's words,
 *            quoted messages and options, named files, import lines);
 *   turn 2 — reads of the most promising files;
 * then ranks files and code units by the evidence and cites the enclosing functions within a budget
 * of lines. Deterministic: the same query on the same tree gives the same answer.
 */
import { CodeUnitCache } from "../analysis/code-units.js";
import { languageForPath } from "../analysis/languages.js";
import { OffThreadUnitExtractor } from "../analysis/off-thread-units.js";
import { analyzeQuery, type QueryAnalysis, type Term } from "../analysis/query.js";
import { ObservationLedger } from "../contracts/observations.js";
import { validateCitations } from "../core/citations.js";
import { createEmitter, type Emit, newRunId, toolEndEvent } from "../core/events.js";
import type { RawCitation } from "../core/final-answer.js";
import { timeLimitWarning } from "../core/time-limit-warning.js";
import type {
  ExploreRequest,
  ExploreResult,
  Explorer,
  StopReason,
  ToolCallRequest,
  ToolResult,
} from "../core/types.js";
import { countLines } from "../tools/support/line-reader.js";
import { Toolbox } from "../tools/toolbox.js";
import { yieldToLoop } from "../util/yield.js";
import type { SecretPolicy } from "../workspace/secrets.js";
import { Workspace } from "../workspace/workspace.js";
import { conceptsInName, definedName } from "./concepts.js";
import { FILE_BASE_FEATURES, fileFeatureContext, fileFeatures, UNIT_BASE_FEATURES, unitFeatures } from "./features.js";
import { candidatesOf, parseGitattributes, type RoleEvidence, vendorDirsOf } from "./file-kinds.js";
import { applyImportProximity, firstImportPass, importPassKnownCapped } from "./import-proximity.js";
import {
  type ConfidentCitation,
  type LearnedFile,
  rerankFiles,
  type ScoredUnit,
  scoreUnits,
  spendBudget,
  withUnitConfidence,
} from "./learned.js";
import { phrasePattern } from "./phrases.js";
import { OPTION_CONTEXT, type PlannedCall, planSearch } from "./plan.js";
import { type FileEvidence, framesToFiles, type RankedFile, rankFiles, type TermCounts } from "./rank-files.js";
import {
  buildMatchers,
  citeWindow,
  namedFileCandidate,
  rankUnits,
  type UnitCandidate,
  type UnitEvidence,
} from "./rank-units.js";
import { loadRanker, type RankerAsset } from "./ranker-model.js";
import { DEFAULT_SELECT, type FileChoice, mayBeCited, selectCitations } from "./select.js";

export interface EmbeddedOptions {
  /** Budget of cited lines (default 120). */
  citedLines?: number;
  secrets?: SecretPolicy;
  grepEngine?: "auto" | "ripgrep" | "fallback";
  /** Time limit of each search and read, in ms (config `tool_timeout_s`; default the toolbox's 10 s). */
  toolTimeoutMs?: number;
  maxCitations?: number;
  /** Files read in the second turn (default 8). */
  readFiles?: number;
  /** Receives the file ranking and unit choices (for tuning and `--verbose` diagnostics). */
  onRanking?: (ranked: RankedFile[], choices: FileChoice[]) => void;
  /**
   * The learned ranker: undefined loads the shipped asset (`assets/ranker/v1.json`), null uses the
   * hand-set combination (the training data is collected that way, and it is the fallback).
   */
  ranker?: RankerAsset | null;
  /** Receives every candidate's feature vector (training data for `scripts/train-ranker.ts`). */
  onFeatures?: (record: FeatureRecord) => void;
}

/** The base features of one run's candidates, in `FILE_BASE_FEATURES` / `UNIT_BASE_FEATURES` order. */
export interface FeatureRecord {
  fileFeatures: readonly string[];
  unitFeatures: readonly string[];
  files: Array<{ rel: string; x: number[] }>;
  /** `window`: the lines a citation of the unit would take (the unit, or its best 40-line window). */
  units: Array<{ rel: string; start: number; end: number; window: [number, number]; x: number[] }>;
  /**
   * The lines the hand-set selection cites (before validation), best first, each with the index in
   * `units` of the unit it was cut from (-1: none recorded): what a confidence-only asset is
   * calibrated on. Absent in records collected before it was added.
   */
  cited?: Array<{ rel: string; start: number; end: number; unit: number }>;
}

/** Below this calibrated confidence no citation is trusted: the answer says it found nothing sure. */
export const LOW_CONFIDENCE = 0.25;

const READ_CHUNK = 2000;
/** Calls that declare a command-line option or setting in common libraries (argparse, optparse, click, commander, cobra, clap...). */
const OPTION_DECLARATION =
  /\b(?:add_?argument|add_?option|addoption|add_config_value|option|Option|flag|Flag|arg|Arg|define|register)\s*\(/;
const MAX_CHUNKS = 4;

/** Shared across runs: keyed by absolute path and validated by mtime and size; parsed off the event loop. */
const unitExtractor = new OffThreadUnitExtractor();
const unitCache = new CodeUnitCache({ maxEntries: 256, extractor: unitExtractor });

/** A call that stopped at its time limit: a Grep with partial results, or any call cut off by the toolbox. */
function hitTimeLimit(r: ToolResult): boolean {
  return r.error?.code === "timeout" || (r.data?.tool === "Grep" && r.data.timedOut);
}

function nameInLine(names: readonly string[], text: string): string | undefined {
  let best: string | undefined;
  for (const name of names) {
    const re = new RegExp(`(?<![\\w$])${name.replace(/[$]/g, "\\$")}(?![\\w$])`);
    if (re.test(text) && (!best || name.length > best.length)) best = name;
  }
  return best;
}

/**
 * Weight of a line holding one of the query's phrases (a quoted message's term weight is 2–4).
 * Chosen on 511 training tasks of 36 repositories (none of the held-out ones) by file Acc@1: no
 * phrase search 55.2%; four-word phrases at weight 1 / 3: 66.5% / 67.3%; three-word phrases at
 * weight 1 / 3 / 5: 68.5% / 69.3% / 68.1% (BENCHMARKS "Evening session", with the commands).
 * `FC_PHRASE_WEIGHT` re-runs that choice; 0 turns the phrase search off.
 */
const PHRASE_WEIGHT = Number(process.env.FC_PHRASE_WEIGHT ?? "3");

/** A phrase inside a line, not inside longer words (Unicode letters, as ripgrep's `\b`). */
function phraseMatcher(words: readonly string[]): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_])${phrasePattern(words)}(?![\\p{L}\\p{N}_])`, "iu");
}

async function collectEvidence(
  planned: PlannedCall[],
  results: ToolResult[],
  analysis: QueryAnalysis,
  files: readonly string[],
): Promise<FileEvidence> {
  const termCounts: TermCounts[] = [];
  const definitions: FileEvidence["definitions"] = new Map();
  const messages: FileEvidence["messages"] = new Map();
  const pathHits: FileEvidence["pathHits"] = new Map();
  const defNames: FileEvidence["defNames"] = new Map();
  for (const [i, p] of planned.entries()) {
    await yieldToLoop(); // one call's results at a time: a common word's lines number thousands
    const data = results[i]?.data;
    if (!data) continue;
    if (data.tool === "Grep" && (p.purpose === "identifier" || p.purpose === "keyword") && p.term) {
      const counts = new Map<string, number>();
      for (const f of data.files) counts.set(f.path, f.count);
      termCounts.push({ term: p.term, purpose: p.purpose, counts });
    } else if (data.tool === "Grep" && p.purpose === "definition" && p.names) {
      for (const f of data.files) {
        for (const l of f.lines) {
          if (!l.match) continue;
          const name = nameInLine(p.names, l.text);
          if (!name) continue;
          const list = definitions.get(f.path) ?? [];
          list.push({ name, line: l.line });
          definitions.set(f.path, list);
        }
      }
    } else if (data.tool === "Grep" && p.purpose === "phrase" && p.phrases) {
      const found = p.phrases.map((words) => ({ literal: `phrase: ${words.join(" ")}`, re: phraseMatcher(words) }));
      for (const f of data.files) {
        const list = messages.get(f.path) ?? [];
        for (const l of f.lines)
          if (l.match)
            for (const m of found)
              if (m.re.test(l.text)) list.push({ line: l.line, weight: PHRASE_WEIGHT, literal: m.literal });
        if (list.length > 0) messages.set(f.path, list);
      }
    } else if (data.tool === "Grep" && (p.purpose === "message" || p.purpose === "option") && p.term) {
      const term = p.term;
      for (const f of data.files) {
        const list = messages.get(f.path) ?? [];
        f.lines.forEach((l, k) => {
          if (!l.match) return;
          // An option is defined once (add_argument, addoption, .option(...)), possibly by a call
          // that opens a few lines above; elsewhere it is only mentioned.
          const declares =
            p.purpose === "option" &&
            f.lines
              .slice(Math.max(0, k - OPTION_CONTEXT), k + 1)
              .some((c) => c.line >= l.line - OPTION_CONTEXT && OPTION_DECLARATION.test(c.text));
          list.push({
            line: l.line,
            weight: term.weight * (declares ? 2 : 1),
            literal: term.text,
            ...(p.purpose === "option" ? { option: true } : {}),
          });
        });
        messages.set(f.path, list);
      }
    } else if (data.tool === "Grep" && p.purpose === "defnames" && p.words) {
      for (const [k, f] of data.files.entries()) {
        if (k > 0 && k % 500 === 0) await yieldToLoop();
        for (const l of f.lines) {
          if (!l.match) continue;
          const name = definedName(l.text);
          if (!name) continue;
          for (const w of conceptsInName(name, p.words)) {
            const list = defNames.get(f.path) ?? [];
            list.push({ word: w.word, weight: w.weight, line: l.line });
            defNames.set(f.path, list);
          }
        }
      }
    } else if (data.tool === "Glob" && p.term) {
      for (const rel of data.paths) pathHits.set(rel, Math.max(pathHits.get(rel) ?? 0, p.term.weight));
    }
  }
  return { termCounts, definitions, messages, pathHits, defNames, frames: framesToFiles(analysis.frames, files) };
}

/**
 * Lines from the top of a file within which a "generated" notice counts: a license header often
 * comes first. Measured on the 511 training tasks (file Acc@1): 5 lines 69.3%, 12 lines 69.9% (3
 * tasks better, none worse), 20 lines the same as 12; held-out and dev tasks unchanged.
 */
const HEADER_LINES = 12;

/** `.gitattributes` linguist rules, generated-file headers and vendor manifests, from the first turn. */
function roleEvidence(planned: PlannedCall[], results: ToolResult[], files: readonly string[]): RoleEvidence {
  const generatedHeaders = new Set<string>();
  planned.forEach((p, i) => {
    const data = results[i]?.data;
    if (p.purpose !== "generated" || data?.tool !== "Grep") return;
    for (const f of data.files)
      if (f.lines.some((l) => l.match && l.line <= HEADER_LINES)) generatedHeaders.add(f.path);
  });
  const attributes = results
    .slice(planned.length)
    .flatMap((r) => (r.data?.tool === "Read" ? parseGitattributes(r.data.lines.join("\n")) : []));
  return { attributes, generatedHeaders, vendorDirs: vendorDirsOf(files) };
}

/** Weight kept by a dotted name whose qualified form appears nowhere in the repository. */
const FOREIGN_NAME_WEIGHT = 0.3;

/**
 * `pmxbot.logging` is searched by its leaf, `logging`, which is everywhere in a logging library;
 * when `pmxbot.logging` itself occurs in no file, the name is the reporter's, not the project's,
 * and its leaf counts are weak evidence.
 */
function discountForeignNames(
  evidence: FileEvidence,
  terms: readonly Term[],
  planned: PlannedCall[],
  results: ToolResult[],
): { evidence: FileEvidence; terms: Term[] } {
  const qualifiedFound = new Map<Term, boolean>();
  planned.forEach((p, i) => {
    const data = results[i]?.data;
    if (p.purpose === "qualified" && p.term && data?.tool === "Grep" && !results[i]?.error)
      qualifiedFound.set(p.term, data.files.length > 0);
  });
  // A count is discounted only when every qualified name it stands for is foreign (the bare leaf,
  // `configure`, is in the query because the dotted name is: it says nothing either way).
  const foreign = new Set<Term>();
  for (const p of planned) {
    if (p.purpose !== "identifier" || !p.term) continue;
    const qualified = [p.term, ...(p.aliases ?? [])].filter((t) => qualifiedFound.has(t));
    if (qualified.length > 0 && qualified.every((t) => qualifiedFound.get(t) === false)) foreign.add(p.term);
  }
  if (foreign.size === 0) return { evidence, terms: [...terms] };
  const adjusted = new Map<Term, Term>();
  for (const t of foreign) adjusted.set(t, { ...t, weight: t.weight * FOREIGN_NAME_WEIGHT });
  const swap = (t: Term) => adjusted.get(t) ?? t;
  return {
    evidence: { ...evidence, termCounts: evidence.termCounts.map((tc) => ({ ...tc, term: swap(tc.term) })) },
    terms: terms.map(swap),
  };
}

async function readCalls(
  ranked: RankedFile[],
  count: number,
  lineCount: (rel: string) => Promise<number>,
): Promise<ToolCallRequest[]> {
  const calls: ToolCallRequest[] = [];
  let n = 0;
  for (const f of ranked.slice(0, count)) {
    const total = await lineCount(f.rel);
    const chunks = Math.min(MAX_CHUNKS, Math.max(1, Math.ceil(total / READ_CHUNK)));
    for (let c = 0; c < chunks; c++) {
      const args: Record<string, unknown> = { path: f.rel };
      if (chunks > 1) {
        args.offset = c * READ_CHUNK + 1;
        args.limit = READ_CHUNK;
      }
      calls.push({ id: `call_t2_${++n}`, name: "Read", arguments: args });
    }
  }
  return calls;
}

export function createEmbeddedExplorer(options: EmbeddedOptions = {}): Explorer {
  const budget = options.citedLines ?? DEFAULT_SELECT.budget;
  const readFiles = options.readFiles ?? 8;
  const loaded = options.ranker === undefined ? loadRanker() : { asset: options.ranker };
  const asset = loaded.asset;
  unitExtractor.warm(); // loads while the first turn searches
  return async (request: ExploreRequest): Promise<ExploreResult> => {
    const started = performance.now();
    const emit: Emit = createEmitter(request.onEvent);
    const ws = await Workspace.open(request.root, { ...(options.secrets ? { secrets: options.secrets } : {}) });
    const toolbox = new Toolbox(ws, {
      config: {
        grepEngine: options.grepEngine ?? "auto",
        ...(options.toolTimeoutMs !== undefined ? { toolTimeoutMs: options.toolTimeoutMs } : {}),
      },
    });
    const deadline = request.deadlineMs !== undefined ? Date.now() + request.deadlineMs : Number.POSITIVE_INFINITY;
    // A server's kept listing on which the import-line search reached its cap before: left out.
    const kept = ws.keptIndexUnchecked()?.files;
    const skipImportPass = importPassKnownCapped(kept);
    emit({
      type: "run_start",
      runId: newRunId(),
      query: request.query,
      root: ws.root,
      policy: "embedded",
      // Two turns (search, read), one more on a tree whose import lines pass the collection cap, and
      // one more when the import-line search was left out but the tree has changed since.
      maxTurns: skipImportPass ? 4 : 3,
    });
    let toolMs = 0;
    let toolCalls = 0;
    let turns = 0;
    const warnings: string[] = [];
    // Calls that stopped at the tool time limit (a loaded machine, a huge tree): the ranking saw
    // only part of their results, so the answer says so instead of looking as sure as any other.
    let limitedCalls = 0;

    // What this run was shown (the run's, not the workspace's): citations must stay within it.
    const ledger = new ObservationLedger();
    const runTurn = async (calls: ToolCallRequest[], content: string): Promise<ToolResult[]> => {
      turns++;
      const turn = turns;
      emit({ type: "turn_start", turn });
      emit({ type: "model_response", turn, content, toolCalls: calls, ms: 0 });
      const t0 = performance.now();
      const results = await toolbox.runTurn(calls, {
        concurrency: 4,
        observations: ledger,
        ...(request.signal ? { signal: request.signal } : {}),
        onStart: (index, call, args) =>
          emit({ type: "tool_start", turn, index, call: { id: call.id, name: call.name, args } }),
        onEnd: (index, call, result, ms) =>
          emit(toolEndEvent(turn, index, call, result, ms, (text) => toolbox.counter.estimate(text))),
      });
      toolMs += performance.now() - t0;
      toolCalls += calls.length;
      limitedCalls += results.filter(hitTimeLimit).length;
      return results;
    };

    const finish = (
      stopReason: StopReason,
      citations: ExploreResult["citations"],
      explanation: string,
      dropped: ExploreResult["dropped"] = [],
    ): ExploreResult => {
      const totalMs = performance.now() - started;
      if (limitedCalls > 0) warnings.push(timeLimitWarning(limitedCalls, toolCalls, toolbox.config.toolTimeoutMs));
      const result: ExploreResult = {
        query: request.query,
        root: ws.root,
        policy: "embedded",
        citations,
        explanation,
        stopReason,
        partial: stopReason !== "answered",
        turns,
        toolCalls,
        tokens: { input: 0, output: 0 },
        timings: { totalMs, modelMs: 0, toolMs, otherMs: Math.max(0, totalMs - toolMs) },
        warnings,
        ...(dropped?.length ? { dropped } : {}),
      };
      emit({ type: "answer", citations, explanation, dropped: dropped ?? [] });
      emit({ type: "run_end", result });
      return result;
    };

    const analysis = analyzeQuery(request.query);
    const planned = planSearch(analysis, undefined, request.query).filter(
      (p) => !(skipImportPass && p.purpose === "imports"),
    );
    if (planned.length === 0)
      return finish("no_answer", [], "The query names no identifier, keyword, message or path to search for.");
    // The repository's own word on generated and vendored files.
    const attributesCall: ToolCallRequest | null = ws.stat(".gitattributes")
      ? { id: "call_attributes", name: "Read", arguments: { path: ".gitattributes" } }
      : null;
    // The ranking needs the whole listing after this turn: it is made while the turn searches
    // (their walks do not wait for it). On a cold 100k-file tree it was 1.2 s after the turn.
    ws.listInBackground();
    const firstResults = await runTurn(
      [...planned.map((p) => p.call), ...(attributesCall ? [attributesCall] : [])],
      `Searching for ${planned.length} signals from the query.`,
    );
    if (request.signal?.aborted) return finish("aborted", [], "");

    // Each step below is a pass over every candidate or every match: on a big tree each takes tens
    // of milliseconds, so the event loop gets a turn between them (a server answers others meanwhile).
    await yieldToLoop();
    const listing = (await ws.fileIndex()).files;
    const candidates = await candidatesOf(listing);
    await yieldToLoop();
    const roles = roleEvidence(planned, firstResults, candidates);
    await yieldToLoop();
    const { evidence, terms } = discountForeignNames(
      await collectEvidence(planned, firstResults, analysis, candidates),
      analysis.all,
      planned,
      firstResults,
    );
    await yieldToLoop();
    const lexicalRanking = (
      await rankFiles({
        query: request.query,
        files: candidates,
        sizeOf: (rel) => ws.stat(rel)?.size ?? 1,
        evidence,
        terms,
        roles,
      })
    ).filter((f) => f.score > 0);
    const importPass = await firstImportPass(
      planned,
      firstResults,
      skipImportPass ? kept : undefined,
      listing,
      runTurn,
    );
    const handRanked = await applyImportProximity(lexicalRanking, importPass, candidates, runTurn);
    if (handRanked.length === 0)
      return finish("no_answer", [], "No file matched the query's identifiers, keywords, messages or paths.");
    if (Date.now() > deadline) return finish("deadline", [], "");
    if ("error" in loaded && loaded.error)
      warnings.push(`learned ranker unavailable (${loaded.error}); hand-set weights used`);
    const sizeOf = (rel: string) => ws.stat(rel)?.size ?? 1;
    const featureCtx = fileFeatureContext(
      request.query,
      handRanked,
      evidence.termCounts.reduce((n, tc) => n + tc.term.weight, 0),
      sizeOf,
    );
    const learnedFiles: LearnedFile[] | null = asset ? rerankFiles(handRanked, featureCtx, asset) : null;
    const ranked =
      learnedFiles && asset?.files !== "hand"
        ? [...learnedFiles.map((f) => f.file), ...handRanked.slice(learnedFiles.length)]
        : handRanked;
    const fileProbability = new Map(learnedFiles?.map((f) => [f.file.rel, f.probability]) ?? []);
    const record: FeatureRecord | null = options.onFeatures
      ? {
          fileFeatures: FILE_BASE_FEATURES,
          unitFeatures: UNIT_BASE_FEATURES,
          files: handRanked.slice(0, 60).map((f) => ({ rel: f.rel, x: fileFeatures(f, featureCtx) })),
          units: [],
        }
      : null;

    const secondResults = await runTurn(
      await readCalls(ranked, readFiles, (rel) => countLines(ws.display(rel)).catch(() => 1)),
      `Reading the ${Math.min(readFiles, ranked.length)} most promising files.`,
    );
    if (request.signal?.aborted) return finish("aborted", [], "");

    // Reassemble each file's lines from its Read chunks.
    const fileLines = new Map<string, string[]>();
    for (const r of secondResults) {
      if (r.data?.tool !== "Read") continue;
      const list = fileLines.get(r.data.path) ?? [];
      list.push(...r.data.lines);
      fileLines.set(r.data.path, list);
    }
    const matchers = buildMatchers(
      evidence.termCounts.map((tc) => ({
        term: tc.term,
        purpose: tc.purpose,
        idf: Math.log(1 + (candidates.length - tc.counts.size + 0.5) / (tc.counts.size + 0.5)),
      })),
    );
    const choices: FileChoice[] = [];
    const scored: Array<{ rel: string; units: ScoredUnit[] }> = [];
    const recordedUnit = new Map<UnitCandidate, number>();
    // The hand-set selection cites at most `maxFiles` files, the first read ones with units whose
    // score is at least `minRelativeScore` of the first's: the others' units change no citation, so
    // they are not parsed (a big file's parse takes tens of milliseconds). Everything that looks at
    // every read file (the learned budget, feature records, the ranking hook) still gets them all.
    const onlyCitable = record === null && !options.onRanking && (!asset || asset.citations === "hand");
    let citable = 0;
    for (const f of ranked.slice(0, readFiles)) {
      const lines = fileLines.get(f.rel);
      if (!lines || lines.length === 0) continue;
      const first = choices[0];
      // A file below the threshold cannot be cited whatever its units (given it has some).
      if (
        onlyCitable &&
        first &&
        (citable >= DEFAULT_SELECT.maxFiles || !mayBeCited({ score: f.score, units: [1] }, first.score, DEFAULT_SELECT))
      )
        continue;
      const stat = ws.stat(f.rel) ?? { mtimeMs: 0, size: 0 };
      await yieldToLoop(); // parsing a big file takes tens of milliseconds
      const units = languageForPath(f.rel) ? await unitCache.get(ws.display(f.rel), stat, () => lines.join("\n")) : [];
      const ev: UnitEvidence = {
        messageLines: evidence.messages.get(f.rel) ?? [],
        frameLines: (evidence.frames.get(f.rel) ?? []).filter(
          (x): x is { line: number; distance: number } => x.line !== undefined,
        ),
        definitions: evidence.definitions.get(f.rel) ?? [],
        conceptLines: evidence.defNames.get(f.rel) ?? [],
      };
      const unitCandidates: UnitCandidate[] = rankUnits(lines, units, matchers, ev);
      // A file the question names by path is citable even when none of its lines has the question's
      // words ("fix typos in httperror.go"): ranked first on its name, it was left uncited before.
      if (unitCandidates.length === 0 && f.parts.paths > 0) unitCandidates.push(namedFileCandidate(lines.length));
      choices.push({ rel: f.rel, score: f.score, units: unitCandidates });
      if (mayBeCited(choices[choices.length - 1]!, choices[0]!.score, DEFAULT_SELECT)) citable++;
      if (record) {
        const xs = unitFeatures(unitCandidates);
        unitCandidates.forEach((u, k) => {
          recordedUnit.set(u, record.units.length);
          const w = citeWindow(u, DEFAULT_SELECT.maxUnitLines);
          record.units.push({ rel: f.rel, start: u.start, end: u.end, window: [w.start, w.end], x: xs[k]! });
        });
      }
      if (asset)
        scored.push({ rel: f.rel, units: scoreUnits(f.rel, unitCandidates, fileProbability.get(f.rel) ?? 0, asset) });
    }
    options.onRanking?.(ranked, choices);
    const handSelected =
      !asset || asset.citations === "hand" ? selectCitations(choices, { ...DEFAULT_SELECT, budget }) : null;
    const selected: Array<Omit<ConfidentCitation, "confidence"> & { confidence?: number }> = !asset
      ? (handSelected ?? [])
      : asset.citations === "hand"
        ? withUnitConfidence(handSelected ?? [], scored)
        : spendBudget(scored, {
            budget,
            maxFiles: DEFAULT_SELECT.maxFiles,
            firstUnitLines: DEFAULT_SELECT.firstUnitLines ?? DEFAULT_SELECT.maxUnitLines,
            otherUnitLines: DEFAULT_SELECT.maxUnitLines,
          });
    if (record) {
      record.cited = (handSelected ?? []).map((s) => ({
        rel: s.path,
        start: s.start,
        end: s.end,
        unit: recordedUnit.get(s.unit) ?? -1,
      }));
      options.onFeatures?.(record);
    }
    const raw: RawCitation[] = selected.map((s) => ({
      path: s.path,
      ranges: [{ start: s.start, end: s.end }],
      reason: s.reason,
      source: `${s.path}:${s.start}-${s.end}`,
    }));
    const validated = await validateCitations(ws, raw, {
      maxCitations: options.maxCitations ?? 25,
      requireObserved: true,
      ledger,
    });
    const top = ranked[0]!;
    const strongest = top.matched
      .sort((a, b) => b.term.weight * b.idf - a.term.weight * a.idf)
      .slice(0, 3)
      .map((m) => m.term.text);
    // Each citation keeps the confidence of the unit it was cut from (validation may trim its range).
    const citations = asset
      ? validated.citations.map((c) => {
          const from = selected.find((s) => s.path === c.path && s.start <= c.end && s.end >= c.start);
          const confidence = from?.confidence === undefined ? null : Math.round(from.confidence * 1000) / 1000;
          const low = confidence !== null && confidence < LOW_CONFIDENCE;
          return { ...c, confidence, ...(low ? { reason: `low confidence: ${c.reason ?? "weak match"}` } : {}) };
        })
      : validated.citations;
    const best = Math.max(
      0,
      ...citations.map((c) => ("confidence" in c && typeof c.confidence === "number" ? c.confidence : 0)),
    );
    const unsure = asset !== null && citations.length > 0 && best < LOW_CONFIDENCE;
    const explanation = citations.length
      ? `${unsure ? `Low confidence: no candidate is a likely answer (best confidence ${best.toFixed(2)}); these are the closest matches. ` : ""}Ranked ${ranked.length} candidate files by definitions, identifiers and keywords from the query${strongest.length ? ` (strongest: ${strongest.join(", ")})` : ""}; cited the best-matching code units.`
      : "No code unit matched the query strongly enough to cite.";
    return finish(citations.length ? "answered" : "no_answer", citations, explanation, validated.dropped);
  };
}
