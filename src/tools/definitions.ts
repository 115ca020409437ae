/**
 * The three tool definitions exactly as the FastContext model was trained to call them: names,
 * parameter names, types and property order are protocol (the Qwen chat template serializes the
 * schema into the prompt, so order matters). Descriptions are our own words, kept in
 * assets/prompts/*.md and replaceable by the user; a snapshot test guards all of it.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const TOOL = { read: "Read", glob: "Glob", grep: "Grep" } as const;
export type ToolName = (typeof TOOL)[keyof typeof TOOL];
export const TOOL_NAMES: readonly ToolName[] = [TOOL.read, TOOL.glob, TOOL.grep];

export const ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "assets");

/** JSON Schema subset used by the tool parameters. */
export interface JsonSchemaProperty {
  type: "string" | "integer" | "number" | "boolean";
  description: string;
  enum?: string[];
  minimum?: number;
}

export interface ToolDefinition {
  type: "function";
  function: {
    name: ToolName;
    description: string;
    parameters: { type: "object"; properties: Record<string, JsonSchemaProperty>; required: string[] };
  };
}

/** Read a description file as is, minus the final newline editors add. */
export function loadDescription(file: string): string {
  return readFileSync(file, "utf8").replace(/\r?\n$/, "");
}

export interface DefinitionOptions {
  /** Directory holding read.md, glob.md, grep.md (defaults to the shipped ones). */
  descriptionsDir?: string;
  /** The default output cap for Grep, quoted in its schema text. */
  grepDefaultLimit?: number;
}

export function toolDefinitions(options: DefinitionOptions = {}): ToolDefinition[] {
  const dir = options.descriptionsDir ?? join(ASSETS_DIR, "prompts");
  const limit = options.grepDefaultLimit ?? 1000;
  return [
    {
      type: "function",
      function: {
        name: TOOL.read,
        description: loadDescription(join(dir, "read.md")),
        parameters: {
          type: "object",
          properties: {
            path: { type: "string", description: "The absolute path of the file to read." },
            offset: {
              type: "integer",
              description:
                "The line number to start reading from, counting from 1. A negative value counts back from the end of the file (-1 starts at the last line). Only provide if the file is too large to read at once.",
            },
            limit: {
              type: "integer",
              description: "The number of lines to read. Only provide if the file is too large to read at once.",
            },
          },
          required: ["path"],
        },
      },
    },
    {
      type: "function",
      function: {
        name: TOOL.glob,
        description: loadDescription(join(dir, "glob.md")),
        parameters: {
          type: "object",
          properties: {
            directory: {
              type: "string",
              description:
                "The absolute path of the directory to search in. If not provided, the current working directory will be used.",
            },
            pattern: { type: "string", description: "The glob pattern to match files or directories." },
          },
          required: ["pattern"],
        },
      },
    },
    {
      type: "function",
      function: {
        name: TOOL.grep,
        description: loadDescription(join(dir, "grep.md")),
        parameters: {
          type: "object",
          properties: {
            pattern: {
              type: "string",
              description: "Regular expression to look for in file contents (ripgrep syntax).",
            },
            path: {
              type: "string",
              description: "Absolute path of the file or directory to search. Defaults to the workspace root.",
            },
            glob: {
              type: "string",
              description: 'Only search files whose path matches this glob, e.g. "*.js" or "*.{ts,tsx}" (rg --glob).',
            },
            output_mode: {
              type: "string",
              enum: ["content", "files_with_matches", "count"],
              description:
                'What to return: "content" gives the matching lines (with -A/-B/-C context and -n line numbers), "files_with_matches" gives only the paths of matching files, "count" gives the number of matches per file. head_limit applies to all three. Defaults to "content".',
            },
            "-B": {
              type: "number",
              description: 'Lines of context to show before each match (rg -B). Only used with output_mode "content".',
            },
            "-A": {
              type: "number",
              description: 'Lines of context to show after each match (rg -A). Only used with output_mode "content".',
            },
            "-C": {
              type: "number",
              description:
                'Lines of context to show on both sides of each match (rg -C). Only used with output_mode "content".',
            },
            "-n": {
              type: "boolean",
              description:
                'Prefix each line with its line number (rg -n). Only used with output_mode "content". Defaults to true.',
            },
            "-i": { type: "boolean", description: "Ignore case when matching (rg -i)." },
            type: {
              type: "string",
              description:
                "Only search files of this ripgrep type (rg --type), e.g. js, py, rust, go, java. Faster than a glob for the standard types.",
            },
            head_limit: {
              type: "number",
              minimum: 0,
              description: `Return only the first N output lines or entries, like "| head -N", in every output mode. Without it, output is capped at the first ${limit} lines.`,
            },
            multiline: {
              type: "boolean",
              description:
                "Let patterns span lines, with . also matching newlines (rg -U --multiline-dotall). Default: false.",
            },
          },
          required: ["pattern"],
        },
      },
    },
  ];
}
