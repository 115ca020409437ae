/**
 * `fastcontext checkpoint inspect|convert-mxfp4|verify|serve`: local quantized checkpoints
 * (safetensors, no hub access). stdout carries the product (report, command, compose file);
 * progress, warnings and notes go to stderr.
 * Exit codes: 0 ok; 1 inspect found errors / verify's verdict is not ok; 2 bad arguments or a
 * checkpoint that cannot be read or converted; 130 cancelled (the output directory is removed).
 */
import type { Command } from "commander";
import { convertToMxfp4 } from "../../../checkpoint/convert.js";
import { inspectCheckpoint } from "../../../checkpoint/inspect.js";
import { renderInspect } from "../../../checkpoint/inspect-render.js";
import { SCALE_RULES, type ScaleRule } from "../../../checkpoint/mxfp4-codec.js";
import { ENGINES, type Engine, planServe, renderCommand, renderCompose } from "../../../checkpoint/serve.js";
import { serveFacts } from "../../../checkpoint/serve-facts.js";
import { renderVerify, verifyCheckpoint } from "../../../checkpoint/verify.js";
import { CancelledError, ConfigError } from "../../../util/errors.js";
import type { CliContext } from "../../../util/subcommand.js";

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${flag} expects a positive integer, got "${value}"`);
  return n;
}

function json(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

interface ConvertFlags {
  scaleRule: string;
  workers?: string;
  json?: boolean;
  progress?: boolean;
}

async function runConvert(src: string, dst: string, flags: ConvertFlags, ctx: CliContext): Promise<void> {
  if (!(SCALE_RULES as readonly string[]).includes(flags.scaleRule))
    throw new ConfigError(`--scale-rule expects ${SCALE_RULES.join(" or ")}, got "${flags.scaleRule}"`);
  const workers = positiveInt("--workers", flags.workers);
  const controller = new AbortController();
  const onSignal = () => controller.abort(new CancelledError("conversion cancelled; nothing was written"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const result = await convertToMxfp4({
      source: src,
      destination: dst,
      rule: flags.scaleRule as ScaleRule,
      ...(workers ? { workers } : {}),
      ...(flags.progress === false ? { progress: false as const } : {}),
      signal: controller.signal,
    });
    for (const warning of result.warnings) process.stderr.write(`fastcontext: warning: ${warning}\n`);
    if (flags.json) json(result);
    else
      process.stdout.write(
        `${result.destination}: ${result.quantized.length} expert tensors to MXFP4 (${result.rule}), ${result.copied} copied, ${(result.bytesIn / 1e6).toFixed(1)} MB → ${(result.bytesOut / 1e6).toFixed(1)} MB in ${result.seconds.toFixed(1)} s\n`,
      );
    ctx.setExitCode(0);
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

interface ServeFlags {
  engine: string;
  compose?: boolean;
  port?: string;
  kvCacheDtype?: string;
  maxModelLen?: string;
  servedModelName?: string;
  json?: boolean;
}

async function runServe(target: string, flags: ServeFlags, ctx: CliContext): Promise<void> {
  if (!(ENGINES as readonly string[]).includes(flags.engine))
    throw new ConfigError(`--engine expects ${ENGINES.join(", ")}, got "${flags.engine}"`);
  const port = positiveInt("--port", flags.port);
  const maxModelLen = positiveInt("--max-model-len", flags.maxModelLen);
  const facts = await serveFacts(target);
  const plan = planServe(facts, {
    engine: flags.engine as Engine,
    ...(port ? { port } : {}),
    ...(maxModelLen ? { maxModelLen } : {}),
    ...(flags.kvCacheDtype ? { kvCacheDtype: flags.kvCacheDtype } : {}),
    ...(flags.servedModelName ? { servedModelName: flags.servedModelName } : {}),
  });
  if (flags.json) json({ ...plan, command: renderCommand(plan.argv), facts });
  else if (flags.compose)
    process.stdout.write(`${renderCompose(plan, facts, port ?? Number(plan.argv[plan.argv.indexOf("--port") + 1]))}\n`);
  else process.stdout.write(`${renderCommand(plan.argv)}\n`);
  if (!flags.json) {
    for (const warning of plan.warnings) process.stderr.write(`fastcontext: warning: ${warning}\n`);
    for (const note of plan.notes) process.stderr.write(`fastcontext: note: ${note}\n`);
  }
  ctx.setExitCode(0);
}

/** Register `checkpoint` and its subcommands. */
export function registerCheckpointCommand(program: Command, ctx: CliContext): void {
  const checkpoint = program
    .command("checkpoint")
    .description("inspect, convert to MXFP4, verify and serve local quantized checkpoints (safetensors)");

  checkpoint
    .command("inspect <dir>")
    .description("architecture, parameters, size, quantization measured from the tensors, config checks against vLLM")
    .option("--json", "print the report as JSON")
    .action(async (dir: string, flags: { json?: boolean }) => {
      const report = await inspectCheckpoint(dir);
      if (flags.json) json(report);
      else process.stdout.write(`${renderInspect(report)}\n`);
      ctx.setExitCode(report.ok ? 0 : 1);
    });

  checkpoint
    .command("convert-mxfp4 <src> <dst>")
    .description("convert a BF16 gpt-oss-style checkpoint to MXFP4 (experts only); DST is complete or absent")
    .option("--scale-rule <rule>", "E8M0 scale rule: round-up (triton/gpt-oss) or ocp (OCP MX reference)", "round-up")
    .option("--workers <n>", "worker threads (default: the CPU count, at most 8)")
    .option("--no-progress", "no progress bar on stderr")
    .option("--json", "print the result as JSON")
    .action(async (src: string, dst: string, flags: ConvertFlags) => runConvert(src, dst, flags, ctx));

  checkpoint
    .command("verify <quant>")
    .description("dequantize MXFP4/NVFP4 tensors and compare with the source: relative error, SNR, verdict")
    .requiredOption("--against <src>", "the source (BF16) checkpoint")
    .option("--sample <elements>", "elements compared per tensor (default 4194304)")
    .option("--full", "compare every element")
    .option("--json", "print the report as JSON")
    .action(async (quant: string, flags: { against: string; sample?: string; full?: boolean; json?: boolean }) => {
      const sample = positiveInt("--sample", flags.sample);
      const report = await verifyCheckpoint({
        quant,
        source: flags.against,
        ...(flags.full ? { sampleElements: 0 } : sample ? { sampleElements: sample } : {}),
      });
      if (flags.json) json(report);
      else process.stdout.write(`${renderVerify(report)}\n`);
      ctx.setExitCode(report.verdict === "ok" ? 0 : 1);
    });

  checkpoint
    .command("serve <target>")
    .description("print the serve command (or a compose file) a checkpoint directory or model id needs")
    .option("--engine <engine>", "vllm, sglang or llama.cpp", "vllm")
    .option("--compose", "print a docker compose file instead of a command")
    .option("--port <n>", "port to serve on")
    .option("--kv-cache-dtype <dtype>", "KV cache dtype (default auto; quantized caches cost accuracy)")
    .option("--max-model-len <n>", "context length (default: the config's)")
    .option("--served-model-name <name>", "model id the server reports")
    .option("--json", "print the plan as JSON")
    .action(async (target: string, flags: ServeFlags) => runServe(target, flags, ctx));
}
