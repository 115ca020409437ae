/**
 * The live view's fallback when the output is not a terminal: the `--verbose` one-line progress,
 * plus a heartbeat while a model request is outstanding, so a log reader can tell "slow" from
 * "stuck" without cursor codes.
 */
import type { ExploreEvent } from "../../core/types.js";
import { progressLine } from "../render.js";

/** Seconds between "still waiting" lines. */
export const HEARTBEAT_S = 15;

/** A plain progress printer. */
export interface PlainProgress {
  onEvent(event: ExploreEvent): void;
  stop(): void;
}

/** Print progress lines through `write` (one call per line, without the newline). */
export function startPlainProgress(
  write: (line: string) => void,
  options: { clock?: () => number; heartbeatS?: number } = {},
): PlainProgress {
  const clock = options.clock ?? (() => Date.now());
  const every = (options.heartbeatS ?? HEARTBEAT_S) * 1000;
  let startedAt: number | undefined;
  let waiting: { turn: number; since: number; beats: number } | undefined;
  const timer = setInterval(
    () => {
      if (!waiting || startedAt === undefined) return;
      const waited = clock() - waiting.since;
      if (waited < every * (waiting.beats + 1)) return;
      waiting.beats = Math.floor(waited / every);
      const t = ((clock() - startedAt) / 1000).toFixed(1);
      write(`[${t}s] turn ${waiting.turn}: still waiting on the model (${Math.floor(waited / 1000)} s)`);
    },
    Math.min(1000, every),
  );
  timer.unref();
  return {
    onEvent: (event) => {
      if (startedAt === undefined) startedAt = "at" in event ? event.at : clock();
      if (event.type === "model_request") waiting = { turn: event.turn, since: event.at, beats: 0 };
      else if (event.type === "model_response" || event.type === "run_end") waiting = undefined;
      const line = progressLine(event, startedAt);
      if (line) write(line);
    },
    stop: () => clearInterval(timer),
  };
}
