import { ErrorCode } from '@hubbub/protocol';

/**
 * A broker could not do what was asked: the publish did not happen (or its outcome is unknown and a
 * retry with the same idempotency key is safe). `code` is `'UNAVAILABLE'` so the hub can send it as
 * the error frame's code as is.
 */
export class BrokerUnavailableError extends Error {
  /** Always `'UNAVAILABLE'`. */
  readonly code = ErrorCode.Unavailable;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BrokerUnavailableError';
  }
}

/** Tells whether `err` is a broker's "cannot do that now" error. */
export function isBrokerUnavailable(err: unknown): err is BrokerUnavailableError {
  return err instanceof Error && (err as { code?: unknown }).code === ErrorCode.Unavailable;
}
