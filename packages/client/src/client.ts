import {
  type AckMessage,
  type AnyMethods,
  type ClientMessage,
  decodeServerMessage,
  type ErrorMessage,
  encodeClientMessage,
  isValidTopic,
  MAX_LAST,
  MAX_REQUEST_ID,
  type RawFrame,
  SUBPROTOCOL,
  type WelcomeMessage,
} from '@hubbub/protocol';
import { type CallArgs, type CallResult, Calls, encodeCall, type MethodName } from './calls.js';
import { ABNORMAL, NORMAL, UNAUTHORIZED } from './close-codes.js';
import { Emitter } from './emitter.js';
import { closedError, HubbubError, TOPIC_RULE, toError } from './errors.js';
import type { ClientEvents, ClientState, CloseContext, MessageHandler, StateContext } from './events.js';
import { randomKey } from './ids.js';
import { livenessTimeout, Watchdog } from './liveness.js';
import { type ClientOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { PresenceRequests } from './presence.js';
import { encodePublish, MAX_RATE_RETRIES, type PublishAck, Publishes } from './publishes.js';
import { TokenRefresher } from './refresh.js';
import { planRetry, retryState } from './retry.js';
import { SendQueue } from './send-queue.js';
import type { Subscription } from './subscription.js';
import { Subscriptions } from './subscriptions.js';
import { discard, type WebSocketConstructor, type WebSocketLike, watchNetwork } from './transport.js';

/** Options of `subscribe`. */
export interface SubscribeOptions {
  /**
   * Start with the topic's latest `last` messages (up to 10,000), flagged `replayed`; then live
   * ones. Used by the first handle of a topic; later reconnects resume from the last message seen.
   * @default 0 (live only)
   */
  readonly last?: number;
}

/** Options of one `publish()` call. */
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

/**
 * Share of the server's announced `publishRate` the client sends at most. The server's bucket then
 * refills a quarter faster than the client spends it, so it is full again soon after any backlog.
 */
const PACE_SHARE = 0.8;
/**
 * Share of the server's `publishBurst` the client sends back to back. The other three quarters
 * stay in reserve for frames that reach the server bunched up (a stalled event loop, a congested
 * link): with the defaults (100/s, burst 200) a backlog of about 1.9 s of sending fits. What still
 * does not fit is refused with `RATE_LIMITED` and sent again by the client (see `Publishes`).
 */
const BURST_SHARE = 0.25;

/** What the state event adds to `from` and `to`. */
type Transition = Omit<StateContext, 'from' | 'to'>;

/**
 * A reconnecting Hubbub connection. Create it with `createClient`. `M` is the method map of the
 * server's handlers (see `MethodMap`): it types `call()`.
 */
export class Client<M extends object = AnyMethods> extends Emitter<ClientEvents> {
  #current: ClientState = 'connecting';
  /** The socket of the current attempt or link; events of any other socket are ignored. */
  #ws: WebSocketLike | undefined;
  /** The current link's `welcome`, once the server sent it. */
  #welcome: WelcomeMessage | undefined;
  /** Bumped whenever a connection attempt is abandoned, so late callbacks of old ones are ignored. */
  #generation = 0;
  readonly #retry = retryState();
  #lastId = 0;
  /** Scopes the idempotency keys of an anonymous connection; the same across reconnects. */
  readonly #instance = randomKey();
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stableTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshAnswer: { _id: number; _settle: (msg: AckMessage | ErrorMessage) => void } | undefined;
  readonly #opts: ResolvedOptions;
  readonly #queue: SendQueue;
  readonly #subs: Subscriptions;
  readonly #publishes: Publishes;
  readonly #calls: Calls;
  readonly #presence = new PresenceRequests();
  readonly #watchdog = new Watchdog(() =>
    this.#lost(ABNORMAL, this.#welcome ? 'heartbeat timeout' : 'connect timeout', false),
  );
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
    this.#queue = new SendQueue(this.#opts.sendQueue.highWaterMark);
    this.#publishes = new Publishes(
      this.#opts.ackTimeoutMs,
      (entry) => this.#queue.push(entry),
      (entry) => this.#queue.retry(entry),
    );
    this.#calls = new Calls(
      (entry) => this.#queue.push(entry),
      (entry) => this.#queue.retry(entry),
    );
    this.#subs = new Subscriptions({
      isOpen: () => this.#current === 'open',
      nextId: () => this.#nextId(),
      subscribe: (msg) => this.#send(msg),
      unsubscribe: (id, topic) => this.#send({ type: 'unsub', id, topic }),
      guard: (fn) => this.#guard(fn),
      presence: (topic, stats) => {
        if (this.#current !== 'open') return Promise.reject(notConnected());
        const id = this.#nextId();
        const answer = this.#presence._add(id);
        this.#send(stats ? { type: 'presence', id, topic, stats } : { type: 'presence', id, topic });
        return answer;
      },
    });
    // Back online, or the page is visible again: a waiting retry goes now.
    this.#unwatch = watchNetwork(() => this.#retryTimer !== undefined && this.#reconnectNow());
    queueMicrotask(() => this.#connect());
  }

  /** `'connecting'` (first attempt), `'open'`, `'reconnecting'` or `'closed'` (final). */
  get state(): ClientState {
    return this.#current;
  }

  /** Outbound queue figures. */
  get queue(): QueueInfo {
    return { length: this.#queue.length, bufferedAmount: this.#queue.bufferedAmount };
  }

  /**
   * Subscribes `handler` to `topic`; works offline too (sent once connected). With `last`, the
   * subscription starts with the topic's latest `last` messages (flagged `replayed`). Throws a
   * TypeError for a topic outside the grammar and `CLIENT_CLOSED` after `close()`.
   */
  subscribe(topic: string, handler: MessageHandler, options: SubscribeOptions = {}): Subscription {
    if (!isValidTopic(topic)) throw new TypeError(TOPIC_RULE);
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
      const { maxQueued } = this.#opts.sendQueue;
      if (this.#publishes._size >= maxQueued) {
        throw new HubbubError('QUEUE_FULL', `${maxQueued} publishes already wait`);
      }
      const id = this.#nextId();
      const key = options.key ?? randomKey();
      return this.#publishes._add(
        id,
        encodePublish(id, topic, data, key, this.#welcome?.limits.maxPayloadBytes),
        key,
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Calls the server's handler for `method` (`hub.handle`) with `data` (JSON value or bytes) and
   * resolves with what it returns (bytes as a `Uint8Array`). Made while offline, it waits for the
   * link, within `timeoutMs`. Rejects with an `RpcError` when the handler threw one, else a
   * HubbubError: `UNKNOWN_METHOD`, `INTERNAL`, `TIMEOUT`, `TOO_BIG`, `RATE_LIMITED`,
   * `QUEUE_FULL`, `CLIENT_CLOSED`, or `OUTCOME_UNKNOWN` when the link ended after the call was
   * sent: the handler may have run, and the call is never sent again.
   */
  call<K extends MethodName<M>>(method: K, ...[data, options]: CallArgs<M, K>): Promise<CallResult<M, K>> {
    try {
      if (this.#current === 'closed') throw closedError();
      const ms = options?.timeoutMs ?? this.#opts.callTimeoutMs;
      if (!(ms > 0)) throw new TypeError('"timeoutMs" must be a positive number');
      const { maxQueued } = this.#opts.sendQueue;
      if (this.#calls._size >= maxQueued) {
        throw new HubbubError('QUEUE_FULL', `${maxQueued} calls already wait`);
      }
      const id = this.#nextId();
      const frame = encodeCall(id, method, data, this.#welcome?.limits.maxPayloadBytes);
      return this.#calls._add(id, frame, ms) as Promise<CallResult<M, K>>;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * While `'reconnecting'` and waiting out the backoff delay, makes the next attempt now (a "retry
   * now" button). Returns true when it started an attempt; false in any other state, and while an
   * attempt is already under way.
   */
  reconnectNow(): boolean {
    if (this.#current !== 'reconnecting' || this.#retryTimer === undefined) return false;
    this.#reconnectNow();
    return true;
  }

  /** Closes for good: no reconnect, pending publishes reject with `CLIENT_CLOSED`. Idempotent. */
  close(code: number = NORMAL, reason = ''): void {
    if (this.#current !== 'closed') this.#finish({ code, reason, wasClean: true });
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
        this.#finish({ code: UNAUTHORIZED, reason: error.message }, error);
        return;
      }
      this.#report(error);
      this.#lost(ABNORMAL, error.message, false);
      return;
    }
    if (generation !== this.#generation) return;
    let ws: WebSocketLike;
    try {
      ws = new this.#WS(this.#opts.url, SUBPROTOCOL);
    } catch (err) {
      const error = toError('CLOSED', 'cannot open a WebSocket', err);
      this.#finish({ code: ABNORMAL, reason: error.message }, error);
      return;
    }
    this.#ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      // JSON leaves an undefined token out.
      if (this.#ws === ws) ws.send(encodeClientMessage({ type: 'connect', token, client: this.#instance }));
    };
    ws.onmessage = (event) => {
      if (this.#ws === ws) this.#onFrame(ws, event.data as RawFrame);
    };
    ws.onclose = (event) => {
      if (this.#ws === ws) this.#lost(event.code, event.reason, event.wasClean);
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

  #onFrame(ws: WebSocketLike, data: RawFrame): void {
    this.#watchdog.touch();
    let msg: ReturnType<typeof decodeServerMessage>;
    try {
      msg = decodeServerMessage(data);
    } catch (err) {
      this.#report(toError('PROTOCOL', 'the server sent an invalid frame', err));
      return;
    }
    switch (msg.type) {
      case 'welcome':
        this.#onWelcome(ws, msg);
        break;
      case 'subscribed':
        this.#subs.onSubscribed(msg);
        break;
      case 'unsubscribed':
        this.#subs.onUnsubscribed(msg);
        break;
      case 'msg':
        this.#subs.onMessage(msg);
        break;
      case 'result':
        this.#calls._result(msg);
        break;
      case 'join':
      case 'leave':
        this.#subs.onPresence(msg);
        break;
      case 'presence':
        this.#presence._answer(msg);
        break;
      case 'ack':
        if (!this.#publishes._ack(msg)) this.#settleRefresh(msg);
        break;
      case 'error': {
        const { id } = msg;
        const err = new HubbubError(msg.code, msg.message);
        const rateLimited = msg.code === 'RATE_LIMITED';
        if (rateLimited) this.#queue.backOff();
        if (
          id === undefined ||
          !(
            this.#publishes._refused(id, err) ||
            this.#calls._refused(id, err) ||
            this.#subs.onError(id, err) ||
            this.#presence._fail(id, err) ||
            this.#settleRefresh(msg)
          )
        ) {
          // A frame the server dropped for the rate that no request waits on (a pong): the
          // client's pacing fell short, which the app can do nothing about.
          if (!rateLimited) this.#report(err);
        }
        break;
      }
      case 'goaway':
        this.#retry.goAwayMs = msg.retryMs;
        break;
      case 'ping':
        this.#send({ type: 'pong' });
    }
  }

  #onWelcome(ws: WebSocketLike, msg: WelcomeMessage): void {
    if (this.#welcome) return;
    this.#welcome = msg;
    const retry = this.#retry;
    retry.authRetried = false;
    retry.goAwayMs = undefined;
    const { heartbeat, reconnect, sendQueue } = this.#opts;
    this.#watchdog.start(livenessTimeout(msg.heartbeatMs, heartbeat.timeoutMs));
    this.#stableTimer = setTimeout(() => {
      retry.attempts = 0;
    }, reconnect.stableAfterMs);
    this.#requeue(msg);
    // Below the server's rate, never above it: see PACE_SHARE and BURST_SHARE.
    const { ratePerSecond: rate, burst } = sendQueue;
    const { publishRate, publishBurst } = msg.limits;
    this.#queue.attach(
      ws,
      Math.min(rate ?? Infinity, publishRate * PACE_SHARE),
      Math.min(burst ?? (rate === undefined ? Infinity : 1), publishBurst * BURST_SHARE),
    );
    this.#refresher.schedule(msg.ttlMs);
    this.#setState('open');
  }

  /**
   * Rebuilds the queue: waiting publishes, oldest first, preceded on a new link (`welcome`) by
   * every subscription in one batch.
   */
  #requeue(welcome?: WelcomeMessage): void {
    this.#queue.detach();
    this.#queue.clear();
    for (const msg of welcome ? this.#subs.resubscribe() : [])
      this.#queue.push({ frame: encodeClientMessage(msg) });
    this.#publishes._requeue(welcome?.limits.maxPayloadBytes);
    this.#calls._requeue(welcome?.limits.maxPayloadBytes);
  }

  /** Hands `msg` to the refresh waiting for it; false when none is. */
  #settleRefresh(msg: AckMessage | ErrorMessage): boolean {
    const answer = this.#refreshAnswer;
    if (!answer || answer._id !== msg.id) return false;
    answer._settle(msg);
    return true;
  }

  async #refreshToken(): Promise<number | undefined> {
    const token = await this.#token();
    if (token === undefined || this.#current !== 'open') return undefined;
    let answer: AckMessage | ErrorMessage;
    // A refresh the server dropped for the rate goes out again, after the queue backed off.
    for (let tries = 0; ; tries++) {
      const id = this.#nextId();
      answer = await new Promise<AckMessage | ErrorMessage>((settle) => {
        this.#refreshAnswer = { _id: id, _settle: settle };
        this.#send({ type: 'refresh', id, token });
      });
      this.#refreshAnswer = undefined;
      if (answer.type === 'ack' || answer.code !== 'RATE_LIMITED' || tries >= MAX_RATE_RETRIES) break;
    }
    if (answer.type === 'error') throw new HubbubError(answer.code, answer.message);
    return answer.ttlMs;
  }

  #send(msg: ClientMessage): void {
    if (this.#current === 'open') this.#queue.push({ frame: encodeClientMessage(msg) });
  }

  /** The one path for a connection that ended without `close()`: decide, then reconnect or stop. */
  #lost(code: number, reason: string, wasClean: boolean): void {
    const ctx = { code, reason, wasClean };
    this.#endLink(ctx);
    const plan = planRetry(code, reason, this.#retry, this.#opts.reconnect, this.#opts.random);
    if (typeof plan !== 'number') {
      this.#finish(ctx, plan);
      return;
    }
    this.#subs.disconnected();
    this.#requeue();
    this.#retryTimer = setTimeout(() => this.#reconnectNow(), plan);
    this.#fire('retry', { attempt: this.#retry.attempts, delayMs: plan, code, reason });
    this.#setState('reconnecting', { ...ctx, delayMs: plan });
  }

  /**
   * Stops everything tied to the current link, and drops its socket (closing it with `code` and
   * `reason`, else at once), with a `close` event.
   */
  #endLink(ctx: Transition, code?: number, reason?: string): void {
    const ws = this.#ws;
    this.#ws = this.#welcome = this.#refreshAnswer = undefined;
    this.#generation++;
    this.#watchdog.stop();
    this.#refresher.stop();
    this.#queue.detach();
    this.#calls._linkLost();
    this.#presence._rejectAll(notConnected());
    clearTimeout(this.#stableTimer);
    if (ws) {
      discard(ws, code, reason);
      this.#fire('close', ctx as CloseContext);
    }
  }

  /** Enters `closed` for good. */
  #finish(ctx: Transition, error?: HubbubError): void {
    // Only close() gets here with a socket still attached: it ends with the app's code and reason.
    this.#endLink(ctx, ctx.code, ctx.reason);
    clearTimeout(this.#retryTimer);
    this.#unwatch();
    this.#subs.closeAll();
    this.#queue.clear();
    this.#publishes._rejectAll(error ?? closedError());
    this.#calls._rejectAll(error ?? closedError());
    this.#setState('closed', ctx);
    if (error) this.#report(error);
  }

  #reconnectNow(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#connect();
  }

  #setState(to: ClientState, ctx?: Transition): void {
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

function notConnected(): HubbubError {
  return new HubbubError('NOT_CONNECTED', 'not connected: no presence answer');
}
