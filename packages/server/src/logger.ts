import type { Logger } from '@dpb/model';

/** Log levels, least to most severe. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface JsonLoggerOptions {
  /** Least severe level written; default info. */
  level?: LogLevel;
  /** Where lines go; default process.stderr. */
  write?: (line: string) => void;
  /** Fields added to every line (e.g. component). */
  base?: Record<string, unknown>;
  /** Time source; default Date.now. */
  now?: () => number;
}

/**
 * A tiny structured logger: one JSON object per line
 * (`{"time":"…","level":"info","msg":"…",…fields}`), written to stderr.
 * Errors in fields are written as `{code, message, details}` or `{name, message}`.
 */
export class JsonLogger implements Logger {
  private readonly min: number;
  private readonly write: (line: string) => void;
  private readonly base: Record<string, unknown>;
  private readonly now: () => number;

  constructor(options: JsonLoggerOptions = {}) {
    this.min = LOG_LEVELS.indexOf(options.level ?? 'info');
    this.write = options.write ?? ((line) => process.stderr.write(line + '\n'));
    this.base = options.base ?? {};
    this.now = options.now ?? Date.now;
  }

  /** A logger writing to the same place with extra fields on every line. */
  child(fields: Record<string, unknown>): JsonLogger {
    const level = LOG_LEVELS[this.min] as LogLevel;
    return new JsonLogger({ level, write: this.write, base: { ...this.base, ...fields }, now: this.now });
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.log('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.log('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.log('error', message, fields);
  }

  private log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
    if (LOG_LEVELS.indexOf(level) < this.min) return;
    const entry = { time: new Date(this.now()).toISOString(), level, msg, ...this.base, ...fields };
    let line: string;
    try {
      line = JSON.stringify(entry, (_k, v: unknown) => (v instanceof Error ? describeError(v) : v));
    } catch {
      line = JSON.stringify({ time: entry.time, level, msg });
    }
    this.write(line);
  }
}

function describeError(e: Error): Record<string, unknown> {
  const b = e as Error & { code?: unknown; details?: unknown };
  return b.code !== undefined
    ? { name: e.name, code: b.code, message: e.message, details: b.details }
    : { name: e.name, message: e.message, stack: e.stack };
}
