/** Running an agent CLI to its end, and the environment it starts from. */
import { spawn } from "node:child_process";

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Environment variables a CLI must not inherit from the harness: our own settings, and every agent
 * CLI's or provider's, so none of them reaches the user's account or config behind the private home.
 */
const SCRUBBED = /^(FC_|OPENCODE_|QWEN_|GEMINI_|CODEX_|OPENAI_|ANTHROPIC_|DASHSCOPE_|AZURE_OPENAI_)/;

/** The harness's environment minus the scrubbed variables, plus `extra`. */
export function cliEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUBBED.test(k)) env[k] = v;
  return Object.assign(env, extra);
}

/** One JSON object per line; other lines (banners, a plugin's output) are skipped. */
export function jsonLines<T>(stdout: string): T[] {
  const events: T[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    try {
      events.push(JSON.parse(line) as T);
    } catch {
      // Not an event.
    }
  }
  return events;
}

/** The last lines of stderr, for an error message. */
export function stderrTail(stderr: string): string {
  return stderr.trim().split("\n").slice(-3).join(" ").slice(0, 300);
}

/**
 * Spawn `command` in its own process group with stdin closed, keep stdout (up to 64 MiB) and the
 * last 64 KiB of stderr, and kill the whole group after `timeoutMs`.
 */
export function spawnCapture(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<Captured> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      if (stdout.length < 64 * 1024 * 1024) stdout += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString("utf8")).slice(-64 * 1024);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // Gone already.
      }
    }, options.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}\n${e.message}`, timedOut });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, timedOut });
    });
  });
}
