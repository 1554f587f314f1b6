/** The standalone server's log: one JSON object per line, in pino's shape. */
import type { LogLevel } from './config/types.js';

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, silent: Number.POSITIVE_INFINITY } as const;

/** A pino-compatible logger: `logger.info({ fields }, 'message')`. */
export interface JsonLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

function errorFields(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return { type: value.name, message: value.message, stack: value.stack };
}

/**
 * Writes lines like pino's (`{"level":30,"time":…,"msg":"…",…}`) at `level` and above. Errors in
 * fields are written as `{ type, message, stack }`.
 */
export function createJsonLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line),
): JsonLogger {
  const min = LEVELS[level];
  const at =
    (name: Exclude<LogLevel, 'silent'>) =>
    (obj: object, msg?: string): void => {
      const n = LEVELS[name];
      if (n < min) return;
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(obj)) fields[k] = errorFields(v);
      write(`${JSON.stringify({ level: n, time: Date.now(), name: 'hubbub', ...fields, msg })}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
