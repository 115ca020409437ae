/**
 * Turns an exploration's event stream into MCP progress notifications. Many clients reset their
 * request timeout only when progress arrives, so besides one notification per interesting event
 * (throttled) a heartbeat goes out whenever nothing was sent for `heartbeatMs` — a long wait on the
 * model still produces "waiting on the model for 23 s". Sending never throws: a failed send (the
 * client went away) is ignored, cancellation arrives separately through the abort signal.
 */
import type { ExploreEvent, PolicyName } from "../../core/types.js";

/** The params of one `notifications/progress`, minus the token. */
export interface ProgressUpdate {
  /** Strictly increasing, as the protocol requires. */
  progress: number;
  message: string;
}

export interface ProgressOptions {
  /** Sends one update; rejections are swallowed. */
  send: (update: ProgressUpdate) => Promise<void>;
  /** Longest silence before a heartbeat (default 2 000 ms; the contract is "at least every 5 s"). */
  heartbeatMs?: number;
  /** Shortest gap between two event-driven updates (default 250 ms). */
  minGapMs?: number;
  now?: () => number;
}

type Phase = "starting" | "model" | "tools" | "answering";

/** Tracks what the run is doing and emits progress; call `stop()` when the run ends. */
export class ProgressReporter {
  private readonly heartbeatMs: number;
  private readonly minGapMs: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly timer: NodeJS.Timeout;
  private seq = 0;
  private lastSentAt = 0;
  private dirty = false;
  private stopped = false;
  private turn = 0;
  private maxTurns = 0;
  private phase: Phase = "starting";
  private phaseSince: number;
  private readonly running = new Map<number, string>();
  private lastTool = "";
  private fallbackTo: PolicyName | undefined;

  constructor(private readonly options: ProgressOptions) {
    this.heartbeatMs = options.heartbeatMs ?? 2000;
    this.minGapMs = options.minGapMs ?? 250;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.phaseSince = this.startedAt;
    // The tick both flushes throttled event updates and emits heartbeats.
    this.timer = setInterval(() => this.tick(), Math.max(25, Math.min(250, this.heartbeatMs / 4)));
    this.timer.unref();
    this.emit();
  }

  /** Feed one event of the run. */
  onEvent(event: ExploreEvent): void {
    switch (event.type) {
      case "run_start":
        this.maxTurns = event.maxTurns;
        break;
      case "turn_start":
        this.turn = event.turn;
        this.setPhase("starting");
        break;
      case "model_request":
        this.turn = event.turn;
        this.setPhase(event.finalTurn ? "answering" : "model");
        break;
      case "model_response":
        this.setPhase("tools");
        break;
      case "tool_start":
        this.lastTool = toolLabel(event.call.name, event.call.args);
        this.running.set(event.index, this.lastTool);
        break;
      case "tool_end":
        this.running.delete(event.index);
        break;
      case "fallback":
        // The embedded explorer carries on: its turns continue the count past the model's limit.
        this.fallbackTo = event.to;
        this.maxTurns = 0;
        this.lastTool = "";
        this.setPhase("starting");
        break;
      case "answer":
        this.setPhase("answering");
        break;
      default:
        // model_delta, budget, notices…: not worth a notification of their own.
        return;
    }
    this.dirty = true;
    if (this.now() - this.lastSentAt >= this.minGapMs) this.emit();
  }

  /** The text of the current status (exported for tests and logs). */
  describe(): string {
    const now = this.now();
    const elapsed = `${((now - this.startedAt) / 1000).toFixed(1)} s`;
    const turn = this.turn > 0 ? `turn ${this.turn}${this.maxTurns ? `/${this.maxTurns}` : ""}` : "starting";
    let doing: string;
    if (this.running.size > 0) {
      const tools = [...this.running.values()];
      doing =
        tools.length === 1
          ? `running ${tools[0]}`
          : `running ${tools.length} tools (${tools.slice(0, 3).join("; ")}${tools.length > 3 ? "; …" : ""})`;
    } else if (this.phase === "model")
      doing = `waiting on the model for ${Math.round((now - this.phaseSince) / 1000)} s${this.lastTool ? ` (last tool: ${this.lastTool})` : ""}`;
    else if (this.phase === "answering") doing = "writing the answer";
    else if (this.phase === "tools") doing = this.lastTool ? `after ${this.lastTool}` : "planning";
    else doing = "preparing";
    const via = this.fallbackTo ? ` [fallback: ${this.fallbackTo} explorer]` : "";
    return `${turn}: ${doing}${via} (${elapsed} elapsed)`;
  }

  /** Stop the heartbeat; no update is sent afterwards. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private setPhase(phase: Phase): void {
    if (phase !== this.phase) this.phaseSince = this.now();
    this.phase = phase;
  }

  private tick(): void {
    const since = this.now() - this.lastSentAt;
    if ((this.dirty && since >= this.minGapMs) || since >= this.heartbeatMs) this.emit();
  }

  private emit(): void {
    if (this.stopped) return;
    this.dirty = false;
    this.lastSentAt = this.now();
    const update = { progress: ++this.seq, message: this.describe() };
    this.options.send(update).catch(() => {
      // The client may be gone; cancellation reaches the run through its abort signal.
    });
  }
}

function toolLabel(name: string, args: Record<string, unknown> | string): string {
  if (typeof args === "string") return name;
  const key = ["pattern", "path", "file_path", "glob"].find((k) => typeof args[k] === "string");
  if (!key) return name;
  const value = String(args[key]);
  return `${name} ${value.length > 60 ? `${value.slice(0, 60)}…` : value}`;
}
