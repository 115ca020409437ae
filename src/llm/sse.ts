/**
 * Server-sent events over a web `ReadableStream<Uint8Array>` (a Node `fetch` body), per the WHATWG
 * event-stream rules: `data:` lines (several joined by "\n"), `event:`/`id:` fields, `:` comments,
 * CR/LF/CRLF line ends, events split across chunks. Parsing only; no retry or timeout logic here.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field, "" when absent (the default "message" type). */
  event: string;
  data: string;
  id?: string;
}

/** What `readSseJson` yields: a parsed data payload, the `[DONE]` sentinel, or a payload that is not JSON. */
export type SseMessage =
  | { type: "json"; value: unknown; event: string }
  | { type: "done" }
  | { type: "invalid"; data: string; error: string };

/** Hooks of the SSE readers. */
export interface SseReadOptions {
  /** Called for every raw chunk received, comments included (liveness for idle timeouts). */
  onChunk?: () => void;
}

/**
 * Yield each event of the stream. An event still buffered at end of stream (no closing blank line) is
 * dispatched too: some servers omit the last blank line. Returning early cancels the stream.
 */
export async function* readSseEvents(
  body: ReadableStream<Uint8Array>,
  options: SseReadOptions = {},
): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8");
  const parser = new SseLineParser();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      options.onChunk?.();
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    finished = true;
    yield* parser.end(decoder.decode());
  } finally {
    // Early return or a consumer error: release the connection instead of leaving it open.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Yield the JSON payloads of an OpenAI-style stream, stopping at `data: [DONE]`. Never throws on bad JSON. */
export async function* readSseJson(
  body: ReadableStream<Uint8Array>,
  options: SseReadOptions = {},
): AsyncGenerator<SseMessage> {
  for await (const event of readSseEvents(body, options)) {
    const data = event.data.trim();
    if (data === "[DONE]") {
      yield { type: "done" };
      return;
    }
    if (!data) continue;
    try {
      yield { type: "json", value: JSON.parse(data), event: event.event };
    } catch (error) {
      yield { type: "invalid", data, error: error instanceof Error ? error.message : String(error) };
    }
  }
}

/**
 * Incremental line/field parser; exported for unit tests of chunk boundaries. Each pushed chunk is
 * scanned once: the unterminated tail of a line is kept as a list of pieces and joined only when its
 * line end arrives, so one long line costs O(length), not O(length²).
 */
export class SseLineParser {
  private partial: string[] = [];
  private data: string[] = [];
  private event = "";
  private id: string | undefined;
  private sawCarriageReturn = false;
  private started = false;

  /** Feed decoded text; returns the events completed by it. */
  push(text: string): SseEvent[] {
    let chunk = text;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    // A CRLF split across chunks: the LF after a CR that already ended a line is not a new line.
    if (this.sawCarriageReturn && chunk.startsWith("\n")) chunk = chunk.slice(1);
    this.sawCarriageReturn = false;
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      let line = chunk.slice(start, i);
      if (this.partial.length > 0) {
        this.partial.push(line);
        line = this.partial.join("");
        this.partial = [];
      }
      if (c === 13) {
        if (i + 1 === chunk.length) this.sawCarriageReturn = true;
        else if (chunk.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
      const event = this.line(line);
      if (event) events.push(event);
    }
    if (start < chunk.length) this.partial.push(chunk.slice(start));
    return events;
  }

  /** Flush at end of stream: a pending unterminated line and event are dispatched. */
  end(text = ""): SseEvent[] {
    const events = this.push(text);
    if (this.partial.length > 0) {
      this.line(this.partial.join(""));
      this.partial = [];
    }
    const last = this.dispatch();
    if (last) events.push(last);
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    if (this.data.length === 0) {
      this.event = "";
      return undefined;
    }
    const event: SseEvent = { event: this.event, data: this.data.join("\n") };
    if (this.id !== undefined) event.id = this.id;
    this.data = [];
    this.event = "";
    return event;
  }
}
