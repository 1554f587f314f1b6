import type { Payload } from '@hubbub/protocol';

/** One message of a topic, as brokers store and deliver it. `data` is a JSON value or bytes. */
export interface BrokerMessage {
  readonly topic: string;
  readonly epoch: string;
  readonly offset: number;
  readonly data: Payload;
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
}
