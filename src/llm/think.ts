/**
 * Separate Qwen-style `<think>` reasoning from visible content, both for a finished message
 * (`splitThink`, authoritative) and incrementally for display (`createThinkSplitter`). Pure.
 */

const OPEN = "<think>";
const CLOSE = "</think>";
/** Where an unclosed `<think>` (generation cut off, or the model forgot) is assumed to end. */
const ACTION_MARKERS = ["<tool_call>", "<function=", "<final_answer>"];

/** Visible content and the reasoning taken out of it, both trimmed. */
export interface ThinkSplit {
  content: string;
  reasoning: string;
}

/**
 * Move every `<think>…</think>` block into `reasoning`. Also handles a lone leading `</think>` (the
 * chat template opened the block, so everything before it is reasoning) and an unclosed `<think>`
 * (reasoning runs to the first tool-call/final-answer marker, or to the end).
 */
export function splitThink(text: string): ThinkSplit {
  if (!text.includes(OPEN) && !text.includes(CLOSE)) return { content: text.trim(), reasoning: "" };
  const reasoning: string[] = [];
  let rest = text;

  const firstClose = rest.indexOf(CLOSE);
  const firstOpen = rest.indexOf(OPEN);
  if (firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen)) {
    reasoning.push(rest.slice(0, firstClose));
    rest = rest.slice(firstClose + CLOSE.length);
  }

  let content = "";
  for (;;) {
    const open = rest.indexOf(OPEN);
    if (open < 0) {
      content += rest.split(CLOSE).join("");
      break;
    }
    content += rest.slice(0, open).split(CLOSE).join("");
    const bodyStart = open + OPEN.length;
    const close = rest.indexOf(CLOSE, bodyStart);
    if (close >= 0) {
      reasoning.push(rest.slice(bodyStart, close));
      rest = rest.slice(close + CLOSE.length);
      continue;
    }
    const end = firstMarker(rest, bodyStart);
    reasoning.push(rest.slice(bodyStart, end));
    rest = rest.slice(end);
  }
  return {
    content: content.trim(),
    reasoning: reasoning
      .map((part) => part.trim())
      .filter(Boolean)
      .join("\n\n"),
  };
}

function firstMarker(text: string, from: number): number {
  let best = text.length;
  for (const marker of ACTION_MARKERS) {
    const at = text.indexOf(marker, from);
    if (at >= 0 && at < best) best = at;
  }
  return best;
}

/** A display piece routed to its channel. */
export interface ThinkPiece {
  channel: "content" | "reasoning";
  text: string;
}

/** Incremental splitter for streamed content deltas. Display only: tags split across deltas are held back. */
export interface ThinkSplitter {
  push(delta: string): ThinkPiece[];
  /** Emit whatever is held back at the end of the stream. */
  flush(): ThinkPiece[];
}

/** Create a fresh incremental splitter (one per streamed message). */
export function createThinkSplitter(): ThinkSplitter {
  let mode: ThinkPiece["channel"] = "content";
  let pending = "";

  const drain = (final: boolean): ThinkPiece[] => {
    const out: ThinkPiece[] = [];
    const emit = (channel: ThinkPiece["channel"], text: string) => {
      if (text) out.push({ channel, text });
    };
    for (;;) {
      const open = mode === "content" ? pending.indexOf(OPEN) : -1;
      const close = pending.indexOf(CLOSE);
      const tagAt = open >= 0 && (close < 0 || open < close) ? open : close;
      if (tagAt < 0) break;
      emit(mode, pending.slice(0, tagAt));
      const isOpen = tagAt === open;
      pending = pending.slice(tagAt + (isOpen ? OPEN.length : CLOSE.length));
      mode = isOpen ? "reasoning" : "content";
    }
    const keep = final ? 0 : partialTagLength(pending);
    emit(mode, pending.slice(0, pending.length - keep));
    pending = pending.slice(pending.length - keep);
    return out;
  };

  return {
    push(delta) {
      pending += delta;
      return drain(false);
    },
    flush() {
      return drain(true);
    },
  };
}

/** Length of the longest suffix of `text` that could be the start of a think tag. */
function partialTagLength(text: string): number {
  for (let len = Math.min(CLOSE.length - 1, text.length); len > 0; len--) {
    const tail = text.slice(text.length - len);
    if (OPEN.startsWith(tail) || CLOSE.startsWith(tail)) return len;
  }
  return 0;
}
