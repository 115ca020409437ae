/**
 * ripgrep's stderr, line by line: with `--debug` it names every entry its walker skips for an
 * ignore rule ("ignoring PATH: Ignore(IgnoreMatch(Gitignore(…)))"), which is how the native listing
 * and the index-free Grep learn which entries were ignored without walking the tree themselves.
 * Everything else that is not a debug line is ripgrep's own message (errors), kept up to a cap.
 */
import { closeSync, openSync, readSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";

const IGNORED_LINE = /^rg: DEBUG\|ignore::walk\|\S+ ignoring (.+): Ignore\(IgnoreMatch\(Gitignore\(/;
const MAX_MESSAGE_CHARS = 16_384;

export class RipgrepStderr {
  /** Absolute (or as-given) paths ripgrep skipped because an ignore file matched them. */
  readonly ignored: string[] = [];
  private message = "";
  private carry = "";
  /** Error lines such as "… (os error 13)" (unreadable files and directories). */
  osErrors = 0;

  /** Feed a chunk of stderr (UTF-8 text). */
  push(chunk: string): void {
    const text = this.carry + chunk;
    const lines = text.split("\n");
    this.carry = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  /** Flush the last partial line. */
  end(): void {
    if (this.carry !== "") this.line(this.carry);
    this.carry = "";
  }

  private line(line: string): void {
    if (line.startsWith("rg: DEBUG|")) {
      const m = IGNORED_LINE.exec(line);
      if (m) this.ignored.push(m[1]!);
      return;
    }
    if (line.includes("(os error ")) this.osErrors++;
    if (this.message.length < MAX_MESSAGE_CHARS) this.message += `${line}\n`;
  }

  /** ripgrep's own messages (debug lines left out). */
  text(): string {
    return this.message + (this.carry.startsWith("rg: DEBUG|") ? "" : this.carry);
  }
}

/**
 * A place for a child's stderr that is a regular file, not a pipe. ripgrep writes every `--debug`
 * line with its own system call; through a pipe each one wakes this process (2,500 lines and
 * ≈ 150 ms on a 50k-file tree, measured in BENCHMARKS "Large repositories"), into a file they cost
 * what they cost ripgrep. The file is unlinked as soon as it is open: nothing is left behind if this
 * process dies, and it is never inside the explored repository (the system temp directory).
 * `fd` goes into `spawn`'s stdio; `drain` feeds what the child wrote into `into` once it has exited.
 */
export interface StderrFile {
  fd: number;
  drain(into: RipgrepStderr): void;
}

let serial = 0;

/** A new temporary file of this process, created exclusively ("wx": a name someone else made, or planted, is never opened). */
function createTemp(): { fd: number; path: string } | null {
  for (let attempt = 0; attempt < 3; attempt++) {
    const path = join(tmpdir(), `fc-rg-err-${process.pid}-${Date.now().toString(36)}-${serial++}`);
    try {
      return { fd: openSync(path, "wx+", 0o600), path };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") return null;
    }
  }
  return null;
}

/** A stderr file, or null when no temporary file can be made here (the caller then uses a pipe). */
export function openStderrFile(): StderrFile | null {
  const made = createTemp();
  if (!made) return null;
  try {
    unlinkSync(made.path);
  } catch {
    return stderrFile(made.fd, made.path); // removed when drained (a system that cannot unlink an open file)
  }
  return stderrFile(made.fd, undefined);
}

/**
 * A stderr file that keeps its name until `unlink` (another process opens it by name: the spawn
 * helper, src/util/lean-spawn.ts); drained as `openStderrFile`'s, and removed then at the latest.
 */
export function openNamedStderrFile(): { path: string; file: StderrFile; unlink: () => void } | null {
  const made = createTemp();
  if (!made) return null;
  return { path: made.path, file: stderrFile(made.fd, made.path), unlink: () => rmSync(made.path, { force: true }) };
}

const DRAIN_CHUNK = 1 << 20;

function stderrFile(fd: number, path: string | undefined): StderrFile {
  let drained = false;
  return {
    fd,
    drain(into) {
      if (drained) return;
      drained = true;
      try {
        const decoder = new StringDecoder("utf8");
        const buf = Buffer.allocUnsafe(DRAIN_CHUNK);
        for (let pos = 0; ; ) {
          const n = readSync(fd, buf, 0, DRAIN_CHUNK, pos);
          if (n <= 0) break;
          pos += n;
          into.push(decoder.write(buf.subarray(0, n)));
        }
        into.push(decoder.end());
      } catch {
        // An unreadable stderr file loses only the notes it held; the search's result stands.
      } finally {
        closeSync(fd);
        if (path !== undefined) rmSync(path, { force: true });
      }
      into.end();
    },
  };
}
