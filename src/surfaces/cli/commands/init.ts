/**
 * `fastcontext init [--path P] [--force] [--user]`: writes a commented starter config.toml (the
 * project `.fastcontext/config.toml` under the working directory by default, the user one with
 * `--user`), mode 0600, never overwriting an existing file without `--force`.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { userConfigPath } from "../../../config/load.js";
import { starterConfig } from "../../../config/starter.js";
import { ConfigError } from "../../../util/errors.js";
import type { CliContext } from "../../../util/subcommand.js";

interface InitFlags {
  path?: string;
  force?: boolean;
  user?: boolean;
}

export function registerInitCommand(program: Command, ctx: CliContext): void {
  program
    .command("init")
    .description("Write a commented starter config.toml (project .fastcontext/config.toml by default)")
    .option("--path <file>", "where to write it")
    .option("--user", "write the user config ($XDG_CONFIG_HOME/fastcontext/config.toml)")
    .option("--force", "overwrite an existing file")
    .action((flags: InitFlags) => {
      if (flags.path && flags.user) throw new ConfigError("--path and --user cannot be combined");
      const file = flags.path
        ? resolve(flags.path)
        : flags.user
          ? userConfigPath(process.env)
          : join(process.cwd(), ".fastcontext", "config.toml");
      const { text, baked } = starterConfig({ includeApiKey: flags.user === true });
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      try {
        writeFileSync(file, text, { mode: 0o600, flag: flags.force ? "w" : "wx" });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST")
          throw new ConfigError(`${file} already exists; use --force to overwrite it`);
        throw new ConfigError(`cannot write ${file}: ${(error as Error).message}`, { cause: error });
      }
      // writeFileSync's mode only applies to a new file; an overwritten one gets it here.
      chmodSync(file, 0o600);
      process.stdout.write(`${file}\n`);
      process.stderr.write(`fastcontext: wrote ${file}${baked.length ? ` (from ${baked.join(", ")})` : ""}\n`);
      ctx.setExitCode(0);
    });
}
