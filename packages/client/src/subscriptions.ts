import type {
  DataMessage,
  JoinMessage,
  LeaveMessage,
  Position,
  SubscribedMessage,
  SubscribeMessage,
  UnsubscribedMessage,
} from '@hubbub/protocol';
import type { HubbubError } from './errors.js';
import type { GapContext, MessageHandler, SubscribedContext } from './events.js';
import { type AskPresence, type Subscription, SubscriptionHandle } from './subscription.js';

/** What the registry needs from the client. */
export interface SubscriptionsHost {
  /** True once the server welcomed the current connection. */
  isOpen(): boolean;
  nextId(): number;
  subscribe(message: SubscribeMessage): void;
  unsubscribe(id: number, topic: string): void;
  /** Runs a user callback; reports what it throws instead of letting it escape. */
  guard(fn: () => void): void;
  /** Sends a presence request. */
  presence: AskPresence;
}

/** One wire subscription, shared by every handle on its topic. */
interface Channel {
  readonly _topic: string;
  readonly _subs: Set<SubscriptionHandle>;
  /** Request id of the latest `sub`. */
  _id: number;
  /** The server's confirmation of the latest `sub`; unset until it comes, and while offline. */
  _confirmed?: SubscribedContext;
  /**
   * Last position delivered (or the start position): the resume point and the duplicate guard.
   * Set from the first confirmation on, so a `sub` resumes exactly when it is set.
   */
  _last?: Position;
  /** History to start with on the first `sub` (`last`). */
  readonly _startWith: number | undefined;
}

/** The `gap` payload for the messages after `seen` up to `to` (`to` counts only in the same epoch). */
function gapOf(topic: string, seen: Position, position: Position, to: number): GapContext {
  const epochChanged = seen.epoch !== position.epoch;
  return { topic, from: seen.offset + 1, ...(!epochChanged && { to }), epochChanged, position };
}

/**
 * Subscriptions by topic. Subscribing to a topic twice shares one wire subscription: every
 * handle gets every message, and each handle unsubscribes only itself.
 */
export class Subscriptions {
  readonly #byTopic = new Map<string, Channel>();
  readonly #byId = new Map<number, Channel>();
  /** `unsub` requests waiting for their answer: request id → topic. */
  readonly #leaving = new Map<number, string>();

  readonly #host: SubscriptionsHost;

  constructor(host: SubscriptionsHost) {
    this.#host = host;
  }

  add(topic: string, handler: MessageHandler, last?: number): Subscription {
    const sub = new SubscriptionHandle(
      topic,
      handler,
      (s) => this.#remove(s),
      (fn) => this.#host.guard(fn),
      this.#host.presence,
    );
    const existing = this.#byTopic.get(topic);
    if (existing) {
      existing._subs.add(sub);
      // A later handle gets its own confirmation, after the caller could attach listeners.
      queueMicrotask(() => {
        const ctx = existing._confirmed;
        if (ctx && sub.state === 'subscribing') this.#confirm(sub, ctx);
      });
      return sub;
    }
    const channel: Channel = { _topic: topic, _subs: new Set([sub]), _id: -1, _startWith: last || undefined };
    this.#byTopic.set(topic, channel);
    if (this.#host.isOpen()) this.#host.subscribe(this.#subMessage(channel));
    return sub;
  }

  /** `sub` frames for every subscription, to send in one batch after (re)connecting. */
  resubscribe(): SubscribeMessage[] {
    return Array.from(this.#byTopic.values(), (channel) => this.#subMessage(channel));
  }

  /** The link dropped: every handle waits for the next connection. */
  disconnected(): void {
    // The server forgets a connection's subscriptions with it.
    this.#leaving.clear();
    for (const channel of this.#byTopic.values()) {
      channel._confirmed = undefined;
      for (const sub of channel._subs) sub._setState('subscribing');
    }
  }

  onSubscribed(m: SubscribedMessage): void {
    const channel = this.#byId.get(m.id);
    // Only the first answer to the latest `sub` counts.
    if (!channel || channel._topic !== m.topic || channel._confirmed) return;
    const { topic, position, recovered, replayed } = m;
    const seen = channel._last;
    const ctx: SubscribedContext = { topic, position, recovered, replayed, presence: m.presence === true };
    channel._confirmed = ctx;
    if (!(seen && recovered)) {
      // Replayed messages end at `position`; let them through the duplicate guard.
      channel._last = { epoch: position.epoch, offset: Math.max(0, position.offset - replayed) };
    }
    const gap = seen && !recovered && gapOf(topic, seen, position, position.offset - replayed);
    for (const sub of channel._subs) {
      this.#confirm(sub, ctx);
      if (gap) sub._notify('gap', gap);
      else if (seen) sub._notify('recovered', ctx);
    }
  }

  onMessage(m: DataMessage): void {
    const channel = this.#byTopic.get(m.topic);
    if (!channel?._confirmed) return;
    const { topic, offset, epoch } = m;
    const last = channel._last;
    if (last?.epoch === epoch && offset <= last.offset) return;
    // A live stream never skips on its own: a new epoch (history lost, e.g. Redis restarted empty)
    // or a jump past trimmed history is reported, so the app can reload what it missed.
    if (last && (last.epoch !== epoch || offset > last.offset + 1)) {
      const gap = gapOf(topic, last, { epoch, offset: offset - 1 }, offset - 1);
      for (const sub of channel._subs) sub._notify('gap', gap);
    }
    channel._last = { epoch, offset };
    const meta = { topic, offset, epoch, replayed: m.replayed === true };
    for (const sub of channel._subs) sub._deliver(m.data, meta);
  }

  /** A `join` or `leave` of a presence topic: every confirmed handle of the topic hears it. */
  onPresence(m: JoinMessage | LeaveMessage): void {
    const channel = this.#byTopic.get(m.topic);
    if (!channel?._confirmed) return;
    const ctx = m.type === 'join' && m.replaces ? { ...m.member, replaces: m.replaces } : m.member;
    for (const sub of channel._subs) sub._notify(m.type, ctx);
  }

  /**
   * A refused `sub` or `unsub`: returns false when `id` is neither's. A `RATE_LIMITED` refusal is
   * the client's own pacing falling short: the frame goes out again (the queue backs off first).
   * Other refusals of an `unsub` are left to the caller to report.
   */
  onError(id: number, err: HubbubError): boolean {
    const leaving = this.#leaving.get(id);
    if (leaving !== undefined) {
      this.#leaving.delete(id);
      if (err.code !== 'RATE_LIMITED') return false;
      // The server still holds the topic: ask again, unless the app subscribed to it meanwhile.
      if (!this.#byTopic.has(leaving) && this.#host.isOpen()) this.#unsubscribe(leaving);
      return true;
    }
    const channel = this.#byId.get(id);
    if (!channel) return false;
    if (err.code === 'RATE_LIMITED') {
      if (this.#host.isOpen()) this.#host.subscribe(this.#subMessage(channel));
      return true;
    }
    this.#drop(channel);
    for (const sub of channel._subs) {
      sub._setState('unsubscribed');
      sub._notify('error', err);
    }
    return true;
  }

  /** The client closed: every handle ends. */
  closeAll(): void {
    for (const channel of this.#byTopic.values()) {
      for (const sub of channel._subs) sub._setState('unsubscribed');
    }
    this.#byTopic.clear();
    this.#byId.clear();
  }

  #confirm(sub: SubscriptionHandle, ctx: SubscribedContext): void {
    sub._setState('subscribed');
    sub._notify('subscribed', ctx);
  }

  #remove(sub: SubscriptionHandle): void {
    const channel = this.#byTopic.get(sub.topic);
    if (!channel?._subs.delete(sub) || channel._subs.size > 0) return;
    this.#drop(channel);
    if (this.#host.isOpen()) this.#unsubscribe(channel._topic);
  }

  /** The server's answer to an `unsub`. */
  onUnsubscribed(m: UnsubscribedMessage): void {
    this.#leaving.delete(m.id);
  }

  #unsubscribe(topic: string): void {
    const id = this.#host.nextId();
    this.#leaving.set(id, topic);
    this.#host.unsubscribe(id, topic);
  }

  #drop(channel: Channel): void {
    this.#byTopic.delete(channel._topic);
    this.#byId.delete(channel._id);
  }

  #subMessage(channel: Channel): SubscribeMessage {
    this.#byId.delete(channel._id);
    const id = this.#host.nextId();
    channel._id = id;
    channel._confirmed = undefined;
    this.#byId.set(id, channel);
    const { _topic: topic, _last: since, _startWith: last } = channel;
    // Undefined fields are left out of the frame by JSON.stringify.
    return { type: 'sub', id, topic, since, last: since ? undefined : last };
  }
}
