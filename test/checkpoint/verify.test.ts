import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { convertToMxfp4 } from "../../src/checkpoint/convert.js";
import { SafetensorsFile } from "../../src/checkpoint/safetensors-file.js";
import { verifyCheckpoint } from "../../src/checkpoint/verify.js";
import { main } from "../../src/surfaces/cli/main.js";
import {
  moeTensors,
  safetensorsBytes,
  tempDir,
  writeGptOssSideFiles,
  writeMoeCheckpoint,
  writeNvfp4Checkpoint,
} from "./fixtures.js";

async function converted(rule: "round-up" | "ocp" = "round-up") {
  const dir = await tempDir("ver");
  await writeMoeCheckpoint(join(dir, "src"));
  await convertToMxfp4({ source: join(dir, "src"), destination: join(dir, "out"), rule, progress: false });
  return dir;
}

describe("verify", () => {
  it("passes a correct MXFP4 conversion and tells which scale rule made it", async () => {
    for (const rule of ["round-up", "ocp"] as const) {
      const dir = await converted(rule);
      const r = await verifyCheckpoint({ quant: join(dir, "out"), source: join(dir, "src") });
      assert.equal(r.verdict, "ok");
      assert.equal(r.tensors.length, 4);
      for (const t of r.tensors) {
        assert.equal(t.format, "MXFP4");
        assert.equal(t.elements, t.totalElements);
        assert.ok(t.relativeError > 0.05 && t.relativeError < 0.2, `${t.tensor} rel ${t.relativeError}`);
        assert.ok(Math.abs(t.snrDb + 20 * Math.log10(t.relativeError)) < 1e-9, "SNR = −20·log10(relative error)");
        assert.equal(t.scaleRuleMatch?.[rule], 1, `every scale is the ${rule} choice`);
      }
    }
  });

  it("calls corrupted scales broken and samples whole experts within the budget", async () => {
    const dir = await converted();
    const path = join(dir, "out", "model.safetensors");
    const file = await SafetensorsFile.open(path);
    const scales = file.header.tensors.find((t) => t.name === "model.layers.0.mlp.experts.down_proj_scales")!;
    const offset = file.offsetOf(scales);
    await file.close();
    const bytes = await readFile(path);
    for (let k = offset; k < offset + scales.end - scales.begin; k++) bytes[k] = bytes[k]! + 3; // every scale ×8
    await writeFile(path, bytes);
    const r = await verifyCheckpoint({ quant: join(dir, "out"), source: join(dir, "src"), sampleElements: 1000 });
    assert.equal(r.verdict, "broken");
    assert.equal(r.worst[0], "model.layers.0.mlp.experts.down_proj");
    assert.equal(r.tensors.find((t) => t.tensor === r.worst[0])?.status, "broken");
    assert.equal(r.sampled, true);
    const one = r.tensors[0]!;
    assert.ok(one.elements < one.totalElements && one.elements > 0);
  });

  it("passes NVFP4 layers (e2m1 × e4m3 × global) and fails them against the wrong source", async () => {
    const dir = await tempDir("ver-nv");
    await writeNvfp4Checkpoint(join(dir, "q"), join(dir, "s"));
    const r = await verifyCheckpoint({ quant: join(dir, "q"), source: join(dir, "s") });
    assert.equal(r.verdict, "ok");
    assert.equal(r.tensors.length, 14);
    assert.ok(r.tensors.every((t) => t.format === "NVFP4" && t.snrDb > 15));
    // The same source with every sign flipped: same shapes, every value wrong.
    const flipped = join(dir, "flipped");
    const source = await readFile(join(dir, "s", "model.safetensors"));
    const file = await SafetensorsFile.open(join(dir, "s", "model.safetensors"));
    const start = file.header.dataStart;
    await file.close();
    for (let k = start + 1; k < source.length; k += 2) source[k] = source[k]! ^ 0x80;
    await mkdir(flipped);
    await writeFile(join(flipped, "model.safetensors"), source);
    const wrong = await verifyCheckpoint({ quant: join(dir, "q"), source: flipped });
    assert.equal(wrong.verdict, "broken");
    assert.ok(wrong.tensors.every((t) => t.relativeError > 1.5));
  });

  it("exits 1 from the command line for a broken verdict and prints JSON", async () => {
    const dir = await converted();
    const other = await tempDir("ver-other");
    // A source with the same shapes but other values (different seeds in the fixture).
    const shifted = moeTensors().map((t) => ({ ...t, data: t.data.map((b, i) => (i % 2 === 1 ? b ^ 0x80 : b)) }));
    await writeFile(join(other, "model.safetensors"), safetensorsBytes(shifted));
    await writeGptOssSideFiles(other);
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(["checkpoint", "verify", join(dir, "out"), "--against", other, "--json"]);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(code, 1);
    const report = JSON.parse(out.join("")) as { verdict: string };
    assert.equal(report.verdict, "broken");
  });
});
