/**
 * The doctor against the fake model server: a healthy endpoint passes; a parser-off endpoint, a
 * vLLM without its tool flags, a missing model, a small window and an unreachable endpoint each get
 * their message, fix and exit code.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConfigSchema } from "../../src/config/schema.js";
import { runDoctor } from "../../src/doctor/run.js";
import type { Check, CheckName, DoctorReport } from "../../src/doctor/types.js";
import {
  type ChatBody,
  type FakeModel,
  type FakeOpenAI,
  httpError,
  reply,
  startFakeOpenAI,
} from "../support/fake-openai-server.js";

const FC = "microsoft/FastContext-1.0-4B-RL";

const isPlain = (b: ChatBody) => b.tools === undefined;
const isToolProbe = (b: ChatBody) =>
  b.tools !== undefined && Array.isArray(b.messages) && !b.messages.some((m: { role?: string }) => m.role === "tool");
const isToolResult = (b: ChatBody) =>
  Array.isArray(b.messages) && b.messages.some((m: { role?: string }) => m.role === "tool");

/** Script a server that chats, calls Grep the way `toolReply` says, and answers from the result. */
function script(
  server: FakeOpenAI,
  toolReply = reply().toolCall("Grep", { pattern: "DOCTOR_PROBE_LIMIT" }),
  plainReply = reply().content("OK"),
): void {
  server.match(isPlain, plainReply);
  server.match(isToolProbe, toolReply);
  server.match(isToolResult, reply().content("DOCTOR_PROBE_LIMIT is 7319, in settings.py."));
}

async function doctor(baseUrl: string | undefined, extra: Record<string, unknown> = {}): Promise<DoctorReport> {
  const config = ConfigSchema.parse({ ...(baseUrl ? { base_url: baseUrl } : {}), ...extra });
  return runDoctor({ config, timeoutMs: 5000, local: false });
}

function check(report: DoctorReport, name: CheckName): Check {
  const found = report.checks.find((c) => c.name === name);
  assert.ok(found, `no ${name} check in ${JSON.stringify(report.checks)}`);
  return found;
}

async function withServer(models: FakeModel[], body: (server: FakeOpenAI) => Promise<void>): Promise<void> {
  const server = await startFakeOpenAI({ models });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

describe("doctor", () => {
  it("passes a healthy endpoint: native tool calls, a tool-result round trip, no thinking", async () => {
    await withServer([{ id: FC, max_model_len: 32768 }], async (server) => {
      script(server);
      const report = await doctor(server.url);
      assert.deepEqual(
        report.checks.map((c) => `${c.name}:${c.status}`),
        ["endpoint:ok", "model:ok", "context-window:ok", "chat:ok", "tool-call:ok", "tool-result:ok", "thinking:ok"],
      );
      assert.equal(report.ok, true);
      assert.equal(report.exitCode, 0);
      assert.equal(report.model, FC);
      assert.equal(report.profile, "fastcontext-4b");
      assert.equal(report.server, "vLLM");
      assert.match(check(report, "tool-call").detail, /native tool_calls/);
      assert.match(check(report, "tool-result").detail, /answered from it/);
      assert.match(check(report, "context-window").detail, /^32,768 tokens \(GET \/models data\[0\]\.max_model_len\)$/);
      server.assertDrained();
      // The probes are what an exploration sends: the profile's sampling, thinking off, tiny replies, no tool_choice.
      const probe = server.chatRequests().find((r) => r.body && isToolProbe(r.body))!.body!;
      assert.deepEqual(probe.chat_template_kwargs, { enable_thinking: false });
      assert.equal(probe.tool_choice, undefined);
      assert.ok(Number(probe.max_completion_tokens) <= 512);
    });
  });

  it("diagnoses a server whose hermes parser is off: <tool_call> text in the content", async () => {
    await withServer([{ id: FC, max_model_len: 32768 }], async (server) => {
      script(
        server,
        reply().content('<tool_call>\n{"name": "Grep", "arguments": {"pattern": "DOCTOR_PROBE_LIMIT"}}\n</tool_call>'),
      );
      const report = await doctor(server.url);
      const c = check(report, "tool-call");
      assert.equal(c.status, "fail");
      assert.match(c.detail, /tool calls arrive as <tool_call> text in the content: the server's tool parser is off/);
      assert.equal(c.fix, "vLLM: add --enable-auto-tool-choice --tool-call-parser hermes");
      assert.equal(check(report, "tool-result").status, "ok", "the recovered call still completes the round trip");
      assert.equal(report.exitCode, 1);
    });
  });

  it("names the parser flag of each server, and all of them when the server is unknown", async () => {
    const cases: Array<[FakeModel, RegExp]> = [
      [{ id: FC, owned_by: "sglang" }, /^SGLang: add --tool-call-parser qwen/],
      [{ id: FC, owned_by: "llamacpp" }, /^llama\.cpp: start llama-server with --jinja$/],
      [
        { id: FC, owned_by: "someone" },
        /vLLM: add --enable-auto-tool-choice --tool-call-parser hermes; SGLang: add --tool-call-parser qwen .*; llama\.cpp: start llama-server with --jinja/,
      ],
    ];
    for (const [model, fix] of cases) {
      await withServer([model], async (server) => {
        script(server, reply().content('<tool_call>\n{"name": "Grep", "arguments": {"pattern": "x"}}\n</tool_call>'));
        const report = await doctor(server.url, { max_context: 32768 });
        assert.match(check(report, "tool-call").fix ?? "", fix);
      });
    }
  });

  it("diagnoses vLLM started without --enable-auto-tool-choice (HTTP 400 on tools)", async () => {
    await withServer([{ id: FC, max_model_len: 32768 }], async (server) => {
      server.match(isPlain, reply().content("OK"));
      server.match(
        isToolProbe,
        httpError(400, {
          message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
        }),
      );
      const report = await doctor(server.url);
      const c = check(report, "tool-call");
      assert.equal(c.status, "fail");
      assert.match(c.detail, /the server refuses requests with tools: .*--enable-auto-tool-choice/);
      assert.equal(c.fix, "vLLM: add --enable-auto-tool-choice --tool-call-parser hermes");
      assert.equal(check(report, "tool-result").status, "skip");
      server.assertDrained();
    });
  });

  it("warns when the model answers in text instead of calling the tool", async () => {
    await withServer([{ id: FC, max_model_len: 32768 }], async (server) => {
      script(server, reply().content("I cannot search, but it is probably in settings.py."));
      const report = await doctor(server.url);
      const c = check(report, "tool-call");
      assert.equal(c.status, "warn");
      assert.match(c.detail, /answered in text without calling the offered tool/);
      assert.match(c.fix ?? "", /--jinja/);
      assert.equal(check(report, "tool-result").status, "skip");
      assert.equal(report.exitCode, 0, "a weak model is a warning, not a broken setup");
    });
  });

  it("warns when thinking leaks although the profile turns it off", async () => {
    await withServer([{ id: FC, max_model_len: 32768 }], async (server) => {
      script(
        server,
        reply().reasoning("Let me think about which tool to use.").toolCall("Grep", { pattern: "DOCTOR_PROBE_LIMIT" }),
        reply().content("<think>hmm</think>OK"),
      );
      const report = await doctor(server.url);
      const c = check(report, "thinking");
      assert.equal(c.status, "warn");
      assert.match(c.detail, /chars of reasoning came back .* although the profile turns thinking off/);
      assert.match(c.fix ?? "", /vLLM: keep the model's own chat template so enable_thinking=false applies/);
    });
  });

  it("accepts reasoning from a profile that keeps it on (gpt-oss)", async () => {
    await withServer([{ id: "openai/gpt-oss-20b", max_model_len: 65536 }], async (server) => {
      script(server, reply().reasoning("Need to grep.").toolCall("Grep", { pattern: "DOCTOR_PROBE_LIMIT" }));
      const report = await doctor(server.url);
      assert.equal(report.profile, "gpt-oss");
      assert.equal(check(report, "thinking").status, "ok");
      assert.match(check(report, "thinking").detail, /the model reasons/);
    });
  });

  it("fails a missing model and lists the served ones", async () => {
    await withServer(
      [
        { id: FC, max_model_len: 32768 },
        { id: "Qwen/Qwen3-4B-Instruct-2507", max_model_len: 32768 },
      ],
      async (server) => {
        const report = await doctor(server.url, { model: "fastcontext" });
        const c = check(report, "model");
        assert.equal(c.status, "fail");
        assert.equal(c.detail, `fastcontext is not served; the server serves: ${FC}, Qwen/Qwen3-4B-Instruct-2507`);
        assert.match(c.fix ?? "", /^pass --model /);
        assert.deepEqual(
          report.checks.filter((x) => x.status === "skip").map((x) => x.name),
          ["context-window", "chat", "tool-call", "tool-result", "thinking"],
        );
        assert.equal(report.exitCode, 1);
        assert.equal(server.chatRequests().length, 0, "no generation with a wrong model id");
      },
    );
  });

  it("suggests the right spelling of a model id that differs only in case or prefix", async () => {
    await withServer([{ id: FC, max_model_len: 32768 }], async (server) => {
      const report = await doctor(server.url, { model: "FastContext-1.0-4B-RL" });
      assert.equal(check(report, "model").fix, `did you mean ${FC}? pass --model ${FC}`);
    });
  });

  it("asks to choose when several models are served and none was given", async () => {
    await withServer([{ id: "a" }, { id: "b" }], async (server) => {
      const report = await doctor(server.url);
      assert.equal(check(report, "model").status, "fail");
      assert.equal(check(report, "model").fix, "pass --model with one of: a, b");
    });
  });

  it("fails a window too small to explore, warns under 16k, with the server's flag", async () => {
    await withServer([{ id: FC, max_model_len: 4096 }], async (server) => {
      script(server);
      const report = await doctor(server.url);
      const c = check(report, "context-window");
      assert.equal(c.status, "fail");
      assert.match(c.detail, /^4,096 tokens .*: too small/);
      assert.equal(c.fix, "restart with a larger window: vLLM: --max-model-len 32768");
      assert.equal(report.exitCode, 1);
    });
    await withServer([{ id: FC, max_model_len: 12288 }], async (server) => {
      script(server);
      const report = await doctor(server.url);
      const c = check(report, "context-window");
      assert.equal(c.status, "warn");
      assert.match(c.detail, /^12,288 tokens .*: under 16k/);
      assert.equal(report.exitCode, 0);
    });
  });

  it("reads a llama.cpp window per slot and names --ctx-size", async () => {
    await withServer([{ id: FC, owned_by: "llamacpp", meta: { n_ctx_train: 262144 } }], async (server) => {
      server.configure({ props: { total_slots: 4, default_generation_settings: { n_ctx: 8192 } } });
      script(server);
      const report = await doctor(server.url);
      const c = check(report, "context-window");
      assert.equal(c.status, "warn");
      assert.match(c.detail, /^8,192 tokens \(GET \/props/);
      assert.match(c.fix ?? "", /llama\.cpp: --ctx-size 32768 times the --parallel slot count/);
    });
  });

  it("warns when the window is unknown", async () => {
    await withServer([{ id: FC }], async (server) => {
      script(server);
      const report = await doctor(server.url);
      const c = check(report, "context-window");
      assert.equal(c.status, "warn");
      assert.match(c.fix ?? "", /--max-context/);
    });
  });

  describe("an unreachable endpoint", () => {
    let url: string;
    before(async () => {
      // A port that was just free: nothing listens there any more.
      const server = await startFakeOpenAI();
      url = server.url;
      await server.close();
    });
    it("fails the endpoint check with the fix and skips the rest", async () => {
      const report = await doctor(url);
      const c = check(report, "endpoint");
      assert.equal(c.status, "fail");
      assert.match(c.detail, new RegExp(`^cannot reach ${url}/models: fetch failed.*ECONNREFUSED`));
      assert.equal(c.fix, "start the model server, or fix --base-url (scheme, host, port and the /v1 path)");
      assert.equal(report.checks.filter((x) => x.status === "skip").length, 6);
      assert.equal(report.exitCode, 1);
    });
  });

  it("reports a refused API key", async () => {
    await withServer([{ id: FC }], async (server) => {
      server.configure({ modelsStatus: 401, modelsBody: { error: { message: "invalid api key" } } });
      const report = await doctor(server.url);
      assert.equal(check(report, "endpoint").status, "fail");
      assert.match(check(report, "endpoint").fix ?? "", /--api-key/);
    });
  });

  it("only warns without an endpoint: the embedded explorer needs none", async () => {
    const report = await doctor(undefined);
    assert.equal(check(report, "endpoint").status, "warn");
    assert.equal(report.exitCode, 0);
  });
});

describe("doctor local checks", () => {
  let report: DoctorReport;
  before(async () => {
    report = await runDoctor({ config: ConfigSchema.parse({ model: "openai/gpt-oss-20b" }), timeoutMs: 5000 });
  });
  after(() => undefined);
  it("finds ripgrep and loads the qwen3 and o200k tokenizers", () => {
    assert.equal(check(report, "ripgrep").status, "ok");
    assert.match(check(report, "ripgrep").detail, /^ripgrep \S+ at \//);
    assert.equal(check(report, "tokenizer").status, "ok");
    assert.match(check(report, "tokenizer").detail, /^qwen3 and o200k loaded in \d+ ms$/);
  });
});
