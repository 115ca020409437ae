/**
 * Shared types for code units and the small hierarchy builder used by both the tree-sitter
 * extractor and the heuristic fallback. Pure data; no parsing happens here.
 */

/**
 * The kind of a code unit. Language constructs map onto this small vocabulary: records, Scala/Kotlin
 * objects → class; unions → struct; namespaces, Rust `mod`, Ruby `module` → module; Swift protocols,
 * Java `@interface` → interface; Swift `extension` → impl; constructors → method; C function-like
 * `#define` → macro; module-level UPPER_CASE assignments (Python, JS/TS) and Rust const/static → constant.
 */
export type UnitKind =
  | "function"
  | "method"
  | "class"
  | "interface"
  | "struct"
  | "enum"
  | "trait"
  | "impl"
  | "module"
  | "type"
  | "constant"
  | "macro";

/**
 * One named definition in a file.
 *
 * Lines are 1-based and inclusive. `start` includes decorators/annotations/attributes and a doc or
 * comment block directly above (no blank line in between). `qualifiedName` joins the enclosing
 * units' names, an explicit receiver or scope (Go `func (s *T) M` → `T.M`, C++ `A::b` → `A.b`,
 * Rust `impl T { fn m }` → `T.m`) and the unit's name with `.` in every language.
 */
export interface CodeUnit {
  kind: UnitKind;
  /** The bare name as written (`method`, `Widget`, `operator==`). */
  name: string;
  /** Dotted path through enclosing units and explicit scopes: `Outer.Inner.method`. */
  qualifiedName: string;
  /** First line, including decorators and the adjacent doc comment. */
  start: number;
  /** Last line. */
  end: number;
  /** Last line of the signature (the line before the body starts, or the line holding `{`). */
  headerEnd: number;
  /** Index (in the same array) of the innermost enclosing unit. */
  parent?: number;
  /** Nesting depth: 0 for top-level units. */
  depth: number;
}

/** A unit before nesting is known. `callable` becomes `method` inside class-like units, else `function`. */
export interface RawUnit {
  kind: UnitKind | "callable";
  name: string;
  /** Explicit scope written at the definition (Go receiver type, C++ `A::B::`), dotted. */
  qualifier?: string;
  /** Offsets of the syntactic extent, used for containment (lines are ambiguous for one-liners). */
  startIndex: number;
  endIndex: number;
  start: number;
  end: number;
  headerEnd: number;
}

const CLASS_LIKE: ReadonlySet<string> = new Set(["class", "interface", "struct", "enum", "trait", "impl"]);

/**
 * Nests raw units by containment of their offsets, resolves `callable` kinds, builds qualified names
 * and returns the units sorted by start line (ties: the outer unit first).
 */
export function buildUnitTree(raw: RawUnit[]): CodeUnit[] {
  const seen = new Set<string>();
  const items = raw
    .filter((u) => {
      // The same extent reached by two rules (e.g. a wrapper and its content) is one unit.
      const key = `${u.startIndex}:${u.endIndex}:${u.name}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);

  const parentOf: number[] = [];
  const stack: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const cur = items[i]!;
    while (stack.length) {
      const top = items[stack[stack.length - 1]!]!;
      if (top.startIndex <= cur.startIndex && cur.endIndex <= top.endIndex) break;
      stack.pop();
    }
    parentOf.push(stack.length ? stack[stack.length - 1]! : -1);
    stack.push(i);
  }

  const units: CodeUnit[] = [];
  for (let i = 0; i < items.length; i++) {
    const u = items[i]!;
    const p = parentOf[i]!;
    const parent = p >= 0 ? units[p] : undefined;
    let kind: UnitKind;
    if (u.kind !== "callable") kind = u.kind;
    else kind = u.qualifier || (parent && CLASS_LIKE.has(parent.kind)) ? "method" : "function";
    const qualifiedName = [parent?.qualifiedName, u.qualifier, u.name].filter((s) => s).join(".");
    units.push({
      kind,
      name: u.name,
      qualifiedName,
      start: u.start,
      end: Math.max(u.end, u.start),
      headerEnd: Math.min(Math.max(u.headerEnd, u.start), Math.max(u.end, u.start)),
      ...(parent ? { parent: p } : {}),
      depth: parent ? parent.depth + 1 : 0,
    });
  }
  return sortByStart(units);
}

/** Stable sort by start line (outer first on ties) that keeps `parent` indices valid. */
function sortByStart(units: CodeUnit[]): CodeUnit[] {
  const order = units
    .map((_, i) => i)
    .sort((a, b) => {
      const x = units[a]!;
      const y = units[b]!;
      return x.start - y.start || y.end - x.end || x.depth - y.depth || a - b;
    });
  const newIndex = new Array<number>(units.length);
  order.forEach((old, pos) => (newIndex[old] = pos));
  return order.map((old) => {
    const u = units[old]!;
    if (u.parent === undefined) return u;
    return { ...u, parent: newIndex[u.parent]! };
  });
}

/** The innermost unit whose lines contain `line` (1-based), or undefined. */
export function enclosingUnit(units: readonly CodeUnit[], line: number): CodeUnit | undefined {
  let best: CodeUnit | undefined;
  for (const u of units) {
    if (u.start > line) break; // sorted by start: nothing later can contain the line
    if (u.end < line) continue;
    if (!best || u.depth > best.depth || (u.depth === best.depth && u.end - u.start < best.end - best.start)) best = u;
  }
  return best;
}

/** Units whose lines contain the whole inclusive range `start..end`, outermost first. */
export function unitsContaining(units: readonly CodeUnit[], start: number, end: number): CodeUnit[] {
  const out: CodeUnit[] = [];
  for (const u of units) {
    if (u.start > start) break;
    if (u.end >= end) out.push(u);
  }
  return out;
}

/** Units that overlap the inclusive range `start..end` at all, in start order. */
export function unitsOverlapping(units: readonly CodeUnit[], start: number, end: number): CodeUnit[] {
  const out: CodeUnit[] = [];
  for (const u of units) {
    if (u.start > end) break;
    if (u.end >= start) out.push(u);
  }
  return out;
}
