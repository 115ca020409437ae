/** Parsing of command-line flag values shared by the subcommands; bad values are ConfigErrors (exit 2). */
import { ConfigError } from "../../util/errors.js";

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
