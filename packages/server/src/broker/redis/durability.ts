import { BrokerUnavailableError } from '../errors.js';
import type { RedisConnection } from './scripts.js';

/**
 * Acks a publish only once replicas have it (Redis `WAIT`), so an acknowledged message and its
 * idempotency key survive the loss of the primary. Off by default: then an ack means the primary
 * has the message, and a failover can lose the acks of its last moments (a new epoch and `gap`
 * follow, never a reused offset).
 */
export interface DurabilityOptions {
  /** Replicas that must confirm a publish before it is acked (`WAIT replicas timeoutMs`). */
  readonly replicas: number;
  /**
   * How long to wait for them, in ms. Past it the publish fails with `outcomeUnknown` (code
   * `OUTCOME_UNKNOWN`): it is stored and delivered on the primary, maybe not on a replica; retry
   * with the same idempotency key.
   * @default 1_000
   */
  readonly timeoutMs?: number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Runs one `WAIT` for every publish whose script answered before it was sent: `WAIT` covers all
 * earlier writes of its connection, and blocks that connection while it waits, so one per batch
 * rather than one per publish.
 */
export class ReplicaAcks {
  readonly #redis: RedisConnection;
  readonly #replicas: number;
  /** How long a `WAIT` may block the connection, in ms. */
  readonly timeoutMs: number;
  #batch: Waiter[] | undefined;

  constructor(redis: RedisConnection, options: DurabilityOptions) {
    const timeoutMs = options.timeoutMs ?? 1_000;
    if (!(Number.isInteger(options.replicas) && options.replicas >= 1)) {
      throw new TypeError('durability.replicas must be an integer >= 1');
    }
    if (!(timeoutMs > 0)) throw new TypeError('durability.timeoutMs must be > 0');
    if ((redis as { isCluster?: boolean }).isCluster === true) {
      // ioredis sends a keyless command such as WAIT to any node, not to the topic's primary.
      throw new TypeError('durability needs a standalone or Sentinel connection, not a Cluster');
    }
    this.#redis = redis;
    this.#replicas = options.replicas;
    this.timeoutMs = Math.ceil(timeoutMs);
  }

  /** Resolves once enough replicas have every write this connection made so far. */
  confirm(): Promise<void> {
    if (!this.#batch) {
      this.#batch = [];
      setImmediate(() => void this.#send());
    }
    const batch = this.#batch;
    return new Promise((resolve, reject) => batch.push({ resolve, reject }));
  }

  async #send(): Promise<void> {
    const batch = this.#batch ?? [];
    this.#batch = undefined;
    let failure: Error | undefined;
    try {
      const confirmed = await this.#redis.wait(this.#replicas, this.timeoutMs);
      if (confirmed < this.#replicas) {
        failure = new BrokerUnavailableError(
          `publish not confirmed by ${this.#replicas} replica(s) within ${this.timeoutMs} ms (${confirmed} did); its outcome is unknown`,
          { outcomeUnknown: true },
        );
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      failure = new BrokerUnavailableError(
        `publish replication unconfirmed (${reason}); its outcome is unknown`,
        {
          cause: err,
          outcomeUnknown: true,
        },
      );
    }
    for (const waiter of batch) {
      if (failure) waiter.reject(failure);
      else waiter.resolve();
    }
  }
}
