/** Reconnection timing. */
export interface BackoffOptions {
  /**
   * First delay cap, in ms.
   * @default 500
   */
  readonly minDelayMs: number;
  /**
   * Largest delay, in ms.
   * @default 30_000
   */
  readonly maxDelayMs: number;
  /**
   * Growth of the cap per failed attempt.
   * @default 2
   */
  readonly factor: number;
  /**
   * `'full'`: the delay is uniform in [0, cap] (full jitter). A number j in [0, 1]: uniform in
   * [cap·(1 − j), cap]; 0 turns jitter off.
   * @default 'full'
   */
  readonly jitter: 'full' | number;
}

/** Default reconnection timing. */
export const BACKOFF_DEFAULTS: BackoffOptions = {
  minDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 'full',
};

/**
 * Delay before reconnect attempt number `attempt` (0 for the first retry): exponential growth
 * capped at `maxDelayMs`, with jitter so that clients dropped together do not return together.
 * Pure: `random` must return a number in [0, 1).
 */
export function backoff(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const { minDelayMs, maxDelayMs, factor, jitter } = options;
  const cap = Math.min(maxDelayMs, minDelayMs * factor ** Math.max(0, attempt));
  const spread = jitter === 'full' ? 1 : Math.min(1, Math.max(0, jitter));
  return Math.round(cap * (1 - spread) + cap * spread * random());
}
