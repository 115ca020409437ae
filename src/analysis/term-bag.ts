/**
 * Term types for query analysis and the bag that merges repeated mentions. Weighting rules live with
 * the callers; the bag only combines: the best single mention counts fully, repeats add sub-linearly.
 */

export type TermKind = "identifier" | "path" | "module" | "error" | "exception" | "keyword" | "frame" | "quoted";
export type TermSource = "prose" | "code" | "inline_code" | "traceback" | "title";

/** One search term extracted from a query. */
export interface Term {
  text: string;
  kind: TermKind;
  /** Relative importance, ≥ 0 (roughly 0–8); comparable across kinds. */
  weight: number;
  /** Where its strongest mention came from. */
  source: TermSource;
  /** Forms useful for grep (other case conventions, leaf names, path forms); `text` first. */
  variants: string[];
}

/** Multipliers for where a term was seen: explicit code beats prose; the title states the topic. */
export const SOURCE_FACTOR: Readonly<Record<TermSource, number>> = {
  title: 1.5,
  inline_code: 1.4,
  traceback: 1.3,
  code: 1.0,
  prose: 0.9,
};

const SOURCE_RANK: Readonly<Record<TermSource, number>> = { title: 5, traceback: 4, inline_code: 3, code: 2, prose: 1 };
const KIND_RANK: Readonly<Record<TermKind, number>> = {
  frame: 8,
  exception: 7,
  error: 6,
  identifier: 5,
  path: 4,
  module: 3,
  quoted: 2,
  keyword: 1,
};

/** The result-list a term belongs to. */
export type TermGroup = "identifiers" | "paths" | "errorMessages" | "keywords";

export function groupOf(kind: TermKind): TermGroup {
  switch (kind) {
    case "identifier":
    case "frame":
      return "identifiers";
    case "path":
    case "module":
      return "paths";
    case "error":
    case "exception":
    case "quoted":
      return "errorMessages";
    default:
      return "keywords";
  }
}

interface Entry {
  term: Term;
  count: number;
}

/** Accumulates terms; same group + same lower-cased text merge. */
export class TermBag {
  private readonly entries = new Map<string, Entry>();

  add(text: string, kind: TermKind, weight: number, source: TermSource, variants: string[] = []): void {
    const clean = text.trim();
    if (!clean || !(weight > 0)) return;
    const key = `${groupOf(kind)}\u0000${clean.toLowerCase()}`;
    const entry = this.entries.get(key);
    if (!entry) {
      this.entries.set(key, {
        term: { text: clean, kind, weight, source, variants: unique([clean, ...variants]) },
        count: 1,
      });
      return;
    }
    const t = entry.term;
    entry.count++;
    if (weight > t.weight) t.weight = weight;
    if (SOURCE_RANK[source] > SOURCE_RANK[t.source]) t.source = source;
    if (KIND_RANK[kind] > KIND_RANK[t.kind]) t.kind = kind;
    t.variants = unique([...t.variants, ...variants]);
  }

  /** Merged terms, heaviest first. Repeats raise the weight logarithmically (10 mentions ≈ +66%). */
  terms(): Term[] {
    return [...this.entries.values()]
      .map(({ term, count }) => ({ ...term, weight: round(term.weight * (1 + 0.2 * Math.log2(count))) }))
      .sort((a, b) => b.weight - a.weight || a.text.localeCompare(b.text));
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;

function unique(xs: string[]): string[] {
  return [...new Set(xs.filter((x) => x))];
}
