/** Counters of a hub, as returned by `hub.stats()`. */
export interface HubStats {
  /** Open sockets (authenticated or not). */
  readonly connections: number;
  /** Topics with at least one local subscriber. */
  readonly topics: number;
  /** Subscriptions over all local connections. */
  readonly subscriptions: number;
  /** Frames received from clients. */
  readonly messagesIn: number;
  /** Frames sent to clients. */
  readonly messagesOut: number;
  /** Messages published through this hub (clients and `hub.publish`). */
  readonly published: number;
  /** Live messages handed to local subscribers (one per subscriber per message). */
  readonly delivered: number;
  /** Messages replayed from history to subscribers catching up. */
  readonly replayed: number;
  /** Subscriptions told that what they missed could not be replayed (`recovered: false`). */
  readonly gaps: number;
  /** Messages not delivered to a subscriber because it was closed as a slow consumer. */
  readonly dropped: number;
  /** Connections closed as slow consumers (4509). */
  readonly slowConsumers: number;
  /** Inbound frames dropped by the rate limit. */
  readonly rateLimited: number;
  /** Inbound frames refused as malformed. */
  readonly malformed: number;
  /** Inbound frames over `limits.maxPayloadBytes` (the socket was closed with 1009). */
  readonly tooBig: number;
  /** Gaps in a topic's feed the broker repaired from history (Redis: lost pub/sub messages, reconnects). */
  readonly brokerRepairs: number;
  /** Messages the broker delivered from history while repairing gaps. */
  readonly repairedMessages: number;
  /** Calls that reached a handler (`hub.handle`). */
  readonly calls: number;
  /** Whether the broker can take publishes now. */
  readonly brokerReady: boolean;
  /** True once `close()` has begun. */
  readonly draining: boolean;
}

/** Mutable counters behind {@link HubStats}. */
export class Counters {
  messagesIn = 0;
  messagesOut = 0;
  published = 0;
  delivered = 0;
  replayed = 0;
  gaps = 0;
  dropped = 0;
  slowConsumers = 0;
  rateLimited = 0;
  malformed = 0;
  tooBig = 0;
  brokerRepairs = 0;
  repairedMessages = 0;
  calls = 0;
}
