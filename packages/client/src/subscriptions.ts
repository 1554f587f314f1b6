import type { DataMessage, Position, SubscribedMessage, SubscribeMessage } from '@hubbub/protocol';
import type { HubbubError } from './errors.js';
import type { MessageHandler, SubscribedContext } from './events.js';
import { Subscription } from './subscription.js';

/** What the registry needs from the client. */
export interface SubscriptionsHost {
  /** True once the server welcomed the current connection. */
  isOpen(): boolean;
  nextId(): number;
  subscribe(message: SubscribeMessage): void;
  unsubscribe(id: number, topic: string): void;
  /** Runs a user callback; reports what it throws instead of letting it escape. */
  guard(fn: () => void): void;
}

/** One wire subscription, shared by every handle on its topic. */
interface Channel {
  readonly topic: string;
  readonly subs: Set<Subscription>;
  id: number;
  subscribed: boolean;
  /** Whether the pending `sub` carried `since`. */
  resuming: boolean;
  /** Last position delivered (or the start position): the resume point and the duplicate guard. */
  last: Position | undefined;
  confirmed: SubscribedContext | undefined;
  /** History to start with on the first `sub` (`last`). */
  startWith: number | undefined;
}

/**
 * Subscriptions by topic. Subscribing to a topic twice shares one wire subscription: every
 * handle gets every message, and each handle unsubscribes only itself.
 */
export class Subscriptions {
  readonly #byTopic = new Map<string, Channel>();
  readonly #byId = new Map<number, Channel>();

  readonly #host: SubscriptionsHost;

  constructor(host: SubscriptionsHost) {
    this.#host = host;
  }

  add(topic: string, handler: MessageHandler, last?: number): Subscription {
    const sub = new Subscription(topic, handler, (s) => this.#remove(s));
    const existing = this.#byTopic.get(topic);
    if (existing) {
      existing.subs.add(sub);
      if (existing.subscribed) this.#confirmLater(existing, sub);
      return sub;
    }
    const channel: Channel = {
      topic,
      subs: new Set([sub]),
      id: -1,
      subscribed: false,
      resuming: false,
      last: undefined,
      confirmed: undefined,
      startWith: last || undefined,
    };
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
    for (const channel of this.#byTopic.values()) {
      channel.subscribed = false;
      for (const sub of channel.subs) this.#host.guard(() => sub.setState('subscribing'));
    }
  }

  onSubscribed(m: SubscribedMessage): void {
    const channel = this.#byId.get(m.id);
    if (!channel || channel.topic !== m.topic) return;
    const prev = channel.last;
    const ctx: SubscribedContext = {
      topic: m.topic,
      position: m.position,
      recovered: m.recovered,
      replayed: m.replayed,
    };
    channel.subscribed = true;
    channel.confirmed = ctx;
    if (!(channel.resuming && prev && m.recovered)) {
      // Replayed messages end at `position`; let them through the duplicate guard.
      channel.last = { epoch: m.position.epoch, offset: Math.max(0, m.position.offset - m.replayed) };
    }
    for (const sub of channel.subs) {
      this.#host.guard(() => sub.setState('subscribed'));
      this.#host.guard(() => sub.emit('subscribed', ctx));
      if (!channel.resuming || !prev) continue;
      if (m.recovered) this.#host.guard(() => sub.emit('recovered', ctx));
      else this.#host.guard(() => sub.emit('gap', gapOf(m, prev)));
    }
  }

  onMessage(m: DataMessage): void {
    const channel = this.#byTopic.get(m.topic);
    if (!channel?.subscribed) return;
    const last = channel.last;
    if (last && last.epoch === m.epoch && m.offset <= last.offset) return;
    // A live stream never skips on its own: a new epoch (history lost, e.g. Redis restarted empty)
    // or a jump past trimmed history is reported, so the app can reload what it missed.
    if (last && (last.epoch !== m.epoch || m.offset > last.offset + 1)) this.#liveGap(channel, last, m);
    channel.last = { epoch: m.epoch, offset: m.offset };
    const meta = { topic: m.topic, offset: m.offset, epoch: m.epoch, replayed: m.replayed === true };
    for (const sub of channel.subs) this.#host.guard(() => sub.handler(m.data, meta));
  }

  #liveGap(channel: Channel, last: Position, m: DataMessage): void {
    const epochChanged = last.epoch !== m.epoch;
    const ctx = {
      topic: m.topic,
      from: last.offset + 1,
      ...(!epochChanged && { to: m.offset - 1 }),
      epochChanged,
      position: { epoch: m.epoch, offset: m.offset - 1 },
    };
    for (const sub of channel.subs) this.#host.guard(() => sub.emit('gap', ctx));
  }

  /** A refused `sub`: returns false when `id` is not a subscription's. */
  onError(id: number, err: HubbubError): boolean {
    const channel = this.#byId.get(id);
    if (!channel) return false;
    this.#drop(channel);
    for (const sub of channel.subs) {
      this.#host.guard(() => sub.setState('unsubscribed'));
      this.#host.guard(() => sub.emit('error', err));
    }
    return true;
  }

  /** The client closed: every handle ends. */
  closeAll(): void {
    for (const channel of this.#byTopic.values()) {
      for (const sub of channel.subs) this.#host.guard(() => sub.setState('unsubscribed'));
    }
    this.#byTopic.clear();
    this.#byId.clear();
  }

  #remove(sub: Subscription): void {
    const channel = this.#byTopic.get(sub.topic);
    if (!channel?.subs.delete(sub) || channel.subs.size > 0) return;
    this.#drop(channel);
    if (this.#host.isOpen()) this.#host.unsubscribe(this.#host.nextId(), channel.topic);
  }

  #drop(channel: Channel): void {
    this.#byTopic.delete(channel.topic);
    this.#byId.delete(channel.id);
  }

  #subMessage(channel: Channel): SubscribeMessage {
    this.#byId.delete(channel.id);
    channel.id = this.#host.nextId();
    this.#byId.set(channel.id, channel);
    channel.subscribed = false;
    const since = channel.last;
    channel.resuming = since !== undefined;
    if (since) return { type: 'sub', id: channel.id, topic: channel.topic, since };
    const last = channel.startWith;
    return last
      ? { type: 'sub', id: channel.id, topic: channel.topic, last }
      : { type: 'sub', id: channel.id, topic: channel.topic };
  }

  #confirmLater(channel: Channel, sub: Subscription): void {
    queueMicrotask(() => {
      const ctx = channel.confirmed;
      if (!channel.subscribed || !ctx || sub.state !== 'subscribing') return;
      this.#host.guard(() => sub.setState('subscribed'));
      this.#host.guard(() => sub.emit('subscribed', ctx));
    });
  }
}

function gapOf(m: SubscribedMessage, prev: Position) {
  const epochChanged = prev.epoch !== m.position.epoch;
  const to = m.position.offset - m.replayed;
  return {
    topic: m.topic,
    from: prev.offset + 1,
    ...(!epochChanged && { to }),
    epochChanged,
    position: m.position,
  };
}
