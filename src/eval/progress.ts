/**
 * Progress of an eval run on stderr: a redrawn bar when stderr is a terminal, otherwise one plain
 * line per finished task (CI logs, files). Never writes to stdout.
 */
import type { TaskRecord } from "./results.js";

/** Receives the run's progress. */
export interface ProgressSink {
  start(total: number, skipped: number): void;
  taskDone(record: TaskRecord, done: number, total: number): void;
  end(): void;
}

/** A sink that shows nothing (`--quiet`, tests). */
export const SILENT_PROGRESS: ProgressSink = {
  start: () => undefined,
  taskDone: () => undefined,
  end: () => undefined,
};

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

/** The bar text for `done` of `total` (exported for tests). */
export function progressBar(done: number, total: number, width = 24): string {
  const frac = total === 0 ? 1 : Math.min(1, done / total);
  const full = Math.round(frac * width);
  return `[${"█".repeat(full)}${"░".repeat(width - full)}] ${done}/${total} ${String(Math.round(frac * 100)).padStart(3)}%`;
}

export interface ProgressStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

/** Progress on `stream` (stderr by default): a bar on a TTY, one line per task otherwise. */
export function createProgress(stream: ProgressStream = process.stderr, now: () => number = Date.now): ProgressSink {
  const tty = stream.isTTY === true;
  let startedAt = now();
  let errors = 0;
  let hits = 0;
  let scored = 0;
  return {
    start(total, skipped) {
      startedAt = now();
      const note = skipped > 0 ? ` (${skipped} already scored, skipped)` : "";
      stream.write(`eval: ${total} task${total === 1 ? "" : "s"} to run${note}\n`);
    },
    taskDone(record, done, total) {
      scored++;
      if (record.error) errors++;
      hits += record.scores.file_acc_at_1;
      const elapsed = now() - startedAt;
      const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
      if (tty) {
        const width = stream.columns ?? 100;
        const line = `${progressBar(done, total)} acc@1 ${Math.round((hits / scored) * 100)}% · ${errors} err · ${clock(elapsed)} elapsed · eta ${clock(eta)} · ${record.instance_id}`;
        stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, width - 1))}`);
        return;
      }
      const s = record.scores;
      const status = record.error
        ? `ERROR ${record.error.split("\n")[0]}`
        : `file@1=${s.file_acc_at_1} file@5=${s.file_acc_at_5} line_hit=${s.line_hit_edit} lines=${record.cost.cited_lines}`;
      stream.write(`[${done}/${total}] ${record.instance_id} ${status} ${record.cost.wall_s.toFixed(2)}s\n`);
    },
    end() {
      if (tty) stream.write("\n");
    },
  };
}
