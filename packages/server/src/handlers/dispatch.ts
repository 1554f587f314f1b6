import { type ClientMessage, ErrorCode } from '@hubbub/protocol';
import type { Connection } from '../connection/connection.js';
import { call } from './call.js';
import { connect, refresh } from './connect.js';
import { presence } from './presence.js';
import { publish } from './publish.js';
import { subscribe, unsubscribe } from './subscribe.js';

const PONG = { type: 'pong' } as const;

function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}

function beforeAuth(conn: Connection, message: ClientMessage): Promise<void> | undefined {
  switch (message.type) {
    case 'connect':
      return connect(conn, message);
    case 'ping':
      conn.send(PONG);
      return undefined;
    case 'pong':
      return undefined;
    default:
      conn.refuse(message.id, ErrorCode.NotConnected, `"${message.type}" before "connect" is done`);
      return undefined;
  }
}

/**
 * Runs one decoded frame. Returns a promise when later frames of the same connection must wait
 * for this one (connect, subscribe, async authorize); undefined when it is done or needs no order.
 */
export function dispatch(conn: Connection, message: ClientMessage): Promise<void> | undefined {
  if (!conn.authenticated) return beforeAuth(conn, message);
  switch (message.type) {
    case 'connect':
      conn.fail(undefined, ErrorCode.AlreadyConnected, 'already connected');
      return undefined;
    case 'sub':
      return subscribe(conn, message);
    case 'unsub':
      unsubscribe(conn, message);
      return undefined;
    case 'pub':
      return publish(conn, message);
    case 'refresh':
      refresh(conn, message).catch((err) => conn.hub.reportError(err));
      return undefined;
    case 'ping':
      conn.send(PONG);
      return undefined;
    case 'pong':
      return undefined;
    case 'call':
      return call(conn, message);
    case 'presence':
      presence(conn, message);
      return undefined;
    default:
      return assertNever(message);
  }
}
