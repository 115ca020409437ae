import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ChatClientConfig, createChatClient } from "../../src/llm/client.js";
import { LlmError } from "../../src/llm/errors.js";
import { toAssistantMessage } from "../../src/llm/history.js";
import type { ChatMessage, ToolDefinition } from "../../src/llm/types.js";
import { garbageToolJson, rawResponse, rawSSE, reply, useFakeOpenAI } from "../support/fake-openai-server.js";

const TOOLS: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "Read",
      description: "read",
      parameters: { type: "object", properties: { path: { type: "string" }, offset: { type: "integer" } } },
    },
  },
  {
    type: "function",
    function: {
      name: "Grep",
      description: "grep",
      parameters: { type: "object", properties: { pattern: { type: "string" }, "-i": { type: "boolean" } } },
    },
  },
];
const MESSAGES: ChatMessage[] = [
  { role: "system", content: "sys" },
  { role: "user", content: "<query>where is main</query>" },
];

const fx = useFakeOpenAI();
const client = (config: Partial<ChatClientConfig> = {}) =>
  createChatClient({ baseUrl: fx.server.url, model: "fc-4b", retryBaseMs: 5, ...config });
const args = (json: string) => JSON.parse(json) as unknown;

describe("chat: streaming", () => {
  it("merges split tool-call deltas into complete calls, in order, with the server's ids", async () => {
    fx.server.enqueue(
      reply()
        .content("Looking.")
        .toolCall("Grep", { pattern: "def main", "-i": true }, { id: "call-a" })
        .toolCall("Read", { path: "/r/main.py" }, { id: "call-b" })
        .pieces(5),
    );
    const turn = await client().chat(MESSAGES, TOOLS);
    assert.equal(turn.source, "native");
    assert.equal(turn.finishReason, "tool_calls");
    assert.deepEqual(
      turn.toolCalls.map((c) => [c.id, c.name, args(c.arguments)]),
      [
        ["call-a", "Grep", { pattern: "def main", "-i": true }],
        ["call-b", "Read", { path: "/r/main.py" }],
      ],
    );
    // The argument string is kept exactly as streamed (Python json.dumps spacing).
    assert.equal(turn.toolCalls[1]?.arguments, '{"path": "/r/main.py"}');
    assert.equal(turn.content, "Looking.");
    assert.deepEqual(turn.malformed, []);
  });

  it("keeps reasoning apart from content and reads usage from the usage chunk", async () => {
    fx.server.enqueue(
      reply().reasoning("Think about it.").content("<final_answer>\n/abs/a.py:1-3\n</final_answer>").usage(120, 30),
    );
    const deltas: Array<[string, string]> = [];
    const turn = await client().chat(MESSAGES, TOOLS, {}, { onDelta: (channel, text) => deltas.push([channel, text]) });
    assert.equal(turn.reasoning, "Think about it.");
    assert.equal(turn.content, "<final_answer>\n/abs/a.py:1-3\n</final_answer>");
    assert.deepEqual(turn.usage, { promptTokens: 120, completionTokens: 30 });
    assert.equal(turn.source, "none");
    assert.equal(turn.finishReason, "stop");
    assert.equal(
      deltas
        .filter(([c]) => c === "reasoning")
        .map(([, t]) => t)
        .join(""),
      "Think about it.",
    );
    assert.equal(
      deltas
        .filter(([c]) => c === "content")
        .map(([, t]) => t)
        .join(""),
      turn.content,
    );
    assert.ok(deltas.length >= 4, "content arrived in several deltas");
  });

  it("accepts the `reasoning` field alias", async () => {
    fx.server.enqueue(reply().reasoningField("reasoning").reasoning("alias").content("ok"));
    const turn = await client().chat(MESSAGES);
    assert.equal(turn.reasoning, "alias");
  });

  it("synthesizes ids and keys calls by order when the server omits ids and indexes", async () => {
    fx.server.enqueue(
      reply()
        .toolCall("Read", { path: "/a" })
        .toolCall("Read", { path: "/b" })
        .withoutToolCallIds()
        .withoutToolCallIndex(),
    );
    const turn = await client().chat(MESSAGES, TOOLS);
    assert.deepEqual(
      turn.toolCalls.map((c) => args(c.arguments)),
      [{ path: "/a" }, { path: "/b" }],
    );
    for (const call of turn.toolCalls) assert.match(call.id, /^call_[0-9a-f]{8}$/);
    assert.notEqual(turn.toolCalls[0]?.id, turn.toolCalls[1]?.id);
  });

  it("parses tool calls from content when the server's parser is off, moving <think> to reasoning", async () => {
    fx.server.enqueue(
      reply().content(
        '<think>\nfind it\n</think>\n\nI will search.\n<tool_call>\n{"name": "Grep", "arguments": {"pattern": "main"}}\n</tool_call>\n<tool_call>\n{"name": "Read", "arguments": {"path": "/r/a.py"}}\n</tool_call>',
      ),
    );
    const deltas: Array<[string, string]> = [];
    const turn = await client().chat(MESSAGES, TOOLS, {}, { onDelta: (c, t) => deltas.push([c, t]) });
    assert.equal(turn.source, "content");
    assert.equal(turn.finishReason, "tool_calls");
    assert.deepEqual(
      turn.toolCalls.map((c) => [c.name, args(c.arguments)]),
      [
        ["Grep", { pattern: "main" }],
        ["Read", { path: "/r/a.py" }],
      ],
    );
    assert.equal(turn.content, "I will search.");
    assert.equal(turn.reasoning, "find it");
    assert.ok(!deltas.some(([c, t]) => c === "content" && t.includes("find it")), "think text is not shown as content");
  });

  it("types Qwen3-Coder XML values with the offered tools' schemas", async () => {
    fx.server.enqueue(
      reply().content(
        "<tool_call>\n<function=Read>\n<parameter=path>\n/a.py\n</parameter>\n<parameter=offset>\n40\n</parameter>\n</function>\n</tool_call>",
      ),
    );
    const turn = await client().chat(MESSAGES, TOOLS);
    assert.deepEqual(args(turn.toolCalls[0]?.arguments ?? ""), { path: "/a.py", offset: 40 });
  });

  it("turns garbage tool JSON into a malformed entry, in content and native mode", async () => {
    fx.server.enqueue(garbageToolJson(), garbageToolJson({ native: true }));
    const fromContent = await client().chat(MESSAGES, TOOLS);
    assert.equal(fromContent.toolCalls.length, 0);
    assert.equal(fromContent.malformed.length, 1);
    assert.equal(fromContent.malformed[0]?.name, "Grep");
    assert.equal(fromContent.source, "content");
    const native = await client().chat(MESSAGES, TOOLS);
    assert.equal(native.source, "native");
    assert.deepEqual(
      native.malformed.map((m) => [m.name, m.raw]),
      [["Grep", "pattern: @@@ ))) not json"]],
    );
    const history = toAssistantMessage(native);
    assert.ok(history.role === "assistant" && history.tool_calls?.[0]?.id === native.malformed[0]?.id);
  });

  it("concatenates the calls of a router's two choices", async () => {
    const chunk = (choices: unknown[]) =>
      `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", choices })}\n\n`;
    fx.server.enqueue(
      rawSSE([
        chunk([{ index: 0, delta: { role: "assistant", content: "Let me look." } }]),
        chunk([
          {
            index: 1,
            delta: { tool_calls: [{ index: 0, id: "c1", function: { name: "Read", arguments: '{"path": "/a"}' } }] },
          },
        ]),
        chunk([
          {
            index: 1,
            delta: { tool_calls: [{ index: 1, id: "c2", function: { name: "Read", arguments: '{"path": "/b"}' } }] },
          },
        ]),
        chunk([
          { index: 0, delta: {}, finish_reason: "stop" },
          { index: 1, delta: {}, finish_reason: "tool_calls" },
        ]),
        "data: [DONE]\n\n",
      ]),
    );
    const turn = await client().chat(MESSAGES, TOOLS);
    assert.deepEqual(
      turn.toolCalls.map((c) => c.id),
      ["c1", "c2"],
    );
    assert.equal(turn.content, "Let me look.");
    assert.equal(turn.finishReason, "tool_calls");
  });

  it("reads a JSON body even when it asked for a stream", async () => {
    fx.server.enqueue(
      rawResponse(200, {
        choices: [{ index: 0, message: { role: "assistant", content: "plain" }, finish_reason: "stop" }],
      }),
    );
    const turn = await client().chat(MESSAGES);
    assert.equal(turn.content, "plain");
  });

  it("reports finish_reason length", async () => {
    fx.server.enqueue(reply().content("cut").finish("length"));
    assert.equal((await client().chat(MESSAGES)).finishReason, "length");
  });
});

describe("chat: non-streaming", () => {
  it("returns the same turn from a chat.completion object", async () => {
    fx.server.enqueue(
      reply().reasoning("hmm").content("Checking.").toolCall("Read", { path: "/a" }, { id: "id-1" }).usage(50, 7),
    );
    const turn = await client({ stream: false }).chat(MESSAGES, TOOLS);
    assert.deepEqual(turn, {
      content: "Checking.",
      reasoning: "hmm",
      toolCalls: [{ id: "id-1", name: "Read", arguments: '{"path": "/a"}' }],
      malformed: [],
      finishReason: "tool_calls",
      source: "native",
      usage: { promptTokens: 50, completionTokens: 7 },
      model: "fc-4b",
    });
    const body = fx.server.chatRequests()[0]?.body;
    assert.equal(body?.stream, false);
    assert.equal(body?.stream_options, undefined);
  });

  it("fails with kind parse on a body that is not JSON", async () => {
    fx.server.enqueue(rawResponse(200, "<html>proxy</html>"));
    await assert.rejects(
      client({ stream: false }).chat(MESSAGES),
      (e: unknown) => e instanceof LlmError && e.kind === "parse" && /not JSON/.test(e.message),
    );
  });
});

describe("chat: the request", () => {
  it("sends model, messages, tools, stream_options and only the options given", async () => {
    fx.server.enqueue(reply().content("ok"));
    await client({ apiKey: "sk-test", extraBody: { min_p: 0.05, top_k: 99, stream: "nope" } }).chat(MESSAGES, TOOLS, {
      temperature: 0.7,
      top_p: 0.8,
      top_k: 20,
      max_completion_tokens: 4096,
      tool_choice: "none",
      chat_template_kwargs: { enable_thinking: false },
      extraBody: { seed: 1 },
    });
    const request = fx.server.chatRequests()[0];
    assert.equal(request?.path, "/v1/chat/completions");
    assert.equal(request?.headers.authorization, "Bearer sk-test");
    assert.equal(request?.headers["content-type"], "application/json");
    assert.deepEqual(request?.body, {
      min_p: 0.05,
      top_k: 20,
      seed: 1,
      temperature: 0.7,
      top_p: 0.8,
      max_completion_tokens: 4096,
      tool_choice: "none",
      chat_template_kwargs: { enable_thinking: false },
      model: "fc-4b",
      messages: MESSAGES,
      tools: TOOLS,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("sends no Authorization without a key, and no tools or tool_choice without tools", async () => {
    fx.server.enqueue(reply().content("ok"));
    await client({ headers: { "X-Trace": "1" } }).chat(MESSAGES, [], { tool_choice: "none", model: "other" });
    const request = fx.server.chatRequests()[0];
    assert.equal(request?.headers.authorization, undefined);
    assert.equal(request?.headers["x-trace"], "1");
    assert.equal(request?.body?.tools, undefined);
    assert.equal(request?.body?.tool_choice, undefined);
    assert.equal(request?.body?.model, "other");
  });

  it("posts to an explicit base path and to a pasted /chat/completions URL", async () => {
    fx.server.enqueue(reply().content("a"), reply().content("b"));
    await createChatClient({ baseUrl: `${fx.server.origin}/api/v1/`, model: "m" }).chat(MESSAGES);
    await createChatClient({ baseUrl: `${fx.server.origin}/v1/chat/completions`, model: "m" }).chat(MESSAGES);
    assert.deepEqual(
      fx.server.chatRequests().map((r) => r.path),
      ["/api/v1/chat/completions", "/v1/chat/completions"],
    );
  });

  it("exposes the normalized base URL", () => {
    assert.equal(createChatClient({ baseUrl: fx.server.origin, model: "m" }).baseUrl, fx.server.url);
  });
});
