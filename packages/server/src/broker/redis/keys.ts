/**
 * Names of a topic's Redis keys and channel. Every name carries the hash tag `{prefix:topic}` so
 * that, in Redis Cluster, a topic's counter, epoch, history, idempotency keys and sharded channel
 * live in one slot and one script can touch them all.
 */
export interface TopicKeys {
  /** Offset counter (string holding the latest offset). */
  readonly seq: string;
  /** The topic's epoch (string). */
  readonly epoch: string;
  /** Bounded history (list of entries, oldest first). */
  readonly log: string;
  /**
   * Hash of what every writer shares about the topic: `size` and `ttl` of its history, and `rid`,
   * the replication id of the Redis primary that last wrote it (a change means a failover).
   */
  readonly meta: string;
  /** Pub/sub channel carrying the topic's messages. */
  readonly channel: string;
  /** Prefix of the topic's idempotency keys. */
  readonly keyPrefix: string;
}

/** Builds the key names of `topic` under `prefix`. Topic names never hold `{` or `}`. */
export function topicKeys(prefix: string, topic: string): TopicKeys {
  const tag = `{${prefix}:${topic}}`;
  return {
    seq: `${tag}:seq`,
    epoch: `${tag}:epoch`,
    log: `${tag}:log`,
    meta: `${tag}:meta`,
    channel: `${tag}:msg`,
    keyPrefix: `${tag}:key:`,
  };
}
