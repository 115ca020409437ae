/**
 * The toolbox: dispatches tool calls by name, parses their arguments leniently, bounds each call
 * in time, runs a turn's calls concurrently (results kept in call order), fits outputs into token
 * caps (per result and per turn, shared fairly) and records what was shown in the run's ledger.
 * It never throws for a bad call: every problem becomes a result the model can act on.
 */
import { setMaxListeners } from "node:events";
import type { ObservationSink } from "../contracts/observations.js";
import type { ToolCallRequest, ToolResult } from "../contracts/tools.js";
import { TokenCounter } from "../tokens/counter.js";
import { timeSlice, yieldToLoop } from "../util/yield.js";
import type { Workspace } from "../workspace/workspace.js";
import { parseToolArgs } from "./args.js";
import {
  DEFAULT_TOOL_CONFIG,
  plainError,
  reminder,
  type ToolConfig,
  type ToolImplementation,
  type ToolOutput,
  toolError,
} from "./context.js";
import { TOOL, TOOL_NAMES, type ToolDefinition, toolDefinitions } from "./definitions.js";
import { runGlob } from "./glob.js";
import { CountBatch, wordMatcher } from "./grep/count-search.js";
import { WalkShare } from "./grep/walk-share.js";
import { runGrep } from "./grep.js";
import { runRead } from "./read.js";

export interface ToolboxOptions {
  config?: Partial<ToolConfig>;
  /** Directory with replacement read.md / glob.md / grep.md descriptions. */
  descriptionsDir?: string;
  counter?: TokenCounter;
}

export interface TurnOptions {
  signal?: AbortSignal;
  /** Calls run at once (default 8). */
  concurrency?: number;
  /** Token cap for one result (0 = none). */
  perResultTokens?: number;
  /** Token cap for all results of the turn together (0 = none). */
  perTurnTokens?: number;
  /** The run's observation ledger, which records what each result showed (none: nothing is recorded). */
  observations?: ObservationSink;
  onStart?: (index: number, call: ToolCallRequest, args: Record<string, unknown> | string) => void;
  onEnd?: (index: number, call: ToolCallRequest, result: ToolResult, ms: number) => void;
}

const IMPLEMENTATIONS: Record<string, ToolImplementation> = {
  [TOOL.read]: runRead,
  [TOOL.glob]: runGlob,
  [TOOL.grep]: runGrep,
};

function capNotice(scope: string, limit: number): string {
  return `Output truncated: it exceeded the ${scope} limit of ${limit} tokens.`;
}

/** Split `total` tokens across results of the given sizes: small ones whole, the rest equally. */
export function fairShares(sizes: number[], total: number): number[] {
  const shares = new Array<number>(sizes.length).fill(0);
  const order = sizes.map((s, i) => ({ s, i })).sort((a, b) => a.s - b.s);
  let left = total;
  let remaining = sizes.length;
  for (const { s, i } of order) {
    const fair = Math.floor(left / remaining);
    shares[i] = Math.min(s, fair);
    left -= shares[i]!;
    remaining--;
  }
  return shares;
}

export class Toolbox {
  readonly config: ToolConfig;
  readonly counter: TokenCounter;
  private readonly defs: ToolDefinition[];

  constructor(
    readonly ws: Workspace,
    options: ToolboxOptions = {},
  ) {
    this.config = { ...DEFAULT_TOOL_CONFIG, ...options.config };
    this.counter = options.counter ?? new TokenCounter("qwen3");
    this.defs = toolDefinitions({
      descriptionsDir: options.descriptionsDir,
      grepDefaultLimit: this.config.grepDefaultLimit,
    });
  }

  /** The `tools` array sent to the model. */
  definitions(): ToolDefinition[] {
    return this.defs;
  }

  /** Parsed arguments for display (or the raw string when they do not parse). */
  displayArgs(call: ToolCallRequest): Record<string, unknown> | string {
    if (typeof call.arguments !== "string") return call.arguments;
    try {
      const v: unknown = JSON.parse(call.arguments);
      return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : call.arguments;
    } catch {
      return call.arguments;
    }
  }

  /**
   * Run one call: validate, execute within the time limit. Does not touch the ledger. `countBatch`
   * and `walkShare` are the turn's, when the call is one of a turn's (`runTurn`).
   */
  async run(
    call: ToolCallRequest,
    signal?: AbortSignal,
    countBatch?: CountBatch,
    walkShare?: WalkShare,
  ): Promise<ToolOutput> {
    const def = this.defs.find((d) => d.function.name === call.name);
    const impl = IMPLEMENTATIONS[call.name];
    if (!def || !impl) {
      return plainError("unknown_tool", `Tool \`${call.name}\` not found. Available tools: ${TOOL_NAMES.join(", ")}.`);
    }
    const parsed = parseToolArgs(def, call.arguments);
    if (!parsed.ok) return plainError("invalid_args", parsed.message);
    // The tools stop themselves at toolTimeoutMs with partial output; this outer limit is the
    // safety net for anything that does not (a stuck file system, say). Timers and listeners are
    // released as soon as the call settles: a pending AbortSignal.timeout would keep each call's
    // context alive for its whole period.
    const limitMs = this.config.toolTimeoutMs;
    const controller = new AbortController();
    let settle: (r: ToolOutput) => void = () => undefined;
    const stopped = new Promise<ToolOutput>((resolve) => (settle = resolve));
    const timer = setTimeout(() => {
      controller.abort(new Error("timeout"));
      settle(plainError("timeout", `Tool \`${call.name}\` timed out after ${Math.round(limitMs / 1000)}s.`));
    }, limitMs + 2000);
    const onAbort = () => {
      controller.abort(new Error("aborted"));
      settle(toolError("aborted", "the call was cancelled."));
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const result = await Promise.race([
        impl(parsed.args, {
          ws: this.ws,
          signal: controller.signal,
          config: this.config,
          ...(countBatch ? { countBatch } : {}),
          ...(walkShare ? { walkShare } : {}),
        }),
        stopped,
      ]);
      if (parsed.notes.length > 0 && !result.error) result.text += `\n${reminder(`Note: ${parsed.notes.join("; ")}.`)}`;
      return result;
    } catch (error) {
      if (signal?.aborted) return toolError("aborted", "the call was cancelled.");
      if (controller.signal.aborted)
        return plainError("timeout", `Tool \`${call.name}\` timed out after ${Math.round(limitMs / 1000)}s.`);
      return toolError("io_error", `the ${call.name} call failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Shrink `out` until its text fits `cap` tokens. */
  private async fit(out: ToolOutput, cap: number, scope: string): Promise<ToolResult> {
    const check = await this.counter.countAgainst(out.text, cap);
    if (check.fits) return out;
    const notice = capNotice(scope, cap);
    if (!out.shrink || out.units === undefined) {
      // No structure to cut along: keep a prefix of the text.
      let lo = 0;
      let hi = out.text.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.counter.estimate(out.text.slice(0, mid)) <= cap) lo = mid;
        else hi = mid - 1;
      }
      // Cut at a line end when there is one, so no line is shown half.
      const nl = out.text.lastIndexOf("\n", lo);
      const cut = nl > 0 ? nl : lo;
      return { ...out, text: `${out.text.slice(0, cut)}\n${reminder(notice)}`, observed: [], truncated: true };
    }
    const shrink = out.shrink;
    // Largest prefix whose estimate (an upper bound) fits; then grow while the exact count allows.
    let lo = 0;
    let hi = out.units;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.counter.estimate(shrink(mid, notice).text) <= cap) lo = mid;
      else hi = mid - 1;
    }
    let best = shrink(lo, notice);
    for (let attempt = 0; attempt < 3 && lo < out.units; attempt++) {
      const exact = await this.counter.exact(best.text);
      if (exact <= 0) break;
      const grown = Math.min(out.units, Math.floor(lo * Math.min(2, (cap * 0.97) / exact)));
      if (grown <= lo) break;
      const candidate = shrink(grown, notice);
      if ((await this.counter.exact(candidate.text)) > cap) break;
      lo = grown;
      best = candidate;
    }
    return best;
  }

  /**
   * The count Greps of a turn that may share one ripgrep pass (see count-search.ts): same path,
   * glob and type, whole-word patterns. Indexed like `calls`; a call alone in its group gets none.
   */
  private countBatches(calls: ToolCallRequest[], signal?: AbortSignal): Array<CountBatch | undefined> {
    const def = this.defs.find((d) => d.function.name === TOOL.grep);
    const groups = new Map<string, number[]>();
    const members: Array<{ pattern: string; ignoreCase: boolean } | undefined> = [];
    calls.forEach((call, i) => {
      if (call.name !== TOOL.grep || !def) return;
      const parsed = parseToolArgs(def, call.arguments);
      if (!parsed.ok) return;
      const a = parsed.args;
      if (a.output_mode !== "count" || a.multiline === true || typeof a.pattern !== "string") return;
      const ignoreCase = a["-i"] === true;
      if (!wordMatcher(a.pattern, ignoreCase)) return;
      members[i] = { pattern: a.pattern, ignoreCase };
      const key = JSON.stringify([a.path ?? "", a.glob ?? "", a.type ?? ""]);
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const out = new Array<CountBatch | undefined>(calls.length);
    for (const indices of groups.values()) {
      if (indices.length < 2) continue;
      const batch = new CountBatch(
        indices.map((i) => members[i]!),
        signal,
      );
      for (const i of indices) out[i] = batch;
    }
    return out;
  }

  /**
   * Run a turn's calls concurrently (at most `concurrency` at once), fit them into the caps and
   * record what they showed in `observations`. Results come back in call order.
   */
  async runTurn(calls: ToolCallRequest[], options: TurnOptions = {}): Promise<ToolResult[]> {
    // The turn's calls (and a count pass with its checks) listen to the turn's own signal, which
    // follows the caller's with one listener: a turn of nine calls added eleven to the caller's,
    // past Node's warning threshold, on every exploration.
    const turn = new AbortController();
    setMaxListeners(0, turn.signal);
    const relay = () => turn.abort(options.signal?.reason);
    if (options.signal?.aborted) relay();
    else options.signal?.addEventListener("abort", relay, { once: true });
    try {
      return await this.runTurnWith(calls, options, turn.signal);
    } finally {
      options.signal?.removeEventListener("abort", relay);
    }
  }

  private async runTurnWith(
    calls: ToolCallRequest[],
    options: TurnOptions,
    signal: AbortSignal,
  ): Promise<ToolResult[]> {
    const limit = Math.max(1, options.concurrency ?? 8);
    const batches = this.config.grepEngine === "fallback" ? [] : this.countBatches(calls, signal);
    // One walk's ignore notices serve every index-free Grep of the turn (src/tools/grep/walk-share.ts).
    const walkShare = new WalkShare();
    const outputs = new Array<ToolOutput>(calls.length);
    const durations = new Array<number>(calls.length).fill(0);
    const runOne = async (i: number) => {
      const call = calls[i]!;
      options.onStart?.(i, call, this.displayArgs(call));
      const started = performance.now();
      outputs[i] = await this.run(call, signal, batches[i], walkShare);
      durations[i] = performance.now() - started;
    };
    // The members of a count batch start together and take one slot: they wait on one ripgrep
    // pass. Queued behind other calls, a member would start once the tree had been listed
    // meanwhile, with another command line, and so a second pass.
    const begun = new Array<boolean>(calls.length).fill(false);
    let next = 0;
    const worker = async () => {
      while (next < calls.length) {
        const i = next++;
        if (begun[i]) continue;
        const batch = batches[i];
        const group = batch ? calls.flatMap((_, j) => (batches[j] === batch ? [j] : [])) : [i];
        for (const j of group) begun[j] = true;
        await Promise.all(group.map(runOne));
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, calls.length) }, worker));

    let results: ToolResult[] = outputs;
    const perResult = options.perResultTokens ?? 0;
    if (perResult > 0) results = await Promise.all(outputs.map((o) => this.fit(o, perResult, "per-result")));
    const perTurn = options.perTurnTokens ?? 0;
    if (perTurn > 0) {
      const sizes = await Promise.all(
        results.map(async (r) => (await this.counter.countAgainst(r.text, perTurn)).tokens),
      );
      const total = sizes.reduce((a, b) => a + b, 0);
      if (total > perTurn) {
        const shares = fairShares(sizes, perTurn);
        // Re-fit from the original output (a share is never above the per-result cap): a result
        // already cut for the per-result cap has lost the structure needed to cut it cleanly.
        results = await Promise.all(
          results.map((r, i) =>
            sizes[i]! > shares[i]! ? this.fit(outputs[i]!, Math.max(1, shares[i]!), "per-turn total output") : r,
          ),
        );
      }
    }
    const observations = options.observations;
    // A listener's work per result (the events estimate each text's tokens: five count results of a
    // 100k-file tree are 2.5 MB) held the event loop 40 ms in one piece: others get it in between.
    const slice = timeSlice();
    for (const [i, r] of results.entries()) {
      if (slice.due()) await yieldToLoop();
      const kind = calls[i]!.name === TOOL.read ? "read" : "grep";
      observations?.recordAll(r.observed, kind);
      options.onEnd?.(i, calls[i]!, r, durations[i]!);
    }
    return results.map(({ text, observed, truncated, error, data, skipped }) => ({
      text,
      observed,
      truncated,
      ...(error ? { error } : {}),
      ...(data ? { data } : {}),
      ...(skipped ? { skipped } : {}),
    }));
  }
}
