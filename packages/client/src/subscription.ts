import { Emitter } from './emitter.js';
import type { MessageHandler, SubscriptionEvents, SubscriptionState } from './events.js';

/** One `subscribe()` call's handle: its own state, events and `unsubscribe()`. */
export class Subscription extends Emitter<SubscriptionEvents> {
  #current: SubscriptionState = 'subscribing';
  readonly #release: (sub: Subscription) => void;

  /** @internal */
  constructor(
    /** The topic subscribed to. */
    readonly topic: string,
    /** @internal */
    readonly handler: MessageHandler,
    release: (sub: Subscription) => void,
  ) {
    super();
    this.#release = release;
  }

  /** `'subscribing'` until the server confirms, and again while the link is down. */
  get state(): SubscriptionState {
    return this.#current;
  }

  /** Stops this handle only; other handles on the same topic keep receiving. Idempotent. */
  unsubscribe(): void {
    if (this.#current === 'unsubscribed') return;
    this.setState('unsubscribed');
    this.#release(this);
  }

  /** @internal */
  setState(to: SubscriptionState): void {
    const from = this.#current;
    if (from === to || from === 'unsubscribed') return;
    this.#current = to;
    this.emit('state', { from, to });
  }
}
