import type { AnnouncedLimits, ClientMessage } from '@hubbub/protocol';
import type { Broker } from './broker/broker.js';
import type { Connection } from './connection/connection.js';
import type { ReplayFrames } from './delivery/replay.js';
import type { WriteBatcher } from './delivery/write-batcher.js';
import type { HubMetrics } from './metrics/hub-metrics.js';
import type { ResolvedOptions } from './options.js';
import type { PresenceTracker } from './presence/tracker.js';
import type { MethodRegistry } from './rpc/registry.js';
import type { Counters } from './stats.js';
import type { TopicIndex } from './topics.js';

/** Lifecycle of a connection. */
export const ConnState = { New: 0, Authenticating: 1, Open: 2, Closing: 3 } as const;
export type ConnState = (typeof ConnState)[keyof typeof ConnState];

/**
 * What connections and handlers see of the hub: the runtime behind the public `Hub`. Connections
 * and handlers are written against this interface only, so they can be tested without a hub.
 */
export interface HubCore {
  readonly options: ResolvedOptions;
  readonly counters: Counters;
  readonly index: TopicIndex<Connection>;
  readonly broker: Broker;
  /** Coalesces the writes to one socket within a turn of the event loop. */
  readonly batcher: WriteBatcher;
  /** Limits announced in `welcome`. */
  readonly announced: AnnouncedLimits;
  /** Whether fan-out frames are pre-framed (permessage-deflate off). */
  readonly preframe: boolean;
  /** Which topics have presence, and this hub's members of them. */
  readonly presence: PresenceTracker;
  /** Replay frames shared by the subscribers recovering the same messages. */
  readonly replayFrames: ReplayFrames;
  /** Prometheus metrics; undefined with `metrics: false`. */
  readonly metrics: HubMetrics | undefined;
  /** Handlers of `call`s (`hub.handle`). */
  readonly methods: MethodRegistry;
  /**
   * Runs one decoded frame of `conn`. Returns a promise when later frames of the connection must
   * wait for this one; undefined when it is done or needs no order.
   */
  dispatch(conn: Connection, message: ClientMessage): Promise<void> | undefined;
  /** Starts (or joins) the broker listen of a topic; resolves once no message can be missed. */
  listen(topic: string): Promise<void>;
  /** A topic lost its last local subscriber. */
  topicEmptied(topic: string): void;
  /** A connection finished `connect`. */
  opened(conn: Connection): void;
  /** A connection began closing: drop its subscriptions. */
  release(conn: Connection): void;
  /** A socket closed (handshake done, or destroyed). */
  closed(conn: Connection, code: number, reason: string): void;
  /** A user hook or the broker failed unexpectedly. */
  reportError(err: unknown): void;
  /** Counts a promise as in-flight work that `close()` waits for. */
  track<T>(work: Promise<T>): Promise<T>;
}
