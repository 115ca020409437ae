/**
 * Open a checkpoint directory: its safetensors files (one file, or the shards a
 * `model.safetensors.index.json` names), a tensor map across them, and the JSON side files that
 * decide how it is served (config, generation config, quantization config, tokenizer config).
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { CheckpointError } from "./errors.js";
import { SafetensorsFile } from "./safetensors-file.js";
import type { TensorInfo } from "./safetensors-header.js";

export const INDEX_FILE = "model.safetensors.index.json";
/** The shard naming the hub uses: `model-00001-of-00003.safetensors`. */
export const SHARD_NAME = /^(.+[_-])(\d{5})-of-(\d{5})\.safetensors$/;

/** A tensor and the file that holds it. */
export interface LocatedTensor {
  info: TensorInfo;
  file: SafetensorsFile;
}

/** An open checkpoint. Call `close()` when done. */
export interface Checkpoint {
  dir: string;
  files: SafetensorsFile[];
  tensors: Map<string, LocatedTensor>;
  /** Bytes of all safetensors files. */
  weightBytes: number;
  /** The parsed index when the checkpoint is sharded. */
  index?: { metadata: Record<string, unknown>; weightMap: Record<string, string> };
  /** JSON side files by name (absent when the file is missing). */
  json: SideFiles;
  /** Every regular file name in the directory. */
  fileNames: string[];
  close(): Promise<void>;
}

export interface SideFiles {
  config?: Record<string, unknown>;
  generationConfig?: Record<string, unknown>;
  hfQuantConfig?: Record<string, unknown>;
  tokenizerConfig?: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Read a JSON object file, or undefined when it does not exist. */
export async function readJsonFile(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CheckpointError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(`${path} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(value)) throw new CheckpointError(`${path} does not hold a JSON object`);
  return value;
}

/** Open every weight file of a checkpoint directory and build its tensor map. */
export async function openCheckpoint(dir: string): Promise<Checkpoint> {
  let names: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new CheckpointError(`${dir} is not a directory`);
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`cannot read checkpoint directory ${dir}: ${(error as NodeJS.ErrnoException).code}`);
  }
  names.sort();
  const json: SideFiles = {};
  const load = async (name: string) => (names.includes(name) ? readJsonFile(join(dir, name)) : undefined);
  const [config, generationConfig, hfQuantConfig, tokenizerConfig, indexJson] = await Promise.all([
    load("config.json"),
    load("generation_config.json"),
    load("hf_quant_config.json"),
    load("tokenizer_config.json"),
    load(INDEX_FILE),
  ]);
  if (config) json.config = config;
  if (generationConfig) json.generationConfig = generationConfig;
  if (hfQuantConfig) json.hfQuantConfig = hfQuantConfig;
  if (tokenizerConfig) json.tokenizerConfig = tokenizerConfig;

  let index: Checkpoint["index"];
  let weightNames: string[];
  if (indexJson) {
    index = parseIndex(indexJson, join(dir, INDEX_FILE));
    weightNames = [...new Set(Object.values(index.weightMap))].sort();
    for (const shard of weightNames)
      if (!names.includes(shard)) throw new CheckpointError(`${INDEX_FILE} names ${shard}, which is not in ${dir}`);
  } else {
    weightNames = names.filter((n) => n.endsWith(".safetensors"));
  }
  if (weightNames.length === 0) throw new CheckpointError(`${dir} holds no .safetensors file`);

  const files: SafetensorsFile[] = [];
  const tensors = new Map<string, LocatedTensor>();
  const closeAll = async () => {
    await Promise.all(files.map((f) => f.close()));
  };
  try {
    for (const name of weightNames) {
      const file = await SafetensorsFile.open(join(dir, name));
      files.push(file);
      for (const info of file.header.tensors) {
        const seen = tensors.get(info.name);
        if (seen) throw new CheckpointError(`tensor ${info.name} is in both ${basename(seen.file.path)} and ${name}`);
        if (index && index.weightMap[info.name] !== name)
          throw new CheckpointError(
            `${INDEX_FILE} maps ${info.name} to ${index.weightMap[info.name] ?? "nothing"}, but it is in ${name}`,
          );
        tensors.set(info.name, { info, file });
      }
    }
    if (index) {
      for (const [tensor, shard] of Object.entries(index.weightMap))
        if (!tensors.has(tensor)) throw new CheckpointError(`${INDEX_FILE} maps ${tensor} to ${shard}, which lacks it`);
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  return {
    dir,
    files,
    tensors,
    weightBytes: files.reduce((n, f) => n + f.size, 0),
    ...(index ? { index } : {}),
    json,
    fileNames: names,
    close: closeAll,
  };
}

function parseIndex(value: Record<string, unknown>, path: string): NonNullable<Checkpoint["index"]> {
  const map = value.weight_map;
  if (!isRecord(map)) throw new CheckpointError(`${path} has no weight_map object`);
  const weightMap: Record<string, string> = {};
  for (const [tensor, file] of Object.entries(map)) {
    // Shards are plain names beside the index: nothing may point outside the directory.
    if (typeof file !== "string" || file !== basename(file) || file === ".." || !file.endsWith(".safetensors"))
      throw new CheckpointError(
        `${path}: weight_map entry ${tensor} → ${JSON.stringify(file)} is not a shard file name`,
      );
    weightMap[tensor] = file;
  }
  return { metadata: isRecord(value.metadata) ? value.metadata : {}, weightMap };
}
