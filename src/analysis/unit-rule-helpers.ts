/**
 * Building blocks for the per-language code-unit rules: the rule types and the generic name helpers.
 * Kept apart from the tables so that the rule modules do not import each other.
 */
import type { Node } from "web-tree-sitter";
import type { UnitKind } from "./unit-types.js";

/** What a rule reports for a node. `callable` is resolved to function/method by nesting. */
export interface UnitMatch {
  kind: UnitKind | "callable";
  name: string;
  qualifier?: string;
}

export type UnitRule = (node: Node) => UnitMatch | null;

export interface LanguageRules {
  /** Node type → rule, applied to every node of that type. */
  rules: Readonly<Record<string, UnitRule>>;
  /**
   * Rules tried only on the root's children and grandchildren (module-level constants). Kept apart
   * because searching the whole tree for common nodes such as assignments costs more than a parse.
   */
  topLevel?: Readonly<Record<string, UnitRule>>;
  /** Parent node types a unit's range extends to when the unit is their only child of its type. */
  wrappers: ReadonlySet<string>;
  /** Preceding sibling types (comments, decorators, attributes) folded into the range when adjacent. */
  attachments: ReadonlySet<string>;
}

const NAME_TYPES = new Set([
  "identifier",
  "type_identifier",
  "simple_identifier",
  "constant",
  "name",
  "property_identifier",
  "field_identifier",
  "namespace_identifier",
  "package_identifier",
]);

/** The `name` field, else the first identifier-like child. */
export function nameOf(node: Node): string | null {
  const field = node.childForFieldName("name");
  if (field) return field.text;
  for (const child of node.namedChildren) if (child && NAME_TYPES.has(child.type)) return child.text;
  return null;
}

/** `Foo<T>` / `a::b::Foo<T>` / `*Foo[T]` / `&'a mut Foo` → `Foo` (the last path segment, no generics). */
export function bareTypeName(text: string): string {
  let t = text.replace(/\s+/g, " ");
  for (let i = 0; i < 4 && /<[^<>]*>|\[[^[\]]*\]/.test(t); i++) t = t.replace(/<[^<>]*>|\[[^[\]]*\]/g, "");
  t = t.replace(/^(?:[&*]|'\w+\s|mut\s|dyn\s|const\s)+/g, "").trim();
  const parts = t.split(/::|\./).filter(Boolean);
  return parts[parts.length - 1] ?? t;
}

/** A rule that reports `kind` with the node's own name; unnamed nodes are skipped. */
export function named(kind: UnitKind | "callable"): UnitRule {
  return (node) => {
    const name = nameOf(node);
    return name ? { kind, name } : null;
  };
}

export const COMMENTS = ["comment", "line_comment", "block_comment", "multiline_comment"];
export const set = (...xs: string[]): ReadonlySet<string> => new Set(xs);

/** Kind from the declaring keyword, for grammars that share one node type (Kotlin, Swift). */
export function byKeyword(map: Readonly<Record<string, UnitKind>>, fallback: UnitKind): UnitRule {
  return (node) => {
    let kind = fallback;
    for (const child of node.children) {
      const k = child && !child.isNamed ? map[child.type] : undefined;
      if (k) {
        kind = k;
        break;
      }
    }
    const nameNode = node.childForFieldName("name");
    const name = nameNode ? bareTypeName(nameNode.text) : nameOf(node);
    return name ? { kind, name } : null;
  };
}
