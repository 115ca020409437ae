/**
 * Lay out a safetensors file before any tensor byte exists: given names, dtypes and shapes, build
 * the header (compact JSON, `__metadata__` first, space-padded to 8 bytes) and every tensor's
 * absolute offset, so that writers can fill the data region in any order with positioned writes.
 * Tensors are ordered like the official writer: larger dtype alignment first, then by name.
 */
import { byteSize, type Dtype, dtypeAlignment } from "./dtypes.js";

/** A tensor to be written. */
export interface TensorSpec {
  name: string;
  dtype: Dtype;
  shape: number[];
}

/** Where a tensor goes in the output file. */
export interface PlacedTensor extends TensorSpec {
  /** Absolute file offset of its first byte. */
  offset: number;
  bytes: number;
}

/** A file's header bytes and tensor placement. */
export interface FileLayout {
  /** The 8-byte length prefix followed by the padded JSON. */
  header: Buffer;
  tensors: PlacedTensor[];
  /** Total file size. */
  size: number;
}

/** Bytes of a tensor spec (throws for a sub-byte remainder). */
export function specBytes(spec: TensorSpec): number {
  const bytes = byteSize(
    spec.dtype,
    spec.shape.reduce((n, d) => n * BigInt(d), 1n),
  );
  if (bytes === undefined) throw new RangeError(`tensor ${spec.name} does not fill whole bytes`);
  return Number(bytes);
}

/** Order tensors as the official writer does. */
export function writerOrder(specs: readonly TensorSpec[]): TensorSpec[] {
  return [...specs].sort(
    (a, b) => dtypeAlignment(b.dtype) - dtypeAlignment(a.dtype) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/** Lay out one file. */
export function layoutFile(specs: readonly TensorSpec[], metadata: Record<string, string> = {}): FileLayout {
  const ordered = writerOrder(specs);
  const entries: string[] = [];
  if (Object.keys(metadata).length > 0) entries.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let cursor = 0;
  const placed: Array<{ spec: TensorSpec; begin: number; bytes: number }> = [];
  for (const spec of ordered) {
    const bytes = specBytes(spec);
    entries.push(
      `${JSON.stringify(spec.name)}:{"dtype":"${spec.dtype}","shape":[${spec.shape.join(",")}],"data_offsets":[${cursor},${cursor + bytes}]}`,
    );
    placed.push({ spec, begin: cursor, bytes });
    cursor += bytes;
  }
  let json = `{${entries.join(",")}}`;
  const jsonBytes = Buffer.byteLength(json, "utf8");
  json += " ".repeat((8 - (jsonBytes % 8)) % 8);
  const body = Buffer.from(json, "utf8");
  const header = Buffer.alloc(8 + body.length);
  header.writeBigUInt64LE(BigInt(body.length), 0);
  body.copy(header, 8);
  const tensors = placed.map(({ spec, begin, bytes }) => ({ ...spec, offset: header.length + begin, bytes }));
  return { header, tensors, size: header.length + cursor };
}
