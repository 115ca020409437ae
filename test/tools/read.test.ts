import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ObservationLedger } from "../../src/contracts/observations.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

const lines = (n: number, f: (i: number) => string = (i) => `L${i}`) =>
  `${Array.from({ length: n }, (_, i) => f(i + 1)).join("\n")}\n`;

describe("Read", () => {
  let repo: TmpRepo;
  let tb: Toolbox;
  const read = async (args: Record<string, unknown>) => tb.run({ id: "r", name: "Read", arguments: args });
  const fence = (rel: string, range: string, body: string) => `\`\`\`${repo.path(rel)}:${range}\n${body}\n\`\`\``;

  before(async () => {
    repo = await tmpRepo({
      files: {
        "a.txt": "one\ntwo\nthree\n",
        "nonl.txt": "one\ntwo",
        "empty.txt": "",
        "crlf.txt": "a\r\nb\r\n",
        "bom.txt": "\ufeffhi\nthere\n",
        "bin.dat": Buffer.from([0x66, 0x6f, 0x6f, 0x00, 0x01]),
        "bad.txt": Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a]),
        "long.txt": `${"x".repeat(600)}\n${"y".repeat(500)}\n${"z".repeat(501)}`,
        "huge-line.txt": `${"w".repeat(100_000)}\nend\n`,
        "big.txt": lines(2500),
        "blank-lines.txt": "\n\n\n",
        ".env": "SECRET=hunter2\n",
        ".env.example": "SECRET=\n",
        "dir/inner.txt": "in\n",
      },
    });
    tb = new Toolbox(Workspace.openSync(repo.root));
  });
  after(() => repo.cleanup());

  it("shows the whole file in the trained format, keeping the file's final newline", async () => {
    const r = await read({ path: repo.path("a.txt") });
    assert.equal(r.text, fence("a.txt", "1-3", "1|one\n2|two\n3|three\n"));
    assert.deepEqual(r.observed, [{ path: "a.txt", start: 1, end: 3 }]);
    assert.equal(r.truncated, false);
    assert.equal((await read({ path: "nonl.txt" })).text, fence("nonl.txt", "1-2", "1|one\n2|two"));
    assert.equal((await read({ path: "blank-lines.txt" })).text, fence("blank-lines.txt", "1-3", "1|\n2|\n3|\n"));
  });

  it("reads a window with offset and limit; a negative offset counts from the end", async () => {
    assert.equal((await read({ path: "a.txt", offset: 2 })).text, fence("a.txt", "2-3", "2|two\n3|three\n"));
    assert.equal((await read({ path: "a.txt", offset: 2, limit: 1 })).text, fence("a.txt", "2-2", "2|two\n"));
    assert.equal((await read({ path: "a.txt", offset: -1 })).text, fence("a.txt", "3-3", "3|three\n"));
    assert.equal((await read({ path: "a.txt", offset: -2, limit: 1 })).text, fence("a.txt", "2-2", "2|two\n"));
    assert.equal((await read({ path: "a.txt", offset: -10 })).text, fence("a.txt", "1-3", "1|one\n2|two\n3|three\n"));
    assert.equal((await read({ path: "a.txt", offset: 0 })).text, fence("a.txt", "1-3", "1|one\n2|two\n3|three\n"));
    assert.equal((await read({ path: "nonl.txt", offset: -1 })).text, fence("nonl.txt", "2-2", "2|two"));
    assert.equal((await read({ path: "a.txt", offset: "2", limit: "1.0" })).text, fence("a.txt", "2-2", "2|two\n"));
  });

  it("takes a `path:start-end` suffix as the window when offset and limit are absent", async () => {
    const r = await read({ path: "big.txt:10-12" });
    assert.equal(r.text, fence("big.txt", "10-12", "10|L10\n11|L11\n12|L12\n"));
    assert.deepEqual(r.observed, [{ path: "big.txt", start: 10, end: 12 }]);
  });

  it("answers an empty file, an offset past the end and a bad limit with clear messages", async () => {
    const empty = await read({ path: "empty.txt" });
    assert.equal(empty.text, "File is empty.");
    assert.deepEqual(empty.observed, []);
    assert.equal(
      (await read({ path: "a.txt", offset: 10 })).text,
      `<system-reminder>Error: offset 10 is past the end of \`${repo.path("a.txt")}\` (3 lines). Use a smaller offset, or a negative one to read the end of the file.</system-reminder>`,
    );
    assert.equal(
      (await read({ path: "a.txt", limit: 0 })).text,
      "<system-reminder>Error: limit must be a positive integer.</system-reminder>",
    );
    assert.equal(
      (await read({ path: "a.txt", offset: 1.5 })).text,
      "Tool `Read` arguments are invalid: parameter `offset` must be a whole number, got 1.5.",
    );
    assert.equal((await read({})).text, "Tool `Read` arguments are invalid: the required parameter `path` is missing.");
  });

  it("strips CR of CRLF lines and a UTF-8 BOM, and replaces invalid UTF-8", async () => {
    assert.equal((await read({ path: "crlf.txt" })).text, fence("crlf.txt", "1-2", "1|a\n2|b\n"));
    assert.equal((await read({ path: "bom.txt" })).text, fence("bom.txt", "1-2", "1|hi\n2|there\n"));
    assert.equal((await read({ path: "bad.txt" })).text, fence("bad.txt", "1-1", "1|a\ufffd\ufffdb\n"));
  });

  it("cuts lines longer than 500 characters to 500 plus `...`", async () => {
    const r = await read({ path: "long.txt" });
    assert.equal(
      r.text,
      fence("long.txt", "1-3", `1|${"x".repeat(500)}...\n2|${"y".repeat(500)}\n3|${"z".repeat(500)}...`),
    );
    const huge = await read({ path: "huge-line.txt" });
    assert.equal(huge.text, fence("huge-line.txt", "1-2", `1|${"w".repeat(500)}...\n2|end\n`));
  });

  it("stops at 2000 lines with `...` and says how to read the rest; records only the shown lines", async () => {
    const ledger = new ObservationLedger();
    const [r] = await tb.runTurn([{ id: "r", name: "Read", arguments: { path: "big.txt" } }], { observations: ledger });
    const body = lines(2000, (i) => `${i}|L${i}`);
    assert.equal(
      r!.text,
      `${fence("big.txt", "1-2000", `${body}...\n`)}\n<system-reminder>Showing lines up to 2000 of 2500. To read more, call Read with path=${repo.path("big.txt")} and offset=2001 (add a limit to read a smaller range).</system-reminder>`,
    );
    assert.equal(r!.truncated, true);
    assert.deepEqual(r!.observed, [{ path: "big.txt", start: 1, end: 2000 }]);
    assert.deepEqual(ledger.observed("big.txt"), [[1, 2000]]);
    const limited = await read({ path: "big.txt", limit: 3000 });
    assert.match(limited.text, /^```.*:1-2000\n/);
    const tail = await read({ path: "big.txt", offset: 2400 });
    assert.equal(
      tail.text,
      fence(
        "big.txt",
        "2400-2500",
        lines(101, (i) => `${i + 2399}|L${i + 2399}`),
      ),
    );
    assert.equal(tail.truncated, false);
  });

  it("refuses binary files, directories, missing files and secrets without showing content", async () => {
    assert.equal(
      (await read({ path: "bin.dat" })).text,
      `<system-reminder>Error: \`${repo.path("bin.dat")}\` is a binary file (it contains NUL bytes); its content cannot be shown as text.</system-reminder>`,
    );
    assert.equal(
      (await read({ path: "dir" })).text,
      `<system-reminder>Error: \`${repo.path("dir")}\` is a directory, not a file. Use Glob with directory=${repo.path("dir")} to list its files.</system-reminder>`,
    );
    const missing = await read({ path: "dir/iner.txt" });
    assert.equal(
      missing.text,
      `<system-reminder>Error: \`dir/iner.txt\` does not exist.\nClosest existing paths:\n${repo.path("dir/inner.txt")}</system-reminder>`,
    );
    assert.equal(missing.error?.code, "not_found");
    const secret = await read({ path: ".env" });
    assert.equal(secret.error?.code, "secret");
    assert.ok(!secret.text.includes("hunter2"));
    assert.match(secret.text, /looks like a secret file/);
    assert.equal((await read({ path: ".env.example" })).text, fence(".env.example", "1-1", "1|SECRET=\n"));
  });
});
