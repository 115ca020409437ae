/**
 * The conversation's first two messages as the model was trained to see them: the system prompt
 * (a Markdown template with ${OS_KIND}, ${SHELL_NAME}, ${WORK_DIR}, ${WORK_DIR_LS}) and the query
 * wrapped in <query> tags. The template is a file so users can swap in their own.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { ASSETS_DIR } from "../tools/definitions.js";
import { ConfigError } from "../util/errors.js";

export const DEFAULT_SYSTEM_PROMPT_FILE = join(ASSETS_DIR, "prompts", "system.md");
const VARIABLES = ["OS_KIND", "SHELL_NAME", "WORK_DIR", "WORK_DIR_LS"] as const;
export type PromptVariables = Record<(typeof VARIABLES)[number], string>;

/** `ls`-style listing of the root: sorted names, hidden entries left out, capped. */
export function workspaceListing(root: string, max = 200): string {
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => !n.startsWith("."));
  } catch {
    return "";
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length <= max) return names.join("\n");
  return `${names.slice(0, max).join("\n")}\n... (${names.length - max} more)`;
}

export function osKind(platform: NodeJS.Platform = process.platform): string {
  if (platform === "darwin") return "Darwin";
  if (platform === "win32") return "Windows";
  return "Linux";
}

export function shellName(env: NodeJS.ProcessEnv = process.env): string {
  const shell = env.SHELL ?? (process.platform === "win32" ? (env.ComSpec ?? "powershell.exe") : "bash");
  return basename(shell);
}

export function promptVariables(root: string): PromptVariables {
  return { OS_KIND: osKind(), SHELL_NAME: shellName(), WORK_DIR: root, WORK_DIR_LS: workspaceListing(root) };
}

/** Fill `${NAME}` placeholders; an unknown placeholder is an error (as the trained Jinja template was strict). */
export function renderTemplate(template: string, vars: PromptVariables): string {
  return template.trim().replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) => {
    if (!(VARIABLES as readonly string[]).includes(name))
      throw new ConfigError(`system prompt template uses unknown variable ${whole}; known: ${VARIABLES.join(", ")}`);
    return vars[name as keyof PromptVariables];
  });
}

export function loadSystemPrompt(root: string, file: string = DEFAULT_SYSTEM_PROMPT_FILE): string {
  let template: string;
  try {
    template = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read system prompt file ${file}`, { cause: error });
  }
  return renderTemplate(template, promptVariables(root));
}

/** The user message: `<query>…</query>` with no whitespace inside the tags, unless already wrapped. */
export function queryMessage(query: string): string {
  const q = query.trim();
  if (/^<query>[\s\S]*<\/query>$/.test(q)) return q;
  return `<query>${q}</query>`;
}
