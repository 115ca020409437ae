/** Error messages that do not nest: the sentence says what failed, the causes are listed apart. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { causeChain, describeError, EndpointError, headline, oneLine, splitDetail } from "../../src/util/errors.js";

describe("flat error messages", () => {
  it("splitDetail separates a trailing parenthesis, nested or not", () => {
    assert.deepEqual(splitDetail("could not reach the model server (fetch failed: bad port)"), {
      head: "could not reach the model server",
      detail: "fetch failed: bad port",
    });
    assert.deepEqual(splitDetail("a (b (c))"), { head: "a", detail: "b (c)" });
    assert.deepEqual(splitDetail("no detail here"), { head: "no detail here" });
    assert.deepEqual(splitDetail("(only detail)"), { head: "(only detail)" });
  });

  it("the chain under an error lists each cause once, outermost first", () => {
    const system = new Error("bad port");
    const fetchFailed = new TypeError("fetch failed", { cause: system });
    const transport = new Error("could not reach the model server (fetch failed: bad port)", { cause: fetchFailed });
    const top = new EndpointError(`cannot list the models at http://h/v1: ${headline(transport)}`, {
      cause: transport,
      hint: "check that the server is running",
    });
    assert.equal(top.message, "cannot list the models at http://h/v1: could not reach the model server");
    assert.deepEqual(causeChain(top), ["fetch failed: bad port"]);
    assert.equal(oneLine(top), `${top.message}; check that the server is running`);
    assert.deepEqual(describeError(top), {
      message: top.message,
      hint: "check that the server is running",
      causes: ["fetch failed: bad port"],
    });
    assert.deepEqual(causeChain(new Error("plain")), []);
    assert.deepEqual(causeChain(new Error("outer", { cause: new Error("inner") })), ["inner"]);
  });
});
