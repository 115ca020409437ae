/**
 * Parse and validate a safetensors JSON header (pure; no I/O). The rules are the Rust crate's:
 * known dtypes, shapes of non-negative integers, `data_offsets` whose span equals shape × dtype
 * size, tensors contiguous and non-overlapping, covering the byte buffer exactly, and an optional
 * `__metadata__` map of strings.
 */
import { byteSize, type Dtype, parseDtype } from "./dtypes.js";
import { CheckpointError } from "./errors.js";

/** The crate's `MAX_HEADER_SIZE`. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor of a file; offsets are relative to the start of the byte buffer. */
export interface TensorInfo {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** Number of elements (product of the shape; 1 for a scalar). */
  elements: number;
  begin: number;
  end: number;
}

/** A validated header. */
export interface SafetensorsHeader {
  /** N, the JSON length in bytes. */
  headerBytes: number;
  /** Absolute file offset of the byte buffer: 8 + N. */
  dataStart: number;
  /** Length of the byte buffer. */
  dataBytes: number;
  /** Tensors by increasing offset. */
  tensors: TensorInfo[];
  metadata: Record<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Validate header JSON text for a file whose byte buffer is `dataBytes` long. `label` names the
 * file in error messages.
 */
export function parseHeader(text: string, headerBytes: number, dataBytes: number, label: string): SafetensorsHeader {
  const fail = (why: string): never => {
    throw new CheckpointError(`${label}: invalid safetensors header: ${why}`);
  };
  if (!text.startsWith("{")) fail("the JSON header does not start with '{'");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail(`the header is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(json)) fail("the header is not a JSON object");
  const header = json as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  const tensors: TensorInfo[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (!isRecord(entry)) fail("__metadata__ is not an object");
      for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof value !== "string") fail(`__metadata__.${key} is not a string`);
        metadata[key] = value as string;
      }
      continue;
    }
    tensors.push(parseEntry(name, entry, fail));
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const t of tensors) {
    if (t.begin < cursor)
      fail(`tensor ${t.name} [${t.begin}, ${t.end}) overlaps the previous tensor (ends at ${cursor})`);
    if (t.begin > cursor)
      fail(`a gap of ${t.begin - cursor} bytes before tensor ${t.name} (offsets must be contiguous)`);
    cursor = t.end;
  }
  if (cursor !== dataBytes)
    fail(
      cursor > dataBytes
        ? `tensors need ${cursor} data bytes but the file holds ${dataBytes} (truncated?)`
        : `tensors cover ${cursor} of the ${dataBytes} data bytes (trailing bytes)`,
    );
  return { headerBytes, dataStart: 8 + headerBytes, dataBytes, tensors, metadata };
}

function parseEntry(name: string, entry: unknown, fail: (why: string) => never): TensorInfo {
  if (!isRecord(entry)) fail(`entry ${name} is not an object`);
  const e = entry as Record<string, unknown>;
  const dtype = typeof e.dtype === "string" ? parseDtype(e.dtype) : undefined;
  if (!dtype) fail(`tensor ${name} has an unknown dtype ${JSON.stringify(e.dtype)}`);
  const shape = e.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    fail(`tensor ${name} has an invalid shape ${JSON.stringify(shape)}`);
  const offsets = e.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  )
    fail(`tensor ${name} has invalid data_offsets ${JSON.stringify(offsets)}`);
  const dims = shape as number[];
  const [begin, end] = offsets as [number, number];
  const elements = dims.reduce((n, d) => n * BigInt(d), 1n);
  const bytes = byteSize(dtype as Dtype, elements);
  if (bytes === undefined) fail(`tensor ${name}: ${elements} elements of ${dtype} do not fill whole bytes`);
  if (bytes !== BigInt(end - begin))
    fail(
      `tensor ${name}: shape [${dims.join(", ")}] of ${dtype} needs ${bytes} bytes but data_offsets span ${end - begin}`,
    );
  return { name, dtype: dtype as Dtype, shape: dims, elements: Number(elements), begin, end };
}
