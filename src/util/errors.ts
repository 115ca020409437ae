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

export class FatalError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ConfigError extends FatalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.config, options);
  }
}

export class EndpointError extends FatalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.endpoint, options);
  }
}

export class CancelledError extends FatalError {
  constructor(message = "cancelled", options?: { cause?: unknown }) {
    super(message, EXIT.cancelled, options);
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
