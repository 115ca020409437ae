/**
 * The bottom layer's contracts: what a tool call is, what a tool result carries (the text for the
 * model, the lines it showed, its structured data and what it skipped) and the line spans both
 * sides speak in. The workspace and the tools produce them; the run (core) and every surface
 * consume them. Pure types and one constructor; this module imports nothing of ours.
 */

/** A span of lines: path relative to the workspace root with forward slashes, 1-based inclusive lines. */
export interface LineSpan {
  path: string;
  start: number;
  end: number;
}

/** How much of a citation the exploration actually showed. */
export type Verification = "read" | "grep" | "trimmed" | "unverified";

/** A tool call as the model (or the embedded planner) issued it. */
export interface ToolCallRequest {
  id: string;
  name: string;
  /** The raw argument string as produced by the model, or an already-parsed object. */
  arguments: string | Record<string, unknown>;
}

/** Error codes the model can recover from; they travel back as tool results, never as exceptions. */
export type ToolErrorCode =
  | "invalid_args"
  | "unknown_tool"
  | "not_found"
  | "outside_root"
  | "not_a_file"
  | "binary"
  | "secret"
  | "too_large"
  | "invalid_regex"
  | "timeout"
  | "aborted"
  | "io_error";

/** How much a listing or search could not look at, so ignore-blindness is visible. */
export interface SkipStats {
  ignored: number;
  binary: number;
  tooLarge: number;
  secret: number;
  unreadable: number;
  outsideRoot: number;
}

export interface GrepMatchLine {
  line: number;
  text: string;
  /** True for a match line, false for a context line. */
  match: boolean;
}

export interface GrepFileHits {
  path: string; // relative
  /** The lines shown, in content mode; empty in count and files_with_matches modes (which show none). */
  lines: GrepMatchLine[];
  /** Number of matching lines in the file (count mode: number of matches). */
  count: number;
}

/** Structured side of a tool result, for the embedded explorer and for displays. */
export type ToolData =
  | { tool: "Read"; path: string; start: number; end: number; totalLines: number; lines: string[] }
  | { tool: "Glob"; paths: string[]; total: number }
  | {
      tool: "Grep";
      mode: "content" | "files_with_matches" | "count";
      files: GrepFileHits[];
      /** Total matching lines (count mode: matches; files_with_matches: files) found before caps; a lower bound when `atLeast`. */
      total: number;
      atLeast: boolean;
      /** The search hit its time limit: `files` are the ones found before it (a reader must not trust absences). */
      timedOut: boolean;
      engine: "ripgrep" | "fallback";
    };

/** The result of one tool call. */
export interface ToolResult {
  /** Exactly what the model gets back. */
  text: string;
  /** Which lines of which files the text showed (feeds the observation ledger). */
  observed: LineSpan[];
  truncated: boolean;
  error?: { code: ToolErrorCode; message: string };
  data?: ToolData;
  skipped?: SkipStats;
}

export function emptySkipStats(): SkipStats {
  return { ignored: 0, binary: 0, tooLarge: 0, secret: 0, unreadable: 0, outsideRoot: 0 };
}
