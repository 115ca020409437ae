/**
 * `runDoctor`: every check in order, skipping the ones whose prerequisite failed, into a report.
 * Network checks are time-limited per request; nothing here throws for a broken endpoint — that is
 * what the report is for.
 */
import { effectiveSampling } from "../config/profiles.js";
import type { Config } from "../config/schema.js";
import type { TokenizerFamily } from "../tokens/counter.js";
import { runChatProbes } from "./chat-probes.js";
import { checkServedCheckpoint } from "./checkpoint-check.js";
import { checkModel, checkWindow, probeEndpoint } from "./endpoint-checks.js";
import { checkRipgrep, checkTokenizers } from "./local-checks.js";
import type { ServerKind } from "./server-kind.js";
import type { Check, CheckName, DoctorReport } from "./types.js";

/** Options of `runDoctor`. */
export interface DoctorOptions {
  /** The loaded configuration (flags already applied); `base_url` is already normalized. */
  config: Config;
  /** Per-request time limit. Default 30 000 ms. */
  timeoutMs?: number;
  /** Called as each check finishes (for live output). */
  onCheck?: (check: Check) => void;
  /** Run the ripgrep and tokenizer checks (default true). */
  local?: boolean;
  /** A checkpoint directory to compare the running server with (`doctor --checkpoint`). */
  checkpoint?: string;
}

/** Run the checks and build the report. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { config } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const checks: Check[] = [];
  const add = (check: Check) => {
    checks.push(check);
    options.onCheck?.(check);
  };
  const skip = (names: CheckName[], why: string) =>
    names.forEach((name) => add({ name, status: "skip", detail: `not run: ${why}` }));
  let model = config.model;
  let server: string | undefined;
  let modelsBody: unknown;
  let serverKind: ServerKind = "unknown";
  let toolCall: Check | undefined;

  if (!config.base_url) {
    add({
      name: "endpoint",
      status: "warn",
      detail: "no model endpoint configured: the embedded explorer answers without a model",
      fix: "to use a model, pass --base-url (or set FC_BASE_URL / base_url in the config)",
    });
    skip(["model", "context-window", "chat", "tool-call", "tool-result", "thinking"], "no endpoint");
  } else {
    const endpoint = await probeEndpoint(config.base_url, config.api_key, timeoutMs);
    add(endpoint.check);
    server = endpoint.server === "unknown" ? undefined : endpoint.server;
    serverKind = endpoint.server;
    if (endpoint.check.status !== "fail") modelsBody = endpoint.body;
    if (endpoint.check.status === "fail") {
      skip(["model", "context-window", "chat", "tool-call", "tool-result", "thinking"], "the endpoint is not usable");
    } else {
      const resolved = checkModel(config.model, endpoint.served);
      add(resolved.check);
      // A model id the server does not serve is not "the checked model".
      model = resolved.model;
      if (!resolved.model) {
        skip(["context-window", "chat", "tool-call", "tool-result", "thinking"], "no usable model id");
      } else {
        add(
          await checkWindow(config.base_url, config.api_key, resolved.model, {
            ...(config.max_context !== "auto" ? { configured: config.max_context } : {}),
            body: endpoint.body,
            server: endpoint.server,
            timeoutMs,
          }),
        );
        const { sampling } = effectiveSampling({ ...config, model: resolved.model });
        const thinkingOff = sampling.chat_template_kwargs?.enable_thinking === false;
        const probes = await runChatProbes({
          baseUrl: config.base_url,
          ...(config.api_key ? { apiKey: config.api_key } : {}),
          model: resolved.model,
          sampling,
          thinkingOff,
          server: endpoint.server,
          timeoutMs,
        });
        [probes.chat, probes.toolCall, probes.toolResult, probes.thinking].forEach(add);
        toolCall = probes.toolCall;
      }
    }
  }

  if (options.checkpoint)
    add(
      await checkServedCheckpoint({
        dir: options.checkpoint,
        ...(modelsBody !== undefined ? { body: modelsBody } : {}),
        ...(model ? { model } : {}),
        server: serverKind,
        ...(toolCall ? { toolCall } : {}),
      }),
    );

  const { profile } = effectiveSampling({ ...config, ...(model ? { model } : {}) });
  if (options.local !== false) {
    add(await checkRipgrep());
    const families: TokenizerFamily[] = profile.tokenizer === "qwen3" ? ["qwen3"] : ["qwen3", profile.tokenizer];
    add(await checkTokenizers(families));
  }

  const ok = !checks.some((c) => c.status === "fail");
  return {
    ok,
    exitCode: ok ? 0 : 1,
    ...(config.base_url ? { baseUrl: config.base_url } : {}),
    ...(model ? { model } : {}),
    profile: profile.name,
    ...(server ? { server } : {}),
    checks,
  };
}
