/**
 * What kind of file a path is, for ranking: source code, tests, docs, examples, vendored or
 * generated code. From evidence: the languages' test conventions, `linguist-generated` /
 * `linguist-vendored` in `.gitattributes`, "@generated" / "DO NOT EDIT" headers, vendor manifests
 * (`vendor/modules.txt`, `vendor/autoload.php`), lockfiles, and folder names that mean one thing
 * anywhere (`node_modules`, `site-packages`, `__generated__`). An ambiguous folder name (`tools`,
 * `build`, `site`, `examples`, `vendor`) demotes a file only outside a source root: `src/tools/x.ts`
 * and `pkg/build/y.go` are source. Nothing here knows any particular repository.
 */

import { languageForPath } from "../analysis/languages.js";
import { ListMemo } from "../util/list-memo.js";
import { PathMemo, primePathMemo } from "../util/path-memo.js";
import { yieldToLoop } from "../util/yield.js";
import type { IndexedFile } from "../workspace/file-index.js";

/** Files counted between two turns of the event loop (about 8 ms of work). */
const PRIOR_SLICE = 10_000;

export type FileRole =
  | "source"
  | "test"
  | "doc"
  | "changelog"
  | "example"
  | "vendored"
  | "generated"
  | "config"
  | "data"
  | "other";

/**
 * Test folders by convention: the usual names, Cargo's `benches/`, .NET's `X.Tests/`, Swift's
 * `XTests/`, and Gradle / Kotlin Multiplatform / Android test source sets under `src/`
 * (`src/commonTest/`, `src/jvmTest/`, `src/androidUnitTest/`, `src/testFixtures/`).
 */
const TEST_SEGMENT =
  /(?:^|\/)(?:tests?|testing|__tests__|spec|specs|e2e|integration_tests?|unit_tests?|testdata|test_data|fixtures?|benchmarks?|benches)(?:\/|$)|(?:^|\/)[\w.-]+[.-](?:Tests?|UnitTests|IntegrationTests|Specs?)\/|(?:^|\/)[A-Z]\w*Tests\//i;
/** Case matters here: `src/jvmTest/` is a source set, `src/latest/` is not. */
const TEST_SOURCE_SET = /(?:^|\/)src\/(?:[a-z][A-Za-z]*Test|testFixtures)\//;
/**
 * A test file's own name. Written without a leading `.*` per alternative (`(?:^test_.*|.*_test|…)`
 * before, the same names): on the 100k tree's 97k names that form took 250 ms, this one 6–12 ms
 * (test/embedded/file-kinds.test.ts compares them).
 */
export const TEST_NAME = /^test_.*\.[A-Za-z]+$|(?:_tests?|\.test|\.spec|Tests?|_spec|conftest)\.[A-Za-z]+$/;
/** Ambiguous folder names: they demote a file only when no source root lies above them. */
const DOC_FOLDER = /^(?:docs?|documentation|man|site|website)$/i;
const DOC_EXT = /\.(?:md|mdx|rst|txt|adoc|asciidoc|org|texi|tex|html?)$/i;
const DOC_NAME =
  /(?:^|\/)(?:CHANGE(?:S|LOG)|HISTORY|NEWS|AUTHORS|CONTRIBUTING|README|LICENSE|NOTICE|CODE_OF_CONDUCT)[^/]*$/i;
/** Release notes mention every feature by name: the strongest decoys there are. */
const CHANGELOG =
  /(?:^|\/)(?:CHANGE(?:S|LOG)|HISTORY|NEWS|RELEASE[-_]?NOTES)(?:[._-][^/]*)?$|(?:^|\/)(?:changelog|changes|whatsnew|release[-_]?notes)(?:\/|[^/]*\.(?:md|rst|txt)$)/i;
const EXAMPLE_FOLDER = /^(?:examples?|samples?|demos?|tutorials?|scripts|tools|contrib)$/i;
const VENDORED_FOLDER = /^(?:vendor|external|extern|deps)$/i;
const GENERATED_FOLDER = /^(?:dist|build|out|target|gen|generated|coverage)$/i;
/** Folder names that mean the same thing at any depth. */
const VENDORED_SEGMENT =
  /(?:^|\/)(?:vendored|third[_-]?party|node_modules|bower_components|\.venv|venv|site-packages|_vendor)(?:\/|$)/i;
const GENERATED =
  /(?:^|\/)(?:__generated__|\.next)\/|\.min\.(?:js|css)$|\.(?:pb|pb2|g)\.\w+$|_pb2\.py$|\.generated\.\w+$|\.lock$|lock\.json$|(?:^|\/)(?:go\.sum|pnpm-lock\.yaml)$/i;
/** Folders under which code is the project's own, whatever the folders below are called. */
const SOURCE_ROOT = /^(?:src|lib|libs|pkg|pkgs|internal|app|apps|source|sources|cmd|core|main)$/i;

/**
 * The role an ambiguous folder name gives, or null: the first such folder counts, and only when no
 * source root lies above it (`tools/gen.py` is a tool; `src/tools/toolbox.ts` is source).
 */
function folderRole(rel: string): FileRole | null {
  const segs = rel.split("/").slice(0, -1);
  for (const seg of segs) {
    if (SOURCE_ROOT.test(seg)) return null;
    if (VENDORED_FOLDER.test(seg)) return "vendored";
    if (GENERATED_FOLDER.test(seg)) return "generated";
    if (DOC_FOLDER.test(seg)) return "doc";
    if (EXAMPLE_FOLDER.test(seg)) return "example";
  }
  return null;
}

/** What the repository itself says about its files: `.gitattributes`, headers, vendor manifests. */
export interface RoleEvidence {
  /** `.gitattributes` rules with `linguist-generated` / `linguist-vendored`, in file order (the last match wins). */
  attributes: Array<{ re: RegExp; role: "generated" | "vendored"; set: boolean }>;
  /** Files whose first lines say they are generated ("@generated", "Code generated ... DO NOT EDIT"). */
  generatedHeaders: ReadonlySet<string>;
  /** Folders holding a vendor manifest (`vendor/modules.txt`, `vendor/autoload.php`), with a trailing slash. */
  vendorDirs: readonly string[];
}

export const NO_ROLE_EVIDENCE: RoleEvidence = { attributes: [], generatedHeaders: new Set(), vendorDirs: [] };

/** A `.gitattributes` pattern as a regular expression over repository-relative paths. */
function attributePattern(pattern: string): RegExp | null {
  let p = pattern.trim();
  if (p === "" || p.startsWith("!")) return null;
  const anchored = p.startsWith("/") || p.slice(0, -1).includes("/");
  p = p.replace(/^\//, "");
  const dirOnly = p.endsWith("/");
  if (dirOnly) p = p.slice(0, -1);
  let re = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "*" && p[i + 1] === "*") {
      re += ".*";
      i++;
      if (p[i + 1] === "/") i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  try {
    return new RegExp(`${anchored ? "^" : "(?:^|/)"}${re}${dirOnly ? "/" : "(?:$|/)"}`);
  } catch {
    return null;
  }
}

/** The linguist rules of a `.gitattributes` file. */
export function parseGitattributes(text: string): RoleEvidence["attributes"] {
  const out: RoleEvidence["attributes"] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const [pattern = "", ...attrs] = trimmed.split(/\s+/);
    for (const a of attrs) {
      const m = /^(-|!)?linguist-(generated|vendored)(?:=(true|false))?$/.exec(a);
      if (!m) continue;
      const re = attributePattern(pattern);
      if (re) out.push({ re, role: m[2] as "generated" | "vendored", set: !m[1] && m[3] !== "false" });
    }
  }
  return out;
}

/**
 * Folders that a manifest marks as copied code: Go's `vendor/modules.txt`, Composer's
 * `vendor/autoload.php`, and a `packages/` package inside a Python package (`pkg/packages/__init__.py`
 * next to `pkg/__init__.py`: the libraries it bundles).
 */
export function vendorDirsOf(files: readonly string[]): string[] {
  // A plain suffix test first: the regular expressions and the set of every path (80 ms of event
  // loop on a 100k-file tree) only for the few names that can be manifests.
  let set: Set<string> | undefined;
  const out: string[] = [];
  for (const f of files) {
    if (!f.endsWith(".txt") && !f.endsWith(".php") && !f.endsWith("__init__.py")) continue;
    if (/(?:^|\/)vendor\/(?:modules\.txt|autoload\.php)$/.test(f)) out.push(f.slice(0, f.lastIndexOf("/") + 1));
    const m = /^(.+\/)packages\/__init__\.py$/.exec(f);
    if (!m) continue;
    set ??= new Set(files);
    if (set.has(`${m[1]}__init__.py`)) out.push(`${m[1]}packages/`);
  }
  return out;
}

/** Does a file's head (its first lines) say it is generated? */
export const GENERATED_HEADER =
  /@generated\b|\bDO NOT EDIT\b|\b(?:auto-?generated|generated automatically) (?:by|from|file)\b|\bthis file is an amalgamation\b|^\W*generated:\s*\d{4}-\d\d-\d\d/i;
const CONFIG_EXT =
  /\.(?:json|ya?ml|toml|ini|cfg|conf|xml|properties|env\.example)$|(?:^|\/)(?:Makefile|Dockerfile|setup\.cfg|tox\.ini)$/i;
const DATA_EXT = /\.(?:csv|tsv|svg|po|pot|mo|map|snap|ipynb|sql)$/i;

/**
 * What the path alone says of a file's role, split where the repository's own evidence steps in:
 * `fileRole` is `.gitattributes`, then vendor manifests, then `vendoredByName`, then
 * `generatedByName` or a generated header, then `rest`. Memoized: ranking asks it of every file.
 */
interface PathRole {
  vendoredByName: boolean;
  generatedByName: boolean;
  rest: FileRole;
}

const pathRoles = new PathMemo<PathRole>((rel) => ({
  vendoredByName: VENDORED_SEGMENT.test(rel) || VERSIONED_BUNDLE.test(rel),
  generatedByName: GENERATED.test(rel),
  rest: roleByName(rel),
}));

/** The role by the path's names once neither vendoring nor generation has claimed it. */
function roleByName(rel: string): FileRole {
  const base = rel.slice(rel.lastIndexOf("/") + 1);
  if (CHANGELOG.test(rel)) return "changelog";
  if (TEST_SEGMENT.test(rel) || TEST_SOURCE_SET.test(rel) || TEST_NAME.test(base)) return "test";
  const folder = folderRole(rel);
  if (folder === "vendored" || folder === "generated") return folder;
  if (DOC_EXT.test(rel) || DOC_NAME.test(rel) || folder === "doc") return "doc";
  if (folder === "example") return "example";
  if (DATA_EXT.test(rel)) return "data";
  if (CONFIG_EXT.test(rel)) return "config";
  // Text that is not code in a known language (templates, rc files, scripts without extension).
  return languageForPath(rel) ? "source" : "other";
}

export function fileRole(rel: string, evidence: RoleEvidence = NO_ROLE_EVIDENCE): FileRole {
  let attributed: FileRole | null = null;
  for (const a of evidence.attributes) if (a.re.test(rel)) attributed = a.set ? a.role : null;
  if (attributed) return attributed;
  if (evidence.vendorDirs.some((d) => rel.startsWith(d))) return "vendored";
  const byPath = pathRoles.get(rel);
  if (byPath.vendoredByName) return "vendored";
  if (byPath.generatedByName || evidence.generatedHeaders.has(rel)) return "generated";
  return byPath.rest;
}

/** Computes the path part of `fileRole` for `rels` in slices, so that ranking a big tree never blocks the event loop. */
export function primeFileRoles(rels: readonly string[]): Promise<void> {
  return primePathMemo(pathRoles, rels);
}

/** Versioned third-party bundles copied into a repository (jquery-3.5.1.js, underscore-1.13.1.min.js). */
const VERSIONED_BUNDLE = /(?:^|\/)[A-Za-z][\w.]*?[-.]v?\d+\.\d+(?:\.\d+)?(?:[-.][\w]+)*\.(?:js|css)$/;

export function isVersionedBundle(rel: string): boolean {
  return VERSIONED_BUNDLE.test(rel);
}

/** Binary-looking extensions never worth a search or a read. */
const BINARY_EXT =
  /\.(?:png|jpe?g|gif|bmp|ico|icns|webp|tiff?|psd|pdf|zip|gz|tgz|bz2|xz|7z|rar|jar|war|whl|egg|so|dylib|dll|exe|o|a|lib|class|pyc|pyo|wasm|woff2?|ttf|otf|eot|mp[34]|wav|ogg|flac|mov|avi|mkv|webm|sqlite|db|bin|dat|pkl|npy|npz|h5|onnx|pt|ckpt|safetensors)$/i;

export function isLikelyBinary(rel: string): boolean {
  return BINARY_EXT.test(rel);
}

/** Does the query itself talk about tests, docs or examples (then they are not down-weighted)? */
export function queryInterests(query: string): { tests: boolean; docs: boolean; examples: boolean } {
  const q = query.toLowerCase();
  return {
    tests:
      /\b(?:unit ?tests?|test suite|test case|tests? (?:fail|file|for)|pytest fixture|conftest|spec file|in the tests?)\b/.test(
        q,
      ),
    docs: /\b(?:documentation|docs?\b|docstring|readme|changelog|typo in the doc)/.test(q),
    examples: /\b(?:examples?|tutorial|sample code)\b/.test(q),
  };
}

/** Multiplier applied to a file's relevance by its role. */
export function roleWeight(role: FileRole, interests: ReturnType<typeof queryInterests>): number {
  switch (role) {
    case "source":
      return 1;
    case "test":
      return interests.tests ? 0.9 : 0.3;
    case "doc":
      return interests.docs ? 0.8 : 0.15;
    case "changelog":
      return interests.docs ? 0.2 : 0.03;
    case "example":
      return interests.examples ? 0.9 : 0.4;
    case "config":
      return 0.5;
    case "data":
      return 0.2;
    case "vendored":
      return 0.15;
    case "generated":
      return 0.1;
    case "other":
      return 0.3;
  }
}

/**
 * The repository's main language (by count of non-test source files) and a multiplier for files
 * in other languages: in a Python project a bundled JavaScript file is rarely the answer, unless the
 * query talks about that language.
 */
export async function languagePrior(
  files: readonly string[],
  query: string,
  evidence: RoleEvidence = NO_ROLE_EVIDENCE,
): Promise<(rel: string) => number> {
  const { counts, total } = await sourceLanguageCounts(files, evidence);
  if (total < 20) return () => 1;
  const share = (lang: string) => (counts.get(lang) ?? 0) / total;
  const q = query.toLowerCase();
  const family = (lang: string) =>
    lang === "tsx" || lang === "typescript" || lang === "javascript" ? "js" : lang === "cpp" ? "c" : lang;
  const familyShare = new Map<string, number>();
  for (const l of counts.keys()) familyShare.set(family(l), (familyShare.get(family(l)) ?? 0) + share(l));
  return (rel) => {
    const lang = languageForPath(rel);
    if (!lang) return 1;
    const fam = family(lang);
    if ((familyShare.get(fam) ?? 0) >= 0.15) return 1;
    const ext = rel.slice(rel.lastIndexOf(".") + 1).toLowerCase();
    if (
      q.includes(`.${ext}`) ||
      q.includes(lang.replace("_", " ")) ||
      (fam === "js" && /\b(?:javascript|js|typescript|ts)\b/.test(q))
    )
      return 1;
    return OFF_LANGUAGE_FACTOR;
  };
}

interface LanguageCounts {
  counts: ReadonlyMap<string, number>;
  total: number;
}

/**
 * Source files per language, remembered per frozen file list (src/util/list-memo.ts) and role
 * evidence: 100k files took 70-80 ms of every exploration on a warm server. The evidence is
 * compared by content: each exploration builds its own.
 */
const languageCounts = new ListMemo<LanguageCounts>();

function evidenceKey(evidence: RoleEvidence): string {
  return JSON.stringify([
    evidence.attributes.map((a) => [a.re.source, a.re.flags, a.role, a.set]),
    [...evidence.generatedHeaders].sort(),
    evidence.vendorDirs,
  ]);
}

function sourceLanguageCounts(files: readonly string[], evidence: RoleEvidence): Promise<LanguageCounts> {
  const key = Object.isFrozen(files) ? evidenceKey(evidence) : "";
  return languageCounts.get(files, key, async () => {
    const counts = new Map<string, number>();
    let total = 0;
    for (const [k, rel] of files.entries()) {
      // 100k files take 80 ms: the event loop turns in between.
      if (k > 0 && k % PRIOR_SLICE === 0) await yieldToLoop();
      const lang = languageForPath(rel);
      if (!lang || fileRole(rel, evidence) !== "source") continue;
      counts.set(lang, (counts.get(lang) ?? 0) + 1);
      total++;
    }
    return { counts, total };
  });
}

/** What a file outside the repository's main language families is multiplied by (hand-set; the learned ranker sees it as a flag). */
export const OFF_LANGUAGE_FACTOR = 0.4;

/**
 * The listing's files a ranking may consider (not secret, not binary by name), remembered per
 * listing: a server's kept listing is the same array for every exploration until a file changes,
 * and on a 100k-file tree this pass and what is keyed on its result (the import graph's path
 * index) cost about 0.25 s per exploration. Frozen: every exploration shares it.
 */
const candidatesByListing = new WeakMap<readonly IndexedFile[], readonly string[]>();

export async function candidatesOf(files: readonly IndexedFile[]): Promise<readonly string[]> {
  const known = candidatesByListing.get(files);
  if (known) return known;
  const candidates: string[] = [];
  for (const [k, f] of files.entries()) {
    if (k > 0 && k % 5000 === 0) await yieldToLoop();
    if (!f.secret && !isLikelyBinary(f.rel)) candidates.push(f.rel);
  }
  Object.freeze(candidates);
  candidatesByListing.set(files, candidates);
  return candidates;
}
