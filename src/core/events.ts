/**
 * The run's single event stream. Every surface (text, --json, the TUI, MCP progress, the eval,
 * trajectories) is a listener; a listener that throws is logged and never breaks the run.
 */

import { createLogger } from "../util/log.js";
import type { ExploreEvent, ToolCallRequest, ToolResult } from "./types.js";

const log = createLogger("core.events");

/** An event without its timestamp; `emit` adds it. */
export type EventInput = ExploreEvent extends infer E ? (E extends { at: number } ? Omit<E, "at"> : E) : never;

export type Emit = (event: EventInput) => void;

export function createEmitter(...listeners: Array<((event: ExploreEvent) => void) | undefined>): Emit {
  const active = listeners.filter((l): l is (event: ExploreEvent) => void => typeof l === "function");
  return (input) => {
    const event = ("at" in input ? input : { ...input, at: Date.now() }) as ExploreEvent;
    for (const listener of active) {
      try {
        listener(event);
      } catch (error) {
        log.warn("event listener failed", { type: event.type, error: String(error) });
      }
    }
  };
}

/** A short one-line preview of a tool result for displays (the model got the full text). */
export function previewText(text: string, max = 600): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

export function newRunId(): string {
  return `run_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The `tool_end` event of a call that ran (not answered from the cache): what every loop emits
 * when a tool result comes back. `estimate` counts the result's tokens as the run's counter does.
 */
export function toolEndEvent(
  turn: number,
  index: number,
  call: ToolCallRequest,
  result: ToolResult,
  ms: number,
  estimate: (text: string) => number,
): EventInput {
  return {
    type: "tool_end",
    turn,
    index,
    callId: call.id,
    name: call.name,
    ms,
    chars: result.text.length,
    tokens: estimate(result.text),
    lines: result.text.split("\n").length,
    truncated: result.truncated,
    cached: false,
    ...(result.error ? { error: result.error.message } : {}),
    preview: previewText(result.text),
  };
}
