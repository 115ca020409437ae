/**
 * Helpers for tests of the warm index and of what ripgrep is asked to do:
 *   ageTree(root)              every entry's mtime an hour back (the index stamp does not trust
 *                              recent ones: src/index-cache/stamp.ts RACY_MS);
 *   loggingRipgrep(dir, log)   a ripgrep that appends its command line to `log` and runs the real
 *                              one, installed as the located binary; returns the restore function.
 *   withLoggedRipgrep(fn)      the same in a temporary folder, around `fn(log)`, restored and
 *                              removed afterwards.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readdirSync, realpathSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { locateRipgrep, resetRipgrepLocation } from "../../src/tools/grep/ripgrep.js";

/** Set every entry's mtime (not `.git`'s, not through links) an hour back. */
export function ageTree(root: string): void {
  const past = Date.now() / 1000 - 3600;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === ".git") continue;
      const abs = join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      if (!e.isSymbolicLink()) utimesSync(abs, past, past);
    }
  };
  walk(root);
  utimesSync(root, past, past);
}

/** Install a ripgrep that logs each command line (one per line) to `log`; call the result to restore. */
export async function loggingRipgrep(dir: string, log: string): Promise<() => void> {
  const real = await locateRipgrep();
  assert.ok(real, "ripgrep is installed with the package");
  const path = join(dir, "rg");
  writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real.path}' "$@"\n`);
  chmodSync(path, 0o755);
  resetRipgrepLocation({ path, version: real.version });
  return () => resetRipgrepLocation(real);
}

/** Runs `fn` with a logging ripgrep installed (see `loggingRipgrep`); `log` is the file it writes. */
export async function withLoggedRipgrep<T>(fn: (log: string) => Promise<T>): Promise<T> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "fc-rglog-")));
  const log = join(dir, "args.log");
  const restore = await loggingRipgrep(dir, log);
  try {
    return await fn(log);
  } finally {
    restore();
    rmSync(dir, { recursive: true, force: true });
  }
}
