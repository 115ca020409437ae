/**
 * The judgement calls of `eval mine`, kept apart so they are easy to read and test: which commit
 * messages describe a fix or reference an issue, which paths are source code (not tests, docs,
 * lockfiles, generated or vendored files), and how a message becomes a query without trailers.
 */
import { isCodePath } from "./bm25-index.js";

const ISSUE_REF = [
  /(?:^|[\s([])#\d+\b/,
  /\bGH-\d+\b/i,
  /\/issues\/\d+\b/,
  /\b(?:fix(?:e[sd])?|close[sd]?|resolve[sd]?)\s*:?\s*#?\d+\b/i,
];
/** Jira-like keys ("PROJ-123"); case-sensitive so "utf-8" or "x-1" do not count. */
const JIRA_KEY = /\b[A-Z][A-Z0-9]{1,9}-\d+\b/;
const FIX_WORDS =
  /\b(?:fix(?:e[sd]|ing)?|bug(?:fix)?s?|crash(?:e[sd]|ing)?|regression|broken|incorrect(?:ly)?|wrong|fail(?:s|ed|ure|ing)?|exception|segfault|hang(?:s|ing)?|leak(?:s|ing)?)\b/i;
/** Housekeeping commits whose messages never describe a behaviour to find. */
const SKIP_SUBJECT =
  /^(?:merge\b|revert\b|bump\b|release\b|prepare (?:for )?release|update changelog|changelog\b|version\b|\[skip ci\])/i;

/** Why a message qualifies ("issue", "fix"), or null. */
export function messageQualifies(message: string): "issue" | "fix" | null {
  const subject = message.split("\n", 1)[0]?.trim() ?? "";
  if (subject === "" || SKIP_SUBJECT.test(subject)) return null;
  if (ISSUE_REF.some((re) => re.test(message)) || JIRA_KEY.test(message)) return "issue";
  if (FIX_WORDS.test(message)) return "fix";
  return null;
}

const TRAILER =
  /^\s*(?:[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*-by|Change-Id|Cc|Signed-off|Co-authored|Git-svn-id|X-[A-Za-z-]+)\s*:/i;

/**
 * The query a mined task asks: subject and body with trailers (Signed-off-by, Co-authored-by,
 * Change-Id...), cherry-pick notes and surrounding blank lines removed. Only the message, never
 * anything from the diff.
 */
export function messageToQuery(message: string): string {
  const lines = message
    .replace(/\r\n/g, "\n")
    .split("\n")
    .filter((line) => !TRAILER.test(line) && !/^\s*\(cherry picked from commit [0-9a-f]+\)\s*$/i.test(line));
  return lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const TEST_PATH =
  /(?:^|\/)(?:tests?|testing|__tests__|__mocks__|spec|specs|test_?data|fixtures?)\/|(?:^|\/)(?:test_[^/]*|[^/]*_tests?\.[a-z]+|[^/]*\.(?:test|spec)\.[a-z]+|conftest\.py)$/i;
const DOC_PATH = /(?:^|\/)(?:docs?|documentation|examples?|samples?|benchmarks?)\//i;
const GENERATED_PATH =
  /(?:^|\/)(?:vendor|vendored|third[_-]?party|node_modules|dist|build|generated|gen|_build)\/|(?:\.min\.js|_pb2\.py|\.pb\.go|\.generated\.[a-z]+|_generated\.[a-z]+)$/i;

/** Source code a fix may be localized in: a code extension, not a test, doc, generated or vendored path. */
export function isMinableSource(path: string): boolean {
  return isCodePath(path) && !TEST_PATH.test(path) && !DOC_PATH.test(path) && !GENERATED_PATH.test(path);
}
