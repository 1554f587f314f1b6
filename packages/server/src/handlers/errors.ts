import { ErrorCode as Codes, type ErrorCode, ProtocolError } from '@hubbub/protocol';
import { isBrokerUnavailable } from '../broker/errors.js';
import type { HubCore } from '../hub-core.js';

/** What a client is told about a failed request. */
export interface ClientFailure {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * The one mapping from an error to what the client sees. Protocol errors and broker outages are
 * the client's to know; anything else is a bug or a hook's failure: it reaches the hub's `error`
 * event, and the client gets `INTERNAL` with the error's message only when `exposeErrors` is on.
 */
export function toClientFailure(core: HubCore, err: unknown, what: string): ClientFailure {
  if (err instanceof ProtocolError) return { code: err.code, message: `${what}: ${err.message}` };
  if (isBrokerUnavailable(err)) return { code: err.code, message: `${what}: ${err.message}` };
  core.reportError(err);
  const detail = core.options.exposeErrors && err instanceof Error ? err.message : 'internal error';
  return { code: Codes.Internal, message: `${what}: ${detail}` };
}
