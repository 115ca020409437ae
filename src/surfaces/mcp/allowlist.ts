/**
 * Which repositories the MCP server may explore. Every path is compared after realpath, so `..`
 * segments and symlinks that lead outside an allowed root are refused. Failures are returned as
 * messages written for the calling model (they become `isError` tool results), never thrown.
 *
 * Allowed roots: `--allow-root DIR` (repeatable) and `FC_ALLOWED_ROOTS` (path-delimiter separated).
 * When neither is given, the server's working directory and the client's MCP roots are allowed.
 */
import { realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The allowlist as configured when the server starts. */
export interface AllowlistConfig {
  /** Realpaths of the configured roots; empty when none was configured. */
  configured: string[];
  /** Realpath of the server's working directory. */
  cwd: string;
  /** Configured roots that could not be resolved (reported once at startup). */
  missing: string[];
}

/** Outcome of resolving a requested repository. */
export type RepoCheck = { ok: true; root: string } | { ok: false; message: string };

function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** Resolve the configured roots once at startup. */
export function createAllowlist(roots: string[], cwd = process.cwd()): AllowlistConfig {
  const configured: string[] = [];
  const missing: string[] = [];
  for (const root of roots) {
    const real = realpathOrNull(resolve(cwd, expandHome(root)));
    if (real) {
      if (!configured.includes(real)) configured.push(real);
    } else missing.push(root);
  }
  return { configured, cwd: realpathOrNull(cwd) ?? resolve(cwd), missing };
}

function expandHome(path: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/") || path.startsWith("~\\")) return resolve(homedir(), path.slice(2));
  return path;
}

/** True when `child` is `parent` or lies below it (both absolute realpaths). */
export function isInside(child: string, parent: string): boolean {
  const fold = (p: string) => (process.platform === "win32" ? p.toLowerCase() : p);
  const rel = relative(fold(parent), fold(child));
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** A client root URI (`file:///…`) as a local realpath, or null for other schemes and missing dirs. */
export function rootUriToPath(uri: string): string | null {
  if (!uri.startsWith("file:")) return null;
  try {
    return realpathOrNull(fileURLToPath(uri));
  } catch {
    return null;
  }
}

/** The roots a call may use: the configured ones, or the cwd plus the client's roots. */
export function effectiveRoots(config: AllowlistConfig, clientRoots: string[]): string[] {
  if (config.configured.length > 0) return config.configured;
  const out = [config.cwd];
  for (const root of clientRoots) if (!out.includes(root)) out.push(root);
  return out;
}

/**
 * The repository used when `repo_path` is omitted (and the base of a relative one): the client's
 * first root that is allowed, else the cwd when allowed, else the first configured root.
 */
export function defaultRepo(config: AllowlistConfig, clientRoots: string[]): string | null {
  const allowed = effectiveRoots(config, clientRoots);
  const candidates = [...clientRoots, config.cwd];
  for (const candidate of candidates) if (allowed.some((root) => isInside(candidate, root))) return candidate;
  return allowed[0] ?? null;
}

/** Resolve and check a requested repository path (or the default when `requested` is undefined). */
export function checkRepo(config: AllowlistConfig, clientRoots: string[], requested: string | undefined): RepoCheck {
  const allowed = effectiveRoots(config, clientRoots);
  const base = defaultRepo(config, clientRoots);
  const list = allowed.join(", ");
  let target: string;
  if (requested === undefined || requested.trim() === "") {
    if (!base)
      return {
        ok: false,
        message: "no repository to explore: pass repo_path (the absolute path of the repository root).",
      };
    target = base;
  } else {
    let raw = requested.trim();
    if (raw.startsWith("file:")) {
      try {
        raw = fileURLToPath(raw);
      } catch {
        return {
          ok: false,
          message: `repo_path "${requested}" is not a valid file: URI; pass an absolute directory path.`,
        };
      }
    }
    raw = expandHome(raw);
    if (!isAbsolute(raw) && !base)
      return {
        ok: false,
        message: `repo_path "${requested}" is relative and there is no default repository to resolve it against; pass an absolute path.`,
      };
    target = isAbsolute(raw) ? raw : resolve(base!, raw);
  }
  const real = realpathOrNull(target);
  if (!real)
    return {
      ok: false,
      message: `repo_path "${requested ?? target}" does not exist (resolved to ${target}); pass the absolute path of an existing repository root.`,
    };
  let isDir = false;
  try {
    isDir = statSync(real).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir)
    return {
      ok: false,
      message: `repo_path "${requested ?? target}" is not a directory (${real}); pass the repository root, not a file.`,
    };
  if (!allowed.some((root) => isInside(real, root))) {
    const via = real !== resolve(target) ? ` (it resolves to ${real})` : "";
    return {
      ok: false,
      message: `repo_path "${requested ?? target}"${via} is outside the roots this server may explore: ${list}. Pass a repo_path inside one of them, or ask the user to restart the server with --allow-root ${real} (or FC_ALLOWED_ROOTS).`,
    };
  }
  return { ok: true, root: real };
}
