/**
 * The live view of a run as an event listener: Ink on an interactive terminal, plain one-line
 * progress otherwise (piped output would still get Ink's cursor codes). It owns the view state and
 * the clock; `stop()` leaves the final frame on screen and must be awaited before anything else is
 * printed to the same terminal.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Instance, render } from "ink";
import { createElement } from "react";
import type { ExploreEvent } from "../../core/types.js";
import { startPlainProgress } from "./plain.js";
import { initialViewState, reduceView, type ViewState } from "./state.js";
import { colorEnabled, isInteractive } from "./terminal.js";
import { RunView } from "./view.js";

/** A running view: feed it events, then stop it. */
export interface RunViewHandle {
  /** "ink" on a terminal, "plain" for one-line progress. */
  readonly mode: "ink" | "plain";
  /** The event listener (never throws). */
  onEvent(event: ExploreEvent): void;
  /** Render the last frame and release the terminal. Idempotent. */
  stop(): Promise<void>;
  /** The current state (for tests and replay). */
  state(): ViewState;
}

/** Options of `startRunView`. */
export interface RunViewOptions {
  /** Where the view goes (default stderr: stdout stays the product). */
  stream?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
  /** Force a mode instead of detecting it from the stream. */
  mode?: "ink" | "plain";
  /** The view's clock; default wall time. A replay passes its recorded time. */
  clock?: (state: ViewState) => number;
  /** How often the footer ticks (ms). Default 1000. */
  tickMs?: number;
}

/** Start the view for one run. */
export function startRunView(options: RunViewOptions = {}): RunViewHandle {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const mode = options.mode ?? (isInteractive(stream, env) ? "ink" : "plain");
  return mode === "ink" ? startInk(stream, env, options) : startPlain(stream, options);
}

function startPlain(stream: NodeJS.WriteStream, options: RunViewOptions): RunViewHandle {
  let state = initialViewState();
  const progress = startPlainProgress((line) => stream.write(`${line}\n`), {
    ...(options.clock ? { clock: () => options.clock!(state) } : {}),
  });
  return {
    mode: "plain",
    onEvent: (event) => {
      state = reduceView(state, event);
      progress.onEvent(event);
    },
    stop: async () => progress.stop(),
    state: () => state,
  };
}

function startInk(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv, options: RunViewOptions): RunViewHandle {
  let state = initialViewState();
  const color = colorEnabled(stream, env);
  const clock = options.clock ?? (() => Date.now());
  const logs = captureLogs(env);
  const element = () => createElement(RunView, { state, now: clock(state), color });
  const instance: Instance = render(element(), {
    stdout: stream,
    stderr: stream,
    patchConsole: true,
    exitOnCtrlC: false,
  });
  let stopped = false;
  let pending: NodeJS.Timeout | undefined;
  const draw = () => {
    pending = undefined;
    if (!stopped) instance.rerender(element());
  };
  // Streamed deltas can arrive by the hundred per second: coalesce them; everything else draws now.
  const schedule = (urgent: boolean) => {
    if (urgent) {
      clearTimeout(pending);
      draw();
    } else pending ??= setTimeout(draw, 100);
  };
  const ticker = setInterval(draw, options.tickMs ?? 1000);
  ticker.unref();
  return {
    mode: "ink",
    onEvent: (event) => {
      state = reduceView(state, event);
      schedule(event.type !== "model_delta");
    },
    stop: async () => {
      if (stopped) return;
      clearInterval(ticker);
      clearTimeout(pending);
      instance.rerender(element());
      stopped = true;
      instance.unmount();
      await instance.waitUntilExit().catch(() => undefined);
      logs.release((text) => stream.write(text));
    },
    state: () => state,
  };
}

/**
 * While Ink owns the terminal, a stray stderr line from the logger would corrupt its redraws: send
 * log lines to a temporary file (the logger honours FC_LOG_FILE) and print them after the view.
 * A user-set FC_LOG_FILE is left alone.
 */
function captureLogs(env: NodeJS.ProcessEnv): { release(write: (text: string) => void): void } {
  if (env.FC_LOG_FILE || env !== process.env) return { release: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), "fastcontext-tui-"));
  const file = join(dir, "log.txt");
  process.env.FC_LOG_FILE = file;
  return {
    release: (write) => {
      delete process.env.FC_LOG_FILE;
      try {
        const text = readFileSync(file, "utf8");
        if (text) write(text);
      } catch {
        // Nothing was logged: the file was never created.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
