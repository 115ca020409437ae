/**
 * Per-language tables that map tree-sitter node types to code units. Each rule looks at one node and
 * returns its kind and name (or null to skip it); the walker in `code-units.ts` handles ranges,
 * wrappers, doc comments and nesting generically. Node type names were checked against the grammars
 * in `@cursorless/tree-sitter-wasms@0.7.0`.
 */
import type { Node } from "web-tree-sitter";
import type { LanguageId } from "./languages.js";
import {
  bareTypeName,
  COMMENTS,
  type LanguageRules,
  named,
  nameOf,
  set,
  type UnitMatch,
  type UnitRule,
} from "./unit-rule-helpers.js";
import { MORE_LANGUAGE_RULES } from "./unit-rules-more.js";
import type { UnitKind } from "./unit-types.js";

export type { LanguageRules, UnitMatch, UnitRule } from "./unit-rule-helpers.js";

/** Splits `A::B::c` (templates removed) into a dotted qualifier and a name. */
function splitScoped(text: string): UnitMatch | null {
  let t = text.replace(/\s+/g, "");
  for (let i = 0; i < 4 && /<[^<>]*>/.test(t); i++) t = t.replace(/<[^<>]*>/g, "");
  const parts = t.split("::").filter(Boolean);
  const name = parts.pop();
  if (!name) return null;
  return parts.length ? { kind: "method", name, qualifier: parts.join(".") } : { kind: "callable", name };
}

/** C/C++ function name: follow the declarator chain down to the identifier. */
function cFunction(node: Node): UnitMatch | null {
  let cur = node.childForFieldName("declarator");
  for (let i = 0; cur && i < 16; i++) {
    switch (cur.type) {
      case "identifier":
      case "field_identifier":
      case "destructor_name":
      case "operator_name":
        return { kind: "callable", name: cur.text.replace(/\s+/g, "") };
      case "qualified_identifier":
      case "template_function":
        return splitScoped(cur.text);
      default:
        cur = cur.childForFieldName("declarator") ?? cur.firstNamedChild;
    }
  }
  return null;
}

/** struct/union/enum/class specifiers count only with a body; typedef'd ones are named by the typedef. */
function cSpecifier(kind: UnitKind): UnitRule {
  return (node) => {
    if (!node.childForFieldName("body") || node.parent?.type === "type_definition") return null;
    const name = nameOf(node);
    return name ? { kind, name } : null;
  };
}

function cTypedef(node: Node): UnitMatch | null {
  const type = node.childForFieldName("type");
  const decl = node.childForFieldName("declarator");
  if (!type || !decl || !type.childForFieldName("body")) return null;
  const kind: UnitKind = type.type === "enum_specifier" ? "enum" : type.type === "class_specifier" ? "class" : "struct";
  return { kind, name: decl.text };
}

function goMethod(node: Node): UnitMatch | null {
  const name = nameOf(node);
  const receiverType = node.childForFieldName("receiver")?.namedChildren[0]?.childForFieldName("type");
  if (!name) return null;
  return receiverType ? { kind: "method", name, qualifier: bareTypeName(receiverType.text) } : { kind: "method", name };
}

function goTypeSpec(node: Node): UnitMatch | null {
  const name = nameOf(node);
  if (!name) return null;
  const t = node.childForFieldName("type")?.type;
  return { kind: t === "struct_type" ? "struct" : t === "interface_type" ? "interface" : "type", name };
}

const FUNCTION_VALUES = new Set(["arrow_function", "function_expression", "function", "generator_function"]);
const UPPER_CONSTANT = /^[A-Z][A-Z0-9_]*[A-Z0-9]$/;

function isTopLevelDeclaration(decl: Node | null): boolean {
  const up = decl?.parent;
  return !!up && (up.type === "program" || (up.type === "export_statement" && up.parent?.type === "program"));
}

/** `const f = () => …`, `const api = { m() {} }`, `const MAX_SIZE = 3`. */
function jsDeclarator(node: Node): UnitMatch | null {
  const nameNode = node.childForFieldName("name");
  if (nameNode?.type !== "identifier") return null; // destructuring patterns define no single unit
  const value = node.childForFieldName("value");
  const name = nameNode.text;
  if (value && FUNCTION_VALUES.has(value.type)) return { kind: "callable", name };
  if (value?.type === "class") return { kind: "class", name };
  if (!isTopLevelDeclaration(node.parent)) return null;
  if (
    value?.type === "object" &&
    value.namedChildren.some((c) => c?.type === "method_definition" || c?.type === "pair")
  )
    return { kind: "constant", name };
  return UPPER_CONSTANT.test(name) ? { kind: "constant", name } : null;
}

/** `exports.f = function…`, `Foo.prototype.bar = () => …`. */
function jsAssignment(node: Node): UnitMatch | null {
  if (node.parent?.type !== "expression_statement") return null;
  const right = node.childForFieldName("right");
  const left = node.childForFieldName("left");
  if (!right || !left || !FUNCTION_VALUES.has(right.type)) return null;
  if (left.type === "identifier") return { kind: "callable", name: left.text };
  if (left.type !== "member_expression") return null;
  const prop = left.childForFieldName("property")?.text;
  const obj = left.childForFieldName("object")?.text.replace(/\.prototype$/, "");
  if (!prop || !obj) return null;
  if (obj === "module" && prop === "exports") {
    const own = right.childForFieldName("name")?.text;
    return own ? { kind: "callable", name: own } : null;
  }
  return obj === "exports" ? { kind: "callable", name: prop } : { kind: "method", name: prop, qualifier: obj };
}

/** Class fields and object-literal pairs whose value is a function. */
function jsFunctionValued(kind: UnitKind): UnitRule {
  return (node) => {
    const value = node.childForFieldName("value");
    if (!value || !FUNCTION_VALUES.has(value.type)) return null;
    if (node.type === "pair" && node.parent?.parent?.type !== "variable_declarator") return null;
    const key = node.childForFieldName("name") ?? node.childForFieldName("property") ?? node.childForFieldName("key");
    return key ? { kind, name: key.text.replace(/^["']|["']$/g, "") } : null;
  };
}

function pythonConstant(node: Node): UnitMatch | null {
  const stmt = node.parent;
  if (stmt?.type !== "expression_statement" || stmt.parent?.type !== "module") return null;
  const left = node.childForFieldName("left");
  return left?.type === "identifier" && UPPER_CONSTANT.test(left.text) ? { kind: "constant", name: left.text } : null;
}

function rustImpl(node: Node): UnitMatch | null {
  const type = node.childForFieldName("type");
  return type ? { kind: "impl", name: bareTypeName(type.text) } : null;
}

const JS_RULES: Record<string, UnitRule> = {
  function_declaration: named("callable"),
  generator_function_declaration: named("callable"),
  function_signature: named("callable"),
  class_declaration: named("class"),
  abstract_class_declaration: named("class"),
  class: named("class"),
  method_definition: named("method"),
  abstract_method_signature: named("method"),
  public_field_definition: jsFunctionValued("method"),
  field_definition: jsFunctionValued("method"),
  pair: jsFunctionValued("method"),
  interface_declaration: named("interface"),
  type_alias_declaration: named("type"),
  enum_declaration: named("enum"),
  internal_module: named("module"),
  variable_declarator: jsDeclarator,
  assignment_expression: jsAssignment,
};
const JS: LanguageRules = {
  rules: JS_RULES,
  wrappers: set(
    "export_statement",
    "lexical_declaration",
    "variable_declaration",
    "ambient_declaration",
    "expression_statement",
  ),
  attachments: set(...COMMENTS, "decorator"),
};

const C_RULES: Record<string, UnitRule> = {
  function_definition: cFunction,
  struct_specifier: cSpecifier("struct"),
  union_specifier: cSpecifier("struct"),
  enum_specifier: cSpecifier("enum"),
  type_definition: cTypedef,
  preproc_function_def: named("macro"),
};
const C: LanguageRules = { rules: C_RULES, wrappers: set("declaration"), attachments: set(...COMMENTS) };

const CPP: LanguageRules = {
  rules: {
    ...C_RULES,
    class_specifier: cSpecifier("class"),
    // Anonymous namespaces are skipped: their contents behave as top-level units of the file.
    namespace_definition: (node) => {
      const n = node.childForFieldName("name");
      return n ? { kind: "module", name: n.text.replace(/\s+/g, "").split("::").join(".") } : null;
    },
  },
  wrappers: set("declaration", "template_declaration", "field_declaration"),
  attachments: set(...COMMENTS),
};

/** Rules per language. */
export const LANGUAGE_RULES: Readonly<Record<LanguageId, LanguageRules>> = {
  python: {
    rules: { function_definition: named("callable"), class_definition: named("class") },
    topLevel: { assignment: pythonConstant },
    wrappers: set("decorated_definition", "expression_statement"),
    attachments: set("comment"),
  },
  javascript: JS,
  typescript: JS,
  tsx: JS,
  go: {
    rules: {
      function_declaration: named("function"),
      method_declaration: goMethod,
      type_spec: goTypeSpec,
      type_alias: named("type"),
    },
    wrappers: set("type_declaration"),
    attachments: set("comment"),
  },
  rust: {
    rules: {
      function_item: named("callable"),
      function_signature_item: named("callable"),
      impl_item: rustImpl,
      trait_item: named("trait"),
      struct_item: named("struct"),
      union_item: named("struct"),
      enum_item: named("enum"),
      mod_item: (node) => (node.childForFieldName("body") ? named("module")(node) : null),
      type_item: named("type"),
      const_item: named("constant"),
      static_item: named("constant"),
      macro_definition: named("macro"),
    },
    wrappers: set(),
    attachments: set(...COMMENTS, "attribute_item"),
  },
  java: {
    rules: {
      class_declaration: named("class"),
      record_declaration: named("class"),
      interface_declaration: named("interface"),
      annotation_type_declaration: named("interface"),
      enum_declaration: named("enum"),
      method_declaration: named("method"),
      constructor_declaration: named("method"),
      compact_constructor_declaration: named("method"),
    },
    wrappers: set(),
    attachments: set(...COMMENTS),
  },
  c: C,
  cpp: CPP,
  ...MORE_LANGUAGE_RULES,
};
