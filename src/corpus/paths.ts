/**
 * Where corpora live: `$XDG_DATA_HOME/fastcontext/corpora/<name>` (else
 * `~/.local/share/fastcontext/corpora/<name>`), never inside the indexed directory. A corpus is
 * named by `--name` or after its directory; `--corpus` accepts a name or a directory.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";

export function corporaDir(env: NodeJS.ProcessEnv = process.env): string {
  const data = env.XDG_DATA_HOME && env.XDG_DATA_HOME !== "" ? env.XDG_DATA_HOME : join(homedir(), ".local", "share");
  return join(data, "fastcontext", "corpora");
}

/** A corpus name safe as a folder name. */
export function cleanCorpusName(name: string): string {
  const clean = name
    .trim()
    .replace(/[^\w.-]+/g, "-")
    .replace(/^[-.]+|-+$/g, "");
  return clean === "" ? "corpus" : clean.slice(0, 80);
}

/** The default name of a directory's corpus: its folder name. */
export function defaultCorpusName(dir: string): string {
  return cleanCorpusName(basename(resolve(dir)));
}

export function corpusStoreDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(corporaDir(env), cleanCorpusName(name));
}

/** What `index` records about a corpus beside its store. */
export interface CorpusInfo {
  name: string;
  /** Realpath of the indexed directory. */
  root: string;
  indexedAt: string;
  documents: number;
  chunks: number;
  embeddingModel?: string;
}

export function readCorpusInfo(storeDir: string): CorpusInfo | undefined {
  const file = join(storeDir, "corpus.json");
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as CorpusInfo;
}

/**
 * Resolve `--corpus`: an existing directory means the corpus indexed from it (by its default
 * name), anything else is a corpus name. Returns the store folder and the name.
 */
export function resolveCorpus(
  spec: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { name: string; storeDir: string; dir?: string } {
  const value = spec ?? process.cwd();
  if (existsSync(value) && statSync(value).isDirectory()) {
    const dir = realpathSync(value);
    const name = defaultCorpusName(dir);
    return { name, storeDir: corpusStoreDir(name, env), dir };
  }
  const name = cleanCorpusName(value);
  return { name, storeDir: corpusStoreDir(name, env) };
}

/** Names of the corpora indexed so far (folders holding a `corpus.json`), sorted; none when the folder is absent. */
export function listCorpora(env: NodeJS.ProcessEnv = process.env): string[] {
  let names: string[];
  try {
    names = readdirSync(corporaDir(env));
  } catch {
    return [];
  }
  return names.filter((name) => existsSync(join(corporaDir(env), name, "corpus.json"))).sort();
}
