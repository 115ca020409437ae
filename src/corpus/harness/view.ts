/**
 * What the model sees: the conversation with pruned chunks replaced by `[pruned: <id>]`, and its
 * size in the model's tokenizer. Every message is kept whole for the trajectory; only the view
 * changes. Chunk blocks are `<chunk id="…" …>…</chunk>`, so a block is found by its id.
 */
import type { ChatMessage } from "../../llm/types.js";
import type { TokenCounter } from "../../tokens/counter.js";

/** Tokens the chat template adds around each message (harmony: start, role, message, end). */
export const MESSAGE_OVERHEAD_TOKENS = 4;

/** A message of the view; `reasoning` and `name` ride along for harmony servers. */
export type ViewMessage = ChatMessage & { reasoning?: string; name?: string };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function chunkBlockPattern(id: string): RegExp {
  return new RegExp(`<chunk id="${escapeRegExp(id)}"[^>]*>[\\s\\S]*?</chunk>`);
}

export class ContextView {
  readonly messages: ViewMessage[] = [];
  /** Chunk id → index of the message showing it. */
  private readonly shownAt = new Map<string, number>();
  private readonly pruned = new Set<string>();

  constructor(
    private readonly counter: TokenCounter,
    private readonly toolsJson: string,
  ) {}

  push(message: ViewMessage, chunkIds: readonly string[] = []): void {
    const at = this.messages.length;
    this.messages.push(message);
    for (const id of chunkIds) this.shownAt.set(id, at);
  }

  /** Append text to the last message (the usage line, the soft-threshold note). */
  appendToLast(text: string): void {
    const last = this.messages[this.messages.length - 1];
    if (last && typeof last.content === "string") last.content = `${last.content}\n${text}`;
  }

  isVisible(id: string): boolean {
    return this.shownAt.has(id) && !this.pruned.has(id);
  }

  isPruned(id: string): boolean {
    return this.pruned.has(id);
  }

  visibleChunkIds(): string[] {
    return [...this.shownAt.keys()].filter((id) => !this.pruned.has(id));
  }

  /** Replace each visible chunk's block with a placeholder; returns ids pruned and ids not visible. */
  prune(ids: readonly string[]): { pruned: string[]; unknown: string[]; alreadyPruned: string[] } {
    const out = { pruned: [] as string[], unknown: [] as string[], alreadyPruned: [] as string[] };
    for (const id of new Set(ids)) {
      const at = this.shownAt.get(id);
      if (at === undefined) out.unknown.push(id);
      else if (this.pruned.has(id)) out.alreadyPruned.push(id);
      else {
        const message = this.messages[at];
        if (message && typeof message.content === "string")
          message.content = message.content.replace(chunkBlockPattern(id), `[pruned: ${id}]`);
        this.pruned.add(id);
        out.pruned.push(id);
      }
    }
    return out;
  }

  /** Tokens of the whole view: tool definitions plus every message with its template overhead. */
  async tokens(): Promise<number> {
    let n = await this.counter.exact(this.toolsJson);
    for (const m of this.messages) n += await messageTokens(this.counter, m);
    return n;
  }
}

export async function messageTokens(counter: TokenCounter, m: ViewMessage): Promise<number> {
  let n = MESSAGE_OVERHEAD_TOKENS + (await counter.exact(m.content ?? ""));
  if (m.reasoning) n += await counter.exact(m.reasoning);
  if (m.role === "assistant")
    for (const call of m.tool_calls ?? []) n += await counter.exact(`${call.function.name}${call.function.arguments}`);
  return n;
}
