/**
 * The generation checks: a tiny chat completion, a real tool-call round trip (the model calls a
 * Grep-like tool, gets a result, answers), and whether thinking leaks when the profile turns it off.
 * Each request is small (a few hundred tokens at most), never retried, and time-limited. The
 * classification tells a broken serving setup (parser off, tools refused, template without tools)
 * from a model that merely chose not to call the tool.
 */
import {
  type AssistantTurn,
  type ChatMessage,
  type ChatRequestOptions,
  createChatClient,
  isLlmError,
  type ToolDefinition,
  toAssistantMessage,
} from "../llm/index.js";
import { parserFix, type ServerKind } from "./server-kind.js";
import type { Check } from "./types.js";

/** The Grep-shaped tool offered by the probe. */
export const PROBE_TOOL: ToolDefinition = {
  type: "function",
  function: {
    name: "Grep",
    description:
      "Search file contents with a regular expression (ripgrep syntax). Returns matching lines as path, then line:text.",
    parameters: {
      type: "object",
      properties: {
        pattern: { type: "string", description: "The regular expression to search for." },
        path: { type: "string", description: "Directory to search in." },
      },
      required: ["pattern"],
    },
  },
};

const PROBE_VALUE = "7319";
const TOOL_RESULT = `/srv/probe/src/settings.py\n12:DOCTOR_PROBE_LIMIT = ${PROBE_VALUE}`;
const TOOL_MESSAGES: ChatMessage[] = [
  { role: "system", content: "You explore a code repository with tools. Always search with a tool before you answer." },
  {
    role: "user",
    content:
      "<query>Where is DOCTOR_PROBE_LIMIT defined, and what is its value? Call the Grep tool with the pattern DOCTOR_PROBE_LIMIT.</query>",
  },
];

/** What the probes need. */
export interface ProbeContext {
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** The profile's sampling options (temperature, chat_template_kwargs…), as an exploration sends them. */
  sampling: ChatRequestOptions;
  /** True when the profile turns thinking off (chat_template_kwargs.enable_thinking = false). */
  thinkingOff: boolean;
  server: ServerKind;
  timeoutMs: number;
}

/** Outcomes of the generation probes. */
export interface ProbeChecks {
  chat: Check;
  toolCall: Check;
  toolResult: Check;
  thinking: Check;
}

interface Reply {
  turn?: AssistantTurn;
  /** The content exactly as streamed, before tool-call parsing (to tell `<tool_call>` text apart). */
  raw: string;
  error?: unknown;
  ms: number;
}

/** Run the chat, tool-call, tool-result and thinking checks in order. */
export async function runChatProbes(ctx: ProbeContext): Promise<ProbeChecks> {
  const client = createChatClient({
    baseUrl: ctx.baseUrl,
    model: ctx.model,
    ...(ctx.apiKey ? { apiKey: ctx.apiKey } : {}),
    timeoutMs: ctx.timeoutMs,
    maxRetries: 0,
  });
  const ask = async (messages: ChatMessage[], tools: ToolDefinition[], maxTokens: number): Promise<Reply> => {
    let raw = "";
    const started = performance.now();
    try {
      const turn = await client.chat(
        messages,
        tools,
        { ...ctx.sampling, max_completion_tokens: maxTokens },
        { onDelta: (channel, text) => (raw += channel === "content" ? text : "") },
      );
      return { turn, raw, ms: performance.now() - started };
    } catch (error) {
      return { raw, error, ms: performance.now() - started };
    }
  };

  const plain = await ask(
    [
      { role: "system", content: "You are a connectivity check." },
      { role: "user", content: "Reply with the single word OK." },
    ],
    [],
    16,
  );
  const chat = chatCheck(plain);
  if (chat.status === "fail") {
    const skipped = (name: Check["name"]): Check => ({
      name,
      status: "skip",
      detail: "not run: the plain chat request failed",
    });
    return { chat, toolCall: skipped("tool-call"), toolResult: skipped("tool-result"), thinking: skipped("thinking") };
  }

  const first = await ask(TOOL_MESSAGES, [PROBE_TOOL], 512);
  const toolCall = toolCallCheck(first, ctx.server);
  let toolResult: Check = {
    name: "tool-result",
    status: "skip",
    detail: "not run: the model made no tool call to answer",
  };
  const turn = first.turn;
  if (turn && turn.toolCalls.length + turn.malformed.length > 0) {
    const history: ChatMessage[] = [
      ...TOOL_MESSAGES,
      toAssistantMessage(turn),
      ...[...turn.toolCalls, ...turn.malformed].map(
        (c): ChatMessage => ({ role: "tool", content: TOOL_RESULT, tool_call_id: c.id }),
      ),
    ];
    toolResult = toolResultCheck(await ask(history, [PROBE_TOOL], 256));
  }
  return { chat, toolCall, toolResult, thinking: thinkingCheck([plain, first], ctx) };
}

function chatCheck(reply: Reply): Check {
  const ms = reply.ms;
  if (!reply.turn) return { name: "chat", status: "fail", ...failureOf(reply.error, "a plain chat completion"), ms };
  const text = reply.turn.content.trim();
  const said = text
    ? `"${text.slice(0, 40)}"`
    : reply.turn.reasoning
      ? "only reasoning, no visible text"
      : "an empty reply";
  return { name: "chat", status: "ok", detail: `a 16-token completion came back in ${Math.round(ms)} ms: ${said}`, ms };
}

function toolCallCheck(reply: Reply, server: ServerKind): Check {
  const ms = reply.ms;
  if (!reply.turn) {
    const message = errorText(reply.error);
    if (/tool.?choice|enable-auto-tool-choice|tool-call-parser/i.test(message)) {
      return {
        name: "tool-call",
        status: "fail",
        detail: `the server refuses requests with tools: ${shorten(message)}`,
        fix: parserFix(server === "unknown" ? "vLLM" : server),
        ms,
      };
    }
    if (/jinja/i.test(message))
      return {
        name: "tool-call",
        status: "fail",
        detail: `the server refuses tools: ${shorten(message)}`,
        fix: parserFix("llama.cpp"),
        ms,
      };
    if (/does not support tools/i.test(message))
      return {
        name: "tool-call",
        status: "fail",
        detail: `the model has no tool support on this server: ${shorten(message)}`,
        fix: parserFix(server === "unknown" ? "Ollama" : server),
        ms,
      };
    return { name: "tool-call", status: "fail", ...failureOf(reply.error, "the tool-call request"), ms };
  }
  const turn = reply.turn;
  const harmony = /<\|(channel|call|start|message)\|>/.test(reply.raw);
  const call = turn.toolCalls[0];
  const shown = call ? `${call.name}(${call.arguments.slice(0, 80)})` : "";
  if (turn.source === "native") {
    if (call && call.name !== PROBE_TOOL.function.name)
      return {
        name: "tool-call",
        status: "warn",
        detail: `the server parsed a call, but to an unknown tool: ${shown}`,
        fix: "the model ignores the offered tool names: use a tool-trained model or the fastcontext-4b profile",
        ms,
      };
    if (!call)
      return {
        name: "tool-call",
        status: "fail",
        detail: `the server sent a tool call that could not be read: ${turn.malformed[0]?.error ?? "malformed"}`,
        fix: parserFix(server),
        ms,
      };
    return { name: "tool-call", status: "ok", detail: `native tool_calls: the server's parser works (${shown})`, ms };
  }
  if (turn.source === "content" || /<tool_call>/.test(reply.raw) || harmony) {
    const form = harmony ? "harmony markup (<|channel|>… <|call|>)" : "<tool_call> text";
    return {
      name: "tool-call",
      status: "fail",
      detail: `tool calls arrive as ${form} in the content: the server's tool parser is off or failing${call ? ` (fastcontext recovered ${shown}, but streamed and parallel calls are less reliable)` : ""}`,
      fix: parserFix(server, harmony),
      ms,
    };
  }
  if (turn.finishReason === "length") {
    return {
      name: "tool-call",
      status: "warn",
      detail: `the reply hit the 512-token cap before any call${turn.reasoning ? ` (${turn.reasoning.length} chars of reasoning)` : ""}`,
      fix: "turn thinking off for this model (see the thinking check), or use a non-thinking build",
      ms,
    };
  }
  return {
    name: "tool-call",
    status: "warn",
    detail: `the model answered in text without calling the offered tool: "${shorten(turn.content, 80)}"`,
    fix: "check that the chat template renders tools (llama.cpp: --jinja); if it does, the model is weak at tool calling: use a tool-trained model such as FastContext-1.0-4B",
    ms,
  };
}

function toolResultCheck(reply: Reply): Check {
  const ms = reply.ms;
  if (!reply.turn) {
    const failure = failureOf(reply.error, "the request carrying the tool result");
    return {
      name: "tool-result",
      status: "fail",
      detail: `the server rejected a conversation with a tool result: ${failure.detail}`,
      fix: "the chat template cannot render tool messages: llama.cpp needs --jinja; on vLLM/SGLang keep the model's own chat template (no --chat-template override)",
      ms,
    };
  }
  const turn = reply.turn;
  if (turn.toolCalls.length > 0)
    return {
      name: "tool-result",
      status: "ok",
      detail: `the server accepted the tool result; the model searched again (${turn.toolCalls[0]!.name})`,
      ms,
    };
  const used = turn.content.includes(PROBE_VALUE) || turn.content.includes("settings.py");
  return {
    name: "tool-result",
    status: "ok",
    detail: used
      ? "the server accepted the tool result and the model answered from it"
      : `the server accepted the tool result; the answer did not quote it: "${shorten(turn.content, 60)}"`,
    ms,
  };
}

function thinkingCheck(replies: Reply[], ctx: ProbeContext): Check {
  const chars = replies.reduce((n, r) => n + (r.turn?.reasoning.length ?? 0), 0);
  if (chars === 0)
    return {
      name: "thinking",
      status: "ok",
      detail: ctx.thinkingOff ? "no reasoning output (thinking is off, as the profile asks)" : "no reasoning output",
    };
  if (!ctx.thinkingOff)
    return {
      name: "thinking",
      status: "ok",
      detail: `the model reasons (${chars} chars over ${replies.length} replies); the reasoning is kept out of the answer and the history`,
    };
  return {
    name: "thinking",
    status: "warn",
    detail: `${chars} chars of reasoning came back (reasoning_content or <think> text) although the profile turns thinking off with chat_template_kwargs.enable_thinking=false: every turn pays for it in time and tokens`,
    fix:
      ctx.server === "unknown"
        ? "serve a non-thinking (Instruct) build, or make the server honour enable_thinking=false (llama.cpp: --reasoning-budget 0; Ollama: think=false)"
        : `serve a non-thinking build, or: ${ctx.server === "llama.cpp" ? "llama.cpp: --reasoning-budget 0" : ctx.server === "Ollama" ? "Ollama: think=false or a no-think Modelfile" : `${ctx.server}: keep the model's own chat template so enable_thinking=false applies`}`,
  };
}

/** Detail and fix for a failed request. */
function failureOf(error: unknown, what: string): { detail: string; fix: string } {
  const message = errorText(error);
  if (isLlmError(error)) {
    if (error.kind === "timeout")
      return {
        detail: `${what} timed out: ${shorten(message)}`,
        fix: "the server is overloaded or still loading; raise --timeout or check its log",
      };
    if (error.kind === "network")
      return {
        detail: `${what} could not reach the server: ${shorten(message)}`,
        fix: "check that the server is up and --base-url is right",
      };
    if (error.status === 404)
      return {
        detail: `${what} got HTTP 404: ${shorten(message)}`,
        fix: "the model id or the API path is wrong: check --model and that --base-url ends in /v1",
      };
    if (error.status === 401 || error.status === 403)
      return {
        detail: `${what} was refused: ${shorten(message)}`,
        fix: "pass the endpoint's key with --api-key (or FC_API_KEY)",
      };
    if (error.contextOverflow)
      return {
        detail: `${what} was refused as too long: ${shorten(message)}`,
        fix: "the served window is tiny: see the context-window check",
      };
  }
  return { detail: `${what} failed: ${shorten(message)}`, fix: "see the server's log for the cause" };
}

function errorText(error: unknown): string {
  if (isLlmError(error))
    return `${error.message}${error.body && !error.message.includes(error.body) ? ` ${error.body}` : ""}`;
  return error instanceof Error ? error.message : String(error);
}

function shorten(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
