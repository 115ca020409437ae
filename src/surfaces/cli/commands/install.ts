/**
 * `fastcontext install <client> [--project|--user] [--print]`: add the fastcontext MCP server to a
 * coding agent's own configuration file (format and location per client: src/install/clients.ts),
 * merging with what is there, keeping a timestamped backup, and doing nothing when the entry is
 * already current. `--print` shows the unified diff and writes nothing. Afterwards it prints the
 * delegation note to paste into AGENTS.md / CLAUDE.md, so the main agent actually uses the tool.
 */
import { homedir } from "node:os";
import { resolve } from "node:path";
import type { Command } from "commander";
import { stringify as stringifyToml } from "smol-toml";
import { CLIENT_IDS, CLIENTS, isClientId, type Scope } from "../../../install/clients.js";
import { applyInstall, planInstall } from "../../../install/install.js";
import { MergeRefusal } from "../../../install/json-edit.js";
import {
  LAUNCHER_KINDS,
  type LauncherKind,
  launcherLine,
  NPM_PACKAGE,
  resolveLauncher,
} from "../../../install/launcher.js";
import { readSkill, skillPath } from "../../../install/notes.js";
import { ConfigError } from "../../../util/errors.js";
import { type CliContext, collect } from "../../../util/subcommand.js";

interface InstallFlags {
  project?: boolean;
  user?: boolean;
  dir?: string;
  print?: boolean;
  force?: boolean;
  name: string;
  launcher: string;
  env?: string[];
  url?: string;
  header?: string[];
  note: boolean;
}

function parsePairs(flag: string, pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new ConfigError(`${flag} expects KEY=VALUE, got "${pair}"`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** The URL of a running `fastcontext mcp --http` (its /mcp endpoint), checked. */
function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`--url expects an http(s) URL such as http://127.0.0.1:8765/mcp, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ConfigError(`--url expects an http(s) URL, got "${value}"`);
  return url.href;
}

/** The entry as the user would add it by hand (shown when a file cannot be edited safely). */
function manualSnippet(clientId: keyof typeof CLIENTS, name: string, entry: Record<string, unknown>): string {
  const spec = CLIENTS[clientId];
  if (spec.format === "toml") return stringifyToml({ [spec.section]: { [name]: entry } }).trimEnd();
  let snippet: Record<string, unknown> = { [name]: entry };
  for (const key of [...spec.path].reverse()) snippet = { [key]: snippet };
  return JSON.stringify(snippet, null, 2);
}

function runInstall(clientArg: string, flags: InstallFlags): void {
  if (!isClientId(clientArg))
    throw new ConfigError(`unknown client "${clientArg}"; expected one of: ${CLIENT_IDS.join(", ")}`);
  if (flags.project && flags.user) throw new ConfigError("--project and --user cannot be combined");
  if (!(LAUNCHER_KINDS as readonly string[]).includes(flags.launcher))
    throw new ConfigError(`--launcher expects ${LAUNCHER_KINDS.join(" or ")}, got "${flags.launcher}"`);
  if (!/^[A-Za-z0-9_-]+$/.test(flags.name))
    throw new ConfigError(`--name may use letters, digits, "_" and "-" only, got "${flags.name}"`);
  const spec = CLIENTS[clientArg];
  // Codex reads project config only for trusted projects, so its default is the user file.
  const scope: Scope = flags.user ? "user" : flags.project ? "project" : clientArg === "codex" ? "user" : "project";
  const env = parsePairs("--env", flags.env ?? []);
  const headers = parsePairs("--header", flags.header ?? []);
  const url = flags.url === undefined ? undefined : parseUrl(flags.url);
  if (url && Object.keys(env).length > 0)
    throw new ConfigError("--env sets the environment of a launched server; with --url the server is already running");
  if (!url && Object.keys(headers).length > 0) throw new ConfigError("--header needs --url");
  const launcher = resolveLauncher(flags.launcher as LauncherKind);
  // HOME first (what os.homedir() reads on POSIX, and what tests point elsewhere), then the OS answer.
  const places = {
    home: process.env.HOME || homedir(),
    project: resolve(flags.dir ?? process.cwd()),
    env: process.env,
    platform: process.platform,
  };
  const entry = { launcher, env, ...(url ? { url, headers } : {}) };

  let plan;
  try {
    plan = planInstall({
      client: clientArg,
      scope,
      name: flags.name,
      entry,
      places,
      ...(flags.force ? { force: true } : {}),
    });
  } catch (error) {
    if (!(error instanceof MergeRefusal)) throw error;
    const snippet = manualSnippet(clientArg, flags.name, spec.entry(entry));
    throw new ConfigError(`${error.message}.\nThe entry to add:\n${snippet}`);
  }
  const where = `${spec.label}, ${scope} scope`;
  if (flags.print) {
    process.stdout.write(
      plan.changed
        ? `# ${plan.file} (${where}); nothing written\n${plan.diff}`
        : `# ${plan.file} (${where}) already has this "${flags.name}" server; no change\n`,
    );
    return;
  }
  const outcome = applyInstall(plan, { secretEnv: Object.keys(env).length + Object.keys(headers).length > 0 });
  const lines: string[] = [];
  if (!outcome.changed)
    lines.push(`${outcome.file} already has this "${flags.name}" server (${where}); nothing changed.`);
  else if (outcome.oldText === null)
    lines.push(`Created ${outcome.file} with the "${flags.name}" MCP server (${where}).`);
  else lines.push(`Updated ${outcome.file} with the "${flags.name}" MCP server (${where}); backup: ${outcome.backup}.`);
  lines.push(
    url ? `Server URL: ${url} (start it with \`fastcontext mcp --http\`)` : `Launch command: ${launcherLine(launcher)}`,
  );
  if (!url && scope === "project" && flags.launcher === "node")
    lines.push(
      "Note: the command holds absolute paths of this machine; for a file shared through git, use --launcher npx.",
    );
  lines.push(`Next: ${spec.nextStep(scope)}`);
  if (flags.note) {
    lines.push(
      "",
      `Add this to ${spec.notesFile} (or AGENTS.md) so the agent delegates exploration to the tool (${skillPath("delegation")}):`,
      "",
      readSkill("delegation").trimEnd(),
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

export function registerInstallCommand(program: Command, _ctx: CliContext): void {
  program
    .command("install")
    .description(`Add the fastcontext MCP server to a coding agent's configuration (${CLIENT_IDS.join(", ")})`)
    .argument("<client>", CLIENT_IDS.join(" | "))
    .option("--project", "write the project's config file (default, except codex)")
    .option("--user", "write the user-wide config file (default for codex)")
    .option("--dir <dir>", "project directory (default: the current directory)")
    .option("--print", "show the change as a unified diff and write nothing")
    .option("--force", "rewrite a config file that has comments (JSONC) as plain JSON; the backup keeps the original")
    .option("--name <name>", "server name in the config", "fastcontext")
    .option(
      "--launcher <kind>",
      `node: this node and this package by absolute path; npx: npx -y --package ${NPM_PACKAGE} fastcontext mcp`,
      "node",
    )
    .option(
      "--env <KEY=VALUE>",
      "environment for the server, e.g. FC_BASE_URL=http://127.0.0.1:8000/v1 (repeatable)",
      collect,
    )
    .option(
      "--url <url>",
      "connect over Streamable HTTP to a running `fastcontext mcp --http` (e.g. http://127.0.0.1:8765/mcp)",
    )
    .option("--header <NAME=VALUE>", "HTTP header for --url, e.g. Authorization=Bearer <token> (repeatable)", collect)
    .option("--no-note", "do not print the delegation note")
    .action((client: string, flags: InstallFlags) => runInstall(client, flags));
}
