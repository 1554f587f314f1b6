import type { IncomingMessage } from 'node:http';
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
import type { PreparedFrame } from '../delivery/preframe.js';
import type { Batched } from '../delivery/write-batcher.js';
import type { Identity } from '../handlers/auth.js';
import { ConnState, type HubCore } from '../hub-core.js';
import type { Subscriber } from '../topics.js';
import type { LivenessState } from './heartbeat.js';
import { type BucketState, takeToken } from './limits.js';
import type { ClientSocket, Corkable } from './socket.js';

/** What a connection holds for a subscription that is replaying history (see `delivery/replay.ts`). */
export interface ReplayHold {
  /** Takes a live message of the topic while the replay runs; false when it cannot hold more. */
  hold(epoch: string, offset: number, frame: PreparedFrame): boolean;
  /** The subscription ended (unsubscribe, close): stop sending. */
  cancel(): void;
}

/** Frames waiting while an earlier one (connect, subscribe) finishes, to keep their order. */
const MAX_QUEUED_FRAMES = 1024;

/**
 * One client socket. It owns its state: handlers move it through its transitions
 * (`beginAuthentication`, `authenticated`, `refreshed`, `pinged`, `close` ...) and never write
 * its fields. Plain fields only (no timers, no closures): the hub's sweep drives the heartbeat
 * and deadlines, and module-level socket listeners reach it through a back-pointer.
 */
export class Connection implements Subscriber, LivenessState, BucketState, Batched {
  /** Topics this connection holds; written only by the hub's `TopicIndex`. */
  topics: string | Set<string> | null = null;
  /** Token bucket of the inbound rate limit; written only by `takeToken` in `receive`. */
  tokens: number;
  refilledAt: number;
  /** Write batching; written only by the hub's `WriteBatcher`. */
  writeRound = 0;
  corked: Corkable | null = null;
  readonly openedAt: number;
  #state: ConnState = ConnState.New;
  #request: IncomingMessage | null;
  #principal: unknown = null;
  #userId: string | undefined;
  #info: unknown;
  #client: string | undefined;
  #expiresAt = 0;
  #nextPingAt = 0;
  #pingSentAt = 0;
  #opened = false;
  #strikes = 0;
  #malformed = 0;
  #queue: ClientMessage[] | null = null;
  #replaying: Map<string, ReplayHold> | null = null;

  constructor(
    readonly hub: HubCore,
    readonly socket: ClientSocket,
    readonly sid: string,
    request: IncomingMessage | null,
    now: number,
  ) {
    this.#request = request;
    this.openedAt = now;
    this.refilledAt = now;
    this.tokens = hub.options.limits.publishBurst;
  }

  get state(): ConnState {
    return this.#state;
  }
  /** True once `connect` succeeded and until the connection starts closing. */
  get authenticated(): boolean {
    return this.#state === ConnState.Open;
  }
  /** True once `connect` succeeded (stays true while closing): it had a `connection` event. */
  get opened(): boolean {
    return this.#opened;
  }
  get closing(): boolean {
    return this.#state === ConnState.Closing;
  }
  get principal(): unknown {
    return this.#principal;
  }
  get userId(): string | undefined {
    return this.#userId;
  }
  get info(): unknown {
    return this.#info;
  }
  /** Client instance id sent in `connect`, when one was. */
  get client(): string | undefined {
    return this.#client;
  }
  get expiresAt(): number {
    return this.#expiresAt;
  }
  get nextPingAt(): number {
    return this.#nextPingAt;
  }
  get pingSentAt(): number {
    return this.#pingSentAt;
  }

  // ---- transitions ---------------------------------------------------------------------------

  /** `connect` arrived: returns the upgrade request (kept only until now), or null when not new. */
  beginAuthentication(): { request: IncomingMessage | undefined } | null {
    if (this.#state !== ConnState.New) return null;
    this.#state = ConnState.Authenticating;
    const request = this.#request ?? undefined;
    this.#request = null;
    return { request };
  }

  /** `authenticate` accepted: returns false when the connection closed meanwhile. */
  accept(identity: Identity, client: string | undefined, now: number): boolean {
    if (this.#state !== ConnState.Authenticating) return false;
    this.#principal = identity.principal;
    this.#userId = identity.userId;
    this.#info = identity.info;
    this.#expiresAt = identity.expiresAt ?? 0;
    this.#client = client;
    this.#state = ConnState.Open;
    this.#opened = true;
    this.#nextPingAt = now + this.hub.options.heartbeat.intervalMs;
    return true;
  }

  /**
   * A `refresh` was accepted: new principal, info and expiry. The `userId` stays the one of
   * `connect`: presence, idempotency scopes and `disconnectUser` key on it for the connection's life.
   */
  refreshed(identity: Identity): void {
    this.#principal = identity.principal;
    this.#info = identity.info;
    this.#expiresAt = identity.expiresAt ?? 0;
  }

  /** A ping went out at `now` (an older outstanding one keeps its time); schedules the next. */
  pinged(now: number): void {
    if (this.#pingSentAt === 0) this.#pingSentAt = now;
    this.#nextPingAt = now + this.hub.options.heartbeat.intervalMs;
  }

  /** Any sign of life from the peer: the outstanding ping counts as answered. */
  alive(): void {
    this.#pingSentAt = 0;
  }

  /** Starts the closing handshake and releases every subscription at once. */
  close(code: number, reason: string): void {
    if (this.#state === ConnState.Closing) return;
    this.#closing();
    this.socket.close(code, limitCloseReason(reason));
  }

  /** Destroys the socket without a close frame. */
  terminate(): void {
    this.#closing();
    this.socket.terminate();
  }

  /** The socket closed (from `ws-socket.ts`). */
  socketClosed(code: number, reason: string): void {
    this.#closing();
    this.hub.closed(this, code, reason);
  }

  #closing(): void {
    if (this.#state === ConnState.Closing) return;
    this.#state = ConnState.Closing;
    this.#queue = null;
    const replaying = this.#replaying;
    this.#replaying = null;
    if (replaying !== null) for (const r of replaying.values()) r.cancel();
    this.hub.release(this);
  }

  // ---- replay holds --------------------------------------------------------------------------

  /** Registers the replay of `topic`; live messages of the topic go to it until `endReplay`. */
  beginReplay(topic: string, hold: ReplayHold): void {
    if (this.#replaying === null) this.#replaying = new Map();
    this.#replaying.get(topic)?.cancel();
    this.#replaying.set(topic, hold);
  }

  /** Ends the replay of `topic` (when `hold` is still the registered one). */
  endReplay(topic: string, hold: ReplayHold): void {
    if (this.#replaying?.get(topic) !== hold) return;
    this.#replaying.delete(topic);
    if (this.#replaying.size === 0) this.#replaying = null;
  }

  /** The subscription to `topic` ended: a replay still running stops. */
  unsubscribed(topic: string): void {
    const hold = this.#replaying?.get(topic);
    if (hold === undefined) return;
    hold.cancel();
    this.endReplay(topic, hold);
  }

  // ---- output --------------------------------------------------------------------------------

  /** Sends a server message built for this connection alone. */
  send(message: ServerMessage): void {
    const socket = this.socket;
    if (!socket.writable || this.#state === ConnState.Closing) return;
    if (socket.bufferedAmount > this.hub.options.limits.maxBufferedBytes) {
      this.slowConsumer();
      return;
    }
    this.hub.batcher.beforeWrite(this, socket.batch);
    socket.send(encodeServerMessage(message));
    this.hub.counters.messagesOut++;
  }

  /** Sends a live fan-out frame (held while its topic replays), or closes a slow consumer. */
  deliver(topic: string, epoch: string, offset: number, frame: PreparedFrame): void {
    const hold = this.#replaying?.get(topic);
    if (hold !== undefined) {
      if (!hold.hold(epoch, offset, frame)) this.slowConsumer();
      return;
    }
    this.write(frame);
  }

  /** Writes a prepared frame, or closes the connection when its outbound buffer is over the limit. */
  write(frame: PreparedFrame): void {
    const socket = this.socket;
    if (!socket.writable || this.#state === ConnState.Closing) {
      this.hub.counters.dropped++;
      return;
    }
    if (socket.bufferedAmount > this.hub.options.limits.maxBufferedBytes) {
      this.slowConsumer();
      return;
    }
    this.hub.batcher.beforeWrite(this, socket.batch);
    socket.sendPrepared(frame);
    this.hub.counters.messagesOut++;
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

  // ---- input ---------------------------------------------------------------------------------

  /** Handles one inbound frame: rate limit, decode, then dispatch in arrival order. */
  receive(data: Buffer, isBinary: boolean): void {
    if (this.#state === ConnState.Closing) return;
    const hub = this.hub;
    const limits = hub.options.limits;
    hub.counters.messagesIn++;
    this.#pingSentAt = 0;
    const raw = isBinary ? data : data.toString();
    if (!takeToken(this, Date.now(), limits.publishRate, limits.publishBurst)) {
      this.#rateLimited(raw, isBinary);
      return;
    }
    if (this.tokens >= limits.publishBurst - 1) this.#strikes = 0;
    let message: ClientMessage;
    try {
      message = decodeClientMessage(raw, isBinary);
    } catch (err) {
      this.#malformedFrame(err);
      return;
    }
    if (this.#queue === null) this.#run(message);
    else if (this.#queue.length < MAX_QUEUED_FRAMES) this.#queue.push(message);
    else this.fail(idOf(message), ErrorCode.RateLimited, 'too many requests in flight');
  }

  /** A frame that breaks the protocol but is answered on this connection (`NOT_CONNECTED` ...). */
  refuse(id: number | undefined, code: ErrorCode, message: string): void {
    this.hub.counters.malformed++;
    this.fail(id, code, message);
    if (++this.#malformed >= this.hub.options.limits.maxMalformedFrames) {
      this.close(CloseCode.BadRequest, 'too many malformed frames');
    }
  }

  #run(message: ClientMessage): void {
    const pending = this.hub.dispatch(this, message);
    if (pending === undefined) return;
    this.#queue = [];
    pending.then(
      () => this.#drain(),
      (err) => {
        this.hub.reportError(err);
        this.#drain();
      },
    );
  }

  #drain(): void {
    const queue = this.#queue;
    this.#queue = null;
    if (queue === null || this.#state === ConnState.Closing) return;
    for (let i = 0; i < queue.length; i++) {
      this.#run(queue[i]!);
      const next = this.#queue as ClientMessage[] | null;
      if (next !== null) {
        next.push(...queue.slice(i + 1));
        return;
      }
    }
  }

  #rateLimited(raw: string | Buffer, isBinary: boolean): void {
    const hub = this.hub;
    hub.counters.rateLimited++;
    if (++this.#strikes > hub.options.limits.maxRateLimitStrikes) {
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

  #malformedFrame(err: unknown): void {
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

function idOf(message: ClientMessage): number | undefined {
  return 'id' in message ? message.id : undefined;
}
