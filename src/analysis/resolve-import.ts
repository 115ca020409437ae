/**
 * Maps an import to repository files. Generic conventions only (no build-system knowledge): relative
 * specifiers against the importing file, absolute ones against the repo root, common source roots
 * (`src/`, `lib/`, …) and every ancestor directory of the importing file; with a file list, also by
 * path suffix (Java packages under any `…/java/` root, C include roots, workspace crates).
 * Returns only paths that exist, most specific first.
 */

import type { ImportRef } from "./imports.js";
import { extensionOf, type LanguageId, languageForPath } from "./languages.js";

/** All repository files (relative, `/`-separated), indexed for suffix lookups. */
export interface PathIndex {
  /** Files whose path equals `suffix` or ends with `/suffix`. */
  withSuffix(suffix: string): string[];
  /** True when some file lies under `dir/`. */
  hasDir(dir: string): boolean;
}

/** Builds a `PathIndex` over `files`; O(n) once, then O(matches) per lookup. */
export function createPathIndex(files: Iterable<string>): PathIndex {
  const builder = pathIndexBuilder();
  for (const f of files) builder.add(f);
  return builder.index;
}

/**
 * A `PathIndex` filled one file at a time, for a caller that yields to the event loop between
 * slices of a big tree (`index` answers for the files added so far).
 */
export function pathIndexBuilder(): { add(file: string): void; index: PathIndex } {
  const byBase = new Map<string, string[]>();
  const dirs = new Set<string>();
  return {
    add(f) {
      const base = f.slice(f.lastIndexOf("/") + 1);
      const list = byBase.get(base);
      if (list) list.push(f);
      else byBase.set(base, [f]);
      for (let i = f.indexOf("/"); i >= 0; i = f.indexOf("/", i + 1)) dirs.add(f.slice(0, i));
    },
    index: {
      withSuffix(suffix) {
        const clean = suffix.replace(/^\/+/, "");
        const base = clean.slice(clean.lastIndexOf("/") + 1);
        return (byBase.get(base) ?? []).filter((f) => f === clean || f.endsWith(`/${clean}`));
      },
      hasDir: (dir) => dirs.has(dir.replace(/\/+$/, "")),
    },
  };
}

export interface ResolveOptions {
  /** Enables suffix matching (recommended: build once with `createPathIndex`). */
  index?: PathIndex;
  /** Language of the importing file; default from `fromPath`'s extension. */
  lang?: LanguageId;
}

/** Normalizes `a/./b/../c` → `a/c`; returns null when the path climbs above the repo root. */
export function normalizePath(path: string): string | null {
  // Most candidates are already normal (no `.`/`..` segment, no empty one): return them as they are.
  if (!path.startsWith(".") && !path.startsWith("/") && !path.endsWith("/") && !/\/\.|\/\//.test(path)) return path;
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (!part || part === ".") continue;
    if (part === "..") {
      if (!out.length) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join("/");
}

const dirOf = (p: string): string => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "");
const join = (...parts: string[]): string => parts.filter(Boolean).join("/");

/** `a/b/c.py` → ["", "a", "a/b"] (shallowest first). */
function ancestors(fromPath: string): string[] {
  const dirs = [""];
  const parts = dirOf(fromPath).split("/").filter(Boolean);
  for (let i = 1; i <= parts.length; i++) dirs.push(parts.slice(0, i).join("/"));
  return dirs;
}

const COMMON_ROOTS = ["", "src", "lib", "source", "app", "python", "pkg", "packages"];

/**
 * Existing repository files an import may refer to, most specific first. `fileExists` is asked about
 * repository-relative paths. Go imports resolve to the package directory; Java/PHP wildcard imports
 * to the package directory; unresolvable (third-party, standard-library) imports give [].
 */
export function resolveImport(
  ref: ImportRef,
  fromPath: string,
  fileExists: (rel: string) => boolean,
  options: ResolveOptions = {},
): string[] {
  const lang = options.lang ?? languageForPath(fromPath);
  const found: string[] = [];
  const consider = (candidate: string | null) => {
    const p = candidate === null ? null : normalizePath(candidate);
    if (p && !found.includes(p) && fileExists(p)) found.push(p);
  };
  const roots = [...COMMON_ROOTS, ...ancestors(fromPath)];
  switch (lang) {
    case "python":
      python(ref, fromPath, roots, consider);
      break;
    case "javascript":
    case "typescript":
    case "tsx":
      javascript(ref.module, fromPath, consider);
      break;
    case "go":
      go(ref.module, fromPath, fileExists, options.index, consider);
      break;
    case "rust":
      rust(ref, fromPath, options.index, consider);
      break;
    case "c":
    case "cpp":
      for (const base of [
        ...(ref.relative ? [dirOf(fromPath)] : []),
        "",
        "include",
        "src",
        ...ancestors(fromPath).reverse(),
      ])
        consider(join(base, ref.module));
      for (const f of suffixMatches(options.index, ref.module, fromPath)) consider(f);
      break;
    default:
      qualified(ref, fromPath, lang, roots, options.index, consider);
  }
  return found;
}

type Consider = (candidate: string | null) => void;

function python(ref: ImportRef, fromPath: string, roots: string[], consider: Consider): void {
  const segs = ref.module.replace(/^\.+/, "").split(".").filter(Boolean);
  let bases = roots;
  if (ref.relative) {
    let dir: string | null = dirOf(fromPath);
    for (let i = 1; i < (ref.level ?? 1) && dir !== null; i++) dir = dir ? dirOf(dir) : null;
    if (dir === null) return;
    bases = [dir];
  }
  for (const base of bases) {
    const mod = join(base, ...segs);
    if (segs.length) for (const ext of [".py", ".pyi", "/__init__.py", "/__init__.pyi"]) consider(mod + ext);
    for (const name of ref.names)
      if (name !== "*") for (const ext of [".py", "/__init__.py"]) consider(join(mod, name) + ext);
    if (!segs.length) consider(join(mod, "__init__.py"));
  }
}

const JS_EXTS = [".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".json", ".vue", ".svelte"];
const JS_INDEX = ["index.ts", "index.tsx", "index.js", "index.jsx", "index.mjs", "index.cjs"];

function javascript(spec: string, fromPath: string, consider: Consider): void {
  const clean = spec.replace(/[?#].*$/, "");
  let bases: string[];
  if (/^\.\.?(?:\/|$)/.test(clean)) bases = [join(dirOf(fromPath), clean)];
  else if (/^[@~]\//.test(clean))
    bases = [join("src", clean.slice(2)), clean.slice(2)]; // common path aliases
  else {
    // Bare specifiers: baseUrl-style paths and workspace packages (`@scope/name/sub` → packages/name/sub).
    const pkg = /^(?:@[^/]+\/)?([^/]+)(\/.*)?$/.exec(clean);
    bases = [clean, join("src", clean)];
    if (pkg)
      for (const dir of ["packages", "libs", "apps"])
        bases.push(`${dir}/${pkg[1]}${pkg[2] ?? ""}`, `${dir}/${pkg[1]}/src${pkg[2] ?? "/index"}`);
  }
  for (const base of bases) {
    const ext = extensionOf(base);
    if (ext) {
      consider(base);
      // TypeScript ESM imports name the emitted `.js` file.
      if (/^[mc]?jsx?$/.test(ext))
        for (const ts of [".ts", ".tsx", ".mts", ".cts"]) consider(base.replace(/\.[mc]?jsx?$/, ts));
    }
    for (const e of JS_EXTS) consider(base + e);
    for (const idx of JS_INDEX) consider(join(base, idx));
  }
}

function go(
  spec: string,
  fromPath: string,
  exists: (p: string) => boolean,
  index: PathIndex | undefined,
  consider: Consider,
): void {
  if (spec.startsWith(".")) return consider(join(dirOf(fromPath), spec));
  // The module prefix (github.com/org/repo) is unknown without go.mod: the longest existing suffix wins.
  const segs = spec.split("/");
  for (let k = 0; k < segs.length; k++) {
    const dir = segs.slice(k).join("/");
    if (index ? index.hasDir(dir) : exists(dir)) return consider(dir);
  }
}

function crateRoot(fromPath: string): string {
  const parts = fromPath.split("/");
  const src = parts.lastIndexOf("src", parts.length - 2);
  return src >= 0 ? parts.slice(0, src + 1).join("/") : dirOf(fromPath);
}

/** Directory holding the submodules of the module defined by `fromPath`. */
function rustModuleDir(fromPath: string): string {
  const base = fromPath.slice(fromPath.lastIndexOf("/") + 1);
  if (["mod.rs", "lib.rs", "main.rs"].includes(base)) return dirOf(fromPath);
  return join(dirOf(fromPath), base.replace(/\.rs$/, ""));
}

function rust(ref: ImportRef, fromPath: string, index: PathIndex | undefined, consider: Consider): void {
  if (ref.kind === "mod") {
    const dir = rustModuleDir(fromPath);
    consider(join(dir, `${ref.module}.rs`));
    consider(join(dir, ref.module, "mod.rs"));
    return;
  }
  const segs = ref.module.split("::").filter(Boolean);
  const head = segs[0] ?? "";
  let root = crateRoot(fromPath);
  if (head === "crate") segs.shift();
  else if (head === "self" || head === "super") {
    root = rustModuleDir(fromPath);
    // `super` is the parent module, whose submodules live one directory up.
    while (segs[0] === "self" || segs[0] === "super") if (segs.shift() === "super") root = dirOf(root);
  } else {
    // Another crate of the workspace (`my_crate::x`); else a 2015-style crate-relative path (root above).
    const names = [head, head.replace(/_/g, "-")];
    const libs = names.flatMap((n) =>
      index ? index.withSuffix(`${n}/src/lib.rs`) : [`${n}/src/lib.rs`, `crates/${n}/src/lib.rs`],
    );
    for (const lib of libs) {
      rustPath(dirOf(lib), segs.slice(1), ref.names, consider);
      consider(lib);
    }
  }
  rustPath(root, segs, ref.names, consider);
}

/** Longest module path first: a/b/C may be an item in a/b, so shorter prefixes are candidates too. */
function rustPath(root: string, segs: string[], names: string[], consider: Consider): void {
  for (const name of names)
    if (name !== "*" && name !== "self" && /^[a-z_]/.test(name)) {
      consider(join(root, ...segs, `${name}.rs`));
      consider(join(root, ...segs, name, "mod.rs"));
    }
  for (let n = segs.length; n > 0; n--) {
    consider(join(root, ...segs.slice(0, n - 1), `${segs[n - 1]}.rs`));
    consider(join(root, ...segs.slice(0, n), "mod.rs"));
  }
  if (!segs.length) for (const f of ["lib.rs", "main.rs", "mod.rs"]) consider(join(root, f));
}

function suffixMatches(index: PathIndex | undefined, suffix: string, fromPath: string): string[] {
  if (!index) return [];
  // Prefer files that share the longest directory prefix with the importing file.
  const shared = (p: string) => {
    let i = 0;
    while (i < p.length && p[i] === fromPath[i]) i++;
    return i;
  };
  return index
    .withSuffix(suffix)
    .sort((a, b) => shared(b) - shared(a))
    .slice(0, 8);
}

const QUALIFIED_EXTS: Partial<Record<LanguageId, string[]>> = {
  java: [".java", ".kt"],
  kotlin: [".kt", ".kts", ".java"],
  scala: [".scala", ".java"],
  php: [".php"],
  ruby: [".rb"],
  swift: [".swift"],
};

/** Java/Kotlin/Scala packages, PHP namespaces (PSR-4 style), Ruby requires. */
function qualified(
  ref: ImportRef,
  fromPath: string,
  lang: LanguageId | null,
  roots: string[],
  index: PathIndex | undefined,
  consider: Consider,
): void {
  const exts = (lang && QUALIFIED_EXTS[lang]) ?? [];
  if (!exts.length) return;
  if (ref.kind === "require") {
    const spec = ref.module.replace(/\.(?:rb|php)$/, "");
    const bases = ref.relative || lang === "php" ? [dirOf(fromPath), ...roots] : roots;
    for (const base of bases) for (const e of exts) consider(join(base, spec + e));
    return;
  }
  const segs = ref.module.split(/[.\\]/).filter(Boolean);
  if (ref.names[0] === "*")
    return [...roots, ...sourceRootsOf(fromPath, segs[0])].forEach((r) => consider(join(r, ...segs)));
  // Nested types (`a.b.Outer.Inner`): drop trailing capitalized segments until a file matches.
  for (let n = segs.length; n > 0 && (n === segs.length || /^[A-Z]/.test(segs[n]!)); n--) {
    const rel = segs.slice(0, n).join("/");
    const variants =
      lang === "php" ? [rel, rel.replace(/^[^/]+/, (s) => s.toLowerCase()), join("src", ...segs.slice(1, n))] : [rel];
    for (const base of [...sourceRootsOf(fromPath, segs[0]), ...roots])
      for (const v of variants) for (const e of exts) consider(join(base, v + e));
    if (n >= 2) for (const e of exts) for (const f of suffixMatches(index, rel + e, fromPath)) consider(f);
  }
}

/** The source root implied by the importing file: the prefix before the package's first segment. */
function sourceRootsOf(fromPath: string, first: string | undefined): string[] {
  if (!first) return [];
  const at = `/${fromPath}`.indexOf(`/${first}/`);
  return at >= 0
    ? [fromPath.slice(0, Math.max(0, at - 1))]
    : ["src/main/java", "src/main/kotlin", "src/main/scala", "src/test/java"];
}
