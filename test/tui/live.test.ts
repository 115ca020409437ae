/** The listener that owns the view: Ink on a terminal, plain lines elsewhere. */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { startRunView } from "../../src/surfaces/tui/live.js";
import { fixtureEvents } from "./events-fixture.js";

/** A writable stream that looks like a terminal (or not) and keeps what was written. */
function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text(): string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
  return Object.assign(stream, {
    isTTY,
    columns: 120,
    rows: 40,
    text: () => chunks.join(""),
  }) as unknown as NodeJS.WriteStream & { text(): string }; // a PassThrough with the TTY fields Ink reads
}

describe("startRunView", () => {
  it("falls back to plain lines when the stream is not a terminal", async () => {
    const stream = fakeStream(false);
    const view = startRunView({ stream, env: { TERM: "xterm" } });
    assert.equal(view.mode, "plain");
    for (const e of fixtureEvents()) view.onEvent(e);
    await view.stop();
    await view.stop();
    const text = stream.text();
    assert.match(text, /^\[0s\] exploring \/work\/demo/m);
    assert.match(text, /done: answered/);
    assert.doesNotMatch(text, /\u001b\[/);
    assert.equal(view.state().end?.stopReason, "answered");
  });

  it("draws with Ink on a terminal and leaves the final frame when stopped", async () => {
    const stream = fakeStream(true);
    const view = startRunView({ stream, env: { TERM: "xterm", NO_COLOR: "1" } });
    assert.equal(view.mode, "ink");
    for (const e of fixtureEvents()) view.onEvent(e);
    await view.stop();
    await view.stop();
    const text = stream.text().replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
    assert.match(text, /─ final answer · 2 citations \(2 verified\), 1 dropped/);
    assert.match(text, /done: answered · 3 turns · 3 tool calls/);
    assert.equal(
      text.split("query: where is the session token validated?").length - 1,
      1,
      "the header is printed once",
    );
  });
});
