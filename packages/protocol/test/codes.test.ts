import { CloseCode, isFatalClose, limitCloseReason, reconnectAdvice } from '@hubbub/protocol';
import { describe, expect, it } from 'vitest';

describe('#reconnectAdvice', () => {
  it.each([
    [CloseCode.Normal, false],
    [CloseCode.Forbidden, false],
    [CloseCode.BadRequest, false],
    [CloseCode.Policy, false],
    [CloseCode.Revoked, false],
    [CloseCode.Kicked, true],
    [CloseCode.GoingAway, true],
    [CloseCode.Abnormal, true],
    [CloseCode.InternalError, true],
    [CloseCode.TryAgainLater, true],
    [CloseCode.SlowConsumer, true],
    [CloseCode.RateLimited, true],
    [CloseCode.ConnectTimeout, true],
    [CloseCode.TokenExpired, true],
    [4999, true],
  ])('code %i reconnects: %s', (code, reconnect) => {
    expect(reconnectAdvice(code).reconnect).toBe(reconnect);
    expect(isFatalClose(code)).toBe(!reconnect);
  });

  it('reconnects at once with a fresh token after the token expired', () => {
    expect(reconnectAdvice(CloseCode.TokenExpired)).toMatchObject({ delay: 'immediate', refreshToken: true });
  });

  it('honours the server hint after going away', () => {
    expect(reconnectAdvice(CloseCode.GoingAway).delay).toBe('hint');
  });

  it('slows down after rate limiting', () => {
    expect(reconnectAdvice(CloseCode.RateLimited).minDelayMs).toBeGreaterThan(0);
  });

  it('comes back after a kick, not at once', () => {
    expect(reconnectAdvice(CloseCode.Kicked)).toMatchObject({ reconnect: true, delay: 'backoff' });
    expect(reconnectAdvice(CloseCode.Kicked).minDelayMs).toBeGreaterThan(0);
  });
});

describe('#limitCloseReason', () => {
  it('keeps short reasons', () => {
    expect(limitCloseReason('bye')).toBe('bye');
  });

  it('cuts long reasons to 123 bytes on a character boundary', () => {
    const cut = limitCloseReason('é'.repeat(100));
    expect(new TextEncoder().encode(cut).length).toBeLessThanOrEqual(123);
    expect(cut).toBe('é'.repeat(61));
  });
});
