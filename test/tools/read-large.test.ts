/**
 * Very large files are streamed, never loaded whole: a generated 260 MiB log (a realistic log) and
 * a sparse 2 GiB file (costs no disk) are read at the start, in the middle and at the end, with
 * the process's memory growth bounded far below the file sizes and the time bounded.
 */
import assert from "node:assert/strict";
import { closeSync, ftruncateSync, openSync, writeSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { shutdownFallbackPool } from "../../src/tools/grep/fallback.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

const MiB = 1024 * 1024;
const LOG_CHUNKS = 260; // 260 MiB: over the fallback engine's 256 MiB limit for a named file
const LINE_BYTES = 64;
const LINES_PER_CHUNK = MiB / LINE_BYTES;

/** 64-byte numbered lines: "log line 0000000042 .....\n". */
function writeLog(path: string): number {
  const fd = openSync(path, "w");
  try {
    const chunk = Buffer.alloc(MiB, 0x2e);
    let n = 0;
    for (let c = 0; c < LOG_CHUNKS; c++) {
      for (let i = 0; i < LINES_PER_CHUNK; i++) {
        n++;
        const off = i * LINE_BYTES;
        chunk.write(`log line ${String(n).padStart(10, "0")} `, off, "latin1");
        chunk[off + LINE_BYTES - 1] = 0x0a;
      }
      writeSync(fd, chunk);
    }
    return n;
  } finally {
    closeSync(fd);
  }
}

const line = (n: number) => `log line ${String(n).padStart(10, "0")} ${".".repeat(LINE_BYTES - 21)}`;

describe("Read on very large files", { timeout: 60_000 }, () => {
  let repo: TmpRepo;
  let tb: Toolbox;
  let total: number;
  const read = (args: Record<string, unknown>) => tb.run({ id: "r", name: "Read", arguments: args });

  before(async () => {
    repo = await tmpRepo({ files: { "small.txt": "x\n" } });
    total = writeLog(repo.path("big.log"));
    const fd = openSync(repo.path("sparse.log"), "w");
    // Text first (past the 8 KiB binary sniff), then 2 GiB of holes, then a last line.
    writeSync(fd, `${Array.from({ length: 1000 }, (_, i) => `first line ${i + 1}`).join("\n")}\n`);
    ftruncateSync(fd, 2 * 1024 * MiB);
    writeSync(fd, "\nlast line\n", 2 * 1024 * MiB - 11);
    closeSync(fd);
    tb = new Toolbox(Workspace.openSync(repo.root), { config: { toolTimeoutMs: 30_000 } });
  });
  after(async () => {
    await shutdownFallbackPool();
    repo.cleanup();
  });

  it("reads the start, a middle window and the end of a 260 MiB log with bounded memory and time", async () => {
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const started = performance.now();
    try {
      const head = await read({ path: "big.log", limit: 2 });
      assert.equal(head.text, `\`\`\`${repo.path("big.log")}:1-2\n1|${line(1)}\n2|${line(2)}\n\n\`\`\``);
      const headMs = performance.now() - started;
      assert.ok(headMs < 5000, `reading the first lines took ${headMs} ms (it must not scan the file)`);

      const mid = await read({ path: "big.log", offset: 3_000_000, limit: 1 });
      assert.equal(mid.text, `\`\`\`${repo.path("big.log")}:3000000-3000000\n3000000|${line(3_000_000)}\n\n\`\`\``);

      const tail = await read({ path: "big.log", offset: -2 });
      assert.equal(
        tail.text,
        `\`\`\`${repo.path("big.log")}:${total - 1}-${total}\n${total - 1}|${line(total - 1)}\n${total}|${line(total)}\n\n\`\`\``,
      );
      assert.deepEqual(tail.observed, [{ path: "big.log", start: total - 1, end: total }]);

      // No offset: the first 2000 lines, and the notice (the total is not counted for huge files).
      const whole = await read({ path: "big.log" });
      assert.ok(
        whole.text.endsWith(
          `2000|${line(2000)}\n...\n\n\`\`\`\n<system-reminder>Showing lines up to 2000. To read more, call Read with path=${repo.path("big.log")} and offset=2001 (add a limit to read a smaller range).</system-reminder>`,
        ),
      );
    } finally {
      clearInterval(sampler);
    }
    const ms = performance.now() - started;
    const grewMiB = (peak - rssBefore) / MiB;
    assert.ok(grewMiB < 96, `memory grew by ${grewMiB.toFixed(0)} MiB while reading a ${LOG_CHUNKS} MiB file`);
    assert.ok(ms < 20_000, `took ${ms.toFixed(0)} ms`);
  });

  it("reads both ends of a sparse 2 GiB file whose middle is one 2 GiB line", async () => {
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const head = await read({ path: "sparse.log", limit: 1 });
      assert.equal(head.text, `\`\`\`${repo.path("sparse.log")}:1-1\n1|first line 1\n\n\`\`\``);
      const tail = await read({ path: "sparse.log", offset: -1 });
      assert.equal(tail.text, `\`\`\`${repo.path("sparse.log")}:1002-1002\n1002|last line\n\n\`\`\``);
    } finally {
      clearInterval(sampler);
    }
    const grewMiB = (peak - rssBefore) / MiB;
    assert.ok(grewMiB < 96, `memory grew by ${grewMiB.toFixed(0)} MiB while reading a 2 GiB file`);
  });

  it("greps a file larger than the directory-search limit when it is named (ripgrep), and the fallback says it is too large", async () => {
    const rg = await tb.run({ id: "g", name: "Grep", arguments: { pattern: "line 0000000007 ", path: "big.log" } });
    assert.equal(rg.text, `${repo.path("big.log")}\n7:${line(7)}`);
    const fb = new Toolbox(tb.ws, { config: { grepEngine: "fallback", toolTimeoutMs: 30_000 } });
    const r = await fb.run({ id: "g", name: "Grep", arguments: { pattern: "line 0000000007 ", path: "big.log" } });
    assert.equal(
      r.text,
      `No matches found\n<system-reminder>${repo.path("big.log")} is too large for the built-in search engine; read it by ranges with Read offset and limit.</system-reminder>`,
    );
  });
});
