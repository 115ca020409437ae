/**
 * How many bytes of arguments a spawned command may be given here: a search narrowed by the term
 * index hands ripgrep its files as explicit paths, and a command line past the system's limit does
 * not start at all (E2BIG). The limit is the kernel's, read once per process; the environment, which
 * shares it, is subtracted, and a quarter is left for the rest of the command line.
 */
import { readFileSync } from "node:fs";

/** What one argument costs against the limit: its bytes, its terminating NUL, and its pointer. */
export function argumentCost(arg: string): number {
  return Buffer.byteLength(arg) + 1 + 8;
}

/** Linux's own bounds on argv + envp (fs/exec.c): a quarter of the stack limit, within [128 KiB, 6 MiB]. */
const LINUX_FLOOR = 128 * 1024;
const LINUX_CEILING = 6 * 1024 * 1024;

/** The soft stack limit in `/proc/self/limits` text, in bytes; Infinity when unlimited, null when absent. */
export function stackLimitOf(limits: string): number | null {
  const m = /^Max stack size\s+(\S+)/m.exec(limits);
  if (!m) return null;
  if (m[1] === "unlimited") return Number.POSITIVE_INFINITY;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : null;
}

/** The bytes argv and envp may take together on `platform`. */
export function argumentLimit(platform: NodeJS.Platform, limits: () => string): number {
  if (platform === "linux") {
    let stack: number | null = null;
    try {
      stack = stackLimitOf(limits());
    } catch {
      // No /proc: the smallest limit Linux ever applies.
    }
    if (stack === null) return LINUX_FLOOR;
    return Math.max(LINUX_FLOOR, Math.min(LINUX_CEILING, stack / 4));
  }
  // macOS: ARG_MAX is 1 MiB, the environment included.
  if (platform === "darwin") return 1024 * 1024;
  return LINUX_FLOOR;
}

/** Bytes of arguments left for explicit paths, given the environment the child inherits. */
export function commandLineBudget(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  limits: () => string = () => readFileSync("/proc/self/limits", "utf8"),
): number {
  // Windows: 32,767 UTF-16 units for the whole command line, the environment apart.
  if (platform === "win32") return 16 * 1024;
  let envBytes = 0;
  for (const [k, v] of Object.entries(env)) if (v !== undefined) envBytes += argumentCost(`${k}=${v}`);
  const free = argumentLimit(platform, limits) - envBytes;
  return Math.max(0, Math.floor((free * 3) / 4));
}

let cached: number | undefined;

/** `commandLineBudget()` of this process, measured once. */
export function processCommandLineBudget(): number {
  cached ??= commandLineBudget();
  return cached;
}

/** For tests: the budget this process uses from now on (undefined: measure it again). */
export function overrideCommandLineBudget(bytes: number | undefined): void {
  cached = bytes;
}
