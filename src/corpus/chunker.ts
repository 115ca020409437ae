/**
 * Documents → chunks of about 512 cl100k tokens (Context-1's size). Chunks end at natural
 * boundaries where one lies in the second half of the window: before a Markdown heading first,
 * then at a blank line, then at a line end, else at a token boundary; a chunk also stays under
 * 16 KiB of UTF-8, as Chroma's indexer requires. Line spans are kept for citations. Pure.
 */
import { tokenPieces } from "./cl100k.js";

export const CHUNK_TOKENS = 512;
export const CHUNK_MAX_BYTES = 16_384;

export interface TextChunk {
  text: string;
  tokens: number;
  startLine: number;
  endLine: number;
}

/** Break quality after a piece: 3 before a heading, 2 at a blank line, 1 at a line end, 0 none. */
function breakRank(text: string, end: number): number {
  if (text.charCodeAt(end - 1) !== 10) return 0;
  if (text.charCodeAt(end) === 35 /* # */) return 3;
  return text.charCodeAt(end - 2) === 10 ? 2 : 1;
}

function utf8Bytes(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 2 : 3;
  }
  return n;
}

/** Split `text` into chunks; whitespace-only stretches make no chunk. */
export function chunkText(text: string, maxTokens = CHUNK_TOKENS, maxBytes = CHUNK_MAX_BYTES): TextChunk[] {
  const { ends, tokens } = tokenPieces(text);
  const n = ends.length;
  const out: TextChunk[] = [];
  const lineStarts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const emit = (from: number, to: number, count: number) => {
    const slice = text.slice(from, to);
    if (slice.trim() === "") return;
    // The span's last line is that of its last non-newline character.
    let last = to - 1;
    while (last > from && (text.charCodeAt(last) === 10 || text.charCodeAt(last) === 13)) last--;
    out.push({ text: slice, tokens: count, startLine: lineOf(from), endLine: lineOf(last) });
  };

  let startPiece = 0;
  let startOffset = 0;
  let used = 0;
  let bytes = 0;
  // Best break seen so far in the current chunk's second half: piece index, rank, tokens up to it.
  let best = -1;
  let bestRank = -1;
  let bestTokens = 0;
  for (let i = 0; i < n; i++) {
    const t = tokens[i] ?? 0;
    const pieceStart = i === 0 ? 0 : (ends[i - 1] ?? 0);
    const pieceEnd = ends[i] ?? 0;
    const b = utf8Bytes(text, pieceStart, pieceEnd);
    if (i > startPiece && (used + t > maxTokens || bytes + b > maxBytes)) {
      // Cut at the best break of the second half, or right before this piece.
      const cut = best >= 0 ? best : i - 1;
      const cutTokens = best >= 0 ? bestTokens : used;
      const cutEnd = ends[cut] ?? pieceStart;
      emit(startOffset, cutEnd, cutTokens);
      startPiece = cut + 1;
      startOffset = cutEnd;
      used -= cutTokens;
      bytes = utf8Bytes(text, startOffset, pieceStart);
      best = -1;
      bestRank = -1;
      bestTokens = 0;
    }
    used += t;
    bytes += b;
    const rank = breakRank(text, pieceEnd);
    if (rank > 0 && used * 2 >= maxTokens && rank >= bestRank) {
      best = i;
      bestRank = rank;
      bestTokens = used;
    }
  }
  if (startOffset < text.length) emit(startOffset, text.length, used);
  return out;
}
