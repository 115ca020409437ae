/** The user's cache directory for fastcontext: `$XDG_CACHE_HOME/fastcontext`, else `~/.cache/fastcontext`. */
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec: a relative value is invalid and must be ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".cache");
  return join(base, "fastcontext");
}
