/**
 * What a subcommand module needs to register itself on the program: the CLI's own commands and the
 * eval harnesses' (`eval`, `agent-eval`, `corpus eval`) alike, so none of those imports the CLI.
 * Flag values are parsed here; bad values are ConfigErrors (exit 2).
 */
import { ConfigError } from "./errors.js";

/** What a subcommand module receives when it registers itself on the program. */
export interface CliContext {
  /** The process exit code the command wants (the last call wins). */
  setExitCode(code: number): void;
}

/** commander accumulator for repeatable options. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A numeric flag, undefined when not given; `min` guards nonsense like `--concurrency 0`. */
export function numberFlag(
  flag: string,
  value: string | undefined,
  min = Number.NEGATIVE_INFINITY,
): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min)
    throw new ConfigError(`${flag} expects a number${Number.isFinite(min) ? ` ≥ ${min}` : ""}, got "${value}"`);
  return n;
}

/** An integer flag with a default. */
export function intFlag(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${flag} expects an integer ≥ ${min}, got "${value}"`);
  return n;
}
