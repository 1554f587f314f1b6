import type WebSocket from 'ws';
import * as wsModule from 'ws';

/**
 * A server frame prepared once and written to many sockets. `parts` is the whole WebSocket frame
 * (header and payload in one buffer) built once by `WebSocket.Sender.frame`, when pre-framing is
 * allowed: one buffer per write is one `write` system call rather than a two-part `writev`.
 */
export interface PreparedFrame {
  readonly data: Buffer;
  readonly binary: boolean;
  readonly parts: Buffer[] | null;
}

/** The part of ws's internal `Sender` used for pre-framed writes. */
interface InternalSender {
  _state?: number;
  sendFrame?: (list: Buffer[], cb?: (err?: Error) => void) => void;
}

const SENDER_IDLE = 0;

interface FrameOptions {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
}

/** ws's `Sender.frame`, which its type definitions leave out; null if this ws build lacks it. */
const frameFn: ((data: Buffer, options: FrameOptions) => Buffer[]) | null = (() => {
  const mod = wsModule as unknown as {
    Sender?: { frame?: unknown };
    default?: { Sender?: { frame?: unknown } };
  };
  const sender = mod.Sender ?? mod.default?.Sender;
  return typeof sender?.frame === 'function'
    ? (sender.frame as (d: Buffer, o: FrameOptions) => Buffer[])
    : null;
})();

/**
 * Encodes a frame once. With `preframe` (only when permessage-deflate is off: a compressed
 * frame differs per socket), the WebSocket framing is built here too.
 */
export function prepareFrame(encoded: string | Uint8Array, preframe: boolean): PreparedFrame {
  if (typeof encoded === 'string') return prepared(Buffer.from(encoded), false, preframe);
  return prepared(Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength), true, preframe);
}

/** {@link prepareFrame} for a text frame whose UTF-8 bytes are already built. */
export function prepareTextFrame(utf8: Buffer, preframe: boolean): PreparedFrame {
  return prepared(utf8, false, preframe);
}

function prepared(data: Buffer, binary: boolean, preframe: boolean): PreparedFrame {
  const parts =
    preframe && frameFn !== null
      ? [
          Buffer.concat(
            frameFn(data, { fin: true, rsv1: false, opcode: binary ? 2 : 1, mask: false, readOnly: false }),
          ),
        ]
      : null;
  return { data, binary, parts };
}

/**
 * Writes a prepared frame to an open socket. Pre-framed bytes go straight to ws's internal
 * sender, as Socket.IO's engine.io does with `wsPreEncodedFrame`: it skips framing per
 * recipient. `sendFrame` is not public API, so anything unexpected (another ws version, the
 * sender busy with a compressed or blob frame) falls back to the public `ws.send`.
 */
export function sendPrepared(ws: WebSocket, frame: PreparedFrame): void {
  const sender = (ws as unknown as { _sender?: InternalSender })._sender;
  if (frame.parts !== null && senderIdle(sender)) {
    sender.sendFrame(frame.parts);
    return;
  }
  ws.send(frame.data, { binary: frame.binary });
}

function senderIdle(sender: InternalSender | undefined): sender is Required<InternalSender> {
  return sender !== undefined && sender._state === SENDER_IDLE && typeof sender.sendFrame === 'function';
}

/**
 * The bytes of a prepared frame when they may be written straight to the socket under `ws`:
 * pre-framed, and ws's sender has nothing of its own queued (so the order of frames holds).
 */
export function rawFrameBytes(ws: WebSocket, frame: PreparedFrame): Buffer | undefined {
  if (frame.parts === null || frame.parts.length !== 1) return undefined;
  return senderIdle((ws as unknown as { _sender?: InternalSender })._sender) ? frame.parts[0] : undefined;
}
