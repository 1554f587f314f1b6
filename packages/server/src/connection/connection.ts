import type { IncomingMessage } from 'node:http';
import type { Duplex, Writable } from 'node:stream';
import {
  type ClientMessage,
  CloseCode,
  decodeClientMessage,
  ErrorCode,
  encodeServerMessage,
  limitCloseReason,
  ProtocolError,
  type ServerMessage,
} from '@hubbub/protocol';
import type WebSocket from 'ws';
import type { Batched } from './batch.js';
import type { HubCore } from './core.js';
import { dispatch } from './dispatch.js';
import type { LivenessState } from './heartbeat.js';
import { type BucketState, takeToken } from './limits.js';
import type { Subscriber } from './topics.js';
import { type PreparedFrame, sendPrepared } from './wire.js';

/** Lifecycle of a connection. */
export const ConnState = { New: 0, Authenticating: 1, Open: 2, Closing: 3 } as const;
export type ConnState = (typeof ConnState)[keyof typeof ConnState];

/** A live message held back while its subscription replays history. */
export interface HeldMessage {
  readonly epoch: string;
  readonly offset: number;
  readonly frame: PreparedFrame;
}

/** Frames waiting while an earlier one (connect, subscribe) finishes, to keep their order. */
const MAX_QUEUED_FRAMES = 1024;
/** Live messages held per replaying subscription before the subscriber counts as too slow. */
const MAX_HELD_MESSAGES = 10_000;
const OPEN = 1;

/**
 * One client socket. Plain fields only (no timers, no closures): the hub's sweep drives its
 * heartbeat and deadlines, and module-level socket listeners reach it through a back-pointer.
 */
export class Connection implements Subscriber, LivenessState, BucketState, Batched {
  state: ConnState = ConnState.New;
  principal: unknown = null;
  /** The upgrade request, kept only until `connect` is done. */
  request: IncomingMessage | null;
  topics: Set<string> | null = null;
  /** Topic → live messages held while that subscription replays. */
  replaying: Map<string, HeldMessage[]> | null = null;
  queue: ClientMessage[] | null = null;
  tokens: number;
  refilledAt: number;
  strikes = 0;
  malformed = 0;
  readonly openedAt: number;
  nextPingAt = 0;
  pingSentAt = 0;
  expiresAt = 0;
  writeRound = 0;
  corked: Writable | null = null;

  constructor(
    readonly hub: HubCore,
    readonly ws: WebSocket,
    readonly sid: string,
    request: IncomingMessage,
    now: number,
  ) {
    this.request = request;
    this.openedAt = now;
    this.refilledAt = now;
    this.tokens = hub.options.limits.publishBurst;
  }

  get authenticated(): boolean {
    return this.state === ConnState.Open;
  }

  /** Sends a server message built for this connection alone. */
  send(message: ServerMessage): void {
    const ws = this.ws;
    if (ws.readyState !== OPEN || this.state === ConnState.Closing) return;
    if (ws.bufferedAmount > this.hub.options.limits.maxBufferedBytes) {
      this.slowConsumer();
      return;
    }
    const encoded = encodeServerMessage(message);
    this.hub.batcher.beforeWrite(this, rawSocket(ws));
    ws.send(encoded, { binary: typeof encoded !== 'string' });
    this.hub.counters.messagesOut++;
  }

  /** Sends a fan-out frame, or closes the connection when its outbound buffer is over the limit. */
  deliver(frame: PreparedFrame): void {
    const ws = this.ws;
    if (ws.readyState !== OPEN || this.state === ConnState.Closing) {
      this.hub.counters.dropped++;
      return;
    }
    if (ws.bufferedAmount > this.hub.options.limits.maxBufferedBytes) {
      this.slowConsumer();
      return;
    }
    this.hub.batcher.beforeWrite(this, rawSocket(ws));
    sendPrepared(ws, frame);
    this.hub.counters.messagesOut++;
  }

  /** Holds a live message if `topic` is replaying; returns false when it is not. */
  hold(topic: string, message: HeldMessage): boolean {
    const held = this.replaying?.get(topic);
    if (held === undefined) return false;
    if (held.length >= MAX_HELD_MESSAGES) this.slowConsumer();
    else held.push(message);
    return true;
  }

  beginReplay(topic: string): void {
    if (this.replaying === null) this.replaying = new Map();
    this.replaying.set(topic, []);
  }

  /** Ends the replay of `topic` and returns the live messages held meanwhile. */
  endReplay(topic: string): HeldMessage[] {
    const held = this.replaying?.get(topic) ?? [];
    this.replaying?.delete(topic);
    if (this.replaying?.size === 0) this.replaying = null;
    return held;
  }

  /** Starts the closing handshake and releases every subscription at once. */
  close(code: number, reason: string): void {
    if (this.state === ConnState.Closing) return;
    this.state = ConnState.Closing;
    this.hub.release(this);
    this.ws.close(code, limitCloseReason(reason));
  }

  /** Destroys the socket without a close frame. */
  terminate(): void {
    this.state = ConnState.Closing;
    this.hub.release(this);
    this.ws.terminate();
  }

  slowConsumer(): void {
    this.hub.counters.slowConsumers++;
    this.hub.counters.dropped++;
    this.close(CloseCode.SlowConsumer, 'slow consumer: outbound buffer over the limit');
  }

  /** Sends an error frame for a request. */
  fail(id: number | undefined, code: ErrorCode, message: string): void {
    this.send(id === undefined ? { type: 'error', code, message } : { type: 'error', id, code, message });
  }

  /** Handles one inbound frame: rate limit, decode, then dispatch in arrival order. */
  receive(data: Buffer, isBinary: boolean): void {
    if (this.state === ConnState.Closing) return;
    const hub = this.hub;
    const limits = hub.options.limits;
    hub.counters.messagesIn++;
    this.pingSentAt = 0;
    const raw = isBinary ? data : data.toString();
    if (!takeToken(this, Date.now(), limits.publishRate, limits.publishBurst)) {
      this.rateLimited(raw, isBinary);
      return;
    }
    if (this.tokens >= limits.publishBurst - 1) this.strikes = 0;
    let message: ClientMessage;
    try {
      message = decodeClientMessage(raw, isBinary);
    } catch (err) {
      this.malformedFrame(err);
      return;
    }
    if (this.queue === null) this.run(message);
    else if (this.queue.length < MAX_QUEUED_FRAMES) this.queue.push(message);
    else this.fail(idOf(message), ErrorCode.RateLimited, 'too many requests in flight');
  }

  /** A frame that breaks the protocol but is answered on this connection (`NOT_CONNECTED` ...). */
  refuse(id: number | undefined, code: ErrorCode, message: string): void {
    this.hub.counters.malformed++;
    this.fail(id, code, message);
    if (++this.malformed >= this.hub.options.limits.maxMalformedFrames) {
      this.close(CloseCode.BadRequest, 'too many malformed frames');
    }
  }

  private run(message: ClientMessage): void {
    const pending = dispatch(this, message);
    if (pending === undefined) return;
    this.queue = [];
    pending.then(
      () => this.drain(),
      (err) => {
        this.hub.reportError(err);
        this.drain();
      },
    );
  }

  private drain(): void {
    const queue = this.queue;
    this.queue = null;
    if (queue === null || this.state === ConnState.Closing) return;
    for (let i = 0; i < queue.length; i++) {
      this.run(queue[i]!);
      const next = this.queue as ClientMessage[] | null;
      if (next !== null) {
        next.push(...queue.slice(i + 1));
        return;
      }
    }
  }

  private rateLimited(raw: string | Buffer, isBinary: boolean): void {
    const hub = this.hub;
    hub.counters.rateLimited++;
    if (++this.strikes > hub.options.limits.maxRateLimitStrikes) {
      this.close(CloseCode.RateLimited, 'rate limit exceeded');
      return;
    }
    let id: number | undefined;
    try {
      id = idOf(decodeClientMessage(raw, isBinary));
    } catch (err) {
      id = err instanceof ProtocolError ? err.id : undefined;
    }
    this.fail(
      id,
      ErrorCode.RateLimited,
      `rate limit exceeded: at most ${hub.options.limits.publishRate} frames/s`,
    );
  }

  private malformedFrame(err: unknown): void {
    if (!(err instanceof ProtocolError)) {
      this.hub.reportError(err);
      this.close(CloseCode.InternalError, 'internal error');
      return;
    }
    if (err.closeCode !== CloseCode.BadRequest) {
      this.hub.counters.malformed++;
      this.fail(err.id, err.code, err.message);
      this.close(err.closeCode, err.message);
      return;
    }
    this.refuse(err.id, err.code, err.message);
  }
}

/** ws's underlying socket (`_socket` is not public API: without it writes are not batched). */
function rawSocket(ws: WebSocket): Duplex | undefined {
  return (ws as unknown as { _socket?: Duplex })._socket;
}

function idOf(message: ClientMessage): number | undefined {
  return 'id' in message ? message.id : undefined;
}
