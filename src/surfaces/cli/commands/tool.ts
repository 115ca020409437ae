/**
 * `fastcontext tool <Read|Glob|Grep> --repo DIR --args JSON`: runs one tool exactly as the model
 * would call it and prints exactly the text the model would get back, for debugging a run.
 */
import type { Command } from "commander";
import { useDiskIndexCache } from "../../../index-cache/install.js";
import { TOOL_NAMES } from "../../../tools/definitions.js";
import { Toolbox } from "../../../tools/toolbox.js";
import { ConfigError } from "../../../util/errors.js";
import type { CliContext } from "../../../util/subcommand.js";
import { Workspace } from "../../../workspace/workspace.js";

interface ToolFlags {
  repo: string;
  args: string;
  engine?: string;
  json?: boolean;
}

export function registerToolCommand(program: Command, ctx: CliContext): void {
  program
    .command("tool")
    .description("Run one tool (Read, Glob or Grep) as the model would and print the exact text it gets back")
    .argument("<name>", `tool name: ${TOOL_NAMES.join(", ")}`)
    .option("--repo <dir>", "repository root", ".")
    .option("--args <json>", "arguments as the model sends them (a JSON object)", "{}")
    .option("--engine <engine>", "Grep engine: auto, ripgrep or fallback", "auto")
    .option("--json", "print the structured result (text, observed lines, data) as JSON")
    .action(async (name: string, flags: ToolFlags) => {
      if (!(TOOL_NAMES as readonly string[]).includes(name))
        throw new ConfigError(`unknown tool "${name}"; expected one of ${TOOL_NAMES.join(", ")}`);
      if (!["auto", "ripgrep", "fallback"].includes(flags.engine ?? "auto"))
        throw new ConfigError(`--engine must be auto, ripgrep or fallback`);
      useDiskIndexCache(); // repeated runs on one repository reuse its listing
      const ws = await Workspace.open(flags.repo);
      const toolbox = new Toolbox(ws, {
        config: { grepEngine: (flags.engine ?? "auto") as "auto" | "ripgrep" | "fallback" },
      });
      const [result] = await toolbox.runTurn([{ id: "call_cli", name, arguments: flags.args }]);
      if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`${result!.text}\n`);
      ctx.setExitCode(0);
    });
}
