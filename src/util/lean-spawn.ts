/**
 * Child processes started from a small helper process instead of this one, once this one is large.
 *
 * Why: on Linux, libuv starts a child with fork(), which copies the page tables of the whole
 * process, on the main thread. A server holding a large tree's listing and term index (1–2 GB
 * resident) pays 35–80 ms per ripgrep it starts, with the event loop stopped (measured in
 * BENCHMARKS.md, "Starting ripgrep from a large process"); an exploration starts ten or more.
 * The helper is a bare Node process started once; it starts each child and forwards its stdout.
 *
 * Contract: `spawnLean` returns null when the helper is not worth it or not available (not Linux,
 * this process below `LEAN_SPAWN_RSS`, `FC_LEAN_SPAWN=off`, the helper gone); the caller then spawns
 * as before. A lean child looks like a ChildProcess to its reader: `stdout` (with back-pressure up
 * to the helper), `exitCode`, `killed`, `kill()`, "error" and "close" events, in that order; its
 * stderr goes into a temporary file (`errFile`, read once it has exited), never a pipe. The helper
 * dies with this process (its IPC channel closes) and kills its children then.
 */
import { type ChildProcess, type ChildProcessByStdio, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { Readable } from "node:stream";
import { openNamedStderrFile, openStderrFile, RipgrepStderr, type StderrFile } from "../workspace/rg-stderr.js";
import { createLogger } from "./log.js";

const log = createLogger("lean-spawn");

/** Resident size past which a child is started from the helper (fork costs ≈ 45 ms per GB here). */
export const LEAN_SPAWN_RSS = 256 * 1024 * 1024;

/**
 * The helper (run with `node -e`, plain JavaScript). It holds at most MAX_IN_FLIGHT unsent stdout
 * chunks of a child before it pauses it, and pauses it too when this process asks (its reader is full).
 */
const HELPER_SOURCE = `
const { spawn } = require("node:child_process");
const { openSync, closeSync } = require("node:fs");
const MAX_IN_FLIGHT = 8;
const kids = new Map();
const send = (m, done) => { try { process.send(m, undefined, undefined, done); } catch { process.exit(0); } };
process.on("message", (m) => {
  const kid = kids.get(m.id);
  if (m.t === "kill") { if (kid) kid.child.kill(m.signal); return; }
  if (m.t === "pause") { if (kid) { kid.paused = true; kid.child.stdout.pause(); } return; }
  if (m.t === "resume") { if (kid) { kid.paused = false; if (kid.inFlight < MAX_IN_FLIGHT) kid.child.stdout.resume(); } return; }
  if (m.t !== "spawn") return;
  let errFd = "ignore";
  let child;
  try {
    if (m.errPath) errFd = openSync(m.errPath, "r+");
    child = spawn(m.command, m.args, { cwd: m.cwd, stdio: ["ignore", "pipe", errFd] });
  } catch (error) {
    send({ t: "exit", id: m.id, code: null, signal: null, error: String(error) });
    return;
  } finally {
    if (typeof errFd === "number") closeSync(errFd);
  }
  const k = { child, inFlight: 0, paused: false, error: undefined };
  kids.set(m.id, k);
  send({ t: "started", id: m.id });
  child.stdout.on("data", (data) => {
    k.inFlight++;
    if (k.inFlight >= MAX_IN_FLIGHT) child.stdout.pause();
    send({ t: "out", id: m.id, data }, () => {
      k.inFlight--;
      if (k.inFlight < MAX_IN_FLIGHT && !k.paused) child.stdout.resume();
    });
  });
  child.on("error", (error) => { k.error = String(error); });
  child.on("close", (code, signal) => {
    kids.delete(m.id);
    send({ t: "exit", id: m.id, code, signal, ...(k.error ? { error: k.error } : {}) });
  });
});
process.on("disconnect", () => {
  for (const k of kids.values()) k.child.kill("SIGKILL");
  process.exit(0);
});
`;

/** A child whose stdout is piped to this process: a ChildProcess, or a LeanChild (what both offer). */
export interface PipedChild {
  readonly stdout: Readable;
  readonly stderr: Readable | null;
  readonly exitCode: number | null;
  readonly killed: boolean;
  kill(signal?: NodeJS.Signals): boolean;
  on(event: "close", listener: (code: number | null) => void): this;
  on(event: "error", listener: (error: Error) => void): this;
}

type HelperMessage =
  | { t: "started"; id: number }
  | { t: "out"; id: number; data: Uint8Array }
  | { t: "exit"; id: number; code: number | null; signal: NodeJS.Signals | null; error?: string };

/** A child started by the helper, with the part of ChildProcess's interface its readers use. */
export class LeanChild extends EventEmitter {
  readonly stdout: Readable;
  readonly stderr = null;
  exitCode: number | null = null;
  killed = false;
  private done = false;

  constructor(
    private readonly host: Helper,
    readonly id: number,
  ) {
    super();
    let paused = false;
    this.stdout = new Readable({
      read: () => {
        if (!paused) return;
        paused = false;
        host.post({ t: "resume", id });
      },
    });
    this.pauseRemote = () => {
      if (paused) return;
      paused = true;
      host.post({ t: "pause", id });
    };
  }

  private readonly pauseRemote: () => void;

  kill(signal: NodeJS.Signals = "SIGTERM"): boolean {
    if (this.done || this.killed) return false;
    this.killed = true;
    this.host.post({ t: "kill", id: this.id, signal });
    return true;
  }

  /** @internal The helper's report on this child. */
  receive(m: HelperMessage): void {
    if (m.t === "out") {
      if (!this.stdout.push(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength))) this.pauseRemote();
    } else if (m.t === "exit") this.finish(m.code, m.error);
  }

  /** @internal */
  finish(code: number | null, error?: string): void {
    if (this.done) return;
    this.done = true;
    this.stdout.push(null);
    if (error !== undefined) this.emit("error", new Error(error));
    else this.exitCode = code;
    // As a ChildProcess: "close" once stdout has ended (its reader has seen every byte), once.
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      this.emit("close", this.exitCode);
    };
    if (this.stdout.readableEnded || this.stdout.destroyed) close();
    else {
      this.stdout.once("end", close);
      this.stdout.once("close", close);
    }
  }
}

class Helper {
  private readonly process: ChildProcess;
  private readonly children = new Map<number, { child: LeanChild; onStarted: () => void }>();
  private nextId = 1;
  alive = true;

  constructor() {
    const env = { ...process.env };
    // The helper is plain JavaScript: none of this process's loaders or flags.
    delete env.NODE_OPTIONS;
    this.process = spawn(process.execPath, ["-e", HELPER_SOURCE], {
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      serialization: "advanced",
      env,
    });
    this.process.on("message", (m: HelperMessage) => {
      const entry = this.children.get(m.id);
      if (!entry) return;
      if (m.t === "started") entry.onStarted();
      else {
        if (m.t === "exit") this.forget(m.id);
        entry.child.receive(m);
      }
    });
    const die = (why: string) => {
      if (!this.alive) return;
      this.alive = false;
      log.warn("the spawn helper stopped; children are started directly from now on", { why });
      for (const [id, { child }] of this.children) {
        this.forget(id);
        child.finish(null, `the spawn helper stopped (${why})`);
      }
    };
    this.process.on("error", (error) => die(String(error)));
    this.process.on("exit", (code, signal) => die(`exit ${code ?? signal}`));
    this.idle();
  }

  post(message: Record<string, unknown>): void {
    if (!this.alive) return;
    try {
      this.process.send(message);
    } catch {
      // The channel is closing: "exit" follows and fails the children.
    }
  }

  start(command: string, args: string[], cwd: string, errPath: string, onStarted: () => void): LeanChild {
    const id = this.nextId++;
    const child = new LeanChild(this, id);
    if (this.children.size === 0) this.busy();
    this.children.set(id, { child, onStarted });
    this.post({ t: "spawn", id, command, args, cwd, errPath });
    return child;
  }

  private forget(id: number): void {
    this.children.delete(id);
    if (this.children.size === 0) this.idle();
  }

  /** While a child runs, the helper keeps this process alive (as a child of its own would). */
  private busy(): void {
    this.process.ref();
    (this.process.channel as { ref?: () => void } | undefined)?.ref?.();
  }

  private idle(): void {
    this.process.unref();
    (this.process.channel as { unref?: () => void } | undefined)?.unref?.();
  }
}

let helper: Helper | undefined;

function mode(): "on" | "off" | "auto" {
  const v = (process.env.FC_LEAN_SPAWN ?? "").toLowerCase();
  if (/^(off|0|false|no)$/.test(v)) return "off";
  if (/^(on|1|true|yes)$/.test(v)) return "on";
  return "auto";
}

/**
 * `command` started from the helper, stdout piped and stderr into `errFile`; null when it should be
 * started directly (see the module's contract). `FC_LEAN_SPAWN=on` uses the helper whatever this
 * process's size (for tests), `off` never.
 */
export function spawnLean(
  command: string,
  args: string[],
  cwd: string,
): { child: LeanChild; errFile: StderrFile } | null {
  const m = mode();
  if (m === "off" || process.platform !== "linux") return null;
  if (m === "auto" && process.memoryUsage.rss() < LEAN_SPAWN_RSS) return null;
  if (helper && !helper.alive) return null;
  const named = openNamedStderrFile();
  if (!named) return null;
  helper ??= new Helper();
  // The helper has opened the file once it reports the child started: the name can go.
  const child = helper.start(command, args, cwd, named.path, named.unlink);
  return { child, errFile: named.file };
}

/** Whether a child was started in this turn of the event loop (cleared by the next timers phase). */
let startedThisTurn = false;

/**
 * Resolves when no child has been started yet in the current turn of the event loop, and claims
 * the turn. Why: starting a child (fork and exec) holds the loop 3–15 ms; an exploration's first
 * turn starts four or more searches at once, and started back to back they held it 40–60 ms
 * (BENCHMARKS.md, "Spawns one per loop turn"). The claim is released by a timer, so between two
 * starts the loop runs its timers and I/O callbacks (a release by `setImmediate` would let the
 * next start run in the same check phase); it costs about 1 ms per child started in a burst.
 */
export async function spawnTurn(): Promise<void> {
  while (startedThisTurn) await new Promise<void>((resolve) => setImmediate(resolve));
  startedThisTurn = true;
  setTimeout(() => {
    startedThisTurn = false;
  }, 0);
}

/** `spawnPiped` once this turn of the event loop has no other child started (see `spawnTurn`). */
export async function spawnPipedInTurn(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ child: PipedChild; errFile: StderrFile | null }> {
  await spawnTurn();
  return spawnPiped(command, args, cwd);
}

/**
 * `command` with stdout piped and stderr into a file where one can be made (else a pipe): from the
 * helper when `spawnLean` says so, else directly. ripgrep's searches and listings start this way.
 */
export function spawnPiped(
  command: string,
  args: string[],
  cwd: string,
): { child: PipedChild; errFile: StderrFile | null } {
  const lean = spawnLean(command, args, cwd);
  if (lean) return lean;
  const errFile = openStderrFile();
  try {
    const child = spawn(command, args, {
      cwd,
      stdio: ["ignore", "pipe", errFile?.fd ?? "pipe"],
    }) as ChildProcessByStdio<null, Readable, Readable | null>;
    return { child, errFile };
  } catch (error) {
    errFile?.drain(new RipgrepStderr());
    throw error;
  }
}
