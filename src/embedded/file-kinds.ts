/**
 * What kind of file a path is, for ranking: source code, tests, docs, examples, vendored or
 * generated code. Generic rules (path segments and name conventions common across ecosystems);
 * nothing here knows any particular repository.
 */

import { languageForPath } from "../analysis/languages.js";

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

const TEST_SEGMENT =
  /(?:^|\/)(?:tests?|testing|__tests__|spec|specs|e2e|integration_tests?|unit_tests?|testdata|test_data|fixtures?|benchmarks?)(?:\/|$)/i;
const TEST_NAME = /(?:^test_.*|.*_test|.*_tests|.*\.test|.*\.spec|.*Test|.*Tests|.*_spec|conftest)\.[A-Za-z]+$/;
const DOC_SEGMENT = /(?:^|\/)(?:docs?|documentation|man|site|website)(?:\/|$)/i;
const DOC_EXT = /\.(?:md|mdx|rst|txt|adoc|asciidoc|org|texi|tex|html?)$/i;
const DOC_NAME =
  /(?:^|\/)(?:CHANGE(?:S|LOG)|HISTORY|NEWS|AUTHORS|CONTRIBUTING|README|LICENSE|NOTICE|CODE_OF_CONDUCT)[^/]*$/i;
/** Release notes mention every feature by name: the strongest decoys there are. */
const CHANGELOG =
  /(?:^|\/)(?:CHANGE(?:S|LOG)|HISTORY|NEWS|RELEASE[-_]?NOTES)(?:[._-][^/]*)?$|(?:^|\/)(?:changelog|changes|whatsnew|release[-_]?notes)(?:\/|[^/]*\.(?:md|rst|txt)$)/i;
const EXAMPLE_SEGMENT = /(?:^|\/)(?:examples?|samples?|demos?|tutorials?|scripts|tools|contrib)(?:\/|$)/i;
const VENDORED_SEGMENT =
  /(?:^|\/)(?:vendor|vendored|third[_-]?party|external|extern|deps|node_modules|bower_components|\.venv|venv|site-packages|_vendor)(?:\/|$)/i;
/** A `packages/` folder inside a package (not a monorepo's top-level `packages/`) holds copied libraries. */
const NESTED_PACKAGES = /^[^/]+\/(?:[^/]+\/)*packages\/[^/]+\//;
const GENERATED =
  /(?:^|\/)(?:dist|build|out|target|gen|generated|__generated__|\.next|coverage)\/|\.min\.(?:js|css)$|\.(?:pb|pb2|g)\.\w+$|_pb2\.py$|\.generated\.\w+$|\.lock$|lock\.json$/i;
const CONFIG_EXT =
  /\.(?:json|ya?ml|toml|ini|cfg|conf|xml|properties|env\.example)$|(?:^|\/)(?:Makefile|Dockerfile|setup\.cfg|tox\.ini)$/i;
const DATA_EXT = /\.(?:csv|tsv|svg|po|pot|mo|map|snap|ipynb|sql)$/i;

export function fileRole(rel: string): FileRole {
  if (VENDORED_SEGMENT.test(rel) || VERSIONED_BUNDLE.test(rel) || NESTED_PACKAGES.test(rel)) return "vendored";
  if (GENERATED.test(rel)) return "generated";
  const base = rel.slice(rel.lastIndexOf("/") + 1);
  if (CHANGELOG.test(rel)) return "changelog";
  if (TEST_SEGMENT.test(rel) || TEST_NAME.test(base)) return "test";
  if (DOC_EXT.test(rel) || DOC_NAME.test(rel) || DOC_SEGMENT.test(rel)) return "doc";
  if (EXAMPLE_SEGMENT.test(rel)) return "example";
  if (DATA_EXT.test(rel)) return "data";
  if (CONFIG_EXT.test(rel)) return "config";
  // Text that is not code in a known language (templates, rc files, scripts without extension).
  return languageForPath(rel) ? "source" : "other";
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
export function languagePrior(files: readonly string[], query: string): (rel: string) => number {
  const counts = new Map<string, number>();
  let total = 0;
  for (const rel of files) {
    const lang = languageForPath(rel);
    if (!lang || fileRole(rel) !== "source") continue;
    counts.set(lang, (counts.get(lang) ?? 0) + 1);
    total++;
  }
  if (total < 20) return () => 1;
  const share = (lang: string) => (counts.get(lang) ?? 0) / total;
  const q = query.toLowerCase();
  const family = (lang: string) =>
    lang === "tsx" || lang === "typescript" || lang === "javascript" ? "js" : lang === "cpp" ? "c" : lang;
  return (rel) => {
    const lang = languageForPath(rel);
    if (!lang) return 1;
    const fam = family(lang);
    const famShare = [...counts.keys()].filter((l) => family(l) === fam).reduce((n, l) => n + share(l), 0);
    if (famShare >= 0.15) return 1;
    const ext = rel.slice(rel.lastIndexOf(".") + 1).toLowerCase();
    if (
      q.includes(`.${ext}`) ||
      q.includes(lang.replace("_", " ")) ||
      (fam === "js" && /\b(?:javascript|js|typescript|ts)\b/.test(q))
    )
      return 1;
    return 0.4;
  };
}
