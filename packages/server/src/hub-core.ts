import type { AnnouncedLimits } from '@hubbub/protocol';
import type { WriteBatcher } from './batch.js';
import type { Broker } from './broker/broker.js';
import type { Connection } from './connection.js';
import type { ResolvedOptions } from './options.js';
import type { Counters } from './stats.js';
import type { TopicIndex } from './topics.js';

/** What connections and handlers see of the hub. */
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
  /** Starts (or joins) the broker listen of a topic; resolves once no message can be missed. */
  listen(topic: string): Promise<void>;
  /** A topic lost its last local subscriber. */
  topicEmptied(topic: string): void;
  /** A connection finished `connect`. */
  opened(conn: Connection): void;
  /** A connection began closing or closed: drop its subscriptions. */
  release(conn: Connection): void;
  /** A socket closed (handshake done, or destroyed). */
  closed(conn: Connection, code: number, reason: string): void;
  /** A user hook or the broker failed unexpectedly. */
  reportError(err: unknown): void;
  /** Counts a promise as in-flight work that `close()` waits for. */
  track<T>(work: Promise<T>): Promise<T>;
}
