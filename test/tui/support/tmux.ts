/**
 * Running a command in a detached tmux session and reading the screen, the way a person would see
 * it. Each session uses its own tmux server (`-L`), so a user's tmux is never touched.
 */
import { execFileSync, spawnSync } from "node:child_process";

/** True when a tmux binary runs here. */
export function tmuxAvailable(): boolean {
  return spawnSync("tmux", ["-V"], { stdio: "ignore" }).status === 0;
}

/** Quote a string for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A running tmux session. */
export interface TmuxSession {
  /** The visible screen (with `history` lines of scrollback), trailing blank lines removed; `escapes` keeps colours. */
  capture(history?: number, escapes?: boolean): string;
  /** Poll the screen until `test` passes; returns that screen, or throws with the last one after `timeoutMs`. */
  waitFor(test: (screen: string) => boolean, timeoutMs: number): Promise<string>;
  kill(): void;
}

/**
 * Start `command` (a shell command line) in a `width`×`height` terminal. `env` is passed through
 * `env`, so it reaches the command whatever the tmux server's environment is.
 */
export function startTmux(
  command: string,
  options: { width?: number; height?: number; env?: Record<string, string>; unset?: string[] } = {},
): TmuxSession {
  const socket = `fc-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const assignments = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`);
  const unset = (options.unset ?? []).flatMap((name) => ["-u", name]);
  // Keep the pane open after the command ends so the last screen can still be read.
  const line = `env ${unset.join(" ")} ${assignments.join(" ")} sh -c ${shellQuote(command)}; echo "[exit $?]"; sleep 600`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  tmux("new-session", "-d", "-s", "run", "-x", String(options.width ?? 120), "-y", String(options.height ?? 40), line);
  const capture = (history = 0, escapes = false) =>
    tmux(
      "capture-pane",
      "-p",
      ...(escapes ? ["-e"] : []),
      "-t",
      "run",
      ...(history > 0 ? ["-S", String(-history)] : []),
    ).replace(/\s+$/, "");
  return {
    capture,
    waitFor: async (test, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      let screen = "";
      while (Date.now() < deadline) {
        screen = capture(200);
        if (test(screen)) return screen;
        await new Promise((r) => setTimeout(r, 150));
      }
      throw new Error(`tmux: the screen never matched within ${timeoutMs} ms; last screen:\n${screen}`);
    },
    kill: () => {
      try {
        tmux("kill-server");
      } catch {
        // Already gone.
      }
    },
  };
}
