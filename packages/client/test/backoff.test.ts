import { describe, expect, it } from 'vitest';
import { BACKOFF_DEFAULTS, backoff } from '../src/backoff.js';

describe('#backoff', () => {
  it('grows by the factor from minDelayMs and stops at maxDelayMs (no jitter)', () => {
    const opts = { ...BACKOFF_DEFAULTS, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoff(a, opts))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });

  it('full jitter spreads the delay uniformly over [0, cap]', () => {
    expect(backoff(3, BACKOFF_DEFAULTS, () => 0)).toBe(0);
    expect(backoff(3, BACKOFF_DEFAULTS, () => 0.5)).toBe(2000);
    expect(backoff(3, BACKOFF_DEFAULTS, () => 0.999999)).toBe(4000);
    expect(backoff(40, BACKOFF_DEFAULTS, () => 0.5)).toBe(15000);
  });

  it('partial jitter keeps the delay within [cap·(1−j), cap]', () => {
    const opts = { ...BACKOFF_DEFAULTS, jitter: 0.25 };
    expect(backoff(1, opts, () => 0)).toBe(750);
    expect(backoff(1, opts, () => 0.999999)).toBe(1000);
  });

  it('never exceeds the cap nor goes below zero for any random value', () => {
    for (let attempt = 0; attempt < 50; attempt++) {
      for (const r of [0, 0.1, 0.5, 0.9, 0.9999]) {
        const d = backoff(attempt, { ...BACKOFF_DEFAULTS, maxDelayMs: 10_000 }, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(10_000);
      }
    }
  });
});
