/**
 * The reconnect policy every target's clients follow in the storm scenarios: the first retry
 * after a random 0–1 s, then 250 ms·2ⁿ capped at 5 s with half jitter, at most 30 attempts.
 */

const FIRST_RETRY_JITTER_MS = 1_000;
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 5_000;
const MAX_ATTEMPTS = 30;

/** Delay before the first attempt after a lost link. */
export function firstRetryMs() {
  return Math.random() * FIRST_RETRY_JITTER_MS;
}

/** Delay before attempt `attempt + 1` after attempt `attempt` failed, or undefined: give up. */
export function nextRetryMs(attempt) {
  if (attempt + 1 >= MAX_ATTEMPTS) return undefined;
  const cap = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt);
  return cap * (0.5 + Math.random() / 2);
}
