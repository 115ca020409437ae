import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readSseEvents, readSseJson, type SseEvent, SseLineParser, type SseMessage } from "../../src/llm/sse.js";

/** A byte stream delivering `chunks` one by one. */
function streamOf(chunks: Array<string | Uint8Array>, onCancel?: () => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
    },
    cancel() {
      onCancel?.();
    },
  });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const data = (events: SseEvent[]) => events.map((e) => e.data);

describe("SseLineParser", () => {
  it("dispatches an event at a blank line, stripping one space after the colon", () => {
    const parser = new SseLineParser();
    assert.deepEqual(parser.push("data: a\n"), []);
    assert.deepEqual(parser.push("\n"), [{ event: "", data: "a" }]);
    assert.deepEqual(data(parser.push("data:b\n\ndata:  c\n\n")), ["b", " c"]);
  });

  it("joins multi-line data with newlines", () => {
    assert.deepEqual(data(new SseLineParser().push("data: one\ndata: two\ndata\n\n")), ["one\ntwo\n"]);
  });

  it("ignores comments and unknown fields, reads event and id", () => {
    const events = new SseLineParser().push(": keep-alive\nretry: 10\nfoo: bar\nevent: delta\nid: 7\ndata: x\n\n");
    assert.deepEqual(events, [{ event: "delta", data: "x", id: "7" }]);
  });

  it("does not dispatch events without data lines", () => {
    assert.deepEqual(new SseLineParser().push("event: ping\n\n: c\n\n"), []);
  });

  it("accepts CRLF and lone CR line endings", () => {
    assert.deepEqual(data(new SseLineParser().push("data: a\r\n\r\ndata: b\r\rdata: c\n\n")), ["a", "b", "c"]);
  });

  it("does not read a CRLF split across chunks as two line ends", () => {
    const parser = new SseLineParser();
    assert.deepEqual(parser.push("data: a\r"), []);
    // If the "\n" were a second line end, "a" would be dispatched alone here.
    assert.deepEqual(data(parser.push("\ndata: b\r\n\r\n")), ["a\nb"]);
  });

  it("strips a leading byte-order mark", () => {
    assert.deepEqual(data(new SseLineParser().push("\uFEFFdata: x\n\n")), ["x"]);
  });

  it("flushes an unterminated final event at end of stream", () => {
    const parser = new SseLineParser();
    assert.deepEqual(parser.push("data: a\n\ndata: tail"), [{ event: "", data: "a" }]);
    assert.deepEqual(data(parser.end()), ["tail"]);
  });
});

describe("readSseEvents", () => {
  const stream =
    'data: {"n": 1}\n\n: comment\n\ndata: {"s": "é🙂"}\n\nevent: x\ndata: multi\ndata: line\n\ndata: [DONE]\n\n';

  it("gives the same events however the bytes are chunked", async () => {
    const bytes = new TextEncoder().encode(stream);
    const whole = await collect(readSseEvents(streamOf([bytes])));
    assert.deepEqual(data(whole), ['{"n": 1}', '{"s": "é🙂"}', "multi\nline", "[DONE]"]);
    for (const size of [1, 2, 3, 5, 7]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
      assert.deepEqual(await collect(readSseEvents(streamOf(chunks))), whole, `chunk size ${size}`);
    }
  });

  it("reports every raw chunk to onChunk, comments included", async () => {
    let count = 0;
    await collect(readSseEvents(streamOf([": ping\n\n", ": ping\n\n", "data: x\n\n"]), { onChunk: () => count++ }));
    assert.equal(count, 3);
  });

  it("cancels the underlying stream when the consumer stops early", async () => {
    let cancelled = false;
    for await (const event of readSseEvents(
      streamOf(["data: a\n\n", "data: b\n\n", "data: c\n\n"], () => (cancelled = true)),
    )) {
      assert.equal(event.data, "a");
      break;
    }
    assert.equal(cancelled, true);
  });

  it("propagates a stream error", async () => {
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("data: a\n\n"));
        controller.error(new TypeError("terminated"));
      },
    });
    await assert.rejects(collect(readSseEvents(failing)), /terminated/);
  });
});

describe("readSseJson", () => {
  it("parses JSON payloads, skips empty data and stops at [DONE]", async () => {
    const messages = await collect(
      readSseJson(streamOf(['data: {"a":1}\n\ndata:\n\ndata: [DONE]\n\ndata: {"after":true}\n\n'])),
    );
    assert.deepEqual(messages, [{ type: "json", value: { a: 1 }, event: "" }, { type: "done" }] satisfies SseMessage[]);
  });

  it("reports malformed JSON as an `invalid` message instead of throwing", async () => {
    const messages = await collect(readSseJson(streamOf(['data: {"a": \n\ndata: {"b":2}\n\n'])));
    assert.equal(messages[0]?.type, "invalid");
    assert.ok(messages[0]?.type === "invalid" && messages[0].data === '{"a":' && messages[0].error.length > 0);
    assert.deepEqual(messages[1], { type: "json", value: { b: 2 }, event: "" });
  });
});
