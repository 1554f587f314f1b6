import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenRefresher } from '../src/refresh.js';

describe('TokenRefresher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refreshes at 80% of the ttl, then at 80% of each new ttl', async () => {
    const request = vi.fn(async () => 2_000);
    const r = new TokenRefresher(request, () => {});
    r.schedule(10_000);
    await vi.advanceTimersByTimeAsync(7_999);
    expect(request).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(request).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_599);
    expect(request).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(request).toHaveBeenCalledTimes(2);
  });

  it('keeps one request in flight at a time', async () => {
    let finish!: (ttl: number) => void;
    const request = vi.fn(() => new Promise<number>((resolve) => (finish = resolve)));
    const r = new TokenRefresher(request, () => {});
    r.run();
    r.run();
    r.schedule(100);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(request).toHaveBeenCalledTimes(1);
    finish(1_000);
    await vi.advanceTimersByTimeAsync(800);
    expect(request).toHaveBeenCalledTimes(2);
  });

  it('no ttl means no refresh; stop cancels and ignores the answer in flight', async () => {
    let finish!: (ttl: number) => void;
    const request = vi.fn(() => new Promise<number>((resolve) => (finish = resolve)));
    const r = new TokenRefresher(request, () => {});
    r.schedule(undefined);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(request).not.toHaveBeenCalled();
    r.run();
    r.stop();
    finish(100);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('reports a failed refresh and does not retry on its own', async () => {
    const onError = vi.fn();
    const request = vi.fn(async () => {
      throw new Error('provider down');
    });
    const r = new TokenRefresher(request, onError);
    r.schedule(1_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(request).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'provider down' }));
  });
});
