import { CloseCode, type ConnectMessage, ErrorCode, type RefreshMessage } from '@hubbub/protocol';
import { runAuthenticate } from './auth.js';
import { type Connection, ConnState } from './connection.js';

/** Handles `connect`: authenticates, then answers `welcome`. Later frames wait for it. */
export async function connect(conn: Connection, message: ConnectMessage): Promise<void> {
  const hub = conn.hub;
  conn.state = ConnState.Authenticating;
  const outcome = await runAuthenticate(hub.options.authenticate, {
    token: message.token,
    request: conn.request ?? undefined,
    refresh: false,
  });
  conn.request = null;
  if (conn.state !== ConnState.Authenticating) return;
  if (!outcome.ok) {
    conn.close(CloseCode.Unauthorized, outcome.reason);
    return;
  }
  const now = Date.now();
  conn.principal = outcome.principal;
  conn.expiresAt = outcome.expiresAt ?? 0;
  conn.state = ConnState.Open;
  conn.nextPingAt = now + hub.options.heartbeat.intervalMs;
  conn.send({
    type: 'welcome',
    sid: conn.sid,
    heartbeatMs: hub.options.heartbeat.intervalMs,
    ...(conn.expiresAt !== 0 && { ttlMs: Math.max(0, conn.expiresAt - now) }),
    limits: hub.announced,
  });
  hub.opened(conn);
}

/** Handles `refresh`: re-runs `authenticate` with the new token, keeping the connection. */
export async function refresh(conn: Connection, message: RefreshMessage): Promise<void> {
  const outcome = await runAuthenticate(conn.hub.options.authenticate, {
    token: message.token,
    request: undefined,
    refresh: true,
  });
  if (conn.state !== ConnState.Open) return;
  if (!outcome.ok) {
    conn.fail(message.id, ErrorCode.Unauthorized, outcome.reason);
    return;
  }
  conn.principal = outcome.principal;
  conn.expiresAt = outcome.expiresAt ?? 0;
  const ttlMs = conn.expiresAt === 0 ? undefined : Math.max(0, conn.expiresAt - Date.now());
  conn.send(ttlMs === undefined ? { type: 'ack', id: message.id } : { type: 'ack', id: message.id, ttlMs });
}
