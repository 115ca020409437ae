import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LlmError } from "../../src/llm/errors.js";
import {
  detectContextWindow,
  findWindow,
  listModels,
  windowFromLaunchArgs,
  windowFromModels,
} from "../../src/llm/models.js";
import { startFakeOpenAI, useFakeOpenAI } from "../support/fake-openai-server.js";

const fx = useFakeOpenAI();

describe("detectContextWindow against a server", () => {
  it("reads vLLM's max_model_len for the requested model and lists served ids", async () => {
    fx.server.configure({
      models: [
        { id: "other", max_model_len: 8192 },
        { id: "fc-4b", max_model_len: 65536 },
      ],
    });
    const info = await detectContextWindow(fx.server.origin, "sk-x", "fc-4b");
    assert.deepEqual(info, { window: 65536, source: "GET /models data[1].max_model_len", served: ["other", "fc-4b"] });
    assert.equal(fx.server.requests[0]?.path, "/v1/models");
    assert.equal(fx.server.requests[0]?.headers.authorization, "Bearer sk-x");
  });

  it("falls back to any entry when the model is not listed", async () => {
    fx.server.configure({ models: [{ id: "served-name", max_model_len: 40960 }] });
    assert.equal((await detectContextWindow(fx.server.url, undefined, "something-else")).window, 40960);
  });

  it("prefers LM Studio's loaded_context_length over its max_context_length", async () => {
    fx.server.configure({
      modelsBody: { object: "list", data: [{ id: "qwen", max_context_length: 262144, loaded_context_length: 16384 }] },
    });
    const info = await detectContextWindow(fx.server.url, undefined, "qwen");
    assert.equal(info.window, 16384);
    assert.match(info.source, /loaded_context_length/);
  });

  it("prefers llama.cpp's per-slot /props n_ctx over the trained n_ctx_train from /models", async () => {
    fx.server.configure({
      modelsBody: {
        object: "list",
        data: [{ id: "fc.gguf", object: "model", meta: { n_ctx_train: 262144, n_params: 4e9 } }],
      },
      props: { default_generation_settings: { n_ctx: 20480, params: {} }, total_slots: 4, model_path: "/m/fc.gguf" },
    });
    const info = await detectContextWindow(fx.server.url, undefined, "fc.gguf");
    assert.deepEqual(info, {
      window: 20480,
      source: "GET /props default_generation_settings.n_ctx",
      served: ["fc.gguf"],
    });
    assert.deepEqual(
      fx.server.requests.map((r) => r.path),
      ["/v1/models", "/props"],
    );
  });

  it("uses the trained length when nothing better exists", async () => {
    fx.server.configure({ modelsBody: { data: [{ id: "m", meta: { n_ctx_train: 131072 } }] } });
    const info = await detectContextWindow(fx.server.url, undefined, "m");
    assert.equal(info.window, 131072);
    assert.match(info.source, /trained/);
  });

  it("reads /props alone when /models fails", async () => {
    fx.server.configure({
      modelsStatus: 500,
      modelsBody: { error: "boom" },
      props: { default_generation_settings: { n_ctx: 8192 }, total_slots: 1 },
    });
    const info = await detectContextWindow(fx.server.url, undefined, "m");
    assert.equal(info.window, 8192);
    assert.deepEqual(info.served, []);
  });

  it("returns window 0 with the reasons when nothing is known", async () => {
    fx.server.configure({ models: [{ id: "m" }] });
    const info = await detectContextWindow(fx.server.url, undefined, "m");
    assert.equal(info.window, 0);
    assert.match(info.source, /^none \(\/props: HTTP 404/);
    assert.deepEqual(info.served, ["m"]);
  });

  it("never throws: unreachable server, invalid URL, timeout", async () => {
    const closed = await startFakeOpenAI();
    const url = closed.url;
    await closed.close();
    assert.equal((await detectContextWindow(url, undefined, "m")).window, 0);
    assert.equal((await detectContextWindow("http://", undefined, "m")).window, 0);
    const start = performance.now();
    const aborted = await detectContextWindow(fx.server.url, undefined, "m", { signal: AbortSignal.abort() });
    assert.equal(aborted.window, 0);
    assert.ok(performance.now() - start < 1000);
  });
});

describe("listModels", () => {
  it("lists served ids", async () => {
    fx.server.configure({ models: [{ id: "a" }, { id: "b" }] });
    assert.deepEqual(await listModels(fx.server.origin, undefined), ["a", "b"]);
  });

  it("rejects with an LlmError carrying the status", async () => {
    fx.server.configure({ modelsStatus: 401, modelsBody: { error: { message: "bad key" } } });
    await assert.rejects(
      listModels(fx.server.url, "k"),
      (e: unknown) => e instanceof LlmError && e.status === 401 && /bad key/.test(e.message),
    );
  });
});

describe("window scanning (pure)", () => {
  it("accepts data[], a bare list and a bare object", () => {
    assert.equal(windowFromModels({ data: [{ id: "a", context_length: 4096 }] }, "a")?.window, 4096);
    assert.equal(windowFromModels([{ id: "a", context_window: 8192 }], "a")?.window, 8192);
    assert.equal(windowFromModels({ id: "a", max_total_tokens: 1000 }, "a")?.window, 1000);
    assert.equal(windowFromModels({ data: [] }, "a"), undefined);
  });

  it("prefers the requested model's entry, case-insensitively", () => {
    const body = {
      data: [
        { id: "x", max_model_len: 1 },
        { id: "FC", max_model_len: 2 },
      ],
    };
    assert.deepEqual(windowFromModels(body, "fc"), { window: 2, path: "data[1].max_model_len", trained: false });
  });

  it("ranks served keys above trained ones, at any depth", () => {
    assert.deepEqual(findWindow({ max_position_embeddings: 262144, config: { deep: { max_model_len: 32768 } } }, ""), {
      window: 32768,
      path: "config.deep.max_model_len",
      trained: false,
    });
    assert.equal(findWindow({ n_ctx_train: 9, max_position_embeddings: 10 }, "")?.window, 9);
  });

  it("divides an n_ctx by a slot count beside it", () => {
    assert.equal(findWindow({ n_ctx: 65536, n_parallel: 4 }, "")?.window, 16384);
    assert.equal(findWindow({ n_ctx: "32768", parallel: "2" }, "")?.window, 16384);
    assert.equal(findWindow({ default_generation_settings: { n_ctx: 16384 }, total_slots: 4 }, "")?.window, 16384);
  });

  it("reads llama-swap launch arguments", () => {
    assert.equal(
      findWindow({ id: "m", args: ["llama-server", "--ctx-size", "65536", "--parallel", "2"] }, "")?.window,
      32768,
    );
    assert.equal(
      findWindow({ id: "m", cmd: "llama-server -m x.gguf -c 40960 -np 4\n --port 9000" }, "")?.window,
      10240,
    );
    assert.equal(windowFromLaunchArgs("--ctx-size=8192"), 8192);
    assert.equal(windowFromLaunchArgs("--ctx-size 0 --parallel 2"), undefined);
    assert.equal(windowFromLaunchArgs("--port 8080"), undefined);
  });

  it("ignores zero, negative, fractional and non-numeric values", () => {
    assert.equal(
      findWindow({ max_model_len: 0, context_length: -5, context_window: 1.5, n_ctx: "big" }, ""),
      undefined,
    );
  });
});
