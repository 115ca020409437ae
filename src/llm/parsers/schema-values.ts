/**
 * Type a parameter value written as text (Qwen3-Coder XML) by the tool's JSON Schema: integers,
 * floats, booleans, `null`/`None` where the schema allows null, objects and arrays (JSON, a Python
 * style dict, or either one quoted once more). Anything that does not fit stays the raw string. Pure.
 */
import { isRecord, parseJsonLenient } from "../json.js";

/** Type names as schemas write them: JSON Schema's, and the aliases hand-written tools use (`float`, `int`, `dict`). */
const INTEGER_TYPES = new Set(["integer", "int", "uint", "long", "short", "unsigned"]);
const NUMBER_TYPES = new Set(["number", "float", "double", "num"]);
const BOOLEAN_TYPES = new Set(["boolean", "bool"]);
const isObjectType = (type: string) => type === "object" || type.startsWith("dict");
const isArrayType = (type: string) => type === "array" || type === "arr" || type.startsWith("list");
const NULL_WORDS = new Set(["null", "None", "none", "NULL"]);

/**
 * The types a property admits, in order: its `type` (or `type` list), then the members of
 * `anyOf`/`oneOf`/`allOf` recursively. A member without `type` counts by its shape
 * (`items` → array, `properties` → object).
 */
export function schemaTypes(property: unknown): string[] {
  const types: string[] = [];
  const visit = (node: unknown, depth: number) => {
    if (!isRecord(node) || depth > 8) return;
    const before = types.length;
    const add = (t: unknown) => {
      if (typeof t === "string") types.push(t);
      else if (Array.isArray(t)) for (const x of t) add(x);
    };
    add(node.type);
    for (const key of ["anyOf", "oneOf", "allOf"]) {
      const members = node[key];
      if (Array.isArray(members)) for (const member of members) visit(member, depth + 1);
    }
    if (types.length === before) {
      if (isRecord(node.items) || Array.isArray(node.items)) types.push("array");
      else if (isRecord(node.properties)) types.push("object");
    }
  };
  visit(property, 0);
  return types;
}

/** Type `value` by `property` (a JSON Schema); an untyped or unknown property keeps the string. */
export function coerceValue(value: string, property: unknown): unknown {
  const types = schemaTypes(property);
  if (types.length === 0) return value;
  const text = value.trim();
  // The first non-null type decides: anyOf [string, integer] keeps "42" a string.
  const first = types.find((t) => t !== "null");
  // null/None is null where the schema allows it, and where a string could not be meant either.
  if (NULL_WORDS.has(text) && (types.includes("null") || (first !== undefined && first !== "string"))) return null;
  if (first === undefined || first === "string") return value;
  for (const type of types) {
    const typed = asType(text, type);
    if (typed !== undefined) return typed;
  }
  return value;
}

function asType(text: string, type: string): unknown {
  if (INTEGER_TYPES.has(type)) {
    if (/^[+-]?\d+$/.test(text)) return Number.parseInt(text, 10);
    // A model that writes 3.0 for an integer means 3.
    if (/^[+-]?\d+\.0*$/.test(text)) return Number.parseFloat(text);
    return undefined;
  }
  if (NUMBER_TYPES.has(type)) {
    return text !== "" && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined;
  }
  if (BOOLEAN_TYPES.has(type)) return /^(true|false)$/i.test(text) ? text.toLowerCase() === "true" : undefined;
  if (isObjectType(type)) return asContainer(text, isRecord);
  if (isArrayType(type)) return asContainer(text, Array.isArray);
  return undefined;
}

/** JSON or a Python literal; also one level of quoting around it (`"{'a': 1}"`, a template that json-dumped a repr). */
function asContainer(text: string, fits: (value: unknown) => boolean): unknown {
  let candidate = text;
  for (let round = 0; round < 2; round++) {
    const parsed = parseJsonLenient(candidate);
    if (!parsed.ok) return undefined;
    if (fits(parsed.value)) return parsed.value;
    if (typeof parsed.value !== "string") return undefined;
    candidate = parsed.value.trim();
  }
  return undefined;
}
