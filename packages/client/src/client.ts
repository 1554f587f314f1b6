import {
  type AckMessage,
  type ClientMessage,
  CloseCode,
  decodeServerMessage,
  type ErrorMessage,
  encodeClientMessage,
  MAX_LAST,
  MAX_REQUEST_ID,
  type RawFrame,
  type ServerMessage,
  SUBPROTOCOL,
  topicProblem,
  type WelcomeMessage,
} from '@hubbub/protocol';
import { Emitter } from './emitter.js';
import { closedError, HubbubError, toError } from './errors.js';
import type { ClientEvents, ClientState, MessageHandler, StateContext } from './events.js';
import { livenessTimeout, Watchdog } from './liveness.js';
import { type ClientOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { encodePublish, type PublishAck, Publishes } from './publishes.js';
import { TokenRefresher } from './refresh.js';
import { planRetry, retryState } from './retry.js';
import { SendQueue } from './send-queue.js';
import type { Subscription } from './subscription.js';
import { Subscriptions } from './subscriptions.js';
import { discard, sinkOf, type WebSocketConstructor, type WebSocketLike, watchNetwork } from './transport.js';

/** Options of one `publish()` call. */
/** Options of `subscribe`. */
export interface SubscribeOptions {
  /**
   * Start with the topic's latest `last` messages (up to 10,000), flagged `replayed`; then live
   * ones. Used by the first handle of a topic; later reconnects resume from the last message seen.
   * @default 0 (live only)
   */
  readonly last?: number;
}

export interface PublishOptions {
  /**
   * Idempotency key (letters, digits, `_`, `-`; up to 64). Publishes with the same key are
   * delivered once.
   * @default a random key, kept across resends
   */
  readonly key?: string;
}

/** What the outbound queue holds, for UIs. */
export interface QueueInfo {
  /** Frames waiting to be handed to the socket. */
  readonly length: number;
  /** Bytes the socket has accepted but not yet sent. */
  readonly bufferedAmount: number;
}

interface Link {
  readonly ws: WebSocketLike;
  welcome: WelcomeMessage | undefined;
}

/** A reconnecting Hubbub connection. Create it with `createClient`. */
export class Client extends Emitter<ClientEvents> {
  #current: ClientState = 'connecting';
  #link: Link | undefined;
  /** Bumped whenever a connection attempt is abandoned, so late callbacks of old ones are ignored. */
  #generation = 0;
  readonly #retry = retryState();
  #lastId = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stableTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshAnswer: { id: number; settle: (msg: AckMessage | ErrorMessage) => void } | undefined;
  readonly #opts: ResolvedOptions;
  readonly #sendQueue: SendQueue;
  readonly #subs: Subscriptions;
  readonly #publishes: Publishes;
  readonly #watchdog = new Watchdog(() => this.#onSilence());
  readonly #refresher = new TokenRefresher(
    () => this.#refreshToken(),
    (err) => this.#report(err instanceof HubbubError ? err : toError('TOKEN', 'token refresh failed', err)),
  );
  readonly #unwatch: () => void;

  readonly #WS: WebSocketConstructor;

  /** @internal Use `createClient`. */
  constructor(options: ClientOptions, WS: WebSocketConstructor) {
    super();
    this.#WS = WS;
    this.#opts = resolveOptions(options);
    this.#sendQueue = new SendQueue(this.#opts.sendQueue.highWaterMark);
    this.#publishes = new Publishes(this.#opts.ackTimeoutMs);
    this.#subs = new Subscriptions({
      isOpen: () => this.#current === 'open',
      nextId: () => this.#nextId(),
      subscribe: (msg) => this.#send(msg),
      unsubscribe: (id, topic) => this.#send({ type: 'unsub', id, topic }),
      guard: (fn) => this.#guard(fn),
    });
    this.#unwatch = watchNetwork(() => this.#wake());
    queueMicrotask(() => this.#connect());
  }

  /** `'connecting'` (first attempt), `'open'`, `'reconnecting'` or `'closed'` (final). */
  get state(): ClientState {
    return this.#current;
  }

  /** Outbound queue figures. */
  get queue(): QueueInfo {
    return { length: this.#sendQueue.length, bufferedAmount: this.#sendQueue.bufferedAmount };
  }

  /**
   * Subscribes `handler` to `topic`; works offline too (sent once connected). With `last`, the
   * subscription starts with the topic's latest `last` messages (flagged `replayed`). Throws a
   * TypeError for a topic outside the grammar and `CLIENT_CLOSED` after `close()`.
   */
  subscribe(topic: string, handler: MessageHandler, options: SubscribeOptions = {}): Subscription {
    const problem = topicProblem(topic);
    if (problem) throw new TypeError(problem);
    if (this.#current === 'closed') throw closedError();
    const { last } = options;
    if (last !== undefined && !(Number.isInteger(last) && last >= 0 && last <= MAX_LAST)) {
      throw new TypeError(`"last" must be an integer from 0 to ${MAX_LAST}`);
    }
    return this.#subs.add(topic, handler, last);
  }

  /** Publishes `data` (JSON value or bytes); resolves on the server's ack. */
  publish(topic: string, data: unknown, options: PublishOptions = {}): Promise<PublishAck> {
    try {
      if (this.#current === 'closed') throw closedError();
      if (this.#publishes.size >= this.#opts.sendQueue.maxQueued) {
        throw new HubbubError('QUEUE_FULL', `${this.#opts.sendQueue.maxQueued} publishes already wait`);
      }
      const id = this.#nextId();
      const max = this.#link?.welcome?.limits.maxPayloadBytes;
      const { promise, entry } = this.#publishes.add(id, encodePublish(id, topic, data, options.key, max));
      this.#sendQueue.push(entry);
      return promise;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Closes for good: no reconnect, pending publishes reject with `CLIENT_CLOSED`. Idempotent. */
  close(code: number = CloseCode.Normal, reason = ''): void {
    if (this.#current === 'closed') return;
    const link = this.#link;
    this.#link = undefined;
    if (link) {
      discard(link.ws, code, reason);
      this.#fire('close', { code, reason, wasClean: true });
    }
    this.#finish({ code, reason, wasClean: true });
  }

  async #connect(): Promise<void> {
    if (this.#current === 'closed') return;
    const generation = ++this.#generation;
    let token: string | undefined;
    try {
      token = await this.#token();
    } catch (err) {
      if (generation !== this.#generation) return;
      const error = toError('TOKEN', 'the token provider failed', err);
      if (this.#retry.authRetried) {
        this.#finish({ code: CloseCode.Unauthorized, reason: error.message }, error);
        return;
      }
      this.#report(error);
      this.#lost(CloseCode.Abnormal, error.message, false);
      return;
    }
    if (generation !== this.#generation) return;
    let ws: WebSocketLike;
    try {
      ws = new this.#WS(this.#opts.url, SUBPROTOCOL);
    } catch (err) {
      const error = toError('CLOSED', 'cannot open a WebSocket', err);
      this.#finish({ code: CloseCode.Abnormal, reason: error.message }, error);
      return;
    }
    this.#attach(ws, token);
  }

  #attach(ws: WebSocketLike, token: string | undefined): void {
    const link: Link = { ws, welcome: undefined };
    this.#link = link;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      if (this.#link === link)
        ws.send(encodeClientMessage(token === undefined ? { type: 'connect' } : { type: 'connect', token }));
    };
    ws.onmessage = (event) => {
      if (this.#link === link) this.#onFrame(link, event.data as RawFrame);
    };
    ws.onclose = (event) => {
      if (this.#link === link) this.#lost(event.code, event.reason, event.wasClean);
    };
    ws.onerror = () => {
      // Every error is followed by a close event, which carries what the app needs.
    };
    this.#watchdog.start(this.#opts.connectTimeoutMs);
  }

  async #token(): Promise<string | undefined> {
    const provider = this.#opts.token;
    const token = typeof provider === 'function' ? await provider() : provider;
    if (token !== undefined && typeof token !== 'string') throw new TypeError('the token must be a string');
    return token;
  }

  #onFrame(link: Link, data: RawFrame): void {
    this.#watchdog.touch();
    let msg: ServerMessage;
    try {
      msg = decodeServerMessage(data);
    } catch (err) {
      this.#report(toError('PROTOCOL', 'the server sent an invalid frame', err));
      return;
    }
    this.#dispatch(link, msg);
  }

  #dispatch(link: Link, msg: ServerMessage): void {
    switch (msg.type) {
      case 'welcome':
        this.#onWelcome(link, msg);
        return;
      case 'subscribed':
        this.#subs.onSubscribed(msg);
        return;
      case 'msg':
        this.#subs.onMessage(msg);
        return;
      case 'ack':
        if (!this.#publishes.ack(msg) && this.#refreshAnswer?.id === msg.id) this.#refreshAnswer.settle(msg);
        return;
      case 'error':
        this.#onServerError(msg);
        return;
      case 'goaway':
        this.#retry.goAwayMs = msg.retryMs;
        return;
      case 'ping':
        this.#send({ type: 'pong' });
        return;
      case 'unsubscribed':
      case 'pong':
        return;
    }
  }

  #onWelcome(link: Link, msg: WelcomeMessage): void {
    if (link.welcome) return;
    link.welcome = msg;
    this.#retry.authRetried = false;
    this.#retry.goAwayMs = undefined;
    this.#watchdog.start(livenessTimeout(msg.heartbeatMs, this.#opts.heartbeat.timeoutMs));
    this.#stableTimer = setTimeout(() => {
      this.#retry.attempts = 0;
    }, this.#opts.reconnect.stableAfterMs);
    this.#requeue(msg);
    this.#sendQueue.attach(sinkOf(link.ws), ...this.#pace(msg));
    this.#refresher.schedule(msg.ttlMs);
    this.#setState('open');
  }

  /** Frames per second and burst for the queue: the options', else what the server allows. */
  #pace(welcome: WelcomeMessage): [rate: number, burst: number] {
    const { ratePerSecond, burst } = this.#opts.sendQueue;
    if (ratePerSecond !== undefined) return [ratePerSecond, burst ?? 1];
    // Half the server's burst leaves room for timing differences between the two token buckets.
    return [welcome.limits.publishRate, burst ?? Math.floor(welcome.limits.publishBurst / 2)];
  }

  /**
   * Rebuilds the queue: waiting publishes, oldest first, preceded on a new link (`welcome`) by
   * every subscription in one batch.
   */
  #requeue(welcome?: WelcomeMessage): void {
    this.#sendQueue.detach();
    this.#sendQueue.clear();
    for (const msg of welcome ? this.#subs.resubscribe() : [])
      this.#sendQueue.push({ frame: encodeClientMessage(msg) });
    for (const entry of this.#publishes.requeue(welcome?.limits.maxPayloadBytes)) this.#sendQueue.push(entry);
  }

  #onServerError(msg: ErrorMessage): void {
    const err = new HubbubError(msg.code, msg.message);
    if (msg.id === undefined) {
      this.#report(err);
      return;
    }
    if (this.#publishes.fail(msg.id, err) || this.#subs.onError(msg.id, err)) return;
    if (this.#refreshAnswer?.id === msg.id) {
      this.#refreshAnswer.settle(msg);
      return;
    }
    this.#report(err);
  }

  async #refreshToken(): Promise<number | undefined> {
    const token = await this.#token();
    if (token === undefined || this.#current !== 'open') return undefined;
    const id = this.#nextId();
    const answer = await new Promise<AckMessage | ErrorMessage>((settle) => {
      this.#refreshAnswer = { id, settle };
      this.#send({ type: 'refresh', id, token });
    });
    this.#refreshAnswer = undefined;
    if (answer.type === 'error') throw new HubbubError(answer.code, answer.message);
    return answer.ttlMs;
  }

  #send(msg: ClientMessage): void {
    if (this.#current === 'open') this.#sendQueue.push({ frame: encodeClientMessage(msg) });
  }

  #onSilence(): void {
    const welcomed = this.#link?.welcome !== undefined;
    this.#lost(CloseCode.Abnormal, welcomed ? 'heartbeat timeout' : 'connect timeout', false);
  }

  /** The one path for a connection that ended without `close()`: decide, then reconnect or stop. */
  #lost(code: number, reason: string, wasClean: boolean): void {
    const link = this.#link;
    this.#link = undefined;
    this.#generation++;
    this.#stopLink();
    if (link) {
      discard(link.ws);
      this.#fire('close', { code, reason, wasClean });
    }
    const ctx = { code, reason, wasClean };
    const plan = planRetry(code, reason, this.#retry, this.#opts.reconnect, this.#opts.random);
    if (plan instanceof HubbubError || plan === undefined) {
      this.#finish(ctx, plan);
      return;
    }
    this.#subs.disconnected();
    this.#requeue();
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect();
    }, plan);
    this.#fire('retry', { attempt: this.#retry.attempts, delayMs: plan, code, reason });
    this.#setState('reconnecting', { ...ctx, delayMs: plan });
  }

  /** Stops everything tied to the current link. */
  #stopLink(): void {
    this.#watchdog.stop();
    this.#refresher.stop();
    this.#refreshAnswer = undefined;
    this.#sendQueue.detach();
    clearTimeout(this.#stableTimer);
    this.#stableTimer = undefined;
  }

  /** Enters `closed` for good. */
  #finish(ctx: Omit<StateContext, 'from' | 'to'>, error?: HubbubError): void {
    this.#generation++;
    this.#stopLink();
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#unwatch();
    this.#subs.closeAll();
    this.#sendQueue.clear();
    this.#publishes.rejectAll(error ?? closedError());
    this.#setState('closed', ctx);
    if (error) this.#report(error);
  }

  /** Reconnects now if a retry is waiting (browser came online, page became visible). */
  #wake(): void {
    if (this.#retryTimer === undefined) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#connect();
  }

  #setState(to: ClientState, ctx?: Omit<StateContext, 'from' | 'to'>): void {
    const from = this.#current;
    if (from === to) return;
    this.#current = to;
    this.#fire('state', { from, to, ...ctx });
  }

  #nextId(): number {
    this.#lastId = this.#lastId >= MAX_REQUEST_ID ? 1 : this.#lastId + 1;
    return this.#lastId;
  }

  #report(err: HubbubError): void {
    try {
      this.emit('error', err);
    } catch {
      // An 'error' listener that throws has nowhere left to report to.
    }
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#report(toError('HANDLER', 'a handler threw', err));
    }
  }

  #fire<E extends 'state' | 'close' | 'retry'>(event: E, ctx: Parameters<ClientEvents[E]>[0]): void {
    this.#guard(() => (this.emit as (e: E, c: typeof ctx) => boolean)(event, ctx));
  }
}
