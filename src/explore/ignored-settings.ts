/**
 * Settings that a policy cannot honour. `max_turns` counts the model's turns (the embedded
 * explorer always plans two), `cited_lines` is the embedded explorer's budget of cited lines (the
 * model decides how much it cites). A setting the caller gave explicitly that the chosen policy
 * would ignore is reported as a warning in the result, never dropped silently; with `--fallback`
 * both policies may run, so both settings can take effect and nothing is reported.
 */
import type { PolicyName } from "../core/types.js";

export interface GivenSettings {
  /** The caller set the turn limit explicitly (a flag, the MCP `max_turns` argument). */
  maxTurns?: boolean;
  /** The caller set the cited-line budget explicitly. */
  citedLines?: boolean;
}

/** One warning per explicitly given setting the policy will not use. */
export function ignoredSettings(
  policy: Exclude<PolicyName, "bm25">,
  fallback: boolean,
  given: GivenSettings,
): string[] {
  if (fallback && policy === "model") return [];
  const warnings: string[] = [];
  if (policy === "embedded" && given.maxTurns)
    warnings.push(
      "the turn limit (max_turns) has no effect on the embedded explorer, which always plans two turns; use the cited-line budget (cited_lines) to ask for more or less",
    );
  if (policy === "model" && given.citedLines)
    warnings.push(
      "the cited-line budget (cited_lines) has no effect on the model policy, which chooses its own citations; it applies to the embedded explorer (--policy embedded, or --fallback)",
    );
  return warnings;
}
