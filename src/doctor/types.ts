/**
 * The doctor's report: one `Check` per question a user asks when a run goes wrong ("is the server
 * up, is my model id right, is the window big enough, does tool calling work"), each with the fix
 * to apply when it did not pass. Pure types.
 */

/** `skip`: not run because a check it depends on failed. */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** The checks, in the order they run. */
export type CheckName =
  | "endpoint"
  | "model"
  | "context-window"
  | "chat"
  | "tool-call"
  | "tool-result"
  | "thinking"
  | "ripgrep"
  | "tokenizer"
  | "checkpoint";

/** One check's outcome. */
export interface Check {
  name: CheckName;
  status: CheckStatus;
  /** What was found, in one or two sentences. */
  detail: string;
  /** What to do about it (set for warn and fail). */
  fix?: string;
  /** How long the probe took. */
  ms?: number;
}

/** Everything `fastcontext doctor` reports (`--json` prints this object). */
export interface DoctorReport {
  /** True when no check failed (warnings allowed). */
  ok: boolean;
  /** 0 when `ok`, 1 otherwise. */
  exitCode: number;
  baseUrl?: string;
  model?: string;
  profile: string;
  /** The server software, guessed from its model list. */
  server?: string;
  checks: Check[];
}
