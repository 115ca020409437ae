/**
 * Code units (functions, classes, methods, …) of one file, from a real tree-sitter parse with a
 * heuristic fallback when a grammar is unavailable or the file is too large to parse cheaply.
 * Pure with respect to the repository: callers hand in text; nothing here reads files or walks trees
 * of the whole repo. Every parse tree is deleted before returning (wasm memory is not GC'd).
 *
 * Measured (Node 20, warm, parse + extract): real files 4.3–6.5 MB/s (CPython `_pydecimal.py`, 6,340
 * lines: 35 ms; `typescript.d.ts`, 574 KB: 90 ms); unit-dense synthetic files ~3 MB/s; a 5,000-line
 * Python file 35–50 ms. Parsing is ~80% of that; see the performance test.
 */
import type { Node, Tree } from "web-tree-sitter";
import { createLogger } from "../util/log.js";
import { type GrammarLoader, GrammarRegistry } from "./grammar.js";
import { heuristicUnits } from "./heuristic-units.js";
import { type LanguageId, languageForPath } from "./languages.js";
import { LANGUAGE_RULES, type LanguageRules, type UnitRule } from "./unit-rules.js";
import { buildUnitTree, type CodeUnit, type RawUnit } from "./unit-types.js";

export type { GrammarLoader } from "./grammar.js";
export type { CodeUnit, UnitKind } from "./unit-types.js";
export { enclosingUnit, unitsContaining, unitsOverlapping } from "./unit-types.js";

const log = createLogger("analysis.units");

/** Files longer than this (characters) skip tree-sitter: ~5 MB/s would make them cost > 300 ms. */
export const DEFAULT_MAX_PARSE_CHARS = 1_500_000;

/** How a unit list was produced. */
export type UnitSource = "tree-sitter" | "heuristic";

/** What extracts code units from text: this module's extractor, or the off-thread one (off-thread-units.ts). */
export interface UnitExtractor {
  extract(text: string, lang: LanguageId): Promise<CodeUnit[]>;
}

export interface ExtractorOptions {
  /** Grammar loader; inject one that throws to exercise the fallback. */
  loader?: GrammarLoader;
  /** Above this many characters the heuristic extractor is used instead of parsing. */
  maxParseChars?: number;
}

const BODY_TYPES = new Set([
  "block",
  "statement_block",
  "class_body",
  "declaration_list",
  "field_declaration_list",
  "enum_body",
  "enum_variant_list",
  "interface_body",
  "compound_statement",
  "template_body",
  "function_body",
  "body_statement",
  "enum_class_body",
  "protocol_body",
  "enumerator_list",
  "enum_declaration_list",
  "annotation_type_body",
  "object_type",
]);

/**
 * Extracts code units. Each instance has its own parsers and remembers its own grammar failures, so
 * differently configured instances never interfere; the bundled grammars themselves load once per process.
 */
export class CodeUnitExtractor {
  private readonly registry: GrammarRegistry;
  private readonly maxParseChars: number;

  constructor(options: ExtractorOptions = {}) {
    this.registry = new GrammarRegistry(options.loader);
    this.maxParseChars = options.maxParseChars ?? DEFAULT_MAX_PARSE_CHARS;
  }

  /** Units of `text` in `lang`, sorted by start line. Never throws for unparsable input. */
  async extract(text: string, lang: LanguageId): Promise<CodeUnit[]> {
    return (await this.extractWithSource(text, lang)).units;
  }

  /** Like `extract`, and says whether tree-sitter or the heuristic produced the units. */
  async extractWithSource(text: string, lang: LanguageId): Promise<{ units: CodeUnit[]; source: UnitSource }> {
    const parser = text.length <= this.maxParseChars ? await this.registry.parserFor(lang) : null;
    let tree: Tree | null = null;
    try {
      tree = parser?.parse(text) ?? null;
    } catch (err) {
      // tree-sitter reports syntax errors inside the tree; a throw means the runtime itself failed.
      log.warn("parse failed; using the heuristic extractor", {
        lang,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    if (!tree) return { units: heuristicUnits(text, lang), source: "heuristic" };
    try {
      return { units: buildUnitTree(collectRawUnits(tree.rootNode, LANGUAGE_RULES[lang])), source: "tree-sitter" };
    } finally {
      tree.delete();
    }
  }
}

const defaultExtractor = new CodeUnitExtractor();

/** Code units of `text` parsed as `lang` with the shared default extractor. */
export function extractCodeUnits(text: string, lang: LanguageId): Promise<CodeUnit[]> {
  return defaultExtractor.extract(text, lang);
}

function startLine(node: Node): number {
  return node.startPosition.row + 1;
}

/** A node that ends at column 0 ends on the previous line (it swallowed a trailing newline). */
function endLine(node: Node): number {
  const end = node.endPosition;
  return end.column === 0 && end.row > node.startPosition.row ? end.row : end.row + 1;
}

function countChildrenOfType(node: Node, type: string): number {
  let n = 0;
  for (const c of node.namedChildren) if (c?.type === type) n++;
  return n;
}

/** Climbs through wrappers (`export`, decorators, `template<…>`) that belong to this unit alone. */
function outerNode(node: Node, wrappers: ReadonlySet<string>): Node {
  let cur = node;
  for (let p = cur.parent; p && wrappers.has(p.type) && countChildrenOfType(p, cur.type) === 1; p = cur.parent) cur = p;
  return cur;
}

/** First line of adjacent preceding comments/decorators; stops at blank lines and trailing comments. */
function attachedStart(node: Node, attachments: ReadonlySet<string>): number {
  let top = node.startPosition.row;
  for (let s = node.previousNamedSibling; s && attachments.has(s.type); s = s.previousNamedSibling) {
    if (endLine(s) - 1 < top - 1) break; // a blank line separates it
    // A comment that shares its line with earlier code trails that code. (Named siblings only: some
    // grammars have anonymous newline tokens that end on the comment's row.)
    const before = s.previousNamedSibling;
    if (before && before.endPosition.row === s.startPosition.row && !attachments.has(before.type)) break;
    top = s.startPosition.row;
  }
  return top + 1;
}

function findBody(node: Node): Node | null {
  const body = node.childForFieldName("body");
  if (body) return body;
  for (const field of ["value", "type"]) {
    const inner = node.childForFieldName(field);
    if (!inner) continue;
    const b = inner.childForFieldName("body") ?? (BODY_TYPES.has(inner.type) ? inner : null);
    if (b) return b;
    for (const c of inner.namedChildren) if (c && BODY_TYPES.has(c.type)) return c;
  }
  for (const c of node.namedChildren) if (c && BODY_TYPES.has(c.type)) return c;
  return null;
}

function headerEndLine(core: Node, kind: RawUnit["kind"], end: number): number {
  const body = findBody(core);
  if (!body) return kind === "callable" || kind === "function" || kind === "method" ? end : startLine(core);
  let before = body.previousSibling;
  while (before?.isExtra) before = before.previousSibling; // comments between header and body
  const row = before && before.endIndex <= body.startIndex ? before.endPosition.row : body.startPosition.row;
  return Math.max(startLine(core), row + 1);
}

/** Finds every node a rule applies to and turns the matches into raw units. */
export function collectRawUnits(root: Node, rules: LanguageRules): RawUnit[] {
  const out: RawUnit[] = [];
  const candidates: Array<[Node, UnitRule]> = [];
  for (const node of root.descendantsOfType(Object.keys(rules.rules))) {
    const rule = node && rules.rules[node.type];
    if (node && rule) candidates.push([node, rule]);
  }
  if (rules.topLevel) {
    for (const child of root.namedChildren) {
      for (const node of child ? [child, ...child.namedChildren] : []) {
        const rule = node && rules.topLevel[node.type];
        if (node && rule) candidates.push([node, rule]);
      }
    }
  }
  for (const [node, rule] of candidates) {
    const match = rule(node);
    if (!match) continue;
    const outer = outerNode(node, rules.wrappers);
    const end = endLine(outer);
    out.push({
      kind: match.kind,
      name: match.name,
      ...(match.qualifier ? { qualifier: match.qualifier } : {}),
      startIndex: outer.startIndex,
      endIndex: outer.endIndex,
      start: attachedStart(outer, rules.attachments),
      end,
      headerEnd: headerEndLine(node, match.kind, end),
    });
  }
  return out;
}

/** Modification stamp of a file; together with the path it keys the cache. */
export interface FileStamp {
  mtimeMs: number;
  size: number;
}

export interface CodeUnitCacheOptions {
  /** Files kept (least recently used evicted first). Default 512. */
  maxEntries?: number;
  extractor?: UnitExtractor;
}

/**
 * LRU cache of code units keyed by path and validated by (mtime, size). Concurrent requests for the
 * same file share one parse; a changed stamp replaces the entry, so edited files are re-parsed.
 */
export class CodeUnitCache {
  private readonly entries = new Map<string, { stamp: string; units: Promise<CodeUnit[]> }>();
  private readonly maxEntries: number;
  private readonly extractor: UnitExtractor;
  /** Counters for diagnostics and tests. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(options: CodeUnitCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 512);
    this.extractor = options.extractor ?? defaultExtractor;
  }

  /**
   * Units of `path`. `read` is called only on a miss. `lang` defaults to `languageForPath(path, text)`;
   * files of unknown language have no units.
   */
  get(path: string, stamp: FileStamp, read: () => string | Promise<string>, lang?: LanguageId): Promise<CodeUnit[]> {
    const key = `${stamp.mtimeMs}:${stamp.size}`;
    const hit = this.entries.get(path);
    this.entries.delete(path); // (re-)inserting below keeps Map order = recency order
    if (hit && hit.stamp === key) {
      this.stats.hits++;
      this.entries.set(path, hit);
      return hit.units;
    }
    this.stats.misses++;
    const units = (async () => {
      const text = await read();
      const language = lang ?? languageForPath(path, text);
      return language ? this.extractor.extract(text, language) : [];
    })();
    const entry = { stamp: key, units };
    // A failed read must not stay cached (only drop our own entry, not a newer one).
    units.catch(() => {
      if (this.entries.get(path) === entry) this.entries.delete(path);
    });
    this.entries.set(path, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return units;
  }

  /** Number of cached files. */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
