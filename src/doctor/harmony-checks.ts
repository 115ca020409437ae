/**
 * Checks for a harmony (gpt-oss / Context-1) server, for the corpus harness: the checkpoint's
 * `generation_config.json` lists 200012 (`<|call|>`) in `eos_token_id` where the file is visible
 * (a checkpoint folder given, or the local path vLLM reports as the model's `root`); the server's
 * tool parser returns calls as `tool_calls` (`--tool-call-parser openai`); and a generation stops
 * after one call. Additive: `corpus doctor` runs these; nothing here throws for a broken server.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createChatClient } from "../llm/client.js";
import { normalizeBaseUrl } from "../llm/url.js";
import type { CheckStatus } from "./types.js";

export const CALL_TOKEN_ID = 200012;

export type HarmonyCheckName = "harmony-eos" | "harmony-parser" | "harmony-one-call";

export interface HarmonyCheck {
  name: HarmonyCheckName;
  status: CheckStatus;
  detail: string;
  fix?: string;
  ms?: number;
}

export interface HarmonyCheckOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** A local checkpoint folder holding generation_config.json. */
  checkpointDir?: string;
  timeoutMs?: number;
}

const EOS_FIX = `add ${CALL_TOKEN_ID} to "eos_token_id" in generation_config.json (beside 200002), then restart the server`;
const PARSER_FIX = "start vLLM with --tool-call-parser openai --enable-auto-tool-choice";

/** The eos check on a generation_config.json file. */
export function checkGenerationConfig(file: string): HarmonyCheck {
  try {
    const config = JSON.parse(readFileSync(file, "utf8")) as { eos_token_id?: unknown };
    const eos = Array.isArray(config.eos_token_id) ? config.eos_token_id : [config.eos_token_id];
    if (eos.includes(CALL_TOKEN_ID))
      return { name: "harmony-eos", status: "ok", detail: `${file} lists ${CALL_TOKEN_ID} (<|call|>) in eos_token_id` };
    return {
      name: "harmony-eos",
      status: "fail",
      detail: `${file} has eos_token_id ${JSON.stringify(config.eos_token_id)} without ${CALL_TOKEN_ID}: generation runs past a tool call and the parser fails`,
      fix: EOS_FIX,
    };
  } catch (error) {
    return {
      name: "harmony-eos",
      status: "warn",
      detail: `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

async function modelRoot(options: HarmonyCheckOptions): Promise<string | undefined> {
  try {
    const response = await fetch(`${normalizeBaseUrl(options.baseUrl)}/models`, {
      headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const body = (await response.json()) as { data?: Array<{ id?: string; root?: unknown }> };
    const entry = body.data?.find((m) => m.id === options.model) ?? body.data?.[0];
    return typeof entry?.root === "string" ? entry.root : undefined;
  } catch {
    return undefined;
  }
}

const PROBE_TOOLS = ["search_corpus", "grep_corpus"].map((name) => ({
  type: "function" as const,
  function: {
    name,
    description: `${name.replace("_", " ")} over a corpus`,
    parameters: {
      type: "object",
      properties: { [name === "search_corpus" ? "query" : "pattern"]: { type: "string" } },
      required: [name === "search_corpus" ? "query" : "pattern"],
    },
  },
}));

export async function runHarmonyChecks(options: HarmonyCheckOptions): Promise<HarmonyCheck[]> {
  const checks: HarmonyCheck[] = [];
  const root = options.checkpointDir ?? (await modelRoot(options));
  const file = root ? join(root, "generation_config.json") : undefined;
  if (file && existsSync(file)) checks.push(checkGenerationConfig(file));
  else
    checks.push({
      name: "harmony-eos",
      status: "warn",
      detail:
        "generation_config.json is not visible from here (pass --checkpoint DIR to check it); the probe below shows its effect",
    });

  const client = createChatClient({
    baseUrl: options.baseUrl,
    model: options.model,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    maxRetries: 0,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  const t0 = performance.now();
  try {
    const turn = await client.chat(
      [
        { role: "system", content: "You search a corpus with tools." },
        { role: "user", content: 'Call search_corpus with query "alpha" and grep_corpus with pattern "beta".' },
      ],
      PROBE_TOOLS,
      { max_completion_tokens: 512 },
    );
    const ms = performance.now() - t0;
    const calls = turn.toolCalls.length;
    if (turn.source === "native")
      checks.push({
        name: "harmony-parser",
        status: "ok",
        detail: `the server parsed the call into tool_calls (${turn.toolCalls[0]?.name ?? "?"})`,
        ms,
      });
    else if (turn.source === "content")
      checks.push({
        name: "harmony-parser",
        status: "fail",
        detail:
          "the call came back as harmony text in content: the server's tool parser is off (fastcontext parsed it itself)",
        fix: PARSER_FIX,
        ms,
      });
    else
      checks.push({
        name: "harmony-parser",
        status: "warn",
        detail: `the model made no tool call (finish_reason ${String(turn.finishReason)}); content: ${turn.content.slice(0, 120)}`,
        fix: PARSER_FIX,
        ms,
      });
    const ranPast = /<\|(?:call|start|channel)\|>/.test(turn.content) || turn.malformed.length > 0;
    if (ranPast)
      checks.push({
        name: "harmony-one-call",
        status: "fail",
        detail: "generation went on past the tool call (harmony tokens or a broken call in the reply)",
        fix: EOS_FIX,
      });
    else if (calls > 1)
      checks.push({
        name: "harmony-one-call",
        status: "warn",
        detail: `${calls} calls came back from one generation: the server samples past <|call|>; the harness runs them all, but gpt-oss makes one call per generation`,
      });
    else
      checks.push({
        name: "harmony-one-call",
        status: calls === 1 ? "ok" : "skip",
        detail: calls === 1 ? "one call per generation: <|call|> ended the reply" : "not judged: no call was made",
      });
  } catch (error) {
    const detail = `the probe request failed: ${error instanceof Error ? error.message : String(error)}`;
    checks.push({ name: "harmony-parser", status: "fail", detail, fix: PARSER_FIX });
    checks.push({ name: "harmony-one-call", status: "skip", detail: "not run: the probe failed" });
  }
  return checks;
}
