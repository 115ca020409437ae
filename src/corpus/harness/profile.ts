/**
 * Model profiles of the corpus harness. The harmony profile (gpt-oss and Context-1, chosen when
 * the model id contains `gpt-oss` or `context-1`) expects one tool call per generation (`<|call|>`
 * is a stop token), sends the reasoning back on every turn as `reasoning` (vLLM ≥ 0.16 reads only
 * that field; the client accepts `reasoning_content` on the way in), names each tool message for
 * older vLLM, and recovers a call that surfaced in the reasoning (a call on the analysis channel).
 */
import { isHarmony } from "../../llm/harmony.js";
import { parseToolCallsFromContent } from "../../llm/tool-call-parse.js";
import type { ParsedToolCall } from "../../llm/types.js";

export interface HarnessProfile {
  name: "harmony" | "generic";
  oneCallPerTurn: boolean;
  sendReasoning: boolean;
  nameToolMessages: boolean;
}

export const HARMONY_PROFILE: HarnessProfile = {
  name: "harmony",
  oneCallPerTurn: true,
  sendReasoning: true,
  nameToolMessages: true,
};

export const GENERIC_PROFILE: HarnessProfile = {
  name: "generic",
  oneCallPerTurn: false,
  sendReasoning: false,
  nameToolMessages: false,
};

export function profileForModel(model: string, override?: "harmony" | "generic"): HarnessProfile {
  if (override) return override === "harmony" ? HARMONY_PROFILE : GENERIC_PROFILE;
  return /gpt-oss|context-1/i.test(model) ? HARMONY_PROFILE : GENERIC_PROFILE;
}

/**
 * A tool call written in the reasoning: raw harmony (`to=functions.search_corpus … <|message|>{…}`)
 * or the header form a server leaves after stripping tokens (`to=search_corpus json{…}`). Only
 * names of offered tools count; the last such call wins (it is the one the model stopped on).
 */
export function callFromReasoning(reasoning: string, knownTools: readonly string[]): ParsedToolCall | undefined {
  if (isHarmony(reasoning)) {
    const parsed = parseToolCallsFromContent(reasoning, { knownTools: [...knownTools] });
    const call = parsed.calls.filter((c) => knownTools.includes(c.name)).at(-1);
    if (call) return call;
  }
  const pattern = /\bto=(?:functions\.)?([A-Za-z_][\w-]*)[^{\n]*(\{[^\n]*\})/g;
  let found: ParsedToolCall | undefined;
  for (const m of reasoning.matchAll(pattern)) {
    const name = m[1] ?? "";
    if (!knownTools.includes(name)) continue;
    try {
      const args: unknown = JSON.parse(m[2] ?? "");
      if (typeof args === "object" && args !== null && !Array.isArray(args))
        found = { id: `call_r${(found ? 1 : 0) + m.index}`, name, arguments: JSON.stringify(args) };
    } catch {
      // Not a complete call: ignore it.
    }
  }
  return found;
}
