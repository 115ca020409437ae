/**
 * The `fastcontext` command. Each subcommand lives in its own module and registers itself here;
 * this file only wires them together and turns fatal errors into exit codes.
 */
import { Command, CommanderError } from "commander";
import { EXIT, FatalError, errorMessage } from "../../util/errors.js";
import { VERSION } from "../../version.js";
import type { CliContext } from "./context.js";
import { registerToolCommand } from "./commands/tool.js";
import { registerExploreCommand } from "./commands/explore.js";
import { registerInitCommand } from "./commands/init.js";
import { registerEvalCommand } from "../../eval/command.js";
import { registerMcpCommand } from "./commands/mcp.js";
import { registerInstallCommand } from "./commands/install.js";
import { registerReplayCommand } from "./commands/replay.js";
import { registerDoctorCommand } from "./commands/doctor.js";
import { registerBenchEndpointCommand } from "./commands/bench-endpoint.js";
import { withBm25 } from "../../eval/explorers.js";
import { explorerForEval } from "../../explore/factory.js";

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name("fastcontext")
    .description("Explore a repository and return verified path:start-end citations for a question.")
    .version(VERSION, "-V, --version")
    // Subcommands own their options (`tool --repo` is not the explorer's `--repo`).
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  let exitCode = 0;
  const ctx: CliContext = {
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  // Subcommand registrations (one line each).
  registerToolCommand(program, ctx);
  registerExploreCommand(program, ctx);
  registerInitCommand(program, ctx);
  registerEvalCommand(program, ctx, withBm25(explorerForEval));
  registerReplayCommand(program, ctx);
  registerDoctorCommand(program, ctx);
  registerBenchEndpointCommand(program, ctx);
  registerMcpCommand(program, ctx);
  registerInstallCommand(program, ctx);

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      return error.exitCode === 0 ? 0 : EXIT.config;
    }
    if (error instanceof FatalError) {
      process.stderr.write(`fastcontext: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`fastcontext: internal error: ${errorMessage(error)}\n`);
    if (error instanceof Error && error.stack && process.env.FC_DEBUG) process.stderr.write(`${error.stack}\n`);
    return EXIT.internal;
  }
  return exitCode;
}

// Run when executed directly (`node --import tsx src/surfaces/cli/main.ts`); bin/fastcontext.js calls main() itself.
const isEntry = process.argv[1] !== undefined && /(?:^|[\\/])main\.(?:ts|js)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`fastcontext: ${errorMessage(error)}\n`);
      process.exitCode = 1;
    },
  );
}
