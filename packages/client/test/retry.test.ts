import { CloseCode } from '@hubbub/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/options.js';
import { planRetry, retryState } from '../src/retry.js';

const opts = { ...DEFAULTS.reconnect, jitter: 0 };
const half = () => 0.5;

describe('#planRetry', () => {
  it.each([CloseCode.Forbidden, CloseCode.Policy, CloseCode.BadRequest, CloseCode.ProtocolError, 1007])(
    'stops on fatal code %i with a CLOSED error',
    (code) => {
      expect(planRetry(code, 'no', retryState(), opts)).toMatchObject({ code: 'CLOSED', closeCode: code });
    },
  );

  it('stops without an error on a normal close', () => {
    expect(planRetry(1000, '', retryState(), opts)).toBeUndefined();
  });

  it('backs off exponentially on a lost connection, counting attempts', () => {
    const state = retryState();
    expect([1, 2, 3, 4].map(() => planRetry(1006, '', state, opts))).toEqual([500, 1000, 2000, 4000]);
    expect(state.attempts).toBe(4);
  });

  it('reconnects at once after token expiry, but not twice in a row', () => {
    const state = retryState();
    expect(planRetry(CloseCode.TokenExpired, '', state, opts)).toBe(0);
    expect(planRetry(CloseCode.TokenExpired, '', state, opts)).toBe(1000);
  });

  it('asks for a token once more after unauthorized; a second refusal stops', () => {
    const state = retryState();
    expect(planRetry(CloseCode.Unauthorized, '', state, opts)).toBe(0);
    expect(planRetry(CloseCode.Unauthorized, 'bad', state, opts)).toMatchObject({
      code: 'UNAUTHORIZED',
      closeCode: 4401,
    });
  });

  it("honours the server's goaway hint on 1001, else backs off", () => {
    const state = retryState();
    expect(planRetry(CloseCode.GoingAway, '', state, opts, half)).toBe(500);
    state.goAwayMs = 1234;
    expect(planRetry(CloseCode.GoingAway, '', state, opts, half)).toBe(1234);
  });

  it('waits at least the advised floor after rate limiting and overload', () => {
    expect(planRetry(CloseCode.RateLimited, '', retryState(), opts)).toBe(2000);
    expect(planRetry(CloseCode.TryAgainLater, '', retryState(), opts)).toBe(2000);
    expect(planRetry(CloseCode.SlowConsumer, '', retryState(), opts)).toBe(1000);
  });

  it('gives up after maxAttempts', () => {
    const state = retryState();
    const limited = { ...opts, maxAttempts: 2 };
    planRetry(1006, '', state, limited);
    planRetry(1006, '', state, limited);
    expect(planRetry(1006, '', state, limited)).toMatchObject({ code: 'RECONNECT_FAILED' });
  });
});
