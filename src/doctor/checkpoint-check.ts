/**
 * `doctor --checkpoint DIR`: compare the running server with what the checkpoint needs — the
 * window against the config's context length, the model path the server loaded, tool calling
 * against the parser the checkpoint's family needs — and surface the checkpoint problems no flag
 * fixes (a missing stop id, an undeclared quantization). The fix is the recommended command.
 */
import { basename, isAbsolute, resolve } from "node:path";
import { type Engine, planServe, renderCommand } from "../checkpoint/serve.js";
import { type ServeFacts, serveFacts } from "../checkpoint/serve-facts.js";
import { isRecord } from "../llm/json.js";
import { windowFromModels } from "../llm/models.js";
import type { ServerKind } from "./server-kind.js";
import type { Check, CheckStatus } from "./types.js";

export interface ServedCheckpointInput {
  dir: string;
  /** The `GET /models` body, when the endpoint answered. */
  body?: unknown;
  model?: string;
  server: ServerKind;
  /** The tool-call probe's outcome, when it ran. */
  toolCall?: Check;
}

const ENGINE_OF: Partial<Record<ServerKind, Engine>> = { vLLM: "vllm", SGLang: "sglang", "llama.cpp": "llama.cpp" };

function servedRoot(body: unknown, model: string | undefined): string | undefined {
  const entries = isRecord(body) && Array.isArray(body.data) ? body.data : [];
  const entry = entries.find((e) => isRecord(e) && e.id === model) ?? entries[0];
  return isRecord(entry) && typeof entry.root === "string" ? entry.root : undefined;
}

/** The `checkpoint` check. */
export async function checkServedCheckpoint(input: ServedCheckpointInput): Promise<Check> {
  const started = performance.now();
  let facts: ServeFacts;
  try {
    facts = await serveFacts(input.dir);
  } catch (error) {
    return {
      name: "checkpoint",
      status: "fail",
      detail: error instanceof Error ? error.message : String(error),
      fix: "point --checkpoint at the directory the server loads (config.json and *.safetensors)",
      ms: performance.now() - started,
    };
  }
  const findings: Array<{ status: CheckStatus; text: string }> = facts.blocking.map((text) => ({
    status: "fail",
    text,
  }));
  const engine = ENGINE_OF[input.server] ?? "vllm";
  let command: string | undefined;
  let parser: string | undefined;
  try {
    const plan = planServe(facts, { engine });
    command = renderCommand(plan.argv).replace(/ \\\n\s+/g, " ");
    parser = plan.toolParser;
  } catch (error) {
    findings.push({ status: "fail", text: error instanceof Error ? error.message : String(error) });
  }
  if (input.body !== undefined && input.model) {
    const served = windowFromModels(input.body, input.model);
    const trained = facts.contextLength;
    if (served && !served.trained && trained !== undefined) {
      if (served.window > trained)
        findings.push({
          status: "fail",
          text: `the server's window ${served.window} exceeds the checkpoint's trained ${trained}`,
        });
      else if (served.window < trained)
        findings.push({ status: "ok", text: `the server's window is ${served.window} of the checkpoint's ${trained}` });
    }
    const root = servedRoot(input.body, input.model);
    // Only a filesystem path can be compared; a hub id as root says nothing about local files.
    if (
      root &&
      isAbsolute(root) &&
      resolve(root) !== resolve(input.dir) &&
      basename(root) !== basename(resolve(input.dir))
    )
      findings.push({ status: "warn", text: `the server loaded ${root}, not ${input.dir}` });
  } else {
    findings.push({ status: "ok", text: "no server to compare with: checkpoint checked alone" });
  }
  if (input.toolCall && input.toolCall.status === "fail" && parser)
    findings.push({ status: "fail", text: `tool calls fail: this checkpoint needs --tool-call-parser ${parser}` });
  const status: CheckStatus = findings.some((f) => f.status === "fail")
    ? "fail"
    : findings.some((f) => f.status === "warn")
      ? "warn"
      : "ok";
  const summary = `${facts.format} ${facts.family} checkpoint${facts.contextLength ? `, context ${facts.contextLength}` : ""}`;
  return {
    name: "checkpoint",
    status,
    detail: [summary, ...findings.map((f) => f.text)].join("; "),
    ...(status !== "ok" && command ? { fix: `serve it as: ${command}` } : {}),
    ms: performance.now() - started,
  };
}
