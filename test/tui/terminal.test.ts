/** When the live view may draw, and when it may colour. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { colorEnabled, isInteractive } from "../../src/surfaces/tui/terminal.js";

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe("terminal capabilities", () => {
  it("draws only on a terminal that is not dumb", () => {
    assert.equal(isInteractive(tty, { TERM: "xterm-256color" }), true);
    assert.equal(isInteractive(tty, { TERM: "dumb" }), false);
    assert.equal(isInteractive(pipe, { TERM: "xterm" }), false);
  });

  it("colours a terminal unless NO_COLOR is set; FORCE_COLOR wins both ways", () => {
    assert.equal(colorEnabled(tty, {}), true);
    assert.equal(colorEnabled(pipe, {}), false);
    assert.equal(colorEnabled(tty, { NO_COLOR: "1" }), false);
    assert.equal(colorEnabled(tty, { NO_COLOR: "" }), true, "an empty NO_COLOR does not count (no-color.org)");
    assert.equal(colorEnabled(pipe, { FORCE_COLOR: "1" }), true);
    assert.equal(colorEnabled(tty, { FORCE_COLOR: "0" }), false);
    assert.equal(colorEnabled(tty, { FORCE_COLOR: "false" }), false);
    assert.equal(colorEnabled(tty, { FORCE_COLOR: "1", NO_COLOR: "1" }), true);
  });
});
