/**
 * The warning an answer carries when some of its tool calls stopped at the tool time limit and the
 * answer was built on their partial results (the embedded explorer ranks on what came back; a
 * loaded machine or a huge tree is the usual cause). One wording, made and recognized here, so
 * that the eval can count such answers: two runs of the same code differ when one of them was cut
 * short and the other was not.
 */

const MARK = "tool calls hit the time limit";

export function timeLimitWarning(limited: number, total: number, limitMs: number): string {
  const limit = limitMs < 1000 ? `${limitMs} ms` : `${Math.round(limitMs / 100) / 10} s`;
  return `${limited} of ${total} ${MARK} of ${limit}; the ranking saw their partial results`;
}

export function isTimeLimitWarning(warning: string): boolean {
  return warning.includes(MARK);
}
