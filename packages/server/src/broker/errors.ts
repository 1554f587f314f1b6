import { ErrorCode } from '@hubbub/protocol';

/**
 * A broker could not do what was asked. Unless `outcomeUnknown` is set, the publish did not
 * happen; with it, it may have (the link died with the publish in flight) and a retry with the
 * same idempotency key is safe. `code` is the error frame's code, as is.
 */
export class BrokerUnavailableError extends Error {
  /** `'UNAVAILABLE'`, or `'OUTCOME_UNKNOWN'` when the publish may have happened. */
  readonly code: typeof ErrorCode.Unavailable | typeof ErrorCode.OutcomeUnknown;
  /** True when the operation may have taken effect. */
  readonly outcomeUnknown: boolean;

  constructor(message: string, options?: ErrorOptions & { readonly outcomeUnknown?: boolean }) {
    super(message, options);
    this.name = 'BrokerUnavailableError';
    this.outcomeUnknown = options?.outcomeUnknown === true;
    this.code = this.outcomeUnknown ? ErrorCode.OutcomeUnknown : ErrorCode.Unavailable;
  }
}

/** Tells whether `err` is a broker's "cannot do that now" error (outcome known or not). */
export function isBrokerUnavailable(err: unknown): err is BrokerUnavailableError {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return code === ErrorCode.Unavailable || code === ErrorCode.OutcomeUnknown;
}
