import type { Counters } from '../stats.js';
import type { Logger } from './logger.js';

/** How often slow-consumer closes are summed up into one log line. */
export const SLOW_CONSUMER_LOG_MS = 10_000;

/**
 * The lines a hub writes to its `logger`: one per event an operator acts on, never one per
 * message or per connection (slow consumers are summed up every {@link SLOW_CONSUMER_LOG_MS}).
 */
export class HubLog {
  #brokerReady: boolean | undefined;
  #slowSeen = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly logger: Logger | undefined,
    private readonly counters: Counters,
  ) {}

  info(obj: object, msg: string): void {
    this.logger?.info(obj, msg);
  }

  warn(obj: object, msg: string): void {
    this.logger?.warn(obj, msg);
  }

  /** The broker became reachable or unreachable (logged on changes only). */
  brokerReady(ready: boolean): void {
    const before = this.#brokerReady;
    this.#brokerReady = ready;
    if (before === ready || (before === undefined && ready)) return;
    if (ready) this.info({ broker: 'up' }, 'broker reachable again');
    else
      this.warn(
        { broker: 'down' },
        'broker unreachable: publishes fail and subscribers wait until it is back',
      );
  }

  /** The broker filled a gap in a topic's feed from history. */
  repaired(topic: string, messages: number): void {
    if (messages > 0) this.info({ topic, messages }, 'broker repaired a gap from history');
  }

  /** Starts summing up slow-consumer closes. */
  start(): void {
    if (!this.logger) return;
    this.#slowSeen = this.counters.slowConsumers;
    this.#timer = setInterval(() => this.#slowConsumers(), SLOW_CONSUMER_LOG_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#slowConsumers();
  }

  #slowConsumers(): void {
    const total = this.counters.slowConsumers;
    const closed = total - this.#slowSeen;
    this.#slowSeen = total;
    if (closed > 0) {
      this.warn(
        { closed, total, windowMs: SLOW_CONSUMER_LOG_MS },
        'slow consumers disconnected (4509): clients reading slower than topics publish',
      );
    }
  }
}
