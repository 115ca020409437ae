/**
 * Worker thread of the MXFP4 converter: runs one job at a time with synchronous positioned reads
 * and writes (this thread does nothing else, so blocking is the point) and reports each job back.
 * Buffers are reused between jobs, so a worker holds at most one job's input and output.
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import type { ConvertJob, QuantizeJob } from "./convert-plan.js";
import { MXFP4_GROUP, MXFP4_GROUP_BYTES, quantizeExpertSlice } from "./mxfp4-codec.js";

/** Messages to a worker. */
export type WorkerRequest = { type: "job"; id: number; job: ConvertJob };
/** Messages from a worker. */
export type WorkerReply = { type: "done"; id: number; bytes: number } | { type: "error"; id: number; message: string };

const fds = new Map<string, number>();
function fd(path: string, flags: "r" | "r+"): number {
  const key = `${flags}:${path}`;
  let handle = fds.get(key);
  if (handle === undefined) {
    handle = openSync(path, flags);
    fds.set(key, handle);
  }
  return handle;
}

let scratch = new ArrayBuffer(0);
function buffer(bytes: number): Uint8Array {
  if (scratch.byteLength < bytes) scratch = new ArrayBuffer(bytes);
  return new Uint8Array(scratch, 0, bytes);
}

function readFully(handle: number, into: Uint8Array, offset: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = readSync(handle, into, offset + done, length - done, position + done);
    if (n === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += n;
  }
}

function writeFully(handle: number, from: Uint8Array, position: number): void {
  let done = 0;
  while (done < from.length) done += writeSync(handle, from, done, from.length - done, position + done);
}

function runQuantize(job: QuantizeJob): number {
  const { rows, cols, c0, c1, expert } = job;
  const width = c1 - c0;
  const groups = rows / MXFP4_GROUP;
  const inBytes = rows * width * 2;
  const blockBytes = width * groups * MXFP4_GROUP_BYTES;
  const scaleBytes = width * groups;
  // One allocation for input, blocks and scales; the input stays 2-byte aligned at offset 0.
  const all = buffer(inBytes + blockBytes + scaleBytes);
  const input = all.subarray(0, inBytes);
  const src = fd(job.src, "r");
  const expertOffset = job.srcOffset + expert * rows * cols * 2;
  if (width === cols) readFully(src, input, 0, inBytes, expertOffset);
  else
    for (let r = 0; r < rows; r++) readFully(src, input, r * width * 2, width * 2, expertOffset + (r * cols + c0) * 2);
  const blocks = all.subarray(inBytes, inBytes + blockBytes);
  const scales = all.subarray(inBytes + blockBytes, inBytes + blockBytes + scaleBytes);
  // Little-endian hosts only (x86, arm64): the BF16 bytes are read as native u16.
  quantizeExpertSlice(new Uint16Array(input.buffer, 0, rows * width), rows, width, job.rule, blocks, scales);
  const dst = fd(job.dst, "r+");
  const firstRow = expert * cols + c0;
  writeFully(dst, blocks, job.blocksOffset + firstRow * groups * MXFP4_GROUP_BYTES);
  writeFully(dst, scales, job.scalesOffset + firstRow * groups);
  return inBytes;
}

function runJob(job: ConvertJob): number {
  if (job.kind === "quantize") return runQuantize(job);
  const data = buffer(job.length);
  readFully(fd(job.src, "r"), data, 0, job.length, job.srcOffset);
  writeFully(fd(job.dst, "r+"), data, job.dstOffset);
  return job.length;
}

const port = parentPort;
if (port) {
  port.on("message", (message: WorkerRequest | { type: "close" }) => {
    if (message.type === "close") {
      for (const handle of fds.values()) closeSync(handle);
      fds.clear();
      port.close();
      return;
    }
    try {
      const bytes = runJob(message.job);
      port.postMessage({ type: "done", id: message.id, bytes } satisfies WorkerReply);
    } catch (error) {
      port.postMessage({
        type: "error",
        id: message.id,
        message: error instanceof Error ? error.message : String(error),
      } satisfies WorkerReply);
    }
  });
}
