/**
 * Fatal errors at the process edge. Recoverable problems are tool results, never these.
 * Exit codes are documented in the README ("Exit codes").
 */
export const EXIT = {
  ok: 0,
  /** The run ended without a normal answer (partial result printed). */
  partial: 1,
  /** Bad flags, bad config, bad arguments. */
  config: 2,
  /** The model endpoint could not be reached or kept failing after retries. */
  endpoint: 3,
  /** The answer was empty: no citation survived. */
  noAnswer: 4,
  /** A bug in fastcontext itself (an unexpected exception); details with FC_DEBUG=1. */
  internal: 70,
  /** Cancelled by the user (SIGINT/SIGTERM or an abort). */
  cancelled: 130,
} as const;

export interface FatalErrorOptions {
  /** The error underneath (its message goes to the cause chain, never into this message). */
  cause?: unknown;
  /** What the user can do about it, as a short clause ("check that the server is running"). */
  hint?: string;
}

/**
 * An error that ends the process with `exitCode`. Its message says what failed in one sentence
 * and does not repeat its causes: those are listed by `causeChain` (shown under -v and in --json).
 */
export class FatalError extends Error {
  readonly hint: string | undefined;
  constructor(
    message: string,
    readonly exitCode: number,
    options: FatalErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

export class ConfigError extends FatalError {
  constructor(message: string, options?: FatalErrorOptions) {
    super(message, EXIT.config, options);
  }
}

export class EndpointError extends FatalError {
  constructor(message: string, options?: FatalErrorOptions) {
    super(message, EXIT.endpoint, options);
  }
}

export class CancelledError extends FatalError {
  constructor(message = "cancelled", options?: FatalErrorOptions) {
    super(message, EXIT.cancelled, options);
  }
}

/**
 * `what failed (detail)` → the two parts; any other message → itself. Lower layers write their
 * detail in a trailing parenthesis; callers put the first part in a sentence and the detail in the
 * cause chain, so messages never nest.
 */
export function splitDetail(message: string): { head: string; detail?: string } {
  if (!message.endsWith(")")) return { head: message };
  let depth = 0;
  for (let i = message.length - 1; i >= 0; i--) {
    const ch = message[i];
    if (ch === ")") depth++;
    else if (ch === "(" && --depth === 0) {
      const head = message.slice(0, i).trimEnd();
      return head === "" ? { head: message } : { head, detail: message.slice(i + 1, -1) };
    }
  }
  return { head: message };
}

/** The first part of an error's message (see `splitDetail`). */
export function headline(error: unknown): string {
  return splitDetail(errorMessage(error)).head;
}

/**
 * What lies under `error`, outermost first: the detail of its own message, then each cause's
 * message (and detail), each once, none that the message above already says.
 */
export function causeChain(error: unknown): string[] {
  const chain: string[] = [];
  const add = (text: string | undefined) => {
    const t = text?.trim();
    if (t && !chain.includes(t) && !chain.some((c) => c.includes(t))) chain.push(t);
  };
  const top = splitDetail(errorMessage(error));
  add(top.detail);
  let current: unknown = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const parts = splitDetail(errorMessage(current));
    if (!top.head.includes(parts.head)) add(parts.head);
    add(parts.detail);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

/** One line for a person: what failed, then what to do when that is known. */
export function oneLine(error: unknown): string {
  const hint = error instanceof FatalError ? error.hint : undefined;
  return hint ? `${errorMessage(error)}; ${hint}` : errorMessage(error);
}

/** The error as `--json` prints it. */
export function describeError(error: unknown): { message: string; hint?: string; causes: string[] } {
  const hint = error instanceof FatalError ? error.hint : undefined;
  return { message: errorMessage(error), ...(hint ? { hint } : {}), causes: causeChain(error) };
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
