/** Statistics and the model-card-shaped tables. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EndpointBench, LevelResult } from "../../src/bench-endpoint/run.js";
import { spread } from "../../src/bench-endpoint/stats.js";
import { formatSpread, ratio, renderComparison, renderSingle } from "../../src/bench-endpoint/table.js";
import { parseConcurrency } from "../../src/surfaces/cli/commands/bench-endpoint.js";

function level(
  concurrency: number,
  ttft: number,
  decode: number,
  aggregate: number,
  prompt: number | null,
): LevelResult {
  const s = (v: number) => ({ median: v, min: v * 0.95, max: v * 1.05, n: 3 });
  return {
    concurrency,
    requests: 2 * concurrency * 3,
    failed: 0,
    errors: [],
    ttftMs: s(ttft),
    decodeTps: s(decode),
    aggregateTps: s(aggregate),
    promptTps: prompt === null ? null : s(prompt),
    promptTokens: 2051,
    completionTokens: 256,
    counted: "usage",
  };
}

const nvfp4: EndpointBench = {
  label: "NVFP4",
  baseUrl: "http://gpu:30000/v1",
  model: "r0b0tlab/FastContext-1.0-4B-RL-NVFP4",
  ignoreEos: true,
  levels: [level(1, 22, 66.3, 65.1, 12000), level(4, 30, 60, 230, 30000)],
};
const bf16: EndpointBench = {
  label: "BF16",
  baseUrl: "http://gpu:30001/v1",
  model: "microsoft/FastContext-1.0-4B-RL",
  ignoreEos: true,
  levels: [level(1, 43, 22.8, 22.5, 9000), level(4, 50, 21, 80, 20000)],
};

describe("spread", () => {
  it("gives the median, min and max", () => {
    assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
    assert.deepEqual(spread([4, 1, 2, 3]), { median: 2.5, min: 1, max: 4, n: 4 });
    assert.equal(spread([]), null);
    assert.deepEqual(spread([Number.NaN, 5]), { median: 5, min: 5, max: 5, n: 1 });
  });
});

describe("tables", () => {
  it("formats a median with its range", () => {
    assert.equal(formatSpread({ median: 66.25, min: 65.9, max: 66.8, n: 3 }, 1), "66.3 (65.9–66.8)");
    assert.equal(formatSpread({ median: 12345, min: 12345, max: 12345, n: 1 }), "12,345");
    assert.equal(formatSpread(null), "–");
  });

  it("states ratios the way the model cards do", () => {
    const s = (v: number) => ({ median: v, min: v, max: v, n: 1 });
    assert.equal(ratio(s(66.3), s(22.8), false), "2.91× faster");
    assert.equal(ratio(s(22), s(43), true), "1.95× faster");
    assert.equal(ratio(s(43), s(22), true), "1.95× slower");
    assert.equal(ratio(s(10), s(10), false), "same");
    assert.equal(ratio(null, s(1), false), "–");
  });

  it("renders one endpoint as a row per concurrency", () => {
    const text = renderSingle(nvfp4, 2048);
    const lines = text.split("\n");
    assert.equal(
      lines[0],
      "| concurrency | TTFT ms | decode tok/s per stream | aggregate tok/s | prompt tok/s (2,051-token prompt) | failed |",
    );
    assert.equal(lines[2], "| 1 | 22 (21–23) | 66.3 (63.0–69.6) | 65.1 (61.8–68.4) | 12,000 (11,400–12,600) | 0/6 |");
    assert.equal(lines.length, 4);
  });

  it("renders two endpoints as the model card's metric | A | B | ratio table per concurrency", () => {
    const text = renderComparison(nvfp4, bf16);
    assert.match(
      text,
      /^concurrency 1\n\n\| metric \| NVFP4 \| BF16 \| NVFP4 vs BF16 \|\n\|---\|---:\|---:\|---\|\n\| TTFT \(ms\) \| 22 \(21–23\) \| 43 \(41–45\) \| 1\.95× faster \|\n\| decode tok\/s per stream \| 66\.3 \(63\.0–69\.6\) \| 22\.8 \(21\.7–23\.9\) \| 2\.91× faster \|/,
    );
    assert.match(text, /\| aggregate tok\/s \| 230\.0 \(218\.5–241\.5\) \| 80\.0 \(76\.0–84\.0\) \| 2\.88× faster \|/);
    assert.match(text, /\| prompt tok\/s \| 30,000 \(28,500–31,500\) \| 20,000 \(19,000–21,000\) \| 1\.50× faster \|/);
    assert.equal(text.split("concurrency ").length - 1, 2);
  });

  it("parses --concurrency lists", () => {
    assert.deepEqual(parseConcurrency("1,4,16"), [1, 4, 16]);
    assert.deepEqual(parseConcurrency(" 2 , 2,8 "), [2, 8]);
    assert.throws(() => parseConcurrency("0,4"), /--concurrency expects an integer ≥ 1/);
    assert.throws(() => parseConcurrency(","), /--concurrency expects a list/);
  });
});
