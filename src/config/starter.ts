/**
 * The starter `config.toml` that `fastcontext init` writes: every useful key, commented out at its
 * default, with the endpoint values currently exported as FC_* variables baked in. Pure text
 * building; writing the file is the CLI's job. The result always loads with `loadConfig`.
 */
import { parse as parseToml } from "smol-toml";
import { ConfigError } from "../util/errors.js";
import { fromEnv } from "./load.js";
import { type ConfigKey, ConfigSchema, envName } from "./schema.js";

export interface StarterOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Bake an exported FC_API_KEY into the file. Off for project files, which live inside a
   * repository and may be committed; the key then keeps coming from the environment.
   */
  includeApiKey: boolean;
  /**
   * A file that lives in a repository (default: `!includeApiKey`): the keys a project file may
   * not set (`TRUSTED_ONLY_KEYS`) are written as comments saying so, never baked in.
   */
  project?: boolean;
}

/** TOML for one value (JSON strings, numbers, booleans and string arrays are valid TOML). */
function tomlValue(value: unknown): string {
  return JSON.stringify(value);
}

/** `key = value` from FC_KEY when exported (validated), else the commented placeholder line. */
function line(key: ConfigKey, env: NodeJS.ProcessEnv, placeholder: string, baked: string[]): string {
  const name = envName(key);
  const raw = env[name];
  if (raw === undefined || raw === "") return `# ${key} = ${placeholder}`;
  const value = fromEnv(key, raw);
  const checked = ConfigSchema.shape[key].safeParse(value);
  if (!checked.success)
    throw new ConfigError(
      `invalid value for ${key} (from environment variable ${name}): ${checked.error.issues[0]?.message ?? "invalid"}`,
    );
  baked.push(name);
  return `${key} = ${tomlValue(checked.data)}`;
}

export function starterConfig(options: StarterOptions): { text: string; baked: string[] } {
  const env = options.env ?? process.env;
  const baked: string[] = [];
  const project = options.project ?? !options.includeApiKey;
  const baseUrl = project
    ? `# base_url = "http://127.0.0.1:8000/v1"   # not read from a project file: set it in your user config or FC_BASE_URL`
    : line("base_url", env, '"http://127.0.0.1:8000/v1"', baked);
  const systemPrompt = project
    ? "# system_prompt: not read from a project file (it names a file to send); use your user config or --system-prompt"
    : '# system_prompt = "/path/to/system.md"   # replacement system prompt template';
  const apiKey = options.includeApiKey
    ? line(
        "api_key",
        env,
        '"sk-..."            # sent as "Authorization: Bearer ..."; optional for local servers',
        baked,
      )
    : `# api_key = "sk-..."          # not stored in project files: export FC_API_KEY or use the user config`;
  const text = `# fastcontext configuration.
# Precedence: command-line flag > FC_* environment variable (legacy MODEL, BASE_URL, API_KEY) >
# project .fastcontext/config.toml (searched upward from the working directory) >
# user $XDG_CONFIG_HOME/fastcontext/config.toml > built-in defaults.
# Every key below is optional; commented lines show the default or an example.

# --- Model endpoint (OpenAI-compatible: vLLM, SGLang, llama.cpp, Ollama) -----------------------
# Without base_url, fastcontext answers with its embedded explorer (no model).
${baseUrl}
${line("model", env, '"microsoft/FastContext-1.0-4B-RL"   # default: the only model the server serves', baked)}
${apiKey}
# profile = "auto"             # auto | fastcontext-4b | qwen3 | gpt-oss | openai (auto: from the model id)
# temperature = 0.2            # default: the profile's
# policy = "auto"              # auto | model | embedded
# fallback = false             # let the embedded explorer answer when the model's answer is empty

# --- Budgets ----------------------------------------------------------------------------------
# max_turns = 12
# max_context = "auto"         # context window in tokens, or "auto" (from GET /v1/models)
# deadline_s = 300             # wall-clock limit of one exploration, in seconds
# max_citations = 25
# max_turn_output_tokens = 12000
# concurrency = 8              # tool calls run at once within a turn
# request_timeout_s = 120
# max_retries = 4
# max_response_bytes = 8388608 # most bytes read from one model response (user config only)

# --- Prompt ------------------------------------------------------------------------------------
${systemPrompt}
# final_nudge = "user"         # user | assistant (the RL-style nudge; vLLM/SGLang only)
`;
  // The file must load: a baked value that the schema rejects was caught above; this checks the whole.
  const parsed = ConfigSchema.safeParse(parseToml(text));
  if (!parsed.success)
    throw new ConfigError(`internal: the starter config does not validate: ${parsed.error.issues[0]?.message ?? ""}`);
  return { text, baked };
}
