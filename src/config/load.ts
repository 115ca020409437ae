/**
 * Layered configuration: flag > FC_* environment (then legacy names) > project
 * `.fastcontext/config.toml` (searched upward from the working directory) > user
 * `$XDG_CONFIG_HOME/fastcontext/config.toml` > defaults. `--config FILE` / FC_CONFIG replaces the
 * file discovery. Every value is validated; a bad one is a ConfigError naming its source.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { ConfigError } from "../util/errors.js";
import { CONFIG_KEYS, ConfigSchema, LEGACY_ENV, envName, type Config, type ConfigKey } from "./schema.js";

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
function fromEnv(key: ConfigKey, raw: string): unknown {
  const shape = ConfigSchema.shape[key];
  const probe = (v: unknown) => shape.safeParse(v).success;
  if (raw === "true" || raw === "false") {
    if (probe(raw === "true")) return raw === "true";
  }
  const n = Number(raw);
  if (raw.trim() !== "" && Number.isFinite(n) && probe(n)) return n;
  if (key === "secret_allow") return raw.split(",").map((s) => s.trim()).filter(Boolean);
  return raw;
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const merged: Record<string, unknown> = {};
  const sources: Partial<Record<ConfigKey, string>> = {};
  const files: string[] = [];
  const layer = (values: Record<string, unknown>, source: string) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) continue;
      if (!(CONFIG_KEYS as string[]).includes(k)) throw new ConfigError(`unknown config key "${k}" in ${source}; known keys: ${CONFIG_KEYS.join(", ")}`);
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
  const fromEnvironment: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const raw = env[envName(key)] ?? (LEGACY_ENV[key] ? env[LEGACY_ENV[key]!] : undefined);
    if (raw !== undefined && raw !== "") fromEnvironment[key] = fromEnv(key, raw);
  }
  layer(fromEnvironment, "environment");
  layer(options.flags ?? {}, "flags");
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? "");
    const where = sources[key as ConfigKey] ?? "config";
    throw new ConfigError(`invalid value for ${key} (from ${where}): ${issue.message}`);
  }
  return { config: parsed.data, sources, files };
}
