import { createClient } from '@hubbub/client';
import { describe, expect, it } from 'vitest';

describe('createClient options', () => {
  it('refuses an unknown or misplaced option with a TypeError naming it', () => {
    const url = 'ws://127.0.0.1:1';
    expect(() => createClient({ url, reconect: {} } as never)).toThrow(/unknown option "reconect"/);
    expect(() => createClient({ url, reconnect: { maxDelay: 5 } } as never)).toThrow(
      /reconnect: unknown option "maxDelay"/,
    );
    expect(() => createClient({ url, sendQueue: { highWater: 5 } } as never)).toThrow(
      /sendQueue: unknown option "highWater"/,
    );
    expect(() => createClient({ url, heartbeat: { intervalMs: 5 } } as never)).toThrow(
      /heartbeat: unknown option "intervalMs"/,
    );
    expect(() => createClient(undefined as never)).toThrow(TypeError);
  });

  it('refuses a send rate of 0 or a burst under 1: pacing cannot be turned off', () => {
    const url = 'ws://127.0.0.1:1';
    expect(() => createClient({ url, sendQueue: { ratePerSecond: 0 } })).toThrow(/ratePerSecond > 0/);
    expect(() => createClient({ url, sendQueue: { ratePerSecond: Number.NaN } })).toThrow(TypeError);
    expect(() => createClient({ url, sendQueue: { burst: 0 } })).toThrow(/burst >= 1/);
    expect(() => createClient({ url, sendQueue: { highWaterMark: 0 } })).toThrow(/highWaterMark/);
  });
});
