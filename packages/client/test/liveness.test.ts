import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { livenessTimeout, Watchdog } from '../src/liveness.js';

describe('Watchdog', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires after the timeout of silence', () => {
    const dead = vi.fn();
    const w = new Watchdog(dead);
    w.start(1000);
    vi.advanceTimersByTime(999);
    expect(dead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(dead).toHaveBeenCalledTimes(1);
  });

  it('traffic pushes the deadline back; silence after the last frame still fires on time', () => {
    const dead = vi.fn();
    const w = new Watchdog(dead);
    w.start(1000);
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(600);
      w.touch();
    }
    expect(dead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(999);
    expect(dead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(dead).toHaveBeenCalledTimes(1);
  });

  it('stop cancels; start re-arms with a new timeout', () => {
    const dead = vi.fn();
    const w = new Watchdog(dead);
    w.start(1000);
    w.stop();
    vi.advanceTimersByTime(5000);
    expect(dead).not.toHaveBeenCalled();
    w.start(200);
    vi.advanceTimersByTime(200);
    expect(dead).toHaveBeenCalledTimes(1);
  });
});

describe('#livenessTimeout', () => {
  it('is the heartbeat interval plus a grace of half of it, at least 1 s', () => {
    expect(livenessTimeout(25_000)).toBe(37_500);
    expect(livenessTimeout(1_000)).toBe(2_000);
  });
  it('an explicit timeout wins', () => {
    expect(livenessTimeout(25_000, 5_000)).toBe(5_000);
  });
});
