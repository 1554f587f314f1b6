/**
 * The hub's log: a pino-compatible object (`logger.warn({ fields }, 'message')`). What the hub
 * writes there is for operators: start, broker down and up, history repairs, drain, hook errors,
 * slow consumers in aggregate. Tokens and message payloads are never written.
 */

/** A pino-compatible logger: pino, or anything with these methods. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const LEVELS = ['info', 'warn', 'error'] as const;

/** Checks a `logger` option: `undefined` (the default) or an object with `info`, `warn` and `error`. */
export function resolveLogger(logger: unknown): Logger | undefined {
  if (logger === undefined) return undefined;
  if (typeof logger !== 'object' || logger === null) {
    throw new TypeError('"logger" must be a pino-compatible object with info, warn and error methods');
  }
  for (const level of LEVELS) {
    if (typeof (logger as Record<string, unknown>)[level] !== 'function') {
      throw new TypeError(`"logger.${level}" must be a function (a pino-compatible logger)`);
    }
  }
  return logger as Logger;
}
