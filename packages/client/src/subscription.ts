import { Emitter } from './emitter.js';
import type { MessageHandler, MessageMeta, SubscriptionEvents, SubscriptionState } from './events.js';

/** One `subscribe()` call's handle: its own state, events and `unsubscribe()`. */
export class Subscription extends Emitter<SubscriptionEvents> {
  #current: SubscriptionState = 'subscribing';
  readonly #handler: MessageHandler;
  readonly #release: (sub: Subscription) => void;
  readonly #guard: (fn: () => void) => void;

  /**
   * @internal `guard` runs the app's callbacks and reports what they throw; `release` drops the
   * handle from its topic.
   */
  constructor(
    /** The topic subscribed to. */
    readonly topic: string,
    handler: MessageHandler,
    release: (sub: Subscription) => void,
    guard: (fn: () => void) => void,
  ) {
    super();
    this.#handler = handler;
    this.#release = release;
    this.#guard = guard;
  }

  /** `'subscribing'` until the server confirms, and again while the link is down. */
  get state(): SubscriptionState {
    return this.#current;
  }

  /** Stops this handle only; other handles on the same topic keep receiving. Idempotent. */
  unsubscribe(): void {
    if (this.#current === 'unsubscribed') return;
    this._setState('unsubscribed');
    this.#release(this);
  }

  /** @internal */
  _setState(to: SubscriptionState): void {
    const from = this.#current;
    if (from === to || from === 'unsubscribed') return;
    this.#current = to;
    this._notify('state', { from, to });
  }

  /** @internal Emits `event`; what a listener throws is reported, never raised. */
  _notify<K extends keyof SubscriptionEvents>(event: K, ctx: Parameters<SubscriptionEvents[K]>[0]): void {
    this.#guard(() => this.emit(event, ctx));
  }

  /** @internal Hands a message to the handler, which may throw. */
  _deliver(data: unknown, meta: MessageMeta): void {
    this.#guard(() => this.#handler(data, meta));
  }
}
