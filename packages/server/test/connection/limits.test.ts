import { describe, expect, it } from 'vitest';
import { takeToken } from '../../src/connection/limits.js';

describe('takeToken', () => {
  it('allows a burst, then the sustained rate', () => {
    const bucket = { tokens: 3, refilledAt: 0 };
    expect([1, 2, 3, 4].map(() => takeToken(bucket, 0, 10, 3))).toEqual([true, true, true, false]);
    expect(takeToken(bucket, 50, 10, 3)).toBe(false);
    expect(takeToken(bucket, 100, 10, 3)).toBe(true);
    expect(takeToken(bucket, 100, 10, 3)).toBe(false);
  });

  it('never refills past the burst', () => {
    const bucket = { tokens: 0, refilledAt: 0 };
    takeToken(bucket, 60_000, 10, 3);
    expect(bucket.tokens).toBe(2);
  });
});
