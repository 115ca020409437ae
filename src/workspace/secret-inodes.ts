/**
 * The inodes of the secret-named files a workspace lists, so that a hard link to one of them under
 * an innocent name (`backup.txt` and `.env` sharing an inode) is refused like the secret itself.
 * Only consulted for files whose link count is above one.
 */
import { statSync } from "node:fs";
import type { FileIndex } from "./file-index.js";
import { isSecretPath, type SecretPolicy } from "./secrets.js";

/** `dev:ino` of every listed (or ignored but named) secret file the policy does not allow. */
export function secretInodesOf(root: string, index: FileIndex, policy: SecretPolicy): Set<string> {
  const inodes = new Set<string>();
  const add = (rel: string) => {
    try {
      const st = statSync(`${root}/${rel}`);
      if (st.isFile()) inodes.add(`${st.dev}:${st.ino}`);
    } catch {
      // gone since it was listed
    }
  };
  for (const f of index.files) if (f.secret) add(f.rel);
  for (const e of index.ignoredEntries) if (!e.dir && isSecretPath(e.rel, policy)) add(e.rel);
  return inodes;
}
