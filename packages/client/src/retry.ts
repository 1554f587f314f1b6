import { reconnectAdvice } from '@hubbub/protocol';
import { backoff } from './backoff.js';
import { NORMAL, UNAUTHORIZED } from './close-codes.js';
import { HubbubError } from './errors.js';
import type { ReconnectOptions } from './options.js';

/** What the reconnect decision remembers between closes. */
export interface RetryState {
  /** Reconnect attempts since the last stable link. */
  attempts: number;
  /** Whether the provider was already asked again after an unauthorized close. */
  authRetried: boolean;
  /** Retry hint of the last `goaway`, if any. */
  goAwayMs: number | undefined;
}

/** A fresh {@link RetryState}. */
export function retryState(): RetryState {
  return { attempts: 0, authRetried: false, goAwayMs: undefined };
}

/**
 * Decides what follows a close with `code`, following the protocol's `reconnectAdvice`: the delay
 * before the next attempt (and counts the attempt in `state`), or a HubbubError saying why the
 * client stops, or `undefined` to stop without an error (a normal close).
 */
export function planRetry(
  code: number,
  reason: string,
  state: RetryState,
  options: ReconnectOptions,
  random?: () => number,
): number | HubbubError | undefined {
  const advice = reconnectAdvice(code);
  if (!advice.reconnect) {
    return code === NORMAL ? undefined : new HubbubError('CLOSED', `closed: ${code} ${reason}`, code);
  }
  const unauthorized = code === UNAUTHORIZED;
  if (unauthorized && state.authRetried) {
    return new HubbubError('UNAUTHORIZED', `token refused twice: ${reason}`, code);
  }
  state.authRetried ||= unauthorized;
  if (state.attempts >= options.maxAttempts) {
    return new HubbubError('RECONNECT_FAILED', `${state.attempts} attempts failed`, code);
  }
  const attempt = state.attempts++;
  if (advice.delay === 'hint' && state.goAwayMs !== undefined) return state.goAwayMs;
  // A fresh token is worth trying at once, but only once in a row: never a tight loop.
  if (advice.delay === 'immediate' && (unauthorized || attempt === 0)) return 0;
  return Math.max(advice.minDelayMs, backoff(attempt, options, random));
}
