import type WebSocket from 'ws';
import type { Connection } from './connection.js';
import { markAlive } from './heartbeat.js';

const kConnection = Symbol('hubbub.connection');

interface BoundSocket extends WebSocket {
  [kConnection]: Connection;
}

function connectionOf(ws: WebSocket): Connection {
  return (ws as BoundSocket)[kConnection];
}

function socketOnMessage(this: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
  connectionOf(this).receive(data as Buffer, isBinary);
}

function socketOnPong(this: WebSocket): void {
  markAlive(connectionOf(this));
}

function socketOnClose(this: WebSocket, code: number, reason: Buffer): void {
  const conn = connectionOf(this);
  conn.hub.closed(conn, code, reason.toString());
}

function socketOnError(this: WebSocket): void {
  // ws reports peer protocol violations (oversize frame, invalid UTF-8 ...) here and then closes
  // the socket with the matching code itself; the close listener does the cleanup.
}

/**
 * Wires a socket to its connection with module-level listeners and a back-pointer (as ws does
 * with `receiverOnMessage`): no closure is created per connection.
 */
export function bindSocket(ws: WebSocket, conn: Connection): void {
  (ws as BoundSocket)[kConnection] = conn;
  ws.on('message', socketOnMessage);
  ws.on('pong', socketOnPong);
  ws.on('close', socketOnClose);
  ws.on('error', socketOnError);
}
