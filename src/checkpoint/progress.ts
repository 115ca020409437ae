/**
 * A progress bar on stderr for long checkpoint jobs: redrawn in place at most ten times a second
 * when stderr is a terminal, silent otherwise (logs stay clean), never on stdout.
 */

export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e3).toFixed(0)} kB`;
}

export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private readonly started = performance.now();
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly sink: ProgressSink = process.stderr,
    force = false,
  ) {
    this.enabled = force || this.sink.isTTY === true;
  }

  /** Add finished bytes. */
  advance(bytes: number): void {
    this.done += bytes;
    const now = performance.now();
    if (now - this.lastDraw >= 100 || this.done >= this.total) {
      this.lastDraw = now;
      this.draw(now);
    }
  }

  /** The line as drawn now (exported for tests through `render`). */
  render(now = performance.now()): string {
    const fraction = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const width = 30;
    const filled = Math.round(fraction * width);
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const eta = rate > 0 ? Math.max(0, (this.total - this.done) / rate) : 0;
    return `${this.label} [${"=".repeat(filled)}${" ".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${formatBytes(this.done)}/${formatBytes(this.total)} ${formatBytes(rate)}/s ETA ${eta.toFixed(0)}s`;
  }

  private draw(now: number): void {
    if (this.enabled) this.sink.write(`\r${this.render(now)}\u001b[K`);
  }

  /** End the bar's line. */
  finish(): void {
    if (this.enabled) this.sink.write(`\r${this.render()}\u001b[K\n`);
  }
}
