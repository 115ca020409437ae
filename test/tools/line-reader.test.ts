import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countLines, countLinesWithTail, isBinaryFile, readLineWindow } from "../../src/tools/support/line-reader.js";
import { tmpRepo } from "../support/tmp-repo.js";

describe("line reader", () => {
  it("counts lines like ripgrep numbers them and finds where the last ones start", async () => {
    await using repo = await tmpRepo({ files: { a: "a\nb\nc\n", b: "a\nb\nc", e: "", n: "\n", crlf: "x\r\ny\r\n" } });
    assert.equal(await countLines(repo.path("a")), 3);
    assert.equal(await countLines(repo.path("b")), 3);
    assert.equal(await countLines(repo.path("e")), 0);
    assert.equal(await countLines(repo.path("n")), 1);
    assert.equal(await countLines(repo.path("crlf")), 2);
    assert.deepEqual(await countLinesWithTail(repo.path("a"), 1), { total: 3, tail: { line: 3, byte: 4 } });
    assert.deepEqual(await countLinesWithTail(repo.path("a"), 2), { total: 3, tail: { line: 2, byte: 2 } });
    assert.deepEqual(await countLinesWithTail(repo.path("b"), 1), { total: 3, tail: { line: 3, byte: 4 } });
    assert.deepEqual(await countLinesWithTail(repo.path("a"), 10), { total: 3, tail: { line: 1, byte: 0 } });
    assert.deepEqual(await countLinesWithTail(repo.path("e"), 3), { total: 0, tail: null });
    assert.deepEqual(await countLinesWithTail(repo.path("a"), 0), { total: 3, tail: null });
  });

  it("reads a window from a known line start as from the beginning", async () => {
    const text = `${Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join("\n")}\n`;
    await using repo = await tmpRepo({ files: { f: text } });
    const size = Buffer.byteLength(text);
    const { tail } = await countLinesWithTail(repo.path("f"), 5);
    const fromTail = await readLineWindow(repo.path("f"), 46, 5, { fileSize: size, from: tail! });
    const fromStart = await readLineWindow(repo.path("f"), 46, 5, { fileSize: size });
    assert.deepEqual(fromTail, fromStart);
    assert.deepEqual(fromTail.lines, ["line 46", "line 47", "line 48", "line 49", "line 50"]);
    assert.equal(fromTail.totalLines, 50);
    assert.equal(fromTail.more, false);
    const head = await readLineWindow(repo.path("f"), 1, 2, { fileSize: size, countTotalUpTo: 0 });
    assert.deepEqual([head.lines, head.totalLines, head.more], [["line 1", "line 2"], null, true]);
  });

  it("detects binaries by a NUL in the first 8 KiB", async () => {
    await using repo = await tmpRepo({
      files: {
        bin: Buffer.from([1, 0, 2]),
        late: Buffer.concat([Buffer.alloc(9000, 0x61), Buffer.from([0])]),
        txt: "text\n",
      },
    });
    assert.equal(await isBinaryFile(repo.path("bin")), true);
    assert.equal(await isBinaryFile(repo.path("late")), false);
    assert.equal(await isBinaryFile(repo.path("txt")), false);
  });
});
