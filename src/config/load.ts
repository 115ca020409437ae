/**
 * Layered configuration: flag > FC_* environment (then legacy names) > project
 * `.fastcontext/config.toml` (searched upward from the working directory) > user
 * `$XDG_CONFIG_HOME/fastcontext/config.toml` > defaults. `--config FILE` / FC_CONFIG replaces the
 * file discovery. Every value is validated; a bad one is a ConfigError naming its source.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { ConfigError } from "../util/errors.js";
import { createLogger } from "../util/log.js";
import { CONFIG_KEYS, type Config, type ConfigKey, ConfigSchema, envName, LEGACY_ENV } from "./schema.js";

const log = createLogger("config");

export interface LoadOptions {
  /** Values from command-line flags (undefined = not given). */
  flags?: Partial<Record<ConfigKey, unknown>>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Explicit config file (replaces discovery). */
  configFile?: string;
  home?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Which layer each non-default key came from (for `doctor` and --verbose). */
  sources: Partial<Record<ConfigKey, string>>;
  files: string[];
  /** Things the user should know about the configuration (printed on stderr by the CLI). */
  warnings: string[];
}

export function userConfigPath(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== "" ? env.XDG_CONFIG_HOME : join(home, ".config");
  return join(base, "fastcontext", "config.toml");
}

/** The nearest `.fastcontext/config.toml` at or above `cwd`. */
export function findProjectConfig(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, ".fastcontext", "config.toml");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readToml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}`, { cause: error });
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid TOML: ${(error as Error).message}`, { cause: error });
  }
}

/** Convert an environment string to the type the schema expects for `key`. */
export function fromEnv(key: ConfigKey, raw: string): unknown {
  const shape = ConfigSchema.shape[key];
  const probe = (v: unknown) => shape.safeParse(v).success;
  if (raw === "true" || raw === "false") {
    if (probe(raw === "true")) return raw === "true";
  }
  const n = Number(raw);
  if (raw.trim() !== "" && Number.isFinite(n) && probe(n)) return n;
  if (key === "secret_allow")
    return raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  if (key === "allowed_roots")
    return raw
      .split(delimiter)
      .map((s) => s.trim())
      .filter(Boolean);
  return raw;
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const merged: Record<string, unknown> = {};
  const sources: Partial<Record<ConfigKey, string>> = {};
  const files: string[] = [];
  const warnings: string[] = [];
  const layer = (values: Record<string, unknown>, source: string) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) continue;
      if (!(CONFIG_KEYS as string[]).includes(k))
        throw new ConfigError(`unknown config key "${k}" in ${source}; known keys: ${CONFIG_KEYS.join(", ")}`);
      merged[k] = v;
      sources[k as ConfigKey] = source;
    }
  };
  const explicit = options.configFile ?? (env.FC_CONFIG && env.FC_CONFIG !== "" ? env.FC_CONFIG : undefined);
  if (explicit) {
    files.push(explicit);
    layer(readToml(explicit), explicit);
  } else {
    const user = userConfigPath(env, options.home);
    if (existsSync(user)) {
      files.push(user);
      layer(readToml(user), user);
    }
    const project = findProjectConfig(cwd);
    if (project && project !== user) {
      files.push(project);
      layer(readToml(project), project);
    }
  }
  // FC_* first, then the legacy name; an empty variable counts as unset. Each value is its own
  // layer so an error names the variable it came from.
  for (const key of CONFIG_KEYS) {
    const names = [envName(key), ...(LEGACY_ENV[key] ? [LEGACY_ENV[key]!] : [])];
    const name = names.find((n) => env[n] !== undefined && env[n] !== "");
    if (name) layer({ [key]: fromEnv(key, env[name]!) }, `environment variable ${name}`);
  }
  for (const [key, value] of Object.entries(options.flags ?? {}))
    layer({ [key]: value }, `flag --${key === "deadline_s" ? "deadline" : key.replace(/_/g, "-")}`);
  // A project config file comes with the repository being explored, which may not be trusted: it
  // must not redirect the user's own API key (from the environment, a flag or the user config) to
  // an endpoint of its choosing. The key is kept only when it came with that endpoint.
  const projectFile = files.find((f) => f !== options.configFile && f !== userConfigPath(env, options.home));
  if (
    projectFile &&
    sources.base_url === projectFile &&
    merged.api_key !== undefined &&
    sources.api_key !== projectFile
  ) {
    delete merged.api_key;
    warnings.push(
      `ignoring the API key for base_url ${String(merged.base_url)} set by ${projectFile}: a repository's config cannot receive your key (set base_url in your user config or with --base-url to use it)`,
    );
  }
  // Nor may it widen what an MCP server lets its clients explore.
  if (projectFile && sources.allowed_roots === projectFile) {
    delete merged.allowed_roots;
    warnings.push(
      `ignoring allowed_roots set by ${projectFile}: only your user config, FC_ALLOWED_ROOTS or --allow-root can widen the MCP allowlist`,
    );
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? "");
    const where = sources[key as ConfigKey] ?? "config";
    throw new ConfigError(`invalid value for ${key} (from ${where}): ${issue.message}`);
  }
  for (const w of warnings) log.warn(w);
  return { config: parsed.data, sources, files, warnings };
}
