import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  identifierShape,
  identifierVariants,
  lightStem,
  splitIdentifier,
  tokenizeForSearch,
} from "../../src/analysis/identifiers.js";

describe("splitIdentifier", () => {
  it("splits camel, acronym, snake, kebab, dotted and digit boundaries", () => {
    assert.deepEqual(splitIdentifier("getHTTPResponse2"), ["get", "HTTP", "Response", "2"]);
    assert.deepEqual(splitIdentifier("parse_user_id"), ["parse", "user", "id"]);
    assert.deepEqual(splitIdentifier("max-retries"), ["max", "retries"]);
    assert.deepEqual(splitIdentifier("os.path.join"), ["os", "path", "join"]);
    assert.deepEqual(splitIdentifier("__init__"), ["init"]);
    assert.deepEqual(splitIdentifier("IOError"), ["IO", "Error"]);
    assert.deepEqual(splitIdentifier("utf8Decode"), ["utf", "8", "Decode"]);
  });
});

describe("identifierShape", () => {
  it("classifies tokens", () => {
    assert.equal(identifierShape("getUserName"), "camel");
    assert.equal(identifierShape("QuerySet"), "camel");
    assert.equal(identifierShape("HTTPServer"), "camel");
    assert.equal(identifierShape("user_name"), "snake");
    assert.equal(identifierShape("_private"), "snake");
    assert.equal(identifierShape("MAX_SIZE"), "constant");
    assert.equal(identifierShape("__init__"), "dunder");
    assert.equal(identifierShape("a.b.C"), "dotted");
    assert.equal(identifierShape("NPE"), "plain", "all-caps words are not camelCase");
    assert.equal(identifierShape("filter"), "plain");
    assert.equal(identifierShape("dry-run"), "kebab");
  });
});

describe("identifierVariants", () => {
  it("gives other conventions, the verb-less form, and dotted leaves", () => {
    assert.deepEqual(identifierVariants("getUserName"), ["getUserName", "get_user_name", "user_name", "UserName"]);
    assert.deepEqual(identifierVariants("user_name"), ["user_name", "userName", "UserName"]);
    assert.deepEqual(
      identifierVariants("make_struct"),
      ["make_struct", "makeStruct", "MakeStruct"],
      "a verb and one word keep the word",
    );
    assert.deepEqual(identifierVariants("foo.bar.Baz"), ["foo.bar.Baz", "Baz", "bar", "foo.bar"]);
    assert.deepEqual(identifierVariants("MAX_SIZE"), ["MAX_SIZE", "max_size"]);
    assert.deepEqual(identifierVariants("filter"), ["filter"]);
  });
});

describe("tokenizeForSearch", () => {
  it("keeps compounds and their parts, lower-cased, without numbers or one-letter tokens", () => {
    assert.deepEqual(tokenizeForSearch("def getUserName(self, user_id=3): x = 42"), [
      "def",
      "getusername",
      "get",
      "user",
      "name",
      "self",
      "user_id",
      "user",
      "id",
    ]);
    assert.deepEqual(tokenizeForSearch("os.path.join"), ["os", "path", "join"]);
  });
});

describe("lightStem", () => {
  it("maps related forms to a shared prefix", () => {
    assert.equal(lightStem("queries"), "query");
    assert.equal(lightStem("caching"), lightStem("cached"));
    assert.equal(lightStem("filtering"), lightStem("filters"));
    assert.equal(lightStem("status"), "status");
    assert.equal(lightStem("class"), "class");
  });
});
