/**
 * The `fastcontext` command. Each subcommand lives in its own module and registers itself here;
 * this file only wires them together and turns fatal errors into exit codes.
 */
import { Command, CommanderError } from "commander";
import { causeChain, EXIT, errorMessage, FatalError, oneLine } from "../../util/errors.js";
import type { CliContext } from "../../util/subcommand.js";
import { VERSION } from "../../version.js";

type Register = (program: Command, ctx: CliContext) => void;

/**
 * Subcommands, loaded only when used: a main agent calling `fastcontext -q` over bash should not
 * pay for the MCP SDK, the TUI or the eval harness at start-up.
 */
const SUBCOMMANDS: Record<string, () => Promise<Register>> = {
  tool: async () => (await import("./commands/tool.js")).registerToolCommand,
  init: async () => (await import("./commands/init.js")).registerInitCommand,
  eval: async () => {
    const [{ registerEvalCommand }, { withBm25 }, { explorerForEval }] = await Promise.all([
      import("../../eval/command.js"),
      import("../../eval/explorers.js"),
      import("../../explore/factory.js"),
    ]);
    return (program, ctx) => registerEvalCommand(program, ctx, withBm25(explorerForEval));
  },
  replay: async () => (await import("./commands/replay.js")).registerReplayCommand,
  corpus: async () => (await import("./commands/corpus.js")).registerCorpusCommand,
  doctor: async () => (await import("./commands/doctor.js")).registerDoctorCommand,
  "bench-endpoint": async () => (await import("./commands/bench-endpoint.js")).registerBenchEndpointCommand,
  mcp: async () => (await import("./commands/mcp.js")).registerMcpCommand,
  install: async () => (await import("./commands/install.js")).registerInstallCommand,
  checkpoint: async () => (await import("./commands/checkpoint.js")).registerCheckpointCommand,
};

/** Which subcommands this command line needs: the one it names, or all of them for help. */
function neededSubcommands(argv: readonly string[]): string[] {
  const first = argv[0];
  if (first !== undefined && first in SUBCOMMANDS) return [first];
  if (first === "help" || argv.includes("--help") || argv.includes("-h")) return Object.keys(SUBCOMMANDS);
  return [];
}

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
  // The explorer is the root command; subcommands register themselves when the command line needs
  // them. A command line that names a subcommand never reaches the root's options (they are
  // positional), so the explorer's modules (config schema, model client: ≈ 60 ms) are not loaded
  // for it: `fastcontext tool Grep` is what a main agent runs over bash, once per search.
  const needed = neededSubcommands(argv);
  if (!(needed.length === 1 && argv[0] === needed[0])) {
    const { registerExploreCommand } = await import("./commands/explore.js");
    registerExploreCommand(program, ctx);
  }
  for (const name of needed) (await SUBCOMMANDS[name]!())(program, ctx);

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      return error.exitCode === 0 ? 0 : EXIT.config;
    }
    if (error instanceof FatalError) {
      process.stderr.write(`fastcontext: ${oneLine(error)}\n`);
      // The causes under the one sentence, for whoever asked for detail.
      if (argv.includes("-v") || argv.includes("--verbose"))
        for (const cause of causeChain(error)) process.stderr.write(`  caused by: ${cause}\n`);
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
