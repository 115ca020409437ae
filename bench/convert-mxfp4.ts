/**
 * Bench: `checkpoint convert-mxfp4` against an independent numpy reference
 * (bench/reference/convert_mxfp4.py) on the same synthetic BF16 gpt-oss-shaped checkpoint, run side
 * by side for each scale rule: wall time, throughput, peak RSS (GNU time), and a byte-for-byte
 * comparison of the outputs.
 *
 *   node --import tsx bench/convert-mxfp4.ts [--size-mb 400] [--workers 1,2] [--rules round-up,ocp]
 *                                            [--dir /work/data/bench] [--keep]
 *
 * Expert tensors use gpt-oss-20b's dims (hidden 2880, intermediate 2880; 4 experts per layer, so a
 * layer is ~200 MB), layers = size / 200 MB. The numpy reference runs with OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE unset (only in its own environment).
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, open, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { numberToBf16 } from "../src/checkpoint/float-formats.js";
import { layoutFile, type TensorSpec } from "../src/checkpoint/safetensors-layout.js";

interface Args {
  sizeMb: number;
  workers: number[];
  rules: string[];
  dir: string;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    sizeMb: Number(get("--size-mb") ?? 400),
    workers: (get("--workers") ?? "1,2").split(",").map(Number),
    rules: (get("--rules") ?? "round-up,ocp").split(","),
    dir: get("--dir") ?? tmpdir(),
    keep: argv.includes("--keep"),
  };
}

const HIDDEN = 2880;
const INTER = 2880;
const EXPERTS = 4;
const VOCAB = 2048;

/** Write the synthetic source: random-normal BF16 values from a 16 MiB pool read at shifting offsets. */
async function writeSource(dir: string, sizeMb: number): Promise<number> {
  await mkdir(dir, { recursive: true });
  const layerBytes = EXPERTS * HIDDEN * 2 * INTER * 2 + EXPERTS * INTER * HIDDEN * 2;
  const layers = Math.max(1, Math.round((sizeMb * 1e6) / layerBytes));
  const specs: TensorSpec[] = [{ name: "model.embed_tokens.weight", dtype: "BF16", shape: [VOCAB, HIDDEN] }];
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}`;
    specs.push({ name: `${p}.self_attn.q_proj.weight`, dtype: "BF16", shape: [512, HIDDEN] });
    specs.push({ name: `${p}.mlp.router.weight`, dtype: "BF16", shape: [EXPERTS, HIDDEN] });
    specs.push({ name: `${p}.mlp.experts.gate_up_proj`, dtype: "BF16", shape: [EXPERTS, HIDDEN, 2 * INTER] });
    specs.push({ name: `${p}.mlp.experts.gate_up_proj_bias`, dtype: "BF16", shape: [EXPERTS, 2 * INTER] });
    specs.push({ name: `${p}.mlp.experts.down_proj`, dtype: "BF16", shape: [EXPERTS, INTER, HIDDEN] });
  }
  specs.push({ name: "lm_head.weight", dtype: "BF16", shape: [VOCAB, HIDDEN] });
  const layout = layoutFile(specs, { format: "pt" });
  const poolElements = 8 * 1024 * 1024;
  const pool = new Uint16Array(poolElements);
  let s = 12345;
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  for (let i = 0; i < poolElements; i++)
    pool[i] = numberToBf16(0.02 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
  const poolBytes = new Uint8Array(pool.buffer);
  const handle = await open(join(dir, "model.safetensors"), "w");
  try {
    await handle.write(layout.header, 0, layout.header.length, 0);
    let shift = 0;
    for (const t of layout.tensors) {
      for (let at = 0; at < t.bytes; ) {
        shift = (shift + 4099 * 2) % (poolBytes.length / 2);
        const n = Math.min(t.bytes - at, poolBytes.length - shift);
        await handle.write(poolBytes, shift, n, t.offset + at);
        at += n;
      }
    }
  } finally {
    await handle.close();
  }
  await writeFile(
    join(dir, "config.json"),
    JSON.stringify({ architectures: ["GptOssForCausalLM"], model_type: "gpt_oss", num_hidden_layers: layers }),
  );
  await writeFile(join(dir, "generation_config.json"), JSON.stringify({ eos_token_id: [200002] }));
  await writeFile(join(dir, "tokenizer.json"), JSON.stringify({ added_tokens: [] }));
  return layout.size;
}

interface RunResult {
  seconds: number;
  /** User + system CPU seconds (robust to a loaded machine, unlike wall time). */
  cpuSeconds: number;
  maxRssKb: number;
}

/** Run a command under GNU time; returns wall seconds and peak RSS. */
async function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  const started = performance.now();
  const child = spawn("/usr/bin/time", ["-f", "FCBENCH %M %U %S", command, ...args], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number>((done) => child.on("close", (c) => done(c ?? 1)));
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} failed (${code}): ${stderr.slice(-2000)}`);
  const match = /FCBENCH (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
  return { seconds, cpuSeconds: Number(match?.[2] ?? 0) + Number(match?.[3] ?? 0), maxRssKb: Number(match?.[1] ?? 0) };
}

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Compare every .safetensors and index file of two output directories. */
async function identical(a: string, b: string): Promise<boolean> {
  const names = (await readdir(a)).filter((n) => n.endsWith(".safetensors") || n.endsWith(".index.json")).sort();
  const other = (await readdir(b)).filter((n) => n.endsWith(".safetensors") || n.endsWith(".index.json")).sort();
  if (names.join() !== other.join()) return false;
  for (const name of names) if ((await sha256(join(a, name))) !== (await sha256(join(b, name)))) return false;
  return true;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const root = await mkdtemp(join(resolve(args.dir), "fc-bench-mxfp4-"));
  const src = join(root, "src");
  const repo = resolve(import.meta.dirname, "..");
  try {
    const bytes = await writeSource(src, args.sizeMb);
    console.log(`synthetic BF16 checkpoint: ${(bytes / 1e6).toFixed(0)} MB in ${root}`);
    const refEnv = { ...process.env };
    delete refEnv.OPENBLAS_CORETYPE;
    delete refEnv.OPENBLAS_L2_SIZE;
    const rows: string[] = [];
    for (const rule of args.rules) {
      const refOut = join(root, `ref-${rule}`);
      const ref = await timed(
        "python3",
        [join(repo, "bench/reference/convert_mxfp4.py"), src, refOut, "--scale-rule", rule],
        refEnv,
      );
      for (const workers of args.workers) {
        const ours = join(root, `ours-${rule}-${workers}`);
        const run = await timed(
          process.execPath,
          [
            "--import",
            "tsx",
            join(repo, "src/surfaces/cli/main.ts"),
            "checkpoint",
            "convert-mxfp4",
            src,
            ours,
            "--scale-rule",
            rule,
            "--workers",
            String(workers),
            "--no-progress",
          ],
          process.env,
        );
        const same = await identical(ours, refOut);
        rows.push(
          [
            rule.padEnd(9),
            String(workers).padStart(7),
            `${run.seconds.toFixed(1)} s`.padStart(9),
            `${(bytes / 1e6 / run.seconds).toFixed(0)} MB/s`.padStart(10),
            `${ref.seconds.toFixed(1)} s`.padStart(9),
            `${(bytes / 1e6 / ref.seconds).toFixed(0)} MB/s`.padStart(10),
            `${(ref.seconds / run.seconds).toFixed(2)}×`.padStart(7),
            `${run.cpuSeconds.toFixed(1)} s`.padStart(9),
            `${ref.cpuSeconds.toFixed(1)} s`.padStart(9),
            `${(run.maxRssKb / 1024).toFixed(0)} MB`.padStart(8),
            `${(ref.maxRssKb / 1024).toFixed(0)} MB`.padStart(8),
            `${(run.maxRssKb / ref.maxRssKb).toFixed(2)}`.padStart(6),
            same ? "yes" : "NO",
          ].join("  "),
        );
        if (!args.keep) await rm(ours, { recursive: true, force: true });
      }
      if (!args.keep) await rm(refOut, { recursive: true, force: true });
    }
    console.log(
      "rule       workers       ours  ours thr.        ref   ref thr.  speed   ours CPU   ref CPU  ours RSS   ref RSS  ratio  identical",
    );
    for (const row of rows) console.log(row);
    console.log(
      "speed = reference wall time / ours (>1: we are faster); CPU = user+system seconds; ratio = our peak RSS / the reference's",
    );
  } finally {
    if (!args.keep) await rm(root, { recursive: true, force: true });
  }
}

await main();
