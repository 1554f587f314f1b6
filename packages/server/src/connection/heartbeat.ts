import { CloseCode } from '@hubbub/protocol';
import type { Connection } from './connection.js';

/** Timing fields a connection keeps for the hub-wide sweep (plain numbers, no timers). */
export interface LivenessState {
  /** True once `connect` succeeded. */
  readonly authenticated: boolean;
  /** When the socket opened (epoch ms). */
  readonly openedAt: number;
  /** When the next ping is due. */
  readonly nextPingAt: number;
  /** When the unanswered ping went out; 0 when none is outstanding. */
  readonly pingSentAt: number;
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

/** Period of the sweep: fine enough for the shortest deadline, at most once a second. */
export function sweepPeriod(cfg: SweepConfig): number {
  const shortest = Math.min(cfg.intervalMs, cfg.timeoutMs, cfg.connectTimeoutMs);
  return Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
}

const PING = { type: 'ping' } as const;

/**
 * One pass of the hub-wide sweep: pings the connections that are due (a protocol `ping` that
 * browser code can see, plus a WebSocket ping frame) and drops those past a deadline.
 */
export function sweep(conns: Iterable<Connection>, now: number, cfg: SweepConfig): void {
  for (const conn of conns) {
    if (conn.closing) continue;
    switch (checkLiveness(conn, now, cfg)) {
      case 'ping':
        conn.pinged(now);
        conn.send(PING);
        conn.socket.ping();
        break;
      case 'dead':
        conn.terminate();
        break;
      case 'connect-timeout':
        conn.close(CloseCode.ConnectTimeout, `no successful "connect" within ${cfg.connectTimeoutMs} ms`);
        break;
      case 'expired':
        conn.close(CloseCode.TokenExpired, 'token expired');
        break;
      case 'ok':
        break;
    }
  }
}
