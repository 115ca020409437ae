/**
 * Layered configuration: flag > FC_* environment (then legacy names) > project
 * `.fastcontext/config.toml` (searched upward from the working directory) > user
 * `$XDG_CONFIG_HOME/fastcontext/config.toml` > defaults. `--config FILE` / FC_CONFIG replaces the
 * file discovery. Every value is validated; a bad one is a ConfigError naming its source.
 *
 * The project file arrives with the repository being explored, so it is not trusted: the keys in
 * `TRUSTED_ONLY_KEYS` (paths to read or write, secret and root allowlists, the endpoint and its key,
 * safety bounds) are ignored there with a warning naming each one. Files are read only when they
 * are regular files of at most `MAX_CONFIG_BYTES`.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { ConfigError } from "../util/errors.js";
import { createLogger } from "../util/log.js";
import {
  CONFIG_KEYS,
  type Config,
  type ConfigKey,
  ConfigSchema,
  envName,
  LEGACY_ENV,
  TRUSTED_ONLY_KEYS,
} from "./schema.js";

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

/** Config files are a few KiB; anything this big is not one (and must not be read whole). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Read a config file safely: opened non-blocking (a FIFO or device does not hang the start), and
 * only a regular file up to `MAX_CONFIG_BYTES` is read (`/dev/zero` or a huge file would exhaust
 * memory). The check is made on the opened descriptor, so a swapped path changes nothing.
 */
function readConfigText(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}`, { cause: error });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError(`config file ${file} is not a regular file`);
    if (stat.size > MAX_CONFIG_BYTES)
      throw new ConfigError(`config file ${file} is ${stat.size} bytes; the limit is ${MAX_CONFIG_BYTES}`);
    const buffer = Buffer.alloc(stat.size);
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return buffer.subarray(0, filled).toString("utf8");
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`cannot read config file ${file}`, { cause: error });
  } finally {
    closeSync(fd);
  }
}

function readToml(file: string): Record<string, unknown> {
  const text = readConfigText(file);
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid TOML: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The project file comes with the repository being explored, which may not be trusted: the keys in
 * `TRUSTED_ONLY_KEYS` are dropped from it, each with a warning that names it.
 */
export function untrustedValues(
  values: Record<string, unknown>,
  file: string,
  userFile: string,
  warnings: string[],
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const reason = Object.hasOwn(TRUSTED_ONLY_KEYS, key) ? TRUSTED_ONLY_KEYS[key as ConfigKey] : undefined;
    if (reason === undefined) {
      kept[key] = value;
      continue;
    }
    warnings.push(
      `ignoring ${key} set by ${file}: a repository's config may not set it (${reason}); set it in your user config ${userFile}, ${envName(key as ConfigKey)} or a flag`,
    );
  }
  return kept;
}

function ownedByAnotherUser(file: string): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return false;
  try {
    return statSync(file).uid !== uid;
  } catch {
    return false; // unreadable: readToml reports it
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
      if (ownedByAnotherUser(project)) {
        // The upward search passes shared directories (/tmp): a file planted there by someone else is skipped.
        warnings.push(`ignoring ${project}: it belongs to another user`);
      } else {
        files.push(project);
        layer(untrustedValues(readToml(project), project, user, warnings), project);
      }
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
