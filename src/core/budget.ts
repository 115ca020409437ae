/**
 * The context-window budget of a model run. The prompt size is known exactly after each response
 * (the server's `usage.prompt_tokens` covers every message sent, tools included); what was
 * appended since is counted with the model's tokenizer (a cheap upper-bound estimate first, the
 * exact count only near the limit). When the projection reaches the window minus a reserve, the
 * run must finalize.
 */
import type { TokenCounter } from "../tokens/counter.js";

export interface BudgetConfig {
  /** The model's usable context window in tokens (0 = unknown: no window budget). */
  window: number;
  /** Completion tokens allowed per reply. */
  maxCompletionTokens: number;
  /** Per-turn tool output cap (0 = none). */
  perTurnTokens: number;
  /** Explicit reserve; otherwise derived from the caps. */
  reserve?: number;
}

/** Tokens kept free for the next turn's tool output, the reply and the final answer. */
export function deriveReserve(c: BudgetConfig): number {
  if (c.reserve !== undefined && c.reserve > 0) return c.reserve;
  const wanted = Math.max(8192, c.perTurnTokens + 2 * c.maxCompletionTokens + 2048);
  // Never reserve so much of a small window that the run must finalize before it starts (a bug of
  // the reference harness: a 22k reserve on a 16k window).
  return c.window > 0 ? Math.min(wanted, Math.floor(c.window * 0.4)) : wanted;
}

export class ContextBudget {
  readonly reserve: number;
  private knownPrompt = 0;
  private knownCompletion = 0;
  private pending: string[] = [];

  constructor(
    readonly config: BudgetConfig,
    private readonly counter: TokenCounter,
    /** Text of everything sent before the first response (system prompt, tools, query). */
    initialText: string,
  ) {
    this.reserve = deriveReserve(config);
    this.pending.push(initialText);
  }

  /** After a response: the server's exact numbers replace our estimates. */
  recordUsage(promptTokens: number, completionTokens: number): void {
    this.knownPrompt = promptTokens;
    this.knownCompletion = completionTokens;
    this.pending = [];
  }

  /** Text appended to the conversation since the last response. */
  append(text: string): void {
    this.pending.push(text);
  }

  /** Upper-bound estimate of the next prompt's size. */
  estimate(): number {
    return this.knownPrompt + this.knownCompletion + this.pending.reduce((n, t) => n + this.counter.estimate(t) + 4, 0);
  }

  /** The next prompt's size, exact where it matters. */
  async projected(): Promise<number> {
    const est = this.estimate();
    if (this.config.window <= 0 || est < this.limit()) return est;
    let exact = this.knownPrompt + this.knownCompletion;
    for (const t of this.pending) exact += (await this.counter.exact(t)) + 4;
    return exact;
  }

  /** Prompt size at which the run must finalize. */
  limit(): number {
    return this.config.window > 0 ? this.config.window - this.reserve : Number.POSITIVE_INFINITY;
  }

  async mustFinalize(): Promise<boolean> {
    if (this.config.window <= 0) return false;
    return (await this.projected()) >= this.limit();
  }
}
