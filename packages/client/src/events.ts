import type { Position, PresenceMember } from '@hubbub/protocol';
import type { HubbubError } from './errors.js';

/** Connection state. `'closed'` is final. */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Payload of the client's `state` event. */
export interface StateContext {
  readonly from: ClientState;
  readonly to: ClientState;
  /** Close code of the socket whose end caused the transition. */
  readonly code?: number;
  /** Close reason of that socket. */
  readonly reason?: string;
  /** Whether that socket closed with a close handshake. */
  readonly wasClean?: boolean;
  /** Entering `'reconnecting'`: milliseconds until the next attempt (for a countdown). */
  readonly delayMs?: number;
}

/** Payload of the client's `retry` event: a reconnect attempt was scheduled. */
export interface RetryContext {
  /** Attempts since the last stable link, this one included. */
  readonly attempt: number;
  /** Milliseconds until the attempt. */
  readonly delayMs: number;
  /** Close code of the connection (or attempt) that failed. */
  readonly code: number;
  readonly reason: string;
}

/** Payload of the client's `close` event, sent each time a connection ends. */
export interface CloseContext {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** Events of a {@link Client}. */
export interface ClientEvents {
  /** Every state change, once, in order. */
  state: (ctx: StateContext) => void;
  /** Something went wrong that no promise reports. The client never throws from its own callbacks. */
  error: (err: HubbubError) => void;
  /** A connection ended (the client may reconnect afterwards: see `state`). */
  close: (ctx: CloseContext) => void;
  /** A reconnect attempt was scheduled; fires for every attempt, also while already reconnecting. */
  retry: (ctx: RetryContext) => void;
}

/** State of one subscription handle. `'unsubscribed'` is final. */
export type SubscriptionState = 'subscribing' | 'subscribed' | 'unsubscribed';

/** Second argument of a subscription handler. */
export interface MessageMeta {
  readonly topic: string;
  /** Offset of the message in its topic's history. */
  readonly offset: number;
  /** Epoch of the topic's history the offset belongs to. */
  readonly epoch: string;
  /** True for messages the server replayed from history after a reconnect. */
  readonly replayed: boolean;
}

/** Payload of `subscribed` and `recovered`. */
export interface SubscribedContext {
  readonly topic: string;
  /** Position the subscription starts after. */
  readonly position: Position;
  /** True when the server replays everything missed since the last message seen. */
  readonly recovered: boolean;
  /** How many replayed messages follow. */
  readonly replayed: number;
  /** True when the topic has presence: `join`/`leave` events come and `presence()` works. */
  readonly presence: boolean;
}

/**
 * Payload of `join`: the member. `replaces` is the sid of a member of the same client whose
 * connection was lost and came back within the server's grace period: swap the two, nobody left.
 */
export interface JoinContext extends PresenceMember {
  readonly replaces?: string;
}

/** Payload of `gap`: messages that were published while offline and cannot be replayed. */
export interface GapContext {
  readonly topic: string;
  /** First offset missed (the last offset seen + 1, in the old epoch). */
  readonly from: number;
  /** Last offset missed, when the epoch did not change. */
  readonly to?: number;
  /** True when the topic's history was reset (server restart, Redis flush): offsets start over. */
  readonly epochChanged: boolean;
  /** The topic's position now. */
  readonly position: Position;
}

/** Payload of a subscription's `state` event. */
export interface SubscriptionStateContext {
  readonly from: SubscriptionState;
  readonly to: SubscriptionState;
}

/** Events of a {@link Subscription}. */
export interface SubscriptionEvents {
  /** The server confirmed the subscription (again after every reconnect). */
  subscribed: (ctx: SubscribedContext) => void;
  /** After a reconnect: every missed message follows, flagged `replayed`. */
  recovered: (ctx: SubscribedContext) => void;
  /** After a reconnect: some missed messages cannot be replayed; reload state from the source. */
  gap: (ctx: GapContext) => void;
  /** The server refused the subscription (e.g. `FORBIDDEN`); the handle is now `'unsubscribed'`. */
  error: (err: HubbubError) => void;
  state: (ctx: SubscriptionStateContext) => void;
  /** Presence topics: a member joined (on any instance), this handle's own connection included. */
  join: (member: JoinContext) => void;
  /** Presence topics: a member left (unsubscribed, disconnected, or lost past the grace period). */
  leave: (member: PresenceMember) => void;
}

/** Receives the messages of a subscription. */
export type MessageHandler = (data: unknown, meta: MessageMeta) => void;
