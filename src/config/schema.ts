/**
 * The configuration schema: one zod object is the source of the types, the defaults, validation
 * messages and the documented keys. Keys are snake_case as in config.toml; environment variables
 * are FC_ + the upper-case key (legacy MODEL, BASE_URL, API_KEY also read).
 */
import { z } from "zod";

export const PROFILE_NAMES = ["auto", "fastcontext-4b", "qwen3", "gpt-oss", "openai"] as const;
export const POLICY_NAMES = ["auto", "model", "embedded"] as const;

const positiveInt = z.number().int().min(0);

export const ConfigSchema = z.object({
  base_url: z
    // A TOML list of replicas is kept as the comma-separated form the flag and FC_BASE_URL take.
    .preprocess((v) => (Array.isArray(v) ? v.join(",") : v), z.string().optional())
    .describe(
      "OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1; several (a list, or comma-separated) are replicas of one model, used as a pool",
    ),
  model: z.string().optional().describe("Served model id"),
  api_key: z.string().optional().describe("Bearer token for the endpoint (optional)"),
  profile: z.enum(PROFILE_NAMES).default("auto").describe("Model profile: sampling, prompt and tokenizer defaults"),
  policy: z
    .enum(POLICY_NAMES)
    .default("auto")
    .describe("auto: the model when base_url is set, else the embedded explorer"),
  fallback: z
    .boolean()
    .default(false)
    .describe("When the model's answer is empty or fails validation, let the embedded explorer answer"),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().optional(),
  max_completion_tokens: positiveInt.optional(),
  reasoning_effort: z.string().optional(),
  enable_thinking: z.boolean().optional(),
  max_turns: z.number().int().min(1).max(100).default(12),
  max_context: z
    .union([z.literal("auto"), positiveInt])
    .default("auto")
    .describe("Context window in tokens, or auto-detect from /v1/models"),
  context_reserve: positiveInt.optional(),
  max_turn_output_tokens: positiveInt.default(12_000),
  max_result_output_tokens: positiveInt.default(0),
  max_citations: positiveInt.default(25),
  concurrency: z.number().int().min(1).max(64).default(8),
  deadline_s: z.number().min(1).default(300).describe("Wall-clock limit of one exploration"),
  request_timeout_s: z.number().min(1).default(120),
  max_response_bytes: z
    .number()
    .int()
    .min(65_536)
    .default(8 * 1024 * 1024)
    .describe("Most bytes read from one model response (JSON body or SSE stream); more ends the run as a model error"),
  max_retries: z.number().int().min(0).max(10).default(4),
  tool_timeout_s: z.number().min(1).default(10),
  grep_engine: z.enum(["auto", "ripgrep", "fallback"]).default("auto"),
  system_prompt: z.string().optional().describe("Path of a replacement system prompt template"),
  tool_descriptions: z.string().optional().describe("Directory with replacement read.md, glob.md, grep.md"),
  final_nudge: z.enum(["user", "assistant"]).default("user"),
  allow_secrets: z.boolean().default(false),
  allowed_roots: z
    .array(z.string())
    .default([])
    .describe("MCP server: directory trees it may explore (user config, env or flags only)"),
  secret_allow: z.array(z.string()).default([]),
  cited_lines: positiveInt.default(150).describe("Embedded explorer: budget of cited lines"),
  traj_dir: z
    .string()
    .optional()
    .describe("Where --traj writes when given without a file (default: the XDG state dir)"),
  mcp_session_idle_s: z
    .number()
    .min(1)
    .default(90)
    .describe("MCP HTTP: a session with no request for this long is closed"),
  mcp_sessions_per_client: z
    .number()
    .int()
    .min(1)
    .default(32)
    .describe(
      "MCP HTTP: sessions one client address keeps when the session table is full (past it, its own oldest idle one makes room)",
    ),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigKey = keyof Config;

export const CONFIG_KEYS = Object.keys(ConfigSchema.shape) as ConfigKey[];

/**
 * Keys a repository's own `.fastcontext/config.toml` may not set, with the reason shown in the
 * warning: each one reads or writes a path, widens what reaches the model or the MCP clients,
 * redirects traffic (with the user's query and files) or loosens a safety bound. They come only
 * from the user's config, `--config`, FC_* variables or flags.
 */
export const TRUSTED_ONLY_KEYS: Partial<Record<ConfigKey, string>> = {
  base_url: "it would send your query and files to an endpoint of its choosing",
  api_key: "credentials for your endpoint come from you",
  system_prompt: "it names a file to read and send to the model",
  tool_descriptions: "it names files to read and send to the model",
  allow_secrets: "it would send secret files to the model",
  secret_allow: "it would send secret files to the model",
  allowed_roots: "it would widen what MCP clients may explore",
  traj_dir: "it names a directory to write trajectories to",
  max_response_bytes: "it would loosen a memory bound",
  mcp_session_idle_s: "it would loosen an MCP server bound",
  mcp_sessions_per_client: "it would loosen an MCP server bound",
};

/** Keys whose environment variables have a legacy name too. */
export const LEGACY_ENV: Partial<Record<ConfigKey, string>> = {
  base_url: "BASE_URL",
  model: "MODEL",
  api_key: "API_KEY",
};

export function envName(key: ConfigKey): string {
  return `FC_${key.toUpperCase()}`;
}
