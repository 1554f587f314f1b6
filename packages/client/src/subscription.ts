import type { PresenceMember, PresenceMessage } from '@hubbub/protocol';
import { Emitter } from './emitter.js';
import type { MessageHandler, MessageMeta, SubscriptionEvents, SubscriptionState } from './events.js';
import type { PresenceStats } from './presence.js';

/** Sends a presence request for a topic and resolves with the server's answer. */
export type AskPresence = (topic: string, stats: boolean) => Promise<PresenceMessage>;

/** One `subscribe()` call's handle: its own state, events and `unsubscribe()`. */
export interface Subscription extends Emitter<SubscriptionEvents> {
  /** The topic subscribed to. */
  readonly topic: string;
  /** `'subscribing'` until the server confirms, and again while the link is down. */
  readonly state: SubscriptionState;
  /** Stops this handle only; other handles on the same topic keep receiving. Idempotent. */
  unsubscribe(): void;
  /**
   * Members of a presence-enabled topic, on every instance. Rejects with `NOT_CONNECTED` while
   * offline, `FORBIDDEN` when `authorize` refuses `'presence'`, `NO_PRESENCE` on a topic without.
   */
  presence(): Promise<PresenceMember[]>;
  /** Member and user counts of a presence-enabled topic, without the members; fails as `presence()`. */
  presenceStats(): Promise<PresenceStats>;
}

/**
 * The {@link Subscription} the client hands out, with the members the registry drives it through.
 * Not exported from the package: apps see the interface only.
 */
export class SubscriptionHandle extends Emitter<SubscriptionEvents> implements Subscription {
  #current: SubscriptionState = 'subscribing';
  readonly #handler: MessageHandler;
  readonly #release: (sub: SubscriptionHandle) => void;
  readonly #guard: (fn: () => void) => void;
  readonly #ask: AskPresence;

  /**
   * `guard` runs the app's callbacks and reports what they throw; `release` drops the handle from
   * its topic; `ask` sends presence requests.
   */
  constructor(
    readonly topic: string,
    handler: MessageHandler,
    release: (sub: SubscriptionHandle) => void,
    guard: (fn: () => void) => void,
    ask: AskPresence,
  ) {
    super();
    this.#handler = handler;
    this.#release = release;
    this.#guard = guard;
    this.#ask = ask;
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

  /**
   * Members of a presence-enabled topic, on every instance. Rejects with `NOT_CONNECTED` while
   * offline, `FORBIDDEN` when `authorize` refuses `'presence'`, `NO_PRESENCE` on a topic without.
   */
  async presence(): Promise<PresenceMember[]> {
    return [...((await this.#ask(this.topic, false)).members ?? [])];
  }

  /** Member and user counts of a presence-enabled topic, without the members; fails as `presence()`. */
  async presenceStats(): Promise<PresenceStats> {
    const { connections, users } = await this.#ask(this.topic, true);
    return { connections, users };
  }

  /** Moves to `to` and emits `state`; `'unsubscribed'` is final. */
  _setState(to: SubscriptionState): void {
    const from = this.#current;
    if (from === to || from === 'unsubscribed') return;
    this.#current = to;
    this._notify('state', { from, to });
  }

  /** Emits `event`; what a listener throws is reported, never raised. */
  _notify<K extends keyof SubscriptionEvents>(event: K, ctx: Parameters<SubscriptionEvents[K]>[0]): void {
    this.#guard(() => this.emit(event, ctx));
  }

  /** Hands a message to the handler; what it throws is reported, never raised. */
  _deliver(data: unknown, meta: MessageMeta): void {
    this.#guard(() => this.#handler(data, meta));
  }
}
