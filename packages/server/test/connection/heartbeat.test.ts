import { CloseCode } from '@hubbub/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHub } from '../../../../test/utils/hub.js';
import { waitFor } from '../../../../test/utils/wait.js';
import { checkLiveness, type LivenessState, sweepPeriod } from '../../src/connection/heartbeat.js';
import { TestClient } from '../utils/tclient.js';

const cfg = { intervalMs: 1_000, timeoutMs: 500, connectTimeoutMs: 2_000, tokenGraceMs: 100 };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function state(over: Partial<LivenessState> = {}): Mutable<LivenessState> {
  return { authenticated: true, openedAt: 0, nextPingAt: 1_000, pingSentAt: 0, expiresAt: 0, ...over };
}

/** What `Connection.pinged` does to its liveness fields. */
function markPinged(s: Mutable<LivenessState>, now: number, intervalMs: number): void {
  if (s.pingSentAt === 0) s.pingSentAt = now;
  s.nextPingAt = now + intervalMs;
}

function markAlive(s: Mutable<LivenessState>): void {
  s.pingSentAt = 0;
}

describe('checkLiveness (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pings on the interval and drops a peer that misses the pong deadline', () => {
    const s = state();
    expect(checkLiveness(s, 999, cfg)).toBe('ok');
    expect(checkLiveness(s, 1_000, cfg)).toBe('ping');
    markPinged(s, 1_000, cfg.intervalMs);
    expect(checkLiveness(s, 1_499, cfg)).toBe('ok');
    expect(checkLiveness(s, 1_500, cfg)).toBe('dead');
  });

  it('keeps a peer that answers', () => {
    const s = state();
    vi.setSystemTime(1_000);
    markPinged(s, Date.now(), cfg.intervalMs);
    vi.advanceTimersByTime(200);
    markAlive(s);
    vi.advanceTimersByTime(700);
    expect(checkLiveness(s, Date.now(), cfg)).toBe('ok');
    vi.advanceTimersByTime(100);
    expect(checkLiveness(s, Date.now(), cfg)).toBe('ping');
  });

  it('times out an unauthenticated socket and expires tokens after the grace period', () => {
    const fresh = state({ authenticated: false });
    expect(checkLiveness(fresh, 1_999, cfg)).toBe('ok');
    expect(checkLiveness(fresh, 2_000, cfg)).toBe('connect-timeout');
    const expiring = state({ expiresAt: 800 });
    expect(checkLiveness(expiring, 899, cfg)).toBe('ok');
    expect(checkLiveness(expiring, 900, cfg)).toBe('expired');
  });

  it('sweeps often enough for the shortest deadline, at most once a second', () => {
    expect(sweepPeriod(cfg)).toBe(125);
    expect(sweepPeriod({ ...cfg, intervalMs: 25_000, timeoutMs: 10_000, connectTimeoutMs: 10_000 })).toBe(
      1_000,
    );
  });
});

describe('heartbeats on a real socket', () => {
  it('sends protocol and WebSocket pings; answers client pings with pong', async () => {
    const { url } = await startHub({ heartbeat: { intervalMs: 50, timeoutMs: 200 } });
    const c = new TestClient(url);
    let wsPings = 0;
    c.ws.on('ping', () => wsPings++);
    await c.connect();
    await c.waitForMessage('ping');
    c.send({ type: 'ping' });
    await c.waitForMessage('pong');
    await waitFor(() => wsPings >= 2);
  });

  it('terminates a half-open peer that answers nothing, and keeps one that only answers WebSocket pings', async () => {
    const { hub, url } = await startHub({ heartbeat: { intervalMs: 50, timeoutMs: 150 } });
    const disconnects: Array<{ sid: string; code: number }> = [];
    hub.on('disconnect', (d) => disconnects.push(d));
    const silent = new TestClient(url, { autoPong: false });
    const silentSid = (await silent.connect()).sid;
    const wsOnly = new TestClient(url);
    await wsOnly.connect();
    expect((await silent.waitForClose()).code).toBe(CloseCode.Abnormal);
    await waitFor(() => disconnects.some((d) => d.sid === silentSid));
    expect(disconnects.find((d) => d.sid === silentSid)?.code).toBe(CloseCode.Abnormal);
    for (let i = 0; i < 5; i++) await wsOnly.waitForMessage('ping');
    expect(wsOnly.ws.readyState).toBe(wsOnly.ws.OPEN);
  });
});
