/**
 * Trajectories: a JSONL record of a run — a header, every event, every message appended to the
 * conversation (with reasoning and usage kept aside), and the result. Written as it happens so a
 * crashed run still leaves its trace; `fastcontext replay` reads it back. Never written inside the
 * explored repository by default (the XDG state directory is used).
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { ExploreEvent } from "./types.js";

export const TRAJECTORY_VERSION = 1;

export type TrajectoryRecord =
  | {
      kind: "header";
      version: number;
      fastcontext: string;
      startedAt: string;
      query: string;
      root: string;
      policy: string;
      model?: string;
      settings?: Record<string, unknown>;
    }
  | { kind: "event"; event: ExploreEvent }
  | { kind: "message"; message: unknown; meta?: Record<string, unknown> };

export function defaultTrajectoryDir(env: NodeJS.ProcessEnv = process.env): string {
  const state =
    env.XDG_STATE_HOME && env.XDG_STATE_HOME !== "" ? env.XDG_STATE_HOME : join(homedir(), ".local", "state");
  return join(state, "fastcontext", "trajectories");
}

export function defaultTrajectoryFile(dir = defaultTrajectoryDir(), now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, "-").replace("T", "_").slice(0, 19);
  return join(dir, `trajectory_${stamp}_${process.pid}.jsonl`);
}

export class TrajectoryWriter {
  private fd: number | null;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, "a", 0o600);
  }

  write(record: TrajectoryRecord): void {
    if (this.fd === null) return;
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Read a trajectory back; lines that are not JSON are skipped. */
export function readTrajectory(file: string): TrajectoryRecord[] {
  const out: TrajectoryRecord[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as TrajectoryRecord);
    } catch {
      // A torn last line from a crashed run: skip it.
    }
  }
  return out;
}
