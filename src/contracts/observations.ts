/**
 * The observation ledger: which lines of which files a tool result actually showed during one
 * run. The run (core) owns one and hands it to the toolbox, which records each result's `observed`
 * spans into it (`ObservationSink`); citations are validated against it: a range nobody saw is
 * trimmed or dropped. Pure data, no I/O, so it sits with the contracts both sides share.
 */
import type { LineSpan, Verification } from "./tools.js";

export type ObservationKind = "read" | "grep";

/** Where the toolbox records what each result showed. */
export interface ObservationSink {
  recordAll(spans: readonly LineSpan[], kind: ObservationKind): void;
}

/** Sorted, non-overlapping, merged [start, end] intervals (1-based inclusive). */
class IntervalSet {
  private spans: Array<[number, number]> = [];

  add(start: number, end: number): void {
    if (end < start) return;
    const out: Array<[number, number]> = [];
    let s = start;
    let e = end;
    let placed = false;
    for (const [a, b] of this.spans) {
      if (b + 1 < s) out.push([a, b]);
      else if (e + 1 < a) {
        if (!placed) {
          out.push([s, e]);
          placed = true;
        }
        out.push([a, b]);
      } else {
        s = Math.min(s, a);
        e = Math.max(e, b);
      }
    }
    if (!placed) out.push([s, e]);
    this.spans = out;
  }

  /** Parts of [start, end] that are covered. */
  intersect(start: number, end: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const [a, b] of this.spans) {
      if (b < start) continue;
      if (a > end) break;
      out.push([Math.max(a, start), Math.min(b, end)]);
    }
    return out;
  }

  list(): Array<[number, number]> {
    return this.spans.map(([a, b]) => [a, b]);
  }
}

export interface CoverageCheck {
  /** Every line of the range was shown. */
  full: boolean;
  /** The covered sub-ranges, in order. */
  covered: Array<[number, number]>;
  /** The strongest kind of observation over the range ("read" beats "grep"). */
  kind: Verification;
}

export class ObservationLedger implements ObservationSink {
  private readonly read = new Map<string, IntervalSet>();
  private readonly grep = new Map<string, IntervalSet>();
  private records = 0;

  /** Record that `span` (path relative to the root) was shown by a tool of `kind`. */
  record(span: LineSpan, kind: ObservationKind): void {
    const map = kind === "read" ? this.read : this.grep;
    let set = map.get(span.path);
    if (!set) {
      set = new IntervalSet();
      map.set(span.path, set);
    }
    set.add(span.start, span.end);
    this.records++;
  }

  recordAll(spans: readonly LineSpan[], kind: ObservationKind): void {
    for (const span of spans) this.record(span, kind);
  }

  get size(): number {
    return this.records;
  }

  /** Files with at least one observed line. */
  paths(): string[] {
    return [...new Set([...this.read.keys(), ...this.grep.keys()])].sort();
  }

  /** All observed intervals of one file (read and grep merged). */
  observed(path: string): Array<[number, number]> {
    const merged = new IntervalSet();
    for (const [a, b] of this.read.get(path)?.list() ?? []) merged.add(a, b);
    for (const [a, b] of this.grep.get(path)?.list() ?? []) merged.add(a, b);
    return merged.list();
  }

  /** How much of `path:start-end` was shown. */
  check(path: string, start: number, end: number): CoverageCheck {
    const merged = new IntervalSet();
    const fromRead = this.read.get(path)?.intersect(start, end) ?? [];
    const fromGrep = this.grep.get(path)?.intersect(start, end) ?? [];
    for (const [a, b] of fromRead) merged.add(a, b);
    for (const [a, b] of fromGrep) merged.add(a, b);
    const covered = merged.list();
    const full = covered.length === 1 && covered[0]![0] === start && covered[0]![1] === end;
    const readFull = fromRead.length === 1 && fromRead[0]![0] === start && fromRead[0]![1] === end;
    const kind: Verification =
      covered.length === 0
        ? "unverified"
        : readFull || (fromRead.length > 0 && fromGrep.length === 0)
          ? "read"
          : "grep";
    return { full, covered, kind };
  }
}
