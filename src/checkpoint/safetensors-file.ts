/**
 * Read safetensors files through a file handle with positioned reads: the header first (8-byte
 * little-endian length, then JSON), tensor bytes later in bounded chunks. A file is never read
 * whole, so a checkpoint larger than memory inspects and converts in constant space.
 */
import { type FileHandle, open } from "node:fs/promises";
import { CheckpointError } from "./errors.js";
import { MAX_HEADER_BYTES, parseHeader, type SafetensorsHeader, type TensorInfo } from "./safetensors-header.js";

/** An open safetensors file. Call `close()` when done. */
export class SafetensorsFile {
  private constructor(
    readonly path: string,
    readonly size: number,
    readonly header: SafetensorsHeader,
    private readonly handle: FileHandle,
  ) {}

  /** Open and validate a file's header. Throws CheckpointError for anything malformed. */
  static async open(path: string): Promise<SafetensorsFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (error) {
      throw new CheckpointError(`cannot open ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    try {
      const { size } = await handle.stat();
      if (size < 8) throw new CheckpointError(`${path}: ${size} bytes is too short for a safetensors file`);
      const prefix = Buffer.alloc(8);
      await readExactly(handle, prefix, 0, path);
      const n = prefix.readBigUInt64LE(0);
      if (n > BigInt(MAX_HEADER_BYTES))
        throw new CheckpointError(`${path}: header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
      const headerBytes = Number(n);
      if (8 + headerBytes > size)
        throw new CheckpointError(`${path}: header length ${headerBytes} runs past the end of the ${size}-byte file`);
      const json = Buffer.alloc(headerBytes);
      await readExactly(handle, json, 8, path);
      const header = parseHeader(json.toString("utf8"), headerBytes, size - 8 - headerBytes, path);
      return new SafetensorsFile(path, size, header, handle);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Read `length` bytes of a tensor starting `offset` bytes into it. */
  async read(tensor: TensorInfo, offset = 0, length = tensor.end - tensor.begin - offset): Promise<Buffer> {
    if (offset < 0 || length < 0 || offset + length > tensor.end - tensor.begin)
      throw new RangeError(`read of ${length} bytes at ${offset} is outside tensor ${tensor.name}`);
    const buffer = Buffer.alloc(length);
    await readExactly(this.handle, buffer, this.header.dataStart + tensor.begin + offset, this.path);
    return buffer;
  }

  /** Absolute file offset of a tensor's first byte. */
  offsetOf(tensor: TensorInfo): number {
    return this.header.dataStart + tensor.begin;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

async function readExactly(handle: FileHandle, into: Buffer, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new CheckpointError(`${path}: unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}
