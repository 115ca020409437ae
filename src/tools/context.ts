/**
 * What every tool implementation receives and returns. Tools never throw for problems the model
 * can fix: those come back as a result with `error` set and a message the model can act on.
 */
import type { ToolErrorCode, ToolResult } from "../contracts/tools.js";
import type { Workspace } from "../workspace/workspace.js";
import type { ParsedArgs } from "./args.js";
import type { CountBatch } from "./grep/count-search.js";
import type { WalkShare } from "./grep/walk-share.js";

export interface ToolConfig {
  /** Lines per Read call (trained: 2000). */
  readMaxLines: number;
  /** Characters per displayed line (trained: 500). */
  maxLineChars: number;
  /** Paths per Glob call (trained: 100). */
  globMaxResults: number;
  /** Output lines per Grep call when head_limit is not given. */
  grepDefaultLimit: number;
  /** Context lines added to content-mode Grep when the model asks for none (training showed ±3; default 0). */
  grepDefaultContext: number;
  /** Per-call time limit, ms (trained: 10 s). */
  toolTimeoutMs: number;
  /** Which search engine Grep uses. */
  grepEngine: "auto" | "ripgrep" | "fallback";
}

export const DEFAULT_TOOL_CONFIG: ToolConfig = {
  readMaxLines: 2000,
  maxLineChars: 500,
  globMaxResults: 100,
  grepDefaultLimit: 1000,
  grepDefaultContext: 0,
  toolTimeoutMs: 10_000,
  grepEngine: "auto",
};

export interface ToolContext {
  ws: Workspace;
  signal: AbortSignal;
  config: ToolConfig;
  /** The turn's count Greps that may share one search pass (set by `Toolbox.runTurn`). */
  countBatch?: CountBatch;
  /** The turn's index-free Greps share one walk's ignore notices (set by `Toolbox.runTurn`). */
  walkShare?: WalkShare;
}

/** A tool result that can also be re-rendered smaller to fit a token budget. */
export interface ToolOutput extends ToolResult {
  /** How many units (lines, paths, output lines) the full result shows; shrink keeps a prefix of them. */
  units?: number;
  /** The same result keeping only the first `units` units, ending with `notice`. */
  shrink?: (units: number, notice: string) => ToolResult;
}

export type ToolImplementation = (args: ParsedArgs, ctx: ToolContext) => Promise<ToolOutput>;

/** The error form the model sees: `<system-reminder>Error: …</system-reminder>` (kept from the reference harness). */
export function toolError(code: ToolErrorCode, message: string): ToolOutput {
  const body = message.startsWith("Error:") || message.startsWith("Permission error:") ? message : `Error: ${message}`;
  return {
    text: `<system-reminder>${body}</system-reminder>`,
    observed: [],
    truncated: false,
    error: { code, message: body },
  };
}

/** An error in one of the trained plain-text forms (e.g. ``Tool `X` not found.``). */
export function plainError(code: ToolErrorCode, text: string): ToolOutput {
  return { text, observed: [], truncated: false, error: { code, message: text } };
}

export function reminder(text: string): string {
  return `<system-reminder>${text}</system-reminder>`;
}

/** Cut a display line to `max` characters, keeping `focus` (a character offset) visible when given. */
export function clipLine(line: string, max: number, focus?: { start: number; end: number }): string {
  if (line.length <= max) return line;
  if (!focus || focus.end <= max - 20) return `${line.slice(0, max)}...`;
  const from = Math.max(0, Math.min(focus.start - Math.floor(max / 3), line.length - max));
  const head = from > 0 ? "..." : "";
  const tail = from + max < line.length ? "..." : "";
  return `${head}${line.slice(from, from + max)}${tail}`;
}
