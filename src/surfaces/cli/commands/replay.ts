/**
 * `fastcontext replay TRAJ.jsonl`: show a recorded run (`--traj`) in the live view, instantly or
 * paced by its timestamps (`--speed`), or as plain progress lines and the answer block (`--text`,
 * and whenever stdout is not a terminal). The replay is the product here, so it goes to stdout.
 * Exit codes: 0 shown, 2 unreadable file or no records.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { renderFinalAnswer } from "../../../core/final-answer.js";
import { readTrajectory } from "../../../core/trajectory.js";
import type { ExploreEvent, ExploreResult } from "../../../core/types.js";
import { ConfigError } from "../../../util/errors.js";
import type { CliContext } from "../../../util/subcommand.js";
import { renderAnswer } from "../../render.js";
import { startRunView } from "../../tui/live.js";
import { startPlainProgress } from "../../tui/plain.js";
import { eventsFromTrajectory, playEvents, replayClock } from "../../tui/replay.js";
import { isInteractive } from "../../tui/terminal.js";

interface ReplayFlags {
  text?: boolean;
  speed?: string;
}

function parseSpeed(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`--speed expects a positive number (1 = as recorded, 10 = ten times faster), got "${value}"`);
  return n;
}

/** Replay one trajectory file to stdout. */
export async function runReplay(file: string, flags: ReplayFlags, ctx: CliContext): Promise<void> {
  const speed = parseSpeed(flags.speed);
  if (!existsSync(file)) throw new ConfigError(`no such trajectory file: ${file}`);
  let records: unknown[];
  try {
    records = readTrajectory(file);
  } catch (error) {
    throw new ConfigError(`cannot read trajectory ${file}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const { events } = eventsFromTrajectory(records);
  if (events.length === 0) throw new ConfigError(`${file} holds no trajectory records (a header, events or messages)`);

  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  try {
    const text = flags.text === true || !isInteractive(process.stdout);
    if (text) await replayText(events, speed, controller.signal);
    else await replayLive(events, speed, controller.signal);
  } finally {
    process.removeListener("SIGINT", onSignal);
  }
  ctx.setExitCode(0);
}

async function replayLive(events: ExploreEvent[], speed: number, signal: AbortSignal): Promise<void> {
  const pace = replayClock(speed);
  const view = startRunView({ stream: process.stdout, mode: "ink", clock: pace.clock, tickMs: speed > 0 ? 250 : 1000 });
  try {
    await playEvents(
      events,
      (event) => {
        pace.mark();
        view.onEvent(event);
      },
      { speed, signal },
    );
  } finally {
    await view.stop();
  }
}

async function replayText(events: ExploreEvent[], speed: number, signal: AbortSignal): Promise<void> {
  const pace = replayClock(speed);
  let lastAt = 0;
  const progress = startPlainProgress((line) => process.stdout.write(`${line}\n`), {
    clock: () => pace.clock({ lastAt }),
  });
  let result: ExploreResult | undefined;
  try {
    await playEvents(
      events,
      (event) => {
        pace.mark();
        if ("at" in event) lastAt = Math.max(lastAt, event.at);
        if (event.type === "run_end") result = event.result;
        progress.onEvent(event);
      },
      { speed, signal },
    );
  } finally {
    progress.stop();
  }
  if (!result) return;
  // A rebuilt run with no known root keeps the paths as the model wrote them.
  const shown = result.root ? renderAnswer(result) : `${renderFinalAnswer(result.citations)}\n`;
  process.stdout.write(`\n${shown}`);
}

/** Register `replay`. */
export function registerReplayCommand(program: Command, ctx: CliContext): void {
  program
    .command("replay")
    .description("show a recorded run (a --traj JSONL file) in the live view, or as text")
    .argument("<file>", "trajectory JSONL written by --traj")
    .option("--text", "plain progress lines and the answer block (the default when stdout is not a terminal)")
    .option("--speed <x>", "pace by the recorded timestamps, x times faster (default: show at once)")
    .action(async (file: string, flags: ReplayFlags) => {
      await runReplay(file, flags, ctx);
    });
}
