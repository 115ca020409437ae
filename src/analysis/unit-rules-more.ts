/**
 * Code-unit rules for the languages supported "because it was cheap": Ruby, PHP, C#, Kotlin, Scala,
 * Swift. Same conventions as `unit-rules.ts`; node types checked against the bundled grammars.
 */
import type { LanguageId } from "./languages.js";
import { byKeyword, COMMENTS, type LanguageRules, named, nameOf, set } from "./unit-rule-helpers.js";

type MoreLanguage = Extract<LanguageId, "ruby" | "php" | "c_sharp" | "kotlin" | "scala" | "swift">;

export const MORE_LANGUAGE_RULES: Readonly<Record<MoreLanguage, LanguageRules>> = {
  ruby: {
    rules: {
      method: named("callable"),
      singleton_method: named("method"),
      class: named("class"),
      module: named("module"),
    },
    wrappers: set(),
    attachments: set("comment"),
  },
  php: {
    rules: {
      function_definition: named("function"),
      method_declaration: named("method"),
      class_declaration: named("class"),
      interface_declaration: named("interface"),
      trait_declaration: named("trait"),
      enum_declaration: named("enum"),
      namespace_definition: (node) => (node.childForFieldName("body") ? named("module")(node) : null),
    },
    wrappers: set(),
    attachments: set("comment"),
  },
  c_sharp: {
    rules: {
      class_declaration: named("class"),
      record_declaration: named("class"),
      struct_declaration: named("struct"),
      interface_declaration: named("interface"),
      enum_declaration: named("enum"),
      namespace_declaration: named("module"),
      method_declaration: named("method"),
      constructor_declaration: named("method"),
      local_function_statement: named("function"),
    },
    wrappers: set(),
    attachments: set("comment"),
  },
  kotlin: {
    rules: {
      class_declaration: byKeyword({ interface: "interface", enum: "enum" }, "class"),
      object_declaration: named("class"),
      function_declaration: named("callable"),
    },
    wrappers: set(),
    attachments: set(...COMMENTS),
  },
  scala: {
    rules: {
      class_definition: named("class"),
      object_definition: named("class"),
      trait_definition: named("trait"),
      enum_definition: named("enum"),
      function_definition: named("callable"),
      function_declaration: named("callable"),
    },
    wrappers: set(),
    attachments: set(...COMMENTS),
  },
  swift: {
    rules: {
      class_declaration: byKeyword(
        { struct: "struct", enum: "enum", extension: "impl", protocol: "interface" },
        "class",
      ),
      protocol_declaration: named("interface"),
      function_declaration: (node) => ({ kind: "callable", name: nameOf(node) ?? "init" }),
      protocol_function_declaration: named("method"),
    },
    wrappers: set(),
    attachments: set(...COMMENTS),
  },
};
