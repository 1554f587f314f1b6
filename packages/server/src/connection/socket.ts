import type { PreparedFrame } from '../delivery/preframe.js';

/**
 * What the write batcher needs of a socket: hold writes back, then let them all go in one system
 * call. A `net.Socket` is one; `WsSocket` is one that holds pre-framed frames itself.
 */
export interface Corkable {
  cork(): void;
  uncork(): void;
  /** Bytes held or queued and not yet handed to the kernel. */
  readonly writableLength: number;
}

/**
 * The little a connection needs of its WebSocket. `ws-socket.ts` implements it on `ws`; tests can
 * implement it on a recorder.
 */
export interface ClientSocket {
  /** True while frames can be written (WebSocket `readyState === OPEN`). */
  readonly writable: boolean;
  /** Bytes queued for the peer and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** What the write batcher holds and releases; undefined when writes cannot be batched. */
  readonly batch: Corkable | undefined;
  /** Sends one text or binary frame. */
  send(data: string | Uint8Array): void;
  /** Sends a frame prepared once for many sockets. */
  sendPrepared(frame: PreparedFrame): void;
  /** Sends a WebSocket ping frame. */
  ping(): void;
  /** Starts the closing handshake. */
  close(code: number, reason: string): void;
  /** Destroys the socket without a close frame. */
  terminate(): void;
  /** Calls `fn` once the outbound buffer has drained (or soon, when that cannot be observed). */
  onDrain(fn: () => void): void;
}
