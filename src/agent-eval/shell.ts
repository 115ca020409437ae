/**
 * The main agent's shell: every action runs in a fresh `bash -c` (so `cd` and variables do not
 * persist, as in Mini-SWE-Agent), inside the task's work tree, with a time limit, its own process
 * group (a timeout kills everything it started) and, by default, no network.
 *
 * No network is `unshare --net`: a new network namespace whose only interface is a down loopback.
 * It needs root or unprivileged user namespaces (`unshare --map-root-user --net`); where neither
 * works the sandbox says so once and the caller decides (`--allow-network` makes it explicit).
 */
import { spawn, spawnSync } from "node:child_process";

export interface ShellOptions {
  /** Working directory of every command: the task's tree. */
  cwd: string;
  /** Per-command wall-clock limit (default 60 s). */
  timeoutMs?: number;
  /** Extra environment (PATH additions for the `cli` arm, the explorer's settings). */
  env?: Record<string, string>;
  /** Run without network (default true). */
  isolateNetwork?: boolean;
  /** Bytes of output kept from one command before it is cut (default 1 MiB; the observation is cut further). */
  maxOutputBytes?: number;
}

export interface ShellResult {
  returncode: number;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
  timedOut: boolean;
  ms: number;
}

export type NetworkIsolation = { prefix: string[] } | { prefix: null; why: string };

let cachedIsolation: NetworkIsolation | undefined;

/** How commands are put in a network namespace on this machine, probed once. */
export function networkIsolation(): NetworkIsolation {
  if (cachedIsolation) return cachedIsolation;
  const candidates = [
    ["unshare", "--net"],
    ["unshare", "--map-root-user", "--net"],
  ];
  for (const prefix of candidates) {
    const probe = spawnSync(prefix[0]!, [...prefix.slice(1), "true"], { stdio: "ignore", timeout: 5000 });
    if (probe.status === 0) {
      cachedIsolation = { prefix };
      return cachedIsolation;
    }
  }
  cachedIsolation = {
    prefix: null,
    why: "cannot create a network namespace here (unshare --net needs root or unprivileged user namespaces)",
  };
  return cachedIsolation;
}

/** Run one command in a fresh shell. Never throws for the command's own failure. */
export function runShellCommand(command: string, options: ShellOptions): Promise<ShellResult> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxBytes = options.maxOutputBytes ?? 1024 * 1024;
  let argv = ["bash", "-c", command];
  if (options.isolateNetwork ?? true) {
    const isolation = networkIsolation();
    if (isolation.prefix === null) return Promise.reject(new Error(`no network sandbox: ${isolation.why}`));
    argv = [...isolation.prefix, ...argv];
  }
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const chunks: Buffer[] = [];
    let kept = 0;
    let dropped = 0;
    const onData = (chunk: Buffer) => {
      if (kept < maxBytes) {
        const slice = chunk.subarray(0, maxBytes - kept);
        chunks.push(slice);
        kept += slice.length;
        dropped += chunk.length - slice.length;
      } else dropped += chunk.length;
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    const finish = (code: number) => {
      clearTimeout(timer);
      let output = Buffer.concat(chunks).toString("utf8");
      if (dropped > 0) output += `\n[${dropped} more bytes of output were discarded]`;
      if (timedOut) output += `\n[the command was killed after ${Math.round(timeoutMs / 1000)} s]`;
      resolve({ returncode: timedOut ? 124 : code, output, timedOut, ms: Date.now() - started });
    };
    child.on("error", (error) => {
      chunks.push(Buffer.from(`failed to start the shell: ${error.message}`));
      finish(127);
    });
    child.on("close", (code, signal) => finish(code ?? (signal ? 128 + 9 : 1)));
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/**
 * The observation Mini-SWE-Agent shows: the return code, then the output; an output over 10,000
 * characters becomes a warning plus its first and last 5,000 characters.
 */
export function formatObservation(result: { returncode: number; output: string }, limit = 10_000): string {
  let output = result.output;
  if (output.length > limit) {
    const half = Math.floor(limit / 2);
    const elided = output.length - 2 * half;
    output =
      `<warning>The output of your last command was too long (${output.length} characters). ` +
      "Try a command that prints less, e.g. with head, tail, grep or sed -n.</warning>\n" +
      `<output_head>\n${output.slice(0, half)}\n</output_head>\n` +
      `<elided_chars>${elided} characters elided</elided_chars>\n` +
      `<output_tail>\n${output.slice(-half)}\n</output_tail>`;
    return `<returncode>${result.returncode}</returncode>\n${output}`;
  }
  return `<returncode>${result.returncode}</returncode>\n<output>\n${output}</output>`;
}

/** The token that ends a run: the first line of a successful command's output. */
export const SUBMIT_TOKEN = "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT";

/** The submission carried by a command's output, or null when it is not a submission. */
export function submissionOf(result: { returncode: number; output: string }): string | null {
  if (result.returncode !== 0) return null;
  const trimmed = result.output.replace(/^\s+/, "");
  const newline = trimmed.indexOf("\n");
  const first = (newline === -1 ? trimmed : trimmed.slice(0, newline)).trim();
  if (first !== SUBMIT_TOKEN) return null;
  return newline === -1 ? "" : trimmed.slice(newline + 1);
}
