/**
 * The endpoint benchmark: for each concurrency level, several runs of a batch of concurrent
 * streaming requests (decode: short prompt, long reply) and, when asked, a batch of long prompts
 * (prefill). Reports time to first token, decode tokens/s per stream, aggregate tokens/s and the
 * prompt-processing rate, each as median and min–max — the table the NVFP4 model cards publish.
 */

import { EndpointPool, parseBaseUrls } from "../llm/endpoint-pool.js";
import type { ChatRequestOptions } from "../llm/types.js";
import { joinUrl } from "../llm/url.js";
import type { TokenizerFamily } from "../tokens/counter.js";
import { decodePrompt, longPromptBuilder, nonce } from "./prompts.js";
import { type Spread, spread } from "./stats.js";
import { decodeRate, type StreamSample, timeStream } from "./stream-request.js";

/** What to measure. */
export interface BenchSettings {
  concurrency: number[];
  /** Runs per concurrency level. */
  runs: number;
  /** Tokens per decode reply. */
  maxTokens: number;
  /** Tokens of the prefill prompt; 0 skips the prefill batches. */
  promptTokens: number;
  /** Unmeasured requests sent first (server warm-up). */
  warmup: number;
  /** Ask the server to ignore EOS so every reply has `maxTokens` tokens (vLLM, SGLang, llama.cpp). */
  ignoreEos: boolean;
  timeoutMs: number;
}

/** One endpoint to measure. */
export interface BenchTarget {
  label: string;
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Profile sampling fields sent with every request (thinking off for Qwen3, etc.). */
  sampling: ChatRequestOptions;
  tokenizer: TokenizerFamily;
}

/** Results of one concurrency level. */
export interface LevelResult {
  concurrency: number;
  /** Requests sent (decode and prefill) and how many failed. */
  requests: number;
  failed: number;
  /** Distinct error messages, at most 3. */
  errors: string[];
  /** Time to first token of the decode requests, ms (every stream of every run). */
  ttftMs: Spread | null;
  /** Decode tokens/s of each stream. */
  decodeTps: Spread | null;
  /** Completion tokens of a batch over its wall time, one value per run. */
  aggregateTps: Spread | null;
  /** Prompt tokens of a prefill batch over the time to its last first token, one value per run. */
  promptTps: Spread | null;
  /** Median prompt tokens of the prefill requests (server count) and completion tokens of the decode ones. */
  promptTokens: number | null;
  completionTokens: number | null;
  /** Where completion counts came from: the server's usage, or counted stream deltas. */
  counted: "usage" | "deltas" | "none";
}

/** The measurement of one endpoint. */
export interface EndpointBench {
  label: string;
  baseUrl: string;
  model: string;
  /** False when the server refused `ignore_eos` and replies may end early. */
  ignoreEos: boolean;
  levels: LevelResult[];
}

/** A progress message (for stderr). */
export type BenchProgress = (message: string) => void;

type Ok = Extract<StreamSample, { ok: true }>;

/** Thrown when the endpoint cannot serve a single request (the warm-up failed). */
export class BenchUnusableError extends Error {}

/** Measure one endpoint. */
export async function benchEndpoint(
  target: BenchTarget,
  settings: BenchSettings,
  progress: BenchProgress = () => undefined,
  signal?: AbortSignal,
): Promise<EndpointBench> {
  // Several replicas (a pool): each request goes to the one with the fewest in flight, as the client sends them.
  const replicas = parseBaseUrls(target.baseUrl);
  const pool = new EndpointPool(replicas.length > 0 ? replicas : [target.baseUrl]);
  const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream" };
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  let ignoreEos = settings.ignoreEos;
  const send = async (content: string, maxTokens: number, eos = ignoreEos) => {
    const replica = pool.acquire()!;
    try {
      return await sendTo(joinUrl(replica.url, "chat/completions"), content, maxTokens, eos);
    } finally {
      pool.release(replica);
    }
  };
  const sendTo = (url: string, content: string, maxTokens: number, eos: boolean) =>
    timeStream({
      url,
      headers,
      timeoutMs: settings.timeoutMs,
      ...(signal ? { signal } : {}),
      body: {
        ...samplingBody(target.sampling),
        model: target.model,
        messages: [{ role: "user", content }],
        max_tokens: maxTokens,
        stream: true,
        stream_options: { include_usage: true },
        ...(eos ? { ignore_eos: true } : {}),
      },
    });

  for (let i = 0; i < Math.max(1, settings.warmup); i++) {
    let sample = await send(decodePrompt(nonce()), Math.min(32, settings.maxTokens));
    if (!sample.ok && ignoreEos && sample.status === 400) {
      // Hosted APIs reject vendor fields: measure without it rather than not at all.
      const retry = await send(decodePrompt(nonce()), Math.min(32, settings.maxTokens), false);
      if (retry.ok) {
        ignoreEos = false;
        progress(
          `[${target.label}] the server refused ignore_eos (${sample.error}); replies may end before ${settings.maxTokens} tokens`,
        );
      }
      sample = retry;
    }
    if (!sample.ok) throw new BenchUnusableError(`${target.label}: the warm-up request failed: ${sample.error}`);
  }

  const longPrompt =
    settings.promptTokens > 0 ? await longPromptBuilder(settings.promptTokens, target.tokenizer) : undefined;
  const levels: LevelResult[] = [];
  for (const c of settings.concurrency) {
    const decodeSamples: Ok[] = [];
    const prefillSamples: Ok[] = [];
    const aggregates: number[] = [];
    const prefillRates: number[] = [];
    const failures: string[] = [];
    let requests = 0;
    for (let run = 1; run <= settings.runs; run++) {
      if (signal?.aborted) break;
      const batchStart = performance.now();
      const batch = await Promise.all(Array.from({ length: c }, () => send(decodePrompt(nonce()), settings.maxTokens)));
      requests += c;
      const ok = collect(batch, decodeSamples, failures);
      if (ok.length > 0) {
        const wall = (Math.max(...ok.map((s) => s.endedAt)) - batchStart) / 1000;
        aggregates.push(ok.reduce((n, s) => n + s.completionTokens, 0) / wall);
      }
      let line = `[${target.label}] concurrency ${c}, run ${run}/${settings.runs}: ${describeBatch(ok, aggregates.at(-1))}`;
      if (longPrompt) {
        const prefillStart = performance.now();
        const prefill = await Promise.all(Array.from({ length: c }, () => send(longPrompt(nonce()), 1, false)));
        requests += c;
        const okPrefill = collect(prefill, prefillSamples, failures);
        const counted = okPrefill.filter((s) => s.promptTokens !== undefined);
        if (counted.length > 0) {
          // The batch's prompts are all processed once its last first token arrives.
          const lastFirstToken = Math.max(...counted.map((s) => s.startedAt + s.ttftMs)) - prefillStart;
          const rate = counted.reduce((n, s) => n + (s.promptTokens ?? 0), 0) / (lastFirstToken / 1000);
          prefillRates.push(rate);
          line += `, prompt ${Math.round(rate)} tok/s`;
        }
      }
      progress(line + (failures.length > 0 ? `, ${failures.length} failed so far` : ""));
    }
    levels.push({
      concurrency: c,
      requests,
      failed: failures.length,
      errors: [...new Set(failures)].slice(0, 3),
      ttftMs: spread(decodeSamples.map((s) => s.ttftMs)),
      decodeTps: spread(decodeSamples.map(decodeRate).filter((r): r is number => r !== null)),
      aggregateTps: spread(aggregates),
      promptTps: spread(prefillRates),
      promptTokens:
        spread(prefillSamples.flatMap((s) => (s.promptTokens !== undefined ? [s.promptTokens] : [])))?.median ?? null,
      completionTokens: spread(decodeSamples.map((s) => s.completionTokens))?.median ?? null,
      counted:
        decodeSamples.length === 0 ? "none" : decodeSamples.every((s) => s.counted === "usage") ? "usage" : "deltas",
    });
  }
  return { label: target.label, baseUrl: target.baseUrl, model: target.model, ignoreEos, levels };
}

/** The profile's sampling fields that belong in a benchmark request (not max tokens or tools). */
function samplingBody(sampling: ChatRequestOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { ...(sampling.extraBody ?? {}) };
  for (const key of ["temperature", "top_p", "top_k", "chat_template_kwargs", "reasoning_effort"] as const)
    if (sampling[key] !== undefined) body[key] = sampling[key];
  return body;
}

function collect(batch: StreamSample[], into: Ok[], failures: string[]): Ok[] {
  const ok: Ok[] = [];
  for (const sample of batch) {
    if (sample.ok) ok.push(sample);
    else failures.push(sample.error);
  }
  into.push(...ok);
  return ok;
}

function describeBatch(ok: Ok[], aggregate: number | undefined): string {
  if (ok.length === 0) return "every request failed";
  const ttft = spread(ok.map((s) => s.ttftMs))?.median ?? 0;
  const decode = spread(ok.map(decodeRate).filter((r): r is number => r !== null))?.median;
  return `TTFT ${Math.round(ttft)} ms, ${decode === undefined ? "–" : decode.toFixed(1)} tok/s per stream, ${aggregate === undefined ? "–" : aggregate.toFixed(1)} tok/s aggregate`;
}
