/** Timing fields a connection keeps for the hub-wide sweep (plain numbers, no timers). */
export interface LivenessState {
  /** True once `connect` succeeded. */
  readonly authenticated: boolean;
  /** When the socket opened (epoch ms). */
  readonly openedAt: number;
  /** When the next ping is due. */
  nextPingAt: number;
  /** When the unanswered ping went out; 0 when none is outstanding. */
  pingSentAt: number;
  /** Token expiry (epoch ms); 0 when the token does not expire. */
  readonly expiresAt: number;
}

/** Timing settings the sweep applies. */
export interface SweepConfig {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly tokenGraceMs: number;
}

/** What the sweep decided for one connection. */
export type Verdict = 'ok' | 'ping' | 'dead' | 'connect-timeout' | 'expired';

/**
 * Decides what a connection needs at `now`: nothing, a ping, or to be dropped. Pure, so the
 * timing rules are tested with a fake clock; the hub runs it for every socket from one interval.
 */
export function checkLiveness(s: LivenessState, now: number, cfg: SweepConfig): Verdict {
  if (!s.authenticated) return now - s.openedAt >= cfg.connectTimeoutMs ? 'connect-timeout' : 'ok';
  if (s.pingSentAt !== 0 && now - s.pingSentAt >= cfg.timeoutMs) return 'dead';
  if (s.expiresAt !== 0 && now >= s.expiresAt + cfg.tokenGraceMs) return 'expired';
  if (now >= s.nextPingAt) return 'ping';
  return 'ok';
}

/** Marks a ping as sent at `now` (keeping an older outstanding one) and schedules the next. */
export function markPinged(s: LivenessState, now: number, intervalMs: number): void {
  if (s.pingSentAt === 0) s.pingSentAt = now;
  s.nextPingAt = now + intervalMs;
}

/** Any sign of life from the peer: the outstanding ping counts as answered. */
export function markAlive(s: LivenessState): void {
  s.pingSentAt = 0;
}

/** Period of the sweep: fine enough for the shortest deadline, at most once a second. */
export function sweepPeriod(cfg: SweepConfig): number {
  const shortest = Math.min(cfg.intervalMs, cfg.timeoutMs, cfg.connectTimeoutMs);
  return Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
}
