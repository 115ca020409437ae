/**
 * The command a client runs to start `fastcontext mcp`. Default (`node`): this Node binary by its
 * absolute path plus this package's `bin/fastcontext.js` by its absolute path. That works without
 * network access, from a git checkout as well as from a global install, and for GUI clients
 * (Cursor, VS Code) whose PATH often lacks nvm's or Homebrew's `node`; the price is that moving
 * Node or the package means installing again. `npx` (`npx -y fastcontext-agent mcp`) is portable
 * across machines, for project files committed to a shared repository, but needs the package
 * published and reachable. The npm name is `fastcontext-agent` (the registry's `fastcontext` is an
 * unrelated package); the command it installs is still `fastcontext`.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The name this package is published under on npm (package.json `name`; a test keeps them equal). */
export const NPM_PACKAGE = "fastcontext-agent";

export type LauncherKind = "node" | "npx";
export const LAUNCHER_KINDS: readonly LauncherKind[] = ["node", "npx"];

export interface Launcher {
  command: string;
  args: string[];
}

/** This package's root (two levels above `src/install/` or `dist/install/`). */
export function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..");
}

/** Absolute path of `bin/fastcontext.js`. */
export function binPath(): string {
  return join(packageRoot(), "bin", "fastcontext.js");
}

/** The launch command for `kind`, with `serverArgs` appended after `mcp`. */
export function resolveLauncher(kind: LauncherKind, serverArgs: string[] = [], nodePath = process.execPath): Launcher {
  // `--package` names the package and `fastcontext` its command, so npx can never resolve the
  // command name to the unrelated registry package called `fastcontext`.
  if (kind === "npx")
    return { command: "npx", args: ["-y", "--package", NPM_PACKAGE, "fastcontext", "mcp", ...serverArgs] };
  const bin = binPath();
  if (!existsSync(bin)) throw new Error(`cannot find ${bin}; reinstall fastcontext or use --launcher npx`);
  return { command: nodePath, args: [bin, "mcp", ...serverArgs] };
}

/** The launcher as one shell-ish line, for messages. */
export function launcherLine(launcher: Launcher): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
  return [launcher.command, ...launcher.args].map(quote).join(" ");
}
