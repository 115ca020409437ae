import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ObservationLedger } from "../../src/contracts/observations.js";
import { parseToolArgs } from "../../src/tools/args.js";
import { toolDefinitions } from "../../src/tools/definitions.js";
import { fairShares, Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

const defs = toolDefinitions();
const def = (name: string) => defs.find((d) => d.function.name === name)!;

describe("parseToolArgs", () => {
  it("accepts JSON text, objects, double-encoded JSON and an empty string", () => {
    assert.deepEqual(parseToolArgs(def("Read"), '{"path":"a"}'), { ok: true, args: { path: "a" }, notes: [] });
    assert.deepEqual(parseToolArgs(def("Read"), { path: "a" }), { ok: true, args: { path: "a" }, notes: [] });
    assert.deepEqual(parseToolArgs(def("Read"), JSON.stringify(JSON.stringify({ path: "a" }))), {
      ok: true,
      args: { path: "a" },
      notes: [],
    });
    assert.deepEqual(parseToolArgs(def("Glob"), ""), {
      ok: false,
      message: "Tool `Glob` arguments are invalid: the required parameter `pattern` is missing.",
    });
  });

  it("maps aliases, coerces numbers and booleans, and notes unknown parameters", () => {
    assert.deepEqual(parseToolArgs(def("Read"), { file_path: "a", start_line: "3", lines: 2.0 }), {
      ok: true,
      args: { path: "a", offset: 3, limit: 2 },
      notes: [],
    });
    assert.deepEqual(
      parseToolArgs(def("Grep"), {
        query: "x",
        include: ["*.ts", "*.js"],
        i: "true",
        C: "2",
        mode: "count",
        max_results: 5,
      }),
      {
        ok: true,
        args: { pattern: "x", glob: "{*.ts,*.js}", "-i": true, "-C": 2, output_mode: "count", head_limit: 5 },
        notes: [],
      },
    );
    assert.deepEqual(parseToolArgs(def("Glob"), { path: "/r", include: "*.md", recursive: true, x: 1 }), {
      ok: true,
      args: { directory: "/r", pattern: "*.md" },
      notes: ["ignored unknown parameters `recursive`, `x`"],
    });
    assert.deepEqual(
      parseToolArgs(def("Grep"), { pattern: "a", regex: "b" }).ok &&
        parseToolArgs(def("Grep"), { regex: "b", pattern: "a" }),
      { ok: true, args: { pattern: "a" }, notes: [] },
    );
  });

  it("explains what is wrong", () => {
    assert.deepEqual(parseToolArgs(def("Read"), "{oops"), {
      ok: false,
      message: 'Tool `Read` arguments are invalid: not valid JSON. Send a JSON object such as {"path": "..."}.',
    });
    assert.deepEqual(parseToolArgs(def("Read"), "[1]"), {
      ok: false,
      message: "Tool `Read` arguments are invalid: expected a JSON object of named parameters.",
    });
    assert.deepEqual(parseToolArgs(def("Read"), { path: "a", offset: "ten" }), {
      ok: false,
      message: 'Tool `Read` arguments are invalid: parameter `offset` must be a number, got "ten".',
    });
    assert.deepEqual(parseToolArgs(def("Grep"), { pattern: "a", "-i": "maybe" }), {
      ok: false,
      message: 'Tool `Grep` arguments are invalid: parameter `-i` must be true or false, got "maybe".',
    });
    assert.deepEqual(parseToolArgs(def("Grep"), { pattern: { nested: 1 } }), {
      ok: false,
      message: "Tool `Grep` arguments are invalid: parameter `pattern` must be a string.",
    });
  });
});

describe("fairShares", () => {
  it("gives small results all they need and splits the rest equally, never exceeding the total", () => {
    assert.deepEqual(fairShares([100, 500, 50, 1000], 900), [100, 375, 50, 375]);
    assert.deepEqual(fairShares([10, 20], 100), [10, 20]);
    assert.deepEqual(fairShares([300, 300, 300], 300), [100, 100, 100]);
    assert.deepEqual(fairShares([], 100), []);
    for (const sizes of [
      [1, 2, 3, 1000],
      [999, 999],
      [5, 5000, 7, 80, 80, 80],
    ]) {
      const shares = fairShares(sizes, 500);
      assert.ok(shares.reduce((a, b) => a + b, 0) <= 500);
      shares.forEach((s, i) => assert.ok(s <= sizes[i]!));
    }
  });
});

describe("Toolbox", () => {
  let repo: TmpRepo;
  const numbered = (n: number) =>
    `${Array.from({ length: n }, (_, i) => `line number ${i + 1} with some words`).join("\n")}\n`;

  before(async () => {
    repo = await tmpRepo({ files: { "a.txt": numbered(300), "b.txt": "short\n", "c.txt": numbered(40) } });
  });
  after(() => repo.cleanup());

  it("runs a turn's calls concurrently (bounded) and returns results in call order", async () => {
    let running = 0;
    let maxRunning = 0;
    class Probe extends Toolbox {
      override async run(...args: Parameters<Toolbox["run"]>) {
        running++;
        maxRunning = Math.max(maxRunning, running);
        try {
          return await super.run(...args);
        } finally {
          running--;
        }
      }
    }
    const tb = new Probe(Workspace.openSync(repo.root));
    const starts: number[] = [];
    const ends: number[] = [];
    const calls = Array.from({ length: 6 }, (_, i) => ({
      id: `c${i}`,
      name: i % 2 ? "Grep" : "Read",
      arguments: i % 2 ? { pattern: `number ${i}\\b`, path: "a.txt" } : { path: "b.txt" },
    }));
    const results = await tb.runTurn(calls, {
      concurrency: 3,
      onStart: (i) => starts.push(i),
      onEnd: (i) => ends.push(i),
    });
    assert.equal(results.length, 6);
    results.forEach((r, i) =>
      assert.ok(
        i % 2 ? r.text.includes(`${i}:line number ${i} with`) : r.text.includes("1|short"),
        `result ${i}: ${r.text}`,
      ),
    );
    assert.deepEqual(starts, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(ends, [0, 1, 2, 3, 4, 5]);
    assert.equal(maxRunning, 3);
  });

  it("lets the event loop turn between slow result listeners, still in call order", async () => {
    const tb = new Toolbox(Workspace.openSync(repo.root));
    const calls = Array.from({ length: 4 }, (_, i) => ({ id: `r${i}`, name: "Read", arguments: { path: "b.txt" } }));
    const ends: number[] = [];
    let timerAt: number | undefined;
    const results = await tb.runTurn(calls, {
      onEnd: (i) => {
        if (i === 0) setImmediate(() => (timerAt = ends.length));
        ends.push(i);
        // Each listener holds the loop longer than one slice (8 ms), as estimating 500 KB texts does.
        const until = performance.now() + 12;
        while (performance.now() < until);
      },
    });
    assert.equal(results.length, 4);
    assert.deepEqual(ends, [0, 1, 2, 3]);
    assert.ok(timerAt !== undefined && timerAt < 4, `the loop turned only after every listener (at ${timerAt})`);
  });

  it("answers unknown tools and bad arguments with the trained texts, never throwing", async () => {
    const tb = new Toolbox(Workspace.openSync(repo.root));
    const [unknown, badJson, unknownParam] = await tb.runTurn([
      { id: "1", name: "Bash", arguments: "{}" },
      { id: "2", name: "Read", arguments: "{bad json" },
      { id: "3", name: "Read", arguments: { file_path: "b.txt", foo: 1 } },
    ]);
    assert.equal(unknown!.text, "Tool `Bash` not found. Available tools: Read, Glob, Grep.");
    assert.equal(unknown!.error?.code, "unknown_tool");
    assert.equal(
      badJson!.text,
      'Tool `Read` arguments are invalid: not valid JSON. Send a JSON object such as {"path": "..."}.',
    );
    assert.equal(
      unknownParam!.text,
      `\`\`\`${repo.path("b.txt")}:1-1\n1|short\n\n\`\`\`\n<system-reminder>Note: ignored unknown parameter \`foo\`.</system-reminder>`,
    );
  });

  it("records in the ledger exactly the lines its results showed", async () => {
    const ws = Workspace.openSync(repo.root);
    const tb = new Toolbox(ws);
    const ledger = new ObservationLedger();
    await tb.runTurn(
      [
        { id: "1", name: "Read", arguments: { path: "c.txt", offset: 5, limit: 3 } },
        { id: "2", name: "Grep", arguments: { pattern: "number 2[0-2]\\b", path: "c.txt", "-A": 1 } },
        { id: "3", name: "Glob", arguments: { pattern: "*.txt" } },
        { id: "4", name: "Read", arguments: { path: "missing.txt" } },
      ],
      { observations: ledger },
    );
    assert.deepEqual(ledger.paths(), ["c.txt"]);
    assert.deepEqual(ledger.observed("c.txt"), [
      [5, 7],
      [20, 23],
    ]);
    assert.equal(ledger.check("c.txt", 5, 7).kind, "read");
    assert.equal(ledger.check("c.txt", 20, 23).kind, "grep");
  });

  it("fits each result into the per-result cap, cutting along lines, saying how to narrow, recording only what is shown", async () => {
    const ws = Workspace.openSync(repo.root);
    const tb = new Toolbox(ws);
    const ledger300 = new ObservationLedger();
    const [read, grep, glob] = await tb.runTurn(
      [
        { id: "1", name: "Read", arguments: { path: "a.txt" } },
        { id: "2", name: "Grep", arguments: { pattern: "line", path: "a.txt" } },
        { id: "3", name: "Glob", arguments: { pattern: "*.txt" } },
      ],
      { perResultTokens: 300, observations: ledger300 },
    );
    for (const r of [read!, grep!]) {
      assert.ok((await tb.counter.exact(r.text)) <= 300, r.text);
      assert.equal(r.truncated, true);
    }
    const shownRead = read!.observed[0]!;
    assert.equal(shownRead.start, 1);
    assert.ok(shownRead.end > 5 && shownRead.end < 300);
    assert.ok(read!.text.includes(`${shownRead.end}|line number ${shownRead.end} with some words\n`));
    assert.ok(!read!.text.includes(`${shownRead.end + 1}|`));
    assert.ok(
      read!.text.endsWith(
        `\n<system-reminder>Output truncated: it exceeded the per-result limit of 300 tokens. Showing lines up to ${shownRead.end} of 300. To read more, call Read with path=${repo.path("a.txt")} and offset=${shownRead.end + 1} (add a limit to read a smaller range).</system-reminder>`,
      ),
      read!.text,
    );
    assert.match(
      grep!.text,
      /\nResults truncated to first \d+ lines \(300 matching lines in 1 file\)\. Narrow the search with path, glob or type, or use a more specific pattern\.\n<system-reminder>Output truncated: it exceeded the per-result limit of 300 tokens\.<\/system-reminder>$/,
    );
    const shownGrep = grep!.observed[0]!;
    assert.ok(
      grep!.text.includes(`\n${shownGrep.end}:line number ${shownGrep.end} with`) &&
        !grep!.text.includes(`\n${shownGrep.end + 1}:`),
    );
    assert.equal(glob!.truncated, false);
    assert.deepEqual(ledger300.observed("a.txt"), [[1, Math.max(shownRead.end, shownGrep.end)]]);
  });

  it("shares the per-turn cap fairly: small results whole, large ones cut, each with its notice", async () => {
    const ws = Workspace.openSync(repo.root);
    const tb = new Toolbox(ws);
    const results = await tb.runTurn(
      [
        { id: "1", name: "Read", arguments: { path: "a.txt" } },
        { id: "2", name: "Read", arguments: { path: "b.txt" } },
        { id: "3", name: "Grep", arguments: { pattern: "line", path: "a.txt" } },
      ],
      { perResultTokens: 2000, perTurnTokens: 700 },
    );
    let total = 0;
    for (const r of results) total += await tb.counter.exact(r.text);
    assert.ok(total <= 700, `turn total ${total}`);
    assert.equal(results[1]!.text, `\`\`\`${repo.path("b.txt")}:1-1\n1|short\n\n\`\`\``);
    assert.equal(results[1]!.truncated, false);
    for (const i of [0, 2]) {
      assert.equal(results[i]!.truncated, true);
      assert.match(
        results[i]!.text,
        /<system-reminder>Output truncated: it exceeded the per-turn total output limit of \d+ tokens\./,
      );
      assert.ok(results[i]!.observed.length > 0, "a cut result still records the lines it shows");
    }
    // Neither large result got everything: the shares are comparable.
    const a = await tb.counter.exact(results[0]!.text);
    const c = await tb.counter.exact(results[2]!.text);
    assert.ok(Math.abs(a - c) < 120, `shares ${a} and ${c}`);
    assert.match(results[0]!.text, /To read more, call Read with path=.* and offset=\d+/);
  });

  it("shares one file index per exploration between Glob and the Grep fallback", async () => {
    await using fresh = await tmpRepo({ files: { "a.py": "foo\n" } });
    const ws = Workspace.openSync(fresh.root);
    const glob = new Toolbox(ws);
    const grep = new Toolbox(ws, { config: { grepEngine: "fallback" } });
    assert.equal((await glob.run({ id: "1", name: "Glob", arguments: { pattern: "*.py" } })).text, fresh.path("a.py"));
    const index = ws.files();
    fresh.write("b.py", "foo\n"); // after the walk: neither tool sees it, both use the same snapshot
    assert.equal((await glob.run({ id: "2", name: "Glob", arguments: { pattern: "*.py" } })).text, fresh.path("a.py"));
    assert.equal(
      (await grep.run({ id: "3", name: "Grep", arguments: { pattern: "foo" } })).text,
      `${fresh.path("a.py")}\n1:foo`,
    );
    assert.equal(ws.files(), index);
  });

  it("cuts an error text without structure at a line end", async () => {
    const tb = new Toolbox(Workspace.openSync(repo.root));
    const long = `missing-${"x".repeat(50)}.txt`;
    const [r] = await tb.runTurn([{ id: "1", name: "Read", arguments: { path: long } }], { perResultTokens: 12 });
    assert.equal(r!.truncated, true);
    assert.match(
      r!.text,
      /<system-reminder>Output truncated: it exceeded the per-result limit of 12 tokens\.<\/system-reminder>$/,
    );
    assert.deepEqual(r!.observed, []);
  });
});
