import type { Writable } from 'node:stream';
import type { PreparedFrame } from '../delivery/preframe.js';

/**
 * The little a connection needs of its WebSocket. `ws-socket.ts` implements it on `ws`; tests can
 * implement it on a recorder.
 */
export interface ClientSocket {
  /** True while frames can be written (WebSocket `readyState === OPEN`). */
  readonly writable: boolean;
  /** Bytes queued for the peer and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** The stream under the socket, for write batching; undefined when there is none. */
  readonly stream: Writable | undefined;
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
