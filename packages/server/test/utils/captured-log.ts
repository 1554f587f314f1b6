/** A pino-compatible logger that keeps every line, as JSON, for assertions. */
import type { Logger } from '../../src/index.js';

export interface CapturedLog extends Logger {
  readonly lines: { level: 'info' | 'warn' | 'error'; msg: string | undefined; obj: object }[];
  /** Every line as the JSON text a real logger would write (errors with message and stack). */
  text(): string;
  /** Messages of the lines at `level`. */
  messages(level?: 'info' | 'warn' | 'error'): (string | undefined)[];
}

export function captureLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const at = (level: 'info' | 'warn' | 'error') => (obj: object, msg?: string) => {
    lines.push({ level, msg, obj });
  };
  return {
    lines,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () =>
      lines
        .map((l) =>
          JSON.stringify({ ...l, obj: l.obj }, (_k, v) =>
            v instanceof Error ? { message: v.message, stack: v.stack } : v,
          ),
        )
        .join('\n'),
    messages: (level) => lines.filter((l) => level === undefined || l.level === level).map((l) => l.msg),
  };
}
