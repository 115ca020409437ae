import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  defaultTrajectoryDir,
  defaultTrajectoryFile,
  readTrajectory,
  TRAJECTORY_VERSION,
  type TrajectoryRecord,
  TrajectoryWriter,
} from "../../src/core/trajectory.js";

const dir = mkdtempSync(join(tmpdir(), "fc-traj-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const header: TrajectoryRecord = {
  kind: "header",
  version: TRAJECTORY_VERSION,
  fastcontext: "0.0.0",
  startedAt: "2026-01-01T00:00:00.000Z",
  query: "q",
  root: "/ws",
  policy: "model",
};

describe("trajectory", () => {
  it("writes JSONL records as they happen (mode 0600, parent dirs created) and reads them back", () => {
    const file = join(dir, "nested", "deeper", "t.jsonl");
    const writer = new TrajectoryWriter(file);
    writer.write(header);
    writer.write({ kind: "message", message: { role: "user", content: "<query>q</query>\nnon-ascii: é → ✓" } });
    // Written before close: a crashed run still leaves its trace.
    assert.equal(readTrajectory(file).length, 2);
    writer.write({ kind: "event", event: { type: "turn_start", turn: 1, at: 5 } });
    writer.close();
    writer.write({ kind: "event", event: { type: "turn_start", turn: 2, at: 6 } }); // after close: ignored
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const records = readTrajectory(file);
    assert.deepEqual(records, [
      header,
      { kind: "message", message: { role: "user", content: "<query>q</query>\nnon-ascii: é → ✓" } },
      { kind: "event", event: { type: "turn_start", turn: 1, at: 5 } },
    ]);
  });

  it("appends to an existing file instead of truncating it", () => {
    const file = join(dir, "append.jsonl");
    for (let i = 0; i < 2; i++) {
      const w = new TrajectoryWriter(file);
      w.write(header);
      w.close();
    }
    assert.equal(readTrajectory(file).length, 2);
  });

  it("skips a torn last line", () => {
    const file = join(dir, "torn.jsonl");
    const w = new TrajectoryWriter(file);
    w.write(header);
    w.close();
    appendFileSync(file, '{"kind":"event","event":{"type":"tu');
    assert.deepEqual(readTrajectory(file), [header]);
  });

  it("defaults under the XDG state directory, never the explored repository", () => {
    assert.equal(defaultTrajectoryDir({ XDG_STATE_HOME: "/state" }), "/state/fastcontext/trajectories");
    assert.match(defaultTrajectoryDir({}), /\.local\/state\/fastcontext\/trajectories$/);
    const file = defaultTrajectoryFile("/state/t", new Date("2026-03-04T05:06:07.890Z"));
    assert.equal(file, `/state/t/trajectory_2026-03-04_05-06-07_${process.pid}.jsonl`);
  });
});
