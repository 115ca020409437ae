/**
 * The one event stream of a run that more than one explorer works on (the model, then the embedded
 * explorer as its fallback). The run owns the stream's frame: exactly one `run_start` (the first
 * stage's), turns numbered across stages, and exactly one `answer` and one `run_end`, emitted when
 * the run — not a stage — has its result. Surfaces (text, --json, --stream-json, the TUI, MCP
 * progress, trajectories, eval) listen to this stream and never see a stage's own ending.
 */
import type { ExploreEvent, ExploreResult, PolicyName } from "./types.js";

type Listener = (event: ExploreEvent) => void;

/** The event with its turn moved by `offset` (events without a turn are returned as they are). */
function shiftTurn(event: ExploreEvent, offset: number): ExploreEvent {
  if (offset === 0 || !("turn" in event)) return event;
  return { ...event, turn: event.turn + offset } as ExploreEvent;
}

export class RunStream {
  private started = false;
  private ended = false;
  /** The current stage's `answer` and `run_end`, held until the run decides what its result is. */
  private held: ExploreEvent[] = [];
  /** Run events that arrived before any run_start (forwarded right after it). */
  private readonly pending: ExploreEvent[] = [];

  constructor(private readonly sink?: Listener) {}

  /**
   * The listener to hand the next stage's explorer as its `onEvent`. Its turns continue after
   * `turnsBefore`; its `run_start` is forwarded only if it is the run's first.
   */
  stage(turnsBefore = 0): Listener {
    this.held = [];
    return (event) => {
      if (this.ended) return;
      if (event.type === "run_start") {
        if (this.started) return;
        this.started = true;
        this.forward(event);
        for (const waiting of this.pending.splice(0)) this.forward(waiting);
        return;
      }
      if (event.type === "answer" || event.type === "run_end") {
        this.held.push(event);
        return;
      }
      this.forward(shiftTurn(event, turnsBefore));
    };
  }

  /** The run hands over from one policy to another (shown by every surface). */
  fallback(from: PolicyName, to: PolicyName, reason: string): void {
    if (this.ended) return;
    const event: ExploreEvent = { type: "fallback", from, to, reason, at: Date.now() };
    // The first stage failed before it started: the run starts with the next stage's run_start.
    if (this.started) this.forward(event);
    else this.pending.push(event);
  }

  /**
   * End the run with `result`: the last stage's answer is forwarded and one `run_end` carries
   * `result` (the stage's own, or the merged one). Later calls do nothing.
   */
  end(result: ExploreResult): void {
    if (this.ended) return;
    for (const event of this.held) if (event.type === "answer") this.forward(event);
    this.forward({ type: "run_end", result, at: Date.now() });
    this.ended = true;
  }

  private forward(event: ExploreEvent): void {
    try {
      this.sink?.(event);
    } catch {
      // A listener must not break the run (as with createEmitter); the event is simply not seen.
    }
  }
}
