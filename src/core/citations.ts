/**
 * Turning an answer's raw citations into verified ones: paths repaired through the workspace,
 * files must exist, ranges must be inside the file, and only lines a tool result actually showed
 * survive (a range is trimmed to what was seen, or reported as unseen). Keeps the model's order
 * (its rank), merges duplicates and overlaps, caps the count (what the cap cuts is reported as
 * dropped, never lost silently).
 */

import type { ObservationLedger } from "../contracts/observations.js";
import { countLines } from "../tools/support/line-reader.js";
import type { Workspace } from "../workspace/workspace.js";
import type { RawCitation } from "./final-answer.js";
import type { Citation, LineSpan, Verification } from "./types.js";

export interface ValidationResult {
  citations: Citation[];
  /** Dropped for good: missing files, secrets, out-of-bounds ranges. */
  dropped: Array<LineSpan & { reason: string }>;
  /** Real files and ranges the exploration never showed (a correction turn may fix them). */
  unseen: Array<LineSpan & { reason?: string }>;
}

export interface ValidationOptions {
  maxCitations: number;
  /** When false, unseen ranges are kept as unverified citations instead of being set aside. */
  requireObserved: boolean;
  /**
   * A partly seen range is trimmed to its seen lines when at least this fraction was seen;
   * below it, the range counts as unseen (so a correction turn can ask about it). Default 0:
   * any seen line is enough to trim.
   */
  minCoverageToTrim?: number;
  /** The run's observation ledger: what its tool results showed. */
  ledger: ObservationLedger;
}

type Candidate = Citation & { order: number };

const STRENGTH: Record<Verification, number> = { unverified: 0, trimmed: 1, grep: 2, read: 3 };

function coverage(covered: Array<[number, number]>, start: number, end: number): number {
  const seen = covered.reduce((n, [a, b]) => n + (b - a + 1), 0);
  return seen / (end - start + 1);
}

function mergeInto(list: Candidate[], c: Candidate): void {
  for (const existing of list) {
    if (existing.path !== c.path) continue;
    if (c.start <= existing.end + 1 && c.end >= existing.start - 1) {
      existing.start = Math.min(existing.start, c.start);
      existing.end = Math.max(existing.end, c.end);
      existing.verified = existing.verified && c.verified;
      // A merged span is only as well verified as its weakest part.
      if (c.verification && existing.verification && STRENGTH[c.verification] < STRENGTH[existing.verification])
        existing.verification = c.verification;
      if (!existing.reason && c.reason) existing.reason = c.reason;
      return;
    }
  }
  list.push(c);
}

export async function validateCitations(
  ws: Workspace,
  raw: readonly RawCitation[],
  options: ValidationOptions,
): Promise<ValidationResult> {
  const dropped: ValidationResult["dropped"] = [];
  const unseen: ValidationResult["unseen"] = [];
  const kept: Candidate[] = [];
  const lineCounts = new Map<string, number>();
  const ledger = options.ledger;
  let order = 0;
  for (const rc of raw) {
    const resolved = ws.resolve(rc.path, "file");
    if (!resolved.ok) {
      const span = rc.ranges[0] ?? { start: 0, end: 0 };
      dropped.push({
        path: rc.path,
        start: span.start,
        end: span.end,
        reason: resolved.reason === "ambiguous" ? "ambiguous path" : "file does not exist in the workspace",
      });
      continue;
    }
    const rel = resolved.rel;
    if (ws.isSecret(rel)) {
      const span = rc.ranges[0] ?? { start: 0, end: 0 };
      dropped.push({ path: rel, start: span.start, end: span.end, reason: "secret file" });
      continue;
    }
    let total = lineCounts.get(rel);
    if (total === undefined) {
      try {
        total = await countLines(resolved.abs);
      } catch {
        total = 0;
      }
      lineCounts.set(rel, total);
    }
    // A bare path cites what was seen of the file; nothing seen means nothing verifiable.
    const ranges = rc.ranges.length > 0 ? rc.ranges : ledger.observed(rel).map(([start, end]) => ({ start, end }));
    if (ranges.length === 0) {
      unseen.push({ path: rel, start: 1, end: Math.max(1, total), ...(rc.reason ? { reason: rc.reason } : {}) });
      continue;
    }
    for (const range of ranges) {
      if (range.start > total) {
        dropped.push({
          path: rel,
          start: range.start,
          end: range.end,
          reason: `beyond the end of the file (${total} lines)`,
        });
        continue;
      }
      const start = range.start;
      const end = Math.min(range.end, total);
      const seen = ledger.check(rel, start, end);
      const base = rc.reason ? { reason: rc.reason } : {};
      if (seen.full) {
        mergeInto(kept, { path: rel, start, end, verified: true, verification: seen.kind, ...base, order: order++ });
      } else if (seen.covered.length > 0 && coverage(seen.covered, start, end) >= (options.minCoverageToTrim ?? 0)) {
        for (const [a, b] of seen.covered)
          mergeInto(kept, {
            path: rel,
            start: a,
            end: b,
            verified: true,
            verification: "trimmed",
            ...base,
            order: order++,
          });
      } else if (options.requireObserved) {
        unseen.push({ path: rel, start, end, ...base });
      } else {
        mergeInto(kept, {
          path: rel,
          start,
          end,
          verified: false,
          verification: "unverified",
          ...base,
          order: order++,
        });
      }
    }
  }
  kept.sort((a, b) => a.order - b.order);
  const cap = options.maxCitations > 0 ? options.maxCitations : kept.length;
  for (const c of kept.slice(cap))
    dropped.push({ path: c.path, start: c.start, end: c.end, reason: `over the cap of ${cap} citations` });
  const citations = kept.slice(0, cap).map(({ order: _order, ...c }) => c);
  return { citations, dropped, unseen };
}

/** The user message of a correction turn: which citations were never seen, and what to do. */
export function correctionMessage(ws: Workspace, unseen: ValidationResult["unseen"]): string {
  const lines = unseen.map((u) => `- ${ws.display(u.path)}:${u.start}-${u.end}`);
  return [
    "Your final answer cites line ranges you never opened:",
    ...lines,
    "Open them with Read (or confirm them with Grep), or remove or replace them, then give your final answer again in a <final_answer> block. Citations of lines you have not seen will be removed.",
  ].join("\n");
}
