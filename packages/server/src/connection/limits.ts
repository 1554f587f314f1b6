/** Token-bucket state, kept as plain fields on the connection (no object per connection). */
export interface BucketState {
  tokens: number;
  refilledAt: number;
}

/**
 * Takes one token from the bucket, refilling it at `rate` per second up to `burst`.
 * Returns false when the bucket is empty (the frame must be dropped).
 */
export function takeToken(state: BucketState, now: number, rate: number, burst: number): boolean {
  const elapsed = now - state.refilledAt;
  if (elapsed > 0) {
    state.tokens = Math.min(burst, state.tokens + (elapsed * rate) / 1000);
    state.refilledAt = now;
  }
  if (state.tokens < 1) return false;
  state.tokens -= 1;
  return true;
}
