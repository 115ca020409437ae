/**
 * The only place that writes diagnostics. Everything goes to stderr (or FC_LOG_FILE), never stdout:
 * stdout carries only the product (answers, --json events, MCP frames).
 */
import { appendFileSync } from "node:fs";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

let threshold: LogLevel = (process.env.FC_LOG_LEVEL as LogLevel | undefined) ?? "warn";

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

function write(line: string): void {
  const file = process.env.FC_LOG_FILE;
  if (file) {
    try {
      appendFileSync(file, line);
      return;
    } catch {
      // Fall through to stderr: losing the log file must not lose the message.
    }
  }
  process.stderr.write(line);
}

export function createLogger(area: string): Logger {
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[threshold]) return;
    const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : "";
    write(`fastcontext ${level} [${area}] ${msg}${extra}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}
