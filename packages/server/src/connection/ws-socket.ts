import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { type PreparedFrame, sendPrepared } from '../delivery/preframe.js';
import type { Connection } from './connection.js';
import type { ClientSocket } from './socket.js';

const OPEN = 1;
/** Poll period while waiting for a drain that the raw socket cannot signal (compression queue). */
const DRAIN_POLL_MS = 10;

const kConnection = Symbol('hubbub.connection');

interface BoundSocket extends WebSocket {
  [kConnection]: Connection;
}

/** {@link ClientSocket} on a `ws` WebSocket: every use of `ws` internals is in this file. */
export class WsSocket implements ClientSocket {
  constructor(readonly ws: WebSocket) {}

  get writable(): boolean {
    return this.ws.readyState === OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /** ws's underlying socket (`_socket` is not public API: without it writes are not batched). */
  get stream(): Duplex | undefined {
    return (this.ws as unknown as { _socket?: Duplex })._socket;
  }

  send(data: string | Uint8Array): void {
    this.ws.send(data, { binary: typeof data !== 'string' });
  }

  sendPrepared(frame: PreparedFrame): void {
    sendPrepared(this.ws, frame);
  }

  ping(): void {
    if (this.ws.readyState === OPEN) this.ws.ping();
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  onDrain(fn: () => void): void {
    const raw = this.stream;
    if (raw?.writableNeedDrain && !raw.destroyed) {
      raw.once('drain', fn);
      return;
    }
    // Nothing waits in the kernel-side buffer, but ws may still hold frames (permessage-deflate
    // queue): look again shortly.
    setTimeout(fn, DRAIN_POLL_MS).unref();
  }
}

function connectionOf(ws: WebSocket): Connection {
  return (ws as BoundSocket)[kConnection];
}

function socketOnMessage(this: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
  connectionOf(this).receive(data as Buffer, isBinary);
}

function socketOnPong(this: WebSocket): void {
  connectionOf(this).alive();
}

function socketOnClose(this: WebSocket, code: number, reason: Buffer): void {
  connectionOf(this).socketClosed(code, reason.toString());
}

function socketOnError(this: WebSocket, err: Error): void {
  // ws reports peer protocol violations (oversize frame, invalid UTF-8 ...) here and then closes
  // the socket with the matching code itself; the close listener does the cleanup.
  if ((err as { code?: unknown }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
    connectionOf(this).hub.counters.tooBig++;
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
