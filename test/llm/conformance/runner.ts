/**
 * Tool-call parser conformance: replays the vectors under vectors/ (inputs and expected outputs
 * taken from the parser tests of vLLM, SGLang, llama.cpp and openai/harmony) through the path the
 * model loop uses — a `chat.completion` body, or SSE content deltas of 1, 3 and 7 characters read by
 * `readSseJson` into `StreamAccumulator` — and then `finalizeTurn` with the vector's tools.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { completionFromJson, StreamAccumulator } from "../../../src/llm/accumulate.js";
import { finalizeTurn } from "../../../src/llm/finalize.js";
import { readSseJson } from "../../../src/llm/sse.js";
import type { AssistantTurn, JsonSchema } from "../../../src/llm/types.js";

/** What a parse must produce. Unset fields are not checked. */
export interface Expectation {
  /** Names and arguments in order; `arguments` must equal the parsed JSON, `argumentsInclude` be a subset. */
  calls?: Array<{ name: string; arguments?: unknown; argumentsInclude?: Record<string, unknown> }>;
  /** Visible text, compared with whitespace runs collapsed; null means none. */
  content?: string | null;
  contentIncludes?: string[];
  contentExcludes?: string[];
  reasoning?: string | null;
  /** How many malformed calls are reported to the model. */
  malformed?: number;
}

/** One vector as stored. */
export interface Vector {
  /** `owner/repo path::test name` of the test the input and expectation come from. */
  source: string;
  /** A toolset name of the file. */
  tools?: string;
  input: string;
  /** What the engine's test expects. */
  expect: Expectation;
  /** Why fastcontext differs on purpose; `fastcontext` then says what it does instead. */
  deliberate?: string;
  fastcontext?: Expectation;
  /** False for inputs too large to replay one character per event. */
  chunked?: boolean;
}

export type Format = "hermes" | "qwen3-coder" | "harmony";

/** One vectors file: one source repository and one format. */
export interface VectorFile {
  format: Format;
  repo: string;
  toolsets: Record<string, Array<{ name: string; parameters: JsonSchema }>>;
  vectors: Vector[];
}

export type Verdict = "pass" | "deliberate" | "fail";

export interface VectorResult {
  file: string;
  format: Format;
  repo: string;
  vector: Vector;
  verdict: Verdict;
  /** Per failing mode, what differed. */
  problems: string[];
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const VECTOR_DIR = path.join(HERE, "vectors");
export const CHUNK_SIZES = [1, 3, 7] as const;

export function loadVectorFiles(dir = VECTOR_DIR): Array<{ name: string; data: VectorFile }> {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => ({ name, data: JSON.parse(readFileSync(path.join(dir, name), "utf8")) as VectorFile }));
}

/** Run every vector of every file. */
export async function runAll(dir = VECTOR_DIR): Promise<VectorResult[]> {
  const results: VectorResult[] = [];
  for (const { name, data } of loadVectorFiles(dir)) {
    for (const vector of data.vectors) results.push(await runVector(name, data, vector));
  }
  return results;
}

export async function runVector(file: string, data: VectorFile, vector: Vector): Promise<VectorResult> {
  const tools = vector.tools ? data.toolsets[vector.tools] : [];
  if (tools === undefined) throw new Error(`${file}: ${vector.source} names an unknown toolset ${vector.tools}`);
  const options = {
    knownTools: tools.map((tool) => tool.name),
    schemas: Object.fromEntries(tools.map((tool) => [tool.name, tool.parameters])),
  };
  const turns: Array<[string, AssistantTurn]> = [["message", finalizeTurn(messageCompletion(vector.input), options)]];
  if (vector.chunked !== false) {
    for (const size of CHUNK_SIZES) {
      turns.push([`sse-${size}`, finalizeTurn(await streamedCompletion(vector.input, size), options)]);
    }
  }
  const check = (expectation: Expectation) =>
    turns.flatMap(([mode, turn]) => compare(turn, expectation).map((problem) => `${mode}: ${problem}`));
  const engine = check(vector.expect);
  const base = { file, format: data.format, repo: data.repo, vector };
  if (engine.length === 0) return { ...base, verdict: "pass", problems: [] };
  if (vector.deliberate && vector.fastcontext) {
    const ours = check(vector.fastcontext);
    if (ours.length === 0) return { ...base, verdict: "deliberate", problems: [] };
    return { ...base, verdict: "fail", problems: ours };
  }
  return { ...base, verdict: "fail", problems: engine };
}

function messageCompletion(content: string) {
  return completionFromJson({
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  });
}

/** Content deltas of `size` characters, then an empty delta with the finish reason, as SSE bytes. */
async function streamedCompletion(content: string, size: number) {
  const chars = Array.from(content);
  const events: string[] = [];
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  events.push(chunk({ role: "assistant", content: "" }, null));
  for (let i = 0; i < chars.length; i += size) events.push(chunk({ content: chars.slice(i, i + size).join("") }, null));
  events.push(chunk({}, "stop"), "data: [DONE]\n\n");
  const bytes = new TextEncoder().encode(events.join(""));
  // Byte chunks that cut events (and UTF-8 sequences) at arbitrary places, as a network does.
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 4096 + size) controller.enqueue(bytes.slice(i, i + 4096 + size));
      controller.close();
    },
  });
  const accumulator = new StreamAccumulator();
  for await (const message of readSseJson(body)) {
    if (message.type === "done") break;
    if (message.type === "json") accumulator.push(message.value);
  }
  return accumulator.result();
}

/** What differs between a turn and an expectation (empty when it conforms). */
export function compare(turn: AssistantTurn, expectation: Expectation): string[] {
  const problems: string[] = [];
  for (const call of turn.toolCalls) {
    try {
      const args: unknown = JSON.parse(call.arguments);
      if (typeof args !== "object" || args === null || Array.isArray(args))
        problems.push(`${call.name}: arguments not an object`);
    } catch {
      problems.push(`${call.name}: arguments are not JSON`);
    }
  }
  if (expectation.calls) {
    const got = turn.toolCalls.map((call) => ({ name: call.name, args: JSON.parse(call.arguments) as unknown }));
    if (got.length !== expectation.calls.length) {
      problems.push(
        `calls ${JSON.stringify(got.map((c) => c.name))}, expected ${JSON.stringify(expectation.calls.map((c) => c.name))}`,
      );
    } else {
      expectation.calls.forEach((want, i) => {
        const have = got[i];
        if (!have) return;
        if (have.name !== want.name) problems.push(`call ${i} named ${have.name}, expected ${want.name}`);
        if (want.arguments !== undefined && !deepEqual(have.args, want.arguments)) {
          problems.push(`call ${i} arguments ${short(have.args)}, expected ${short(want.arguments)}`);
        }
        if (want.argumentsInclude && !includes(have.args, want.argumentsInclude)) {
          problems.push(`call ${i} arguments ${short(have.args)} lack ${short(want.argumentsInclude)}`);
        }
      });
    }
  }
  if (expectation.content !== undefined && squash(turn.content) !== squash(expectation.content ?? "")) {
    problems.push(`content ${short(turn.content)}, expected ${short(expectation.content)}`);
  }
  for (const piece of expectation.contentIncludes ?? []) {
    if (!squash(turn.content).includes(squash(piece)))
      problems.push(`content ${short(turn.content)} lacks ${short(piece)}`);
  }
  for (const piece of expectation.contentExcludes ?? []) {
    if (turn.content.includes(piece)) problems.push(`content ${short(turn.content)} holds ${short(piece)}`);
  }
  if (expectation.reasoning !== undefined && squash(turn.reasoning) !== squash(expectation.reasoning ?? "")) {
    problems.push(`reasoning ${short(turn.reasoning)}, expected ${short(expectation.reasoning)}`);
  }
  if (expectation.malformed !== undefined && turn.malformed.length !== expectation.malformed) {
    problems.push(`${turn.malformed.length} malformed, expected ${expectation.malformed}`);
  }
  return problems;
}

function squash(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function short(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value ?? null);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function includes(have: unknown, want: Record<string, unknown>): boolean {
  if (typeof have !== "object" || have === null) return false;
  return Object.entries(want).every(([k, v]) => deepEqual((have as Record<string, unknown>)[k], v));
}
