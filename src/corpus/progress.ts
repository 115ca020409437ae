/**
 * The index progress bar on stderr: redrawn in place on a terminal (at most 10 times a second),
 * one line per phase and per tenth of the work otherwise, so logs stay short.
 */
import type { IndexProgress } from "./indexer.js";

export function startProgressBar(stream: NodeJS.WriteStream): { update: (p: IndexProgress) => void; stop: () => void } {
  const tty = stream.isTTY === true;
  let lastDraw = 0;
  let lastKey = "";
  let drawn = false;
  const update = (p: IndexProgress) => {
    const share = p.total > 0 ? p.done / p.total : 0;
    const key = `${p.phase}:${Math.floor(share * 10)}`;
    if (tty) {
      const now = Date.now();
      if (now - lastDraw < 100 && p.done !== p.total) return;
      lastDraw = now;
      const width = 24;
      const filled = Math.round(share * width);
      const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
      const file = p.file ? ` ${p.file.slice(-40)}` : "";
      stream.write(`\r\x1b[2K${p.phase.padEnd(7)} ${bar} ${p.done}/${p.total}${file}`);
      drawn = true;
    } else if (key !== lastKey) {
      lastKey = key;
      stream.write(`${p.phase}: ${p.done}/${p.total}\n`);
    }
  };
  const stop = () => {
    if (tty && drawn) stream.write("\r\x1b[2K");
  };
  return { update, stop };
}
