import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { convertToMxfp4 } from "../../src/checkpoint/convert.js";
import { planServe, renderCommand, renderCompose, shellQuote } from "../../src/checkpoint/serve.js";
import { serveFacts } from "../../src/checkpoint/serve-facts.js";
import { ConfigSchema } from "../../src/config/schema.js";
import { checkServedCheckpoint } from "../../src/doctor/checkpoint-check.js";
import { runDoctor } from "../../src/doctor/run.js";
import { main } from "../../src/surfaces/cli/main.js";
import { type ChatBody, reply, startFakeOpenAI } from "../support/fake-openai-server.js";
import { tempDir, writeMoeCheckpoint, writeNvfp4Checkpoint } from "./fixtures.js";

const flag = (argv: string[], name: string) => argv[argv.indexOf(name) + 1];
const hasToolMessage = (b: ChatBody) =>
  Array.isArray(b.messages) && b.messages.some((m: { role?: string }) => m.role === "tool");

async function mxfp4Dir(): Promise<string> {
  const dir = await tempDir("serve-mx");
  await writeMoeCheckpoint(join(dir, "src"));
  await convertToMxfp4({ source: join(dir, "src"), destination: join(dir, "context-1-mxfp4"), progress: false });
  return join(dir, "context-1-mxfp4");
}

describe("serve", () => {
  it("serves gpt-oss MXFP4 on vLLM with the openai parser, the config's context and an auto KV cache", async () => {
    const dir = await mxfp4Dir();
    const plan = planServe(await serveFacts(dir), { engine: "vllm" });
    assert.deepEqual(plan.argv.slice(0, 3), ["vllm", "serve", dir]);
    assert.equal(flag(plan.argv, "--tool-call-parser"), "openai");
    assert.ok(plan.argv.includes("--enable-auto-tool-choice"));
    assert.equal(flag(plan.argv, "--max-model-len"), "131072");
    assert.equal(flag(plan.argv, "--kv-cache-dtype"), "auto");
    assert.equal(plan.argv.includes("--quantization"), false, "vLLM reads mxfp4 from config.json");
    assert.deepEqual(plan.warnings, []);
    const sglang = planServe(await serveFacts(dir), { engine: "sglang", kvCacheDtype: "fp8" });
    assert.equal(flag(sglang.argv, "--tool-call-parser"), "gpt-oss");
    assert.equal(flag(sglang.argv, "--context-length"), "131072");
    assert.equal(flag(sglang.argv, "--kv-cache-dtype"), "fp8_e4m3");
    assert.ok(sglang.warnings.some((w) => /quantized KV cache/.test(w)));
  });

  it("serves Qwen3 NVFP4 with modelopt and hermes, noting that NVFP4 is native only on Blackwell", async () => {
    const dir = await tempDir("serve-nv");
    await writeNvfp4Checkpoint(join(dir, "q"), join(dir, "s"));
    const facts = await serveFacts(join(dir, "q"));
    const plan = planServe(facts, { engine: "vllm", maxModelLen: 65536, port: 30001 });
    assert.equal(flag(plan.argv, "--quantization"), "modelopt");
    assert.equal(flag(plan.argv, "--tool-call-parser"), "hermes");
    assert.equal(flag(plan.argv, "--max-model-len"), "65536");
    assert.equal(flag(plan.argv, "--port"), "30001");
    assert.ok(plan.notes.some((n) => /natively only on Blackwell/.test(n)));
    const sglang = planServe(facts, { engine: "sglang" });
    assert.equal(flag(sglang.argv, "--quantization"), "modelopt_fp4");
    assert.equal(flag(sglang.argv, "--tool-call-parser"), "qwen");
  });

  it("refuses what an engine cannot serve: NVFP4_AWQ on vLLM, safetensors on llama.cpp", async () => {
    const dir = await tempDir("serve-awq");
    await writeNvfp4Checkpoint(join(dir, "q"), join(dir, "s"), { quantAlgo: "NVFP4_AWQ" });
    const facts = await serveFacts(join(dir, "q"));
    // The tensors have no pre_quant_scale, so they read as NVFP4; the declared algo blocks vLLM.
    assert.ok(facts.blocking.some((b) => /NVFP4_AWQ is rejected/.test(b)));
    assert.throws(() => planServe({ ...facts, format: "NVFP4_AWQ" }, { engine: "vllm" }), /--engine sglang/);
    assert.throws(() => planServe(facts, { engine: "llama.cpp" }), /llama.cpp serves GGUF/);
    const gguf = await tempDir("serve-gguf");
    await writeFile(join(gguf, "FastContext-1.0-4B-RL-Q8_0.gguf"), "GGUF");
    const plan = planServe(await serveFacts(gguf), { engine: "llama.cpp", maxModelLen: 32768 });
    assert.deepEqual(plan.argv.slice(0, 3), ["llama-server", "-m", join(gguf, "FastContext-1.0-4B-RL-Q8_0.gguf")]);
    assert.ok(plan.argv.includes("--jinja"));
    assert.ok(plan.notes.some((n) => /ctx-size ÷ parallel/.test(n)));
  });

  it("guesses from a model id alone and says so; FastContext is not Context-1", async () => {
    const fc = planServe(await serveFacts("r0b0tlab/FastContext-1.0-4B-RL-NVFP4"), { engine: "vllm" });
    assert.equal(flag(fc.argv, "--tool-call-parser"), "hermes");
    assert.equal(flag(fc.argv, "--quantization"), "modelopt");
    assert.ok(fc.warnings.some((w) => /no context length known/.test(w)));
    const c1 = planServe(await serveFacts("evilfreelancer/context-1-mxfp4"), { engine: "vllm" });
    assert.equal(flag(c1.argv, "--tool-call-parser"), "openai");
  });

  it("renders a shell command and a compose file that mounts the directory", async () => {
    assert.equal(shellQuote("a b"), "'a b'");
    assert.equal(shellQuote("it's"), "'it'\\''s'");
    assert.equal(renderCommand(["vllm", "serve", "m", "--port", "8000"]), "vllm serve m \\\n  --port 8000");
    const dir = await mxfp4Dir();
    const facts = await serveFacts(dir);
    const compose = renderCompose(planServe(facts, { engine: "vllm" }), facts, 8000);
    assert.match(compose, /image: vllm\/vllm-openai/);
    assert.match(compose, /command: \["serve", "\/model", /);
    assert.ok(compose.includes(`- "${dir}:/model:ro"`));
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(["checkpoint", "serve", dir, "--compose"]);
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
    }
    assert.equal(code, 0);
    assert.equal(out.join(""), `${compose}\n`);
  });
});

describe("doctor --checkpoint", () => {
  it("compares the served window and the tool-call outcome with the checkpoint", async () => {
    const dir = await mxfp4Dir();
    const served = { data: [{ id: "c1", object: "model", owned_by: "vllm", root: dir, max_model_len: 200000 }] };
    const tooLong = await checkServedCheckpoint({ dir, body: served, model: "c1", server: "vLLM" });
    assert.equal(tooLong.status, "fail");
    assert.match(tooLong.detail, /window 200000 exceeds the checkpoint's trained 131072/);
    assert.match(tooLong.fix ?? "", /--tool-call-parser openai/);
    const other = { data: [{ id: "c1", owned_by: "vllm", root: "/models/other", max_model_len: 32768 }] };
    const elsewhere = await checkServedCheckpoint({ dir, body: other, model: "c1", server: "vLLM" });
    assert.equal(elsewhere.status, "warn");
    assert.match(elsewhere.detail, /loaded \/models\/other/);
    const failedTools = await checkServedCheckpoint({
      dir,
      body: { data: [{ id: "c1", owned_by: "vllm", root: dir, max_model_len: 65536 }] },
      model: "c1",
      server: "vLLM",
      toolCall: { name: "tool-call", status: "fail", detail: "no tool call" },
    });
    assert.equal(failedTools.status, "fail");
    assert.match(failedTools.detail, /needs --tool-call-parser openai/);
  });

  it("runs inside the doctor against a vLLM-shaped server", async () => {
    const dir = await mxfp4Dir();
    const server = await startFakeOpenAI({ models: [{ id: "c1", max_model_len: 65536 }] });
    try {
      server.match((b) => b.tools === undefined, reply().content("OK"));
      server.match(
        (b) => b.tools !== undefined && !hasToolMessage(b),
        reply().toolCall("Grep", { pattern: "DOCTOR_PROBE_LIMIT" }),
      );
      server.match((b) => hasToolMessage(b), reply().content("DOCTOR_PROBE_LIMIT is 7319, in settings.py."));
      const config = ConfigSchema.parse({ base_url: server.url, model: "c1" });
      const report = await runDoctor({ config, timeoutMs: 5000, local: false, checkpoint: dir });
      const check = report.checks.find((c) => c.name === "checkpoint");
      assert.ok(check, JSON.stringify(report.checks));
      assert.equal(check.status, "ok", check.detail);
      assert.match(check.detail, /MXFP4 gpt-oss checkpoint, context 131072; the server's window is 65536/);
      server.assertDrained();
    } finally {
      await server.close();
    }
  });
});
