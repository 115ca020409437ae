import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { joinUrl, normalizeBaseUrl, redactUrl, serverRoot } from "../../src/llm/url.js";

describe("normalizeBaseUrl", () => {
  const table: Array<[string, string]> = [
    ["http://host:8000", "http://host:8000/v1"],
    ["http://host:8000/", "http://host:8000/v1"],
    ["http://host/v1/", "http://host/v1"],
    ["http://host/v1", "http://host/v1"],
    ["http://host/v1///", "http://host/v1"],
    ["https://host/api/v1", "https://host/api/v1"],
    ["https://host/openai/v1/", "https://host/openai/v1"],
    ["https://generativelanguage.example/v1beta/openai", "https://generativelanguage.example/v1beta/openai"],
    ["http://host:8000/v1/chat/completions", "http://host:8000/v1"],
    ["http://host:8000/chat/completions", "http://host:8000/v1"],
    ["http://host/api/v1/chat/completions/", "http://host/api/v1"],
    ["localhost:11434", "http://localhost:11434/v1"],
    ["  http://127.0.0.1:8080  ", "http://127.0.0.1:8080/v1"],
    ["https://x.example/openai/v1?api-version=2024-10-01", "https://x.example/openai/v1?api-version=2024-10-01"],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(normalizeBaseUrl(input), expected));
  }

  it("rejects unparseable and non-http URLs", () => {
    assert.throws(() => normalizeBaseUrl("http://"), TypeError);
    assert.throws(() => normalizeBaseUrl("ftp://host/v1"), /http\(s\)/);
  });
});

describe("joinUrl / serverRoot / redactUrl", () => {
  it("joins a segment before the query string", () => {
    assert.equal(
      joinUrl("https://x/openai/v1?api-version=1", "chat/completions"),
      "https://x/openai/v1/chat/completions?api-version=1",
    );
    assert.equal(joinUrl("http://h:1/v1", "/models"), "http://h:1/v1/models");
  });

  it("derives the server root without /v1", () => {
    assert.equal(serverRoot("http://h:8080/v1"), "http://h:8080");
    assert.equal(serverRoot("http://h:8080/api/v1"), "http://h:8080/api");
    assert.equal(serverRoot("http://h:8080/openai"), "http://h:8080/openai");
  });

  it("removes credentials from URLs for logs", () => {
    assert.equal(redactUrl("http://user:secret@h/v1"), "http://h/v1");
    assert.equal(redactUrl("not a url"), "<invalid url>");
  });
});
