import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ObservationLedger } from "../../src/contracts/observations.js";
import { correctionMessage, type ValidationOptions, validateCitations } from "../../src/core/citations.js";
import { parseFinalAnswer } from "../../src/core/final-answer.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

const lines = (n: number) => `${Array.from({ length: n }, (_, i) => `line ${i + 1}`).join("\n")}\n`;

let repo: TmpRepo;
before(async () => {
  repo = await tmpRepo({
    git: true,
    files: {
      "src/a.py": lines(100),
      "src/b.py": lines(10),
      "src/c.py": lines(5),
      ".env": "KEY=1\n",
      "src/empty.txt": "",
    },
  });
});
after(() => repo.cleanup());

/** A run's ledger that saw a.py 10-30 (Read) and 50 (Grep), and b.py 1-10 (Read). */
function seen(): ObservationLedger {
  const ledger = new ObservationLedger();
  ledger.record({ path: "src/a.py", start: 10, end: 30 }, "read");
  ledger.record({ path: "src/a.py", start: 50, end: 50 }, "grep");
  ledger.record({ path: "src/b.py", start: 1, end: 10 }, "read");
  return ledger;
}

const OPTS: Omit<ValidationOptions, "ledger"> = { maxCitations: 25, requireObserved: true };

async function validate(block: string, options: Partial<ValidationOptions> = {}) {
  const ws = await Workspace.open(repo.root);
  return validateCitations(ws, parseFinalAnswer(`<final_answer>\n${block}\n</final_answer>`).citations, {
    ...OPTS,
    ledger: seen(),
    ...options,
  });
}

const spans = (cs: Array<{ path: string; start: number; end: number }>) =>
  cs.map((c) => `${c.path}:${c.start}-${c.end}`);

describe("validateCitations", () => {
  it("keeps a fully seen range, relative path, verified by the kind of tool that showed it", async () => {
    const r = await validate(`${repo.root}/src/a.py:12-20 (core)\n${repo.root}/src/a.py:50`);
    assert.deepEqual(r.citations, [
      { path: "src/a.py", start: 12, end: 20, verified: true, verification: "read", reason: "core" },
      { path: "src/a.py", start: 50, end: 50, verified: true, verification: "grep" },
    ]);
    assert.deepEqual(r.dropped, []);
    assert.deepEqual(r.unseen, []);
  });

  it("drops a missing file with its reason", async () => {
    const r = await validate(`${repo.root}/src/nope.py:1-2`);
    assert.deepEqual(r.citations, []);
    assert.equal(r.dropped.length, 1);
    assert.match(r.dropped[0]!.reason, /does not exist/);
  });

  it("drops a secret file even when it exists", async () => {
    const r = await validate(`${repo.root}/.env:1`);
    assert.deepEqual(r.citations, []);
    assert.deepEqual(r.dropped, [{ path: ".env", start: 1, end: 1, reason: "secret file" }]);
  });

  it("clamps a range past the end of the file, drops one that starts past it", async () => {
    const r = await validate(`src/b.py:5-40\nsrc/b.py:20-30\nsrc/empty.txt:1-3`);
    assert.deepEqual(spans(r.citations), ["src/b.py:5-10"]);
    assert.deepEqual(
      r.dropped.map((d) => d.reason),
      ["beyond the end of the file (10 lines)", "beyond the end of the file (0 lines)"],
    );
  });

  it("trims a partly seen range to the lines that were seen", async () => {
    const r = await validate(`src/a.py:25-40 (partly seen)`);
    assert.deepEqual(r.citations, [
      { path: "src/a.py", start: 25, end: 30, verified: true, verification: "trimmed", reason: "partly seen" },
    ]);
  });

  it("a coverage threshold turns a mostly unseen range into an unseen one (for a correction turn)", async () => {
    const mostlyUnseen = await validate(`src/a.py:25-40`, { minCoverageToTrim: 0.5 }); // 6 of 16 lines seen
    assert.deepEqual(mostlyUnseen.citations, []);
    assert.deepEqual(spans(mostlyUnseen.unseen), ["src/a.py:25-40"]);
    const mostlySeen = await validate(`src/a.py:5-30`, { minCoverageToTrim: 0.5 }); // 21 of 26
    assert.deepEqual(spans(mostlySeen.citations), ["src/a.py:10-30"]);
    assert.equal(mostlySeen.citations[0]!.verification, "trimmed");
  });

  it("never-seen ranges are set aside as unseen, or kept unverified when observation is not required", async () => {
    const strict = await validate(`src/a.py:60-70`);
    assert.deepEqual(strict.citations, []);
    assert.deepEqual(spans(strict.unseen), ["src/a.py:60-70"]);
    const lax = await validate(`src/a.py:60-70`, { requireObserved: false });
    assert.deepEqual(lax.citations, [
      { path: "src/a.py", start: 60, end: 70, verified: false, verification: "unverified" },
    ]);
  });

  it("merges duplicates and overlaps into the first one's place", async () => {
    const r = await validate(
      `src/b.py:1-3\nsrc/a.py:10-20 (first)\nsrc/a.py:15-30 (second)\nsrc/b.py:1-3\nsrc/a.py:21-25`,
    );
    assert.deepEqual(spans(r.citations), ["src/b.py:1-3", "src/a.py:10-30"]);
    assert.equal(r.citations[1]!.reason, "first");
  });

  it("a merge with a trimmed part is only as verified as its weakest part", async () => {
    const r = await validate(`src/a.py:10-20\nsrc/a.py:15-35`);
    assert.deepEqual(spans(r.citations), ["src/a.py:10-30"]);
    assert.equal(r.citations[0]!.verification, "trimmed");
  });

  it("keeps the model's order (its rank)", async () => {
    const r = await validate(`src/b.py:2-3\nsrc/a.py:50\nsrc/a.py:11-12`);
    assert.deepEqual(spans(r.citations), ["src/b.py:2-3", "src/a.py:50-50", "src/a.py:11-12"]);
  });

  it("caps the count and reports what the cap cut", async () => {
    const r = await validate(`src/b.py:2\nsrc/a.py:50\nsrc/a.py:11-12\nsrc/b.py:8`, { maxCitations: 2 });
    assert.deepEqual(spans(r.citations), ["src/b.py:2-2", "src/a.py:50-50"]);
    assert.deepEqual(
      r.dropped.map((d) => `${d.path}:${d.start}-${d.end} ${d.reason}`),
      ["src/a.py:11-12 over the cap of 2 citations", "src/b.py:8-8 over the cap of 2 citations"],
    );
    const unlimited = await validate(`src/b.py:2\nsrc/a.py:50\nsrc/a.py:11-12\nsrc/b.py:8`, { maxCitations: 0 });
    assert.equal(unlimited.citations.length, 4);
  });

  it("a bare path cites the spans that were observed; an unobserved bare path is unseen", async () => {
    const r = await validate(`${repo.root}/src/a.py (the module)\nsrc/c.py`);
    assert.deepEqual(spans(r.citations), ["src/a.py:10-30", "src/a.py:50-50"]);
    assert.equal(r.citations[0]!.reason, "the module");
    assert.deepEqual(spans(r.unseen), ["src/c.py:1-5"]);
  });

  it("repairs mangled paths: /repo, /workspace, the repo name repeated, a missing leading segment", async () => {
    const name = repo.root.split("/").pop()!;
    const r = await validate(
      [
        `/repo/src/a.py:11`,
        `/workspace/src/a.py:12`,
        `/${name}/src/a.py:13`,
        `a.py:14`,
        `/testbed/${name}/src/b.py:3`,
      ].join("\n"),
    );
    assert.deepEqual(spans(r.citations), ["src/a.py:11-14", "src/b.py:3-3"]);
  });

  it("never lets a path outside the workspace through", async () => {
    const r = await validate(`/etc/passwd:1-2\n../outside.py:1`);
    assert.deepEqual(r.citations, []);
    assert.equal(r.dropped.length, 2);
  });
});

describe("correctionMessage", () => {
  it("lists each unseen range with its absolute path and warns they will be removed", async () => {
    const ws = await Workspace.open(repo.root);
    const text = correctionMessage(ws, [{ path: "src/a.py", start: 60, end: 70 }]);
    assert.match(text, new RegExp(`^- ${repo.root}/src/a\\.py:60-70$`, "m"));
    assert.match(text, /will be removed/);
    assert.match(text, /<final_answer>/);
  });
});
