/** The non-terminal fallback: one line per step, and a heartbeat while the model is silent. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startPlainProgress } from "../../src/surfaces/tui/plain.js";
import { fixtureEvents, T0 } from "./events-fixture.js";

describe("plain progress", () => {
  it("prints --verbose-style lines for the run's steps", () => {
    const lines: string[] = [];
    const progress = startPlainProgress((l) => lines.push(l));
    for (const e of fixtureEvents()) progress.onEvent(e);
    progress.stop();
    assert.equal(lines[0], "[0s] exploring /work/demo (model: fake-model, max 12 turns)");
    assert.ok(lines.includes("[0.0s] turn 1: waiting on the model (2 messages, ~2100 tokens)"), lines.join("\n"));
    assert.ok(lines.some((l) => /turn 1: Grep pattern="validateToken"/.test(l)));
    assert.ok(lines.some((l) => /turn 2: Read 120 lines, truncated/.test(l)));
    assert.match(lines.at(-1)!, /done: answered, 2 citation\(s\), 3 turn\(s\), 3 tool call\(s\), 9100\+240 tokens/);
    assert.ok(lines.every((l) => !l.includes("\u001b")));
  });

  it("says it is still waiting when the model is silent for long", async () => {
    const lines: string[] = [];
    let now = T0;
    const progress = startPlainProgress((l) => lines.push(l), { clock: () => now, heartbeatS: 0.05 });
    const events = fixtureEvents();
    progress.onEvent(events[0]!);
    progress.onEvent(events[2]!);
    now = T0 + 10 + 120;
    await new Promise((r) => setTimeout(r, 120));
    progress.onEvent(events[4]!);
    const beats = lines.filter((l) => l.includes("still waiting on the model"));
    now = T0 + 10_000;
    await new Promise((r) => setTimeout(r, 120));
    progress.stop();
    assert.ok(beats.length >= 1, lines.join("\n"));
    assert.match(beats[0]!, /turn 1: still waiting on the model \(0 s\)/);
    assert.equal(
      lines.filter((l) => l.includes("still waiting")).length,
      beats.length,
      "no heartbeat once the model answered",
    );
  });
});
