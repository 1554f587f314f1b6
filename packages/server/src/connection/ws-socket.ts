import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { type PreparedFrame, rawFrameBytes, sendPrepared } from '../delivery/preframe.js';
import type { Connection } from './connection.js';
import type { ClientSocket, Corkable } from './socket.js';

const OPEN = 1;
/** Poll period while waiting for a drain that the raw socket cannot signal (compression queue). */
const DRAIN_POLL_MS = 10;

const kConnection = Symbol('hubbub.connection');

let lastFrames: readonly Buffer[] = [];
let lastJoined: Buffer | undefined;

/**
 * The held frames of one socket as one buffer. In a fan-out every subscriber holds the same
 * frames in the same order, so the buffer built for one socket is reused for the next while the
 * frames are the same objects: one copy per turn, not one per subscriber.
 */
export function joinFrames(frames: readonly Buffer[], bytes: number): Buffer {
  if (frames.length === 1) return frames[0] as Buffer;
  if (lastJoined !== undefined && frames.length === lastFrames.length) {
    let same = true;
    for (let i = 0; i < frames.length; i++) {
      if (frames[i] !== lastFrames[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastJoined;
  }
  lastJoined = Buffer.concat(frames, bytes);
  lastFrames = frames;
  return lastJoined;
}

interface BoundSocket extends WebSocket {
  [kConnection]: Connection;
}

/**
 * {@link ClientSocket} on a `ws` WebSocket: every use of `ws` internals is in this file.
 *
 * It is also the batcher's {@link Corkable}. While corked it holds pre-framed frames in its own
 * list, and `uncork` writes them to the TCP socket as one buffer: one stream write per socket
 * per turn, where writing each frame would pay Node's per-chunk stream bookkeeping for every
 * delivery. Anything else written meanwhile (a reply, a ping, a close) first hands the held
 * frames to the corked TCP socket, so frames keep their order.
 */
export class WsSocket implements ClientSocket, Corkable {
  #held: Buffer[] | null = null;
  #heldBytes = 0;
  /** ws's underlying socket, set before the `connection` event (`_socket` is not public API). */
  readonly #raw: Duplex | undefined;
  readonly batch: Corkable | undefined;

  constructor(readonly ws: WebSocket) {
    this.#raw = (ws as unknown as { _socket?: Duplex })._socket;
    this.batch = this.#raw === undefined ? undefined : this;
  }

  get writable(): boolean {
    return this.ws.readyState === OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount + this.#heldBytes;
  }

  get writableLength(): number {
    return (this.#raw?.writableLength ?? 0) + this.#heldBytes;
  }

  cork(): void {
    if (this.#held !== null) return;
    this.#held = [];
    this.#raw?.cork();
  }

  uncork(): void {
    if (this.#held === null) return;
    this.#spill();
    this.#held = null;
    this.#raw?.uncork();
  }

  send(data: string | Uint8Array): void {
    this.#spill();
    this.ws.send(data, { binary: typeof data !== 'string' });
  }

  sendPrepared(frame: PreparedFrame): void {
    const held = this.#held;
    if (held !== null) {
      const bytes = rawFrameBytes(this.ws, frame);
      if (bytes !== undefined) {
        held.push(bytes);
        this.#heldBytes += bytes.length;
        return;
      }
      this.#spill();
    }
    sendPrepared(this.ws, frame);
  }

  /** Hands the held frames to the (corked) TCP socket as one buffer. */
  #spill(): void {
    const held = this.#held;
    if (held === null || held.length === 0) return;
    const bytes = joinFrames(held, this.#heldBytes);
    this.#held = [];
    this.#heldBytes = 0;
    const raw = this.#raw;
    if (raw !== undefined && !raw.destroyed && this.ws.readyState === OPEN) raw.write(bytes);
  }

  ping(): void {
    this.#spill();
    if (this.ws.readyState === OPEN) this.ws.ping();
  }

  close(code: number, reason: string): void {
    this.#spill();
    this.ws.close(code, reason);
  }

  terminate(): void {
    // What is held dies with the socket.
    if (this.#held !== null) this.#held = [];
    this.#heldBytes = 0;
    this.ws.terminate();
  }

  onDrain(fn: () => void): void {
    this.#spill();
    const raw = this.#raw;
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
