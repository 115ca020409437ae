/**
 * A built-in main agent in the style of Mini-SWE-Agent v2 (the version the FastContext rig used):
 * the model calls a `bash(command)` tool; every command runs in a fresh subshell in the task's
 * tree; the observation is the return code and the output, head/tail-cut at 10,000 characters;
 * the run ends when a command's first output line is `COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT` (exit
 * 0), or at a step, cost, time or consecutive-format-error limit. Extra tools (the `mcp` arm's
 * `explore`) are offered next to `bash` and answered by the caller.
 *
 * It talks to any OpenAI-compatible chat completions endpoint (non-streamed requests), normally
 * the metering proxy's URL for this task and arm.
 */
import { formatObservation, runShellCommand, type ShellOptions, submissionOf } from "./shell.js";

export interface ExtraTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  /** Answer a call; the text becomes the tool result. */
  call(args: Record<string, unknown>, signal: AbortSignal): Promise<string>;
}

export interface MainAgentOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  systemPrompt: string;
  instancePrompt: string;
  shell: ShellOptions;
  extraTools?: readonly ExtraTool[];
  temperature?: number;
  /** Model calls at most (0 = unlimited; default 50). */
  stepLimit?: number;
  /** Dollars at most, from the reply's usage and the prices (default: no limit). */
  costLimit?: number;
  /** Dollars per million prompt / completion tokens (default 0: cost is not tracked). */
  price?: { prompt: number; completion: number };
  wallTimeMs?: number;
  /** Consecutive replies without a usable tool call before giving up (default 3). */
  maxFormatErrors?: number;
  /** Per-request limit (default 300 s). */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
}

export type AgentExit = "submitted" | "step_limit" | "cost_limit" | "time_limit" | "format_error" | "model_error";

export interface AgentAction {
  tool: string;
  /** The command for `bash`, the arguments' JSON for other tools. */
  input: string;
  returncode: number | null;
  ms: number;
  outputChars: number;
}

export interface AgentRun {
  exit: AgentExit;
  /** What the agent submitted (the output after the submit line), if it did. */
  submission: string | null;
  /** Model calls made. */
  steps: number;
  actions: AgentAction[];
  /** Usage as the replies reported it (the metering proxy's counts are the ones reported). */
  promptTokens: number;
  completionTokens: number;
  cost: number;
  formatErrors: number;
  wallMs: number;
  error?: string;
  messages: unknown[];
}

const BASH_TOOL = {
  type: "function",
  function: {
    name: "bash",
    description: "Execute a bash command in a fresh shell in the repository (cd and variables do not persist).",
    parameters: {
      type: "object",
      properties: { command: { type: "string", description: "the command to run" } },
      required: ["command"],
    },
  },
};

const FORMAT_ERROR =
  "Your reply did not call a tool. Every reply must call the `bash` tool with one command (or another " +
  "offered tool). When you are done, run `echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT` followed by what you submit.";

interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Run the agent to its end. Never throws: failures end the run with `model_error` and the reason. */
export async function runMainAgent(options: MainAgentOptions): Promise<AgentRun> {
  const started = Date.now();
  const stepLimit = options.stepLimit ?? 50;
  const maxFormatErrors = options.maxFormatErrors ?? 3;
  const extra = new Map((options.extraTools ?? []).map((t) => [t.name, t]));
  const tools = [
    BASH_TOOL,
    ...[...extra.values()].map((t) => ({
      type: "function",
      function: { name: t.name, description: t.description, parameters: t.parameters },
    })),
  ];
  const messages: Array<Record<string, unknown>> = [
    { role: "system", content: options.systemPrompt },
    { role: "user", content: options.instancePrompt },
  ];
  const run: AgentRun = {
    exit: "step_limit",
    submission: null,
    steps: 0,
    actions: [],
    promptTokens: 0,
    completionTokens: 0,
    cost: 0,
    formatErrors: 0,
    wallMs: 0,
    messages,
  };
  let consecutiveFormatErrors = 0;
  const deadline = options.wallTimeMs ? started + options.wallTimeMs : Number.POSITIVE_INFINITY;
  const finish = (exit: AgentExit, error?: string): AgentRun => {
    run.exit = exit;
    if (error) run.error = error;
    run.wallMs = Date.now() - started;
    return run;
  };

  while (true) {
    if (stepLimit > 0 && run.steps >= stepLimit) return finish("step_limit");
    if (Date.now() >= deadline) return finish("time_limit");
    if (options.costLimit !== undefined && options.price && run.cost >= options.costLimit) return finish("cost_limit");
    run.steps += 1;
    let reply: { content: string; toolCalls: ToolCall[]; usage: { prompt: number; completion: number } };
    try {
      reply = await requestTurn(options, messages, tools, deadline);
    } catch (error) {
      return finish("model_error", error instanceof Error ? error.message : String(error));
    }
    run.promptTokens += reply.usage.prompt;
    run.completionTokens += reply.usage.completion;
    if (options.price)
      run.cost += (reply.usage.prompt * options.price.prompt + reply.usage.completion * options.price.completion) / 1e6;
    const assistant: Record<string, unknown> = { role: "assistant", content: reply.content };
    if (reply.toolCalls.length > 0)
      assistant.tool_calls = reply.toolCalls.map((c) => ({
        id: c.id,
        type: "function",
        function: { name: c.name, arguments: c.arguments },
      }));
    messages.push(assistant);

    if (reply.toolCalls.length === 0) {
      run.formatErrors += 1;
      consecutiveFormatErrors += 1;
      if (consecutiveFormatErrors >= maxFormatErrors) return finish("format_error");
      messages.push({ role: "user", content: FORMAT_ERROR });
      continue;
    }

    let turnHadFormatError = false;
    for (const call of reply.toolCalls) {
      const outcome = await runToolCall(call, options, extra);
      if (outcome.formatError) turnHadFormatError = true;
      run.actions.push(outcome.action);
      messages.push({ role: "tool", tool_call_id: call.id, content: outcome.observation });
      if (outcome.submission !== null) {
        run.submission = outcome.submission;
        return finish("submitted");
      }
    }
    if (turnHadFormatError) {
      run.formatErrors += 1;
      consecutiveFormatErrors += 1;
      if (consecutiveFormatErrors >= maxFormatErrors) return finish("format_error");
    } else consecutiveFormatErrors = 0;
  }
}

async function runToolCall(
  call: ToolCall,
  options: MainAgentOptions,
  extra: ReadonlyMap<string, ExtraTool>,
): Promise<{ observation: string; action: AgentAction; submission: string | null; formatError: boolean }> {
  const started = Date.now();
  let args: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(call.arguments || "{}");
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    args = parsed as Record<string, unknown>;
  } catch {
    const observation = `Error: the arguments of ${call.name} are not a JSON object: ${call.arguments.slice(0, 200)}`;
    return {
      observation,
      action: { tool: call.name, input: call.arguments, returncode: null, ms: 0, outputChars: 0 },
      submission: null,
      formatError: true,
    };
  }
  if (call.name === "bash") {
    const command = typeof args.command === "string" ? args.command : "";
    if (!command.trim()) {
      return {
        observation: "Error: bash needs a non-empty `command` string.",
        action: { tool: "bash", input: "", returncode: null, ms: 0, outputChars: 0 },
        submission: null,
        formatError: true,
      };
    }
    const result = await runShellCommand(command, options.shell);
    return {
      observation: formatObservation(result),
      action: {
        tool: "bash",
        input: command,
        returncode: result.returncode,
        ms: result.ms,
        outputChars: result.output.length,
      },
      submission: submissionOf(result),
      formatError: false,
    };
  }
  const tool = extra.get(call.name);
  if (!tool) {
    return {
      observation: `Error: there is no tool named ${call.name}; the tools are bash${[...extra.keys()].map((k) => `, ${k}`).join("")}.`,
      action: { tool: call.name, input: call.arguments, returncode: null, ms: 0, outputChars: 0 },
      submission: null,
      formatError: true,
    };
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.shell.timeoutMs ?? 120_000);
  try {
    const text = await tool.call(args, controller.signal);
    return {
      observation: text,
      action: {
        tool: call.name,
        input: JSON.stringify(args),
        returncode: 0,
        ms: Date.now() - started,
        outputChars: text.length,
      },
      submission: null,
      formatError: false,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      observation: `Error: ${call.name} failed: ${message}`,
      action: { tool: call.name, input: JSON.stringify(args), returncode: 1, ms: Date.now() - started, outputChars: 0 },
      submission: null,
      formatError: false,
    };
  } finally {
    clearTimeout(timer);
  }
}

async function requestTurn(
  options: MainAgentOptions,
  messages: readonly unknown[],
  tools: readonly unknown[],
  deadline: number,
): Promise<{ content: string; toolCalls: ToolCall[]; usage: { prompt: number; completion: number } }> {
  const timeoutMs = Math.max(1000, Math.min(options.requestTimeoutMs ?? 300_000, deadline - Date.now()));
  const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const response = await fetch(`${options.baseUrl.replace(/\/+$/, "")}/chat/completions`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      model: options.model,
      messages,
      tools,
      tool_choice: "auto",
      stream: false,
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    }),
    signal: AbortSignal.any(signals),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`the main model answered HTTP ${response.status}: ${text.slice(0, 300)}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`the main model's reply is not JSON: ${text.slice(0, 200)}`);
  }
  const choice = (body.choices as Array<Record<string, unknown>> | undefined)?.[0];
  const message = (choice?.message ?? {}) as Record<string, unknown>;
  const rawCalls = Array.isArray(message.tool_calls) ? (message.tool_calls as Array<Record<string, unknown>>) : [];
  const toolCalls: ToolCall[] = rawCalls.map((c, i) => {
    const fn = (c.function ?? {}) as Record<string, unknown>;
    return {
      id: typeof c.id === "string" && c.id ? c.id : `call_${i}`,
      name: typeof fn.name === "string" ? fn.name : "",
      arguments: typeof fn.arguments === "string" ? fn.arguments : JSON.stringify(fn.arguments ?? {}),
    };
  });
  const usage = (body.usage ?? {}) as Record<string, unknown>;
  return {
    content: typeof message.content === "string" ? message.content : "",
    toolCalls,
    usage: {
      prompt: typeof usage.prompt_tokens === "number" ? usage.prompt_tokens : 0,
      completion: typeof usage.completion_tokens === "number" ? usage.completion_tokens : 0,
    },
  };
}
