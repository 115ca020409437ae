/** Reads `buf.length` bytes of an open file from offset 0 (fewer at end of file); returns how many were read. */
import { readSync } from "node:fs";

export function readFully(fd: number, buf: Buffer): number {
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, off);
    if (n <= 0) break;
    off += n;
  }
  return off;
}
