/**
 * The real binary (`node bin/fastcontext.js`) against the fake server: stdout carries only the
 * answer, and every ending has its documented exit code. The cases run concurrently (each spawn
 * pays the TypeScript loader's start-up).
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { type FakeOpenAI, hang, reply, startFakeOpenAI } from "../support/fake-openai-server.js";
import type { TmpRepo } from "../support/tmp-repo.js";
import { demoRepo, spawnCli, waitFor } from "./harness.js";

let repo: TmpRepo;
before(async () => {
  repo = await demoRepo();
});
after(() => repo.cleanup());

const P = (rel: string) => `${repo.root}/${rel}`;

async function withServer(body: (server: FakeOpenAI) => Promise<void>): Promise<void> {
  const server = await startFakeOpenAI({ models: [{ id: "fastcontext-4b", max_model_len: 32768 }] });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

const args = (server: FakeOpenAI, ...extra: string[]) => [
  "-q",
  "Where is the User model defined?",
  "--base-url",
  server.url,
  "--model",
  "fastcontext-4b",
  ...extra,
];

describe("e2e process", { concurrency: true }, () => {
  it("answered: exit 0, stdout is exactly the block, run inside the repository (no --repo)", () =>
    withServer(async (server) => {
      server.enqueue(reply().toolCall("Read", { path: P("src/app/models.py"), offset: 10, limit: 11 }));
      server.enqueue(
        reply().content(`Found it.\n<final_answer>\n${P("src/app/models.py")}:10-20 (User)\n</final_answer>`),
      );
      const run = await spawnCli(args(server, "--citation", "--verbose"), { cwd: repo.root });
      server.assertDrained();
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `<final_answer>\n${P("src/app/models.py")}:10-20 (User)\n</final_answer>\n`);
      assert.match(run.stderr, /done: answered/);
    }));

  it("partial (max turns): exit 1, the surviving citations on stdout", () =>
    withServer(async (server) => {
      server.enqueue(reply().toolCall("Read", { path: P("src/app/models.py"), offset: 10, limit: 11 }));
      server.enqueue(reply().content(`<final_answer>\n${P("src/app/models.py")}:10-20\n</final_answer>`));
      const run = await spawnCli(args(server, "--repo", repo.root, "--max-turns", "1"));
      server.assertDrained();
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stdout, `<final_answer>\n${P("src/app/models.py")}:10-20\n</final_answer>\n`);
      assert.match(run.stderr, /partial result \(max_turns\)/);
    }));

  it("no answer: exit 4, an empty block", () =>
    withServer(async (server) => {
      server.enqueue(
        reply().toolCall("Grep", { pattern: "nothing-here" }),
        reply().content("Nothing found.\n<final_answer>\n</final_answer>"),
      );
      const run = await spawnCli(args(server, "--repo", repo.root, "--citation"));
      server.assertDrained();
      assert.equal(run.code, 4, run.stderr);
      assert.equal(run.stdout, "<final_answer>\n</final_answer>\n");
    }));

  it("usage error: exit 2, stdout empty", async () => {
    const run = await spawnCli(["-q", "x", "--repo", repo.root, "--max-turns", "zero"]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /--max-turns expects a number/);
  });

  it("endpoint unreachable: exit 3, stdout empty, the reason on stderr", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as { port: number }).port; // TCP listen: AddressInfo
    await new Promise<void>((r) => probe.close(() => r()));
    const run = await spawnCli(
      ["-q", "x", "--repo", repo.root, "--base-url", `http://127.0.0.1:${port}/v1`, "--model", "m"],
      { env: { FC_MAX_RETRIES: "0" } },
    );
    assert.equal(run.code, 3, run.stderr);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /fastcontext: the model server failed: could not reach the model server; check it with/);
  });

  it("SIGINT while the model is thinking: exit 130, stdout empty, promptly", () =>
    withServer(async (server) => {
      server.enqueue(hang());
      let interruptedAt = 0;
      const run = await spawnCli(args(server, "--repo", repo.root), {
        onSpawn: (child) => {
          // Generous: six CLIs start at once, and start-up is slow on a loaded 2-core machine.
          waitFor(() => server.chatRequests().length === 1, 45_000, "the first chat request").then(
            () => {
              interruptedAt = performance.now();
              child.kill("SIGINT");
            },
            () => child.kill("SIGKILL"), // never reached the model: the exit-code assertion reports it
          );
        },
      });
      server.assertDrained();
      assert.equal(run.code, 130, run.stderr);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, /fastcontext: cancelled/);
      assert.ok(performance.now() - interruptedAt < 5000, "exits promptly after the signal");
    }));
});
