/**
 * An output directory that is complete or absent: everything is written into a sibling
 * `DST.tmp-XXXXXX` directory, renamed onto DST only when finished, and removed on any failure.
 */
import { chmod, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { CheckpointError } from "./errors.js";

export interface StagingDir {
  /** The temporary directory to write into. */
  path: string;
  /** Move it onto the destination. */
  commit(): Promise<void>;
  /** Remove it (safe to call after commit; then it does nothing). */
  discard(): Promise<void>;
}

/** Create the staging directory beside `destination`, which must not exist yet. */
export async function createStagingDir(destination: string): Promise<StagingDir> {
  const target = resolve(destination);
  const exists = await stat(target).then(
    () => true,
    () => false,
  );
  if (exists) throw new CheckpointError(`${destination} already exists; choose a new output directory`);
  let path: string;
  try {
    path = await mkdtemp(join(dirname(target), `${basename(target)}.tmp-`));
  } catch (error) {
    throw new CheckpointError(
      `cannot create a directory beside ${destination}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let committed = false;
  return {
    path,
    async commit() {
      // mkdtemp makes the directory private (0700); the result gets the usual directory mode.
      await chmod(path, 0o777 & ~process.umask());
      await rename(path, target);
      committed = true;
    },
    async discard() {
      if (!committed) await rm(path, { recursive: true, force: true });
    },
  };
}
