import { ErrorCode } from '@hubbub/protocol';
import type { Connection } from '../connection/connection.js';
import type { AuthorizeAction } from './auth.js';
import { toClientFailure } from './errors.js';

/**
 * `authorize` verdict: allowed, refused, or already answered (the hook threw and got `INTERNAL`,
 * or refused with its own message).
 */
export type Verdict = 'allow' | 'deny' | 'error';

function read(conn: Connection, id: number, value: unknown): Verdict {
  if (value === true) return 'allow';
  if (typeof value !== 'string' || value === '') return 'deny';
  conn.fail(id, ErrorCode.Forbidden, value.slice(0, 512));
  return 'error';
}

function failed(conn: Connection, id: number, err: unknown): Verdict {
  const failure = toClientFailure(conn.hub, err, 'authorize failed');
  conn.fail(id, failure.code, failure.message);
  return 'error';
}

/**
 * Runs `authorize` for a request. Synchronous hooks (and no hook) give a verdict at once, so the
 * common path stays synchronous; a promise is returned only when the hook returned one.
 */
export function authorize(
  conn: Connection,
  id: number,
  action: AuthorizeAction,
  topic: string,
  data?: unknown,
): Verdict | Promise<Verdict> {
  const hook = conn.hub.options.authorize;
  if (hook === undefined) return 'allow';
  let value: unknown;
  try {
    value =
      action === 'publish' ? hook(conn.principal, action, topic, data) : hook(conn.principal, action, topic);
  } catch (err) {
    return failed(conn, id, err);
  }
  if (value instanceof Promise) {
    return value.then(
      (v) => read(conn, id, v),
      (err) => failed(conn, id, err),
    );
  }
  return read(conn, id, value);
}

/** Answers a refused request. */
export function forbid(conn: Connection, id: number, action: AuthorizeAction, topic: string): void {
  conn.fail(id, ErrorCode.Forbidden, `not allowed to ${action} "${topic}"`);
}
