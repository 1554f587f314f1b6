import type { Payload, PresenceMember } from '@hubbub/protocol';

export type { PresenceMember } from '@hubbub/protocol';

/** One message of a topic, as brokers store and deliver it. `data` is a JSON value or bytes. */
export interface BrokerMessage {
  readonly topic: string;
  readonly epoch: string;
  readonly offset: number;
  readonly data: Payload;
  /**
   * The UTF-8 JSON text of `data`, when the broker received the message as bytes (Redis): frames
   * splice it in as it is, without parsing and re-encoding the payload.
   */
  readonly json?: Buffer;
}

/** Outcome of a publish. */
export interface PublishResult {
  readonly epoch: string;
  readonly offset: number;
  /** True when the idempotency key was seen before: nothing new was published. */
  readonly duplicate: boolean;
}

/** What a broker keeps per topic for replay. */
export interface HistoryOptions {
  /** Most messages kept per topic. 0 keeps none (no replay possible). */
  readonly size: number;
  /** How long a message stays replayable, in ms. */
  readonly ttlMs: number;
}

/** A read of a topic's history. */
export interface HistoryRead {
  /** The topic's current epoch (created when absent). */
  readonly epoch: string;
  /** Offset of the latest message published on the topic (0 when none). */
  readonly offset: number;
  /** Offset of the oldest message still kept (`offset + 1` when nothing is kept). */
  readonly firstOffset: number;
  /** The messages asked for, in offset order. */
  readonly messages: readonly BrokerMessage[];
}

/** Which part of the history to read. */
export type HistoryQuery =
  /** Messages with an offset greater than `after`. */
  | { readonly after: number }
  /** The latest `last` messages. */
  | { readonly last: number };

/** A member as the hub hands it to the broker. */
export interface PresenceEntry {
  readonly member: PresenceMember;
  /**
   * Client instance id of the member's connection (never shown to others). A later member of
   * the same client and user (or the same client, both anonymous) replaces this one: `join` with
   * `replaces`, no `leave`. An anonymous member counts as the user of its client instance.
   */
  readonly client?: string;
}

/** Counts of a presence-enabled topic. */
export interface PresenceStats {
  /** Members: one per subscribed connection. */
  readonly connections: number;
  /** Distinct users among them; an anonymous client instance (or connection) counts as one. */
  readonly users: number;
}

/** A change of a topic's members, delivered to every instance listening to the topic. */
export type PresenceEvent =
  | {
      readonly type: 'join';
      readonly topic: string;
      readonly member: PresenceMember;
      /** Sid of the member of the same client and user this one replaces. */
      readonly replaces?: string;
    }
  | { readonly type: 'leave'; readonly topic: string; readonly member: PresenceMember };

/** A connection of a user, as `connectionsOf` lists it. */
export interface UserConnection {
  readonly sid: string;
  readonly userId: string;
  /** What `authenticate` gave to show to others. */
  readonly info?: unknown;
}

/** A request every instance answers for its own connections. */
export type ControlRequest =
  | { readonly type: 'disconnect'; readonly userId: string; readonly code: number; readonly reason: string }
  | { readonly type: 'connections'; readonly userId: string };

/** One instance's answer to a {@link ControlRequest}, or the sum of every instance's. */
export interface ControlReply {
  /** Connections closed (`disconnect`). */
  readonly closed: number;
  /** Connections of the user (`connections`). */
  readonly connections: readonly UserConnection[];
}

/** What the hub hands a broker when it starts it. */
export interface BrokerContext {
  readonly history: HistoryOptions;
  /** How long an idempotency key is remembered, in ms. */
  readonly idempotencyTtlMs: number;
  /**
   * Called for each message of a topic this instance listens to, in offset order per topic,
   * without gaps: a broker that sees an offset jump fills it from history first.
   */
  deliver(message: BrokerMessage): void;
  /** Called when the broker becomes reachable or unreachable. */
  readyChanged(ready: boolean): void;
  /**
   * Called when the broker filled a gap in a listened topic's feed from history (a lost pub/sub
   * message, a reconnect), with the number of messages it delivered from there. For metrics and
   * logs only.
   */
  repaired?(topic: string, messages: number): void;
  /** Called for each presence change of a topic this instance listens to, in order per member. */
  presenceChanged?(event: PresenceEvent): void;
  /** Answers a control request for this instance's connections. */
  control?(request: ControlRequest): ControlReply;
}

/**
 * Carries messages between the hub and its storage and peers. The hub depends only on this; the
 * in-memory broker is the default and a Redis broker joins several instances.
 */
export interface Broker {
  /** Connects and starts delivering through `ctx`. Called once by the hub. */
  start(ctx: BrokerContext): Promise<void>;
  /** Whether a publish can succeed now. */
  isReady(): boolean;
  /**
   * Assigns the next offset, appends to history and delivers to every instance listening to the
   * topic — one atomic step. Rejects (never resolves silently) when that cannot be done.
   */
  publish(topic: string, data: Payload, key?: string): Promise<PublishResult>;
  /** Starts delivering the topic's messages to this instance. Resolves once no message can be missed. */
  listen(topic: string): Promise<void>;
  /** Stops delivering the topic's messages to this instance. */
  unlisten(topic: string): Promise<void>;
  /** Reads the topic's history. */
  read(topic: string, query: HistoryQuery): Promise<HistoryRead>;
  /** Releases connections and timers. */
  close(): Promise<void>;
  /**
   * Adds a member to the topic's presence; every instance listening to the topic gets its `join`
   * (or, when it replaces a member of the same client and user, a `join` with `replaces`). Never
   * rejects for an unreachable backend: the broker stores it once it can. Optional, as are the
   * methods below: a broker without them cannot serve presence or cluster-wide control.
   */
  join?(topic: string, entry: PresenceEntry): Promise<void>;
  /** Removes a member; the one removal that finds it sends its `leave`, once. */
  leave?(topic: string, sid: string): Promise<void>;
  /** The topic's members on every instance. */
  presence?(topic: string): Promise<PresenceMember[]>;
  /** The topic's counts, without transferring members. */
  presenceStats?(topic: string): Promise<PresenceStats>;
  /**
   * Runs `request` on every instance (this one included) and sums their replies; instances that
   * do not answer within `timeoutMs` are left out.
   */
  control?(request: ControlRequest, timeoutMs: number): Promise<ControlReply>;
}
