import { CloseCode, type ConnectMessage, ErrorCode, type RefreshMessage } from '@hubbub/protocol';
import type { Connection } from '../connection/connection.js';
import { runAuthenticate } from './auth.js';

/** Handles `connect`: authenticates, then answers `welcome`. Later frames wait for it. */
export async function connect(conn: Connection, message: ConnectMessage): Promise<void> {
  const hub = conn.hub;
  const started = conn.beginAuthentication();
  if (started === null) {
    conn.refuse(undefined, ErrorCode.NotConnected, 'connect already in progress');
    return;
  }
  const outcome = await runAuthenticate(hub.options.authenticate, {
    token: message.token,
    request: started.request,
    refresh: false,
  });
  if (!outcome.ok) {
    if (outcome.internal) {
      hub.reportError(new Error(outcome.reason));
      conn.close(CloseCode.InternalError, hub.options.exposeErrors ? outcome.reason : 'internal error');
    } else conn.close(CloseCode.Unauthorized, outcome.reason);
    return;
  }
  const now = Date.now();
  if (!conn.accept(outcome, message.client, now)) return;
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
  const hub = conn.hub;
  const outcome = await runAuthenticate(hub.options.authenticate, {
    token: message.token,
    request: undefined,
    refresh: true,
  });
  if (!conn.authenticated) return;
  if (!outcome.ok) {
    if (outcome.internal) hub.reportError(new Error(outcome.reason));
    conn.fail(message.id, ErrorCode.Unauthorized, outcome.reason);
    return;
  }
  conn.refreshed(outcome);
  const ttlMs = conn.expiresAt === 0 ? undefined : Math.max(0, conn.expiresAt - Date.now());
  conn.send(ttlMs === undefined ? { type: 'ack', id: message.id } : { type: 'ack', id: message.id, ttlMs });
}
