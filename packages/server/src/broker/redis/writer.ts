import type { Payload } from '@hubbub/protocol';
import type { HistoryQuery, HistoryRead, PublishResult } from '../broker.js';
import { BrokerUnavailableError } from '../errors.js';
import { encodePayload } from './codec.js';
import { type DurabilityOptions, ReplicaAcks } from './durability.js';
import { topicKeys } from './keys.js';
import { type HealthCheckOptions, LinkHealth } from './link-health.js';
import { defineScripts, type RedisConnection, runPublish, runRead, type ScriptSettings } from './scripts.js';

/** Defaults shared by `createRedisBroker` and `createPublisher`, so both write a topic alike. */
export const REDIS_DEFAULTS: {
  readonly prefix: string;
  readonly idleTopicTtlMs: number;
  readonly connectTimeoutMs: number;
} = {
  prefix: 'hubbub',
  idleTopicTtlMs: 86_400_000,
  connectTimeoutMs: 10_000,
};

/** How a {@link TopicWriter} writes. */
export interface WriterConfig {
  readonly prefix: string;
  readonly durability?: DurabilityOptions;
  /** `false` turns the health check off. */
  readonly healthCheck?: HealthCheckOptions | false;
  /** Called when a publish stated a smaller history than the topic keeps (the topic's was used). */
  readonly historyIgnored?: (topic: string) => void;
}

/** Topics warned about, at most this many remembered (then warnings may repeat). */
const WARNED_TOPICS = 1_000;

/**
 * A `historyIgnored` callback that reports each topic once: a writer stating a smaller history
 * than the topic keeps is a configuration that differs between writers.
 */
export function warnHistoryIgnoredOnce(report: (err: Error) => void): (topic: string) => void {
  const warned = new Set<string>();
  return (topic) => {
    if (warned.has(topic)) return;
    if (warned.size >= WARNED_TOPICS) warned.clear();
    warned.add(topic);
    report(
      new Error(
        `history of "${topic}": this writer's history setting is smaller than the one stored with the topic, which was used; give every hub the same history setting`,
      ),
    );
  };
}

/** Whether the command never reached Redis, or Redis answered it with an error. */
function definitelyNotDone(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'ReplyError' || err.message.includes('enableOfflineQueue');
}

/**
 * The one publish (and history read) of the Redis broker and of `createPublisher`: the same
 * script, the same key names, the same health check and the same durability, whichever process
 * writes. A call whose connection died with it in flight is rejected with `outcomeUnknown`.
 */
export class TopicWriter {
  readonly #redis: RedisConnection;
  readonly #scripts: ReturnType<typeof defineScripts>;
  readonly #prefix: string;
  readonly #replicas: ReplicaAcks | undefined;
  readonly #health: LinkHealth | undefined;
  readonly #historyIgnored: ((topic: string) => void) | undefined;

  /** @param links every connection to health-check; the publishing one by default */
  constructor(redis: RedisConnection, config: WriterConfig, links?: () => readonly RedisConnection[]) {
    this.#redis = redis;
    this.#scripts = defineScripts(redis);
    this.#prefix = config.prefix;
    this.#historyIgnored = config.historyIgnored;
    this.#replicas = config.durability ? new ReplicaAcks(redis, config.durability) : undefined;
    this.#health =
      config.healthCheck === false
        ? undefined
        : new LinkHealth(links ?? (() => [redis]), config.healthCheck ?? {}, this.#replicas?.timeoutMs);
  }

  /** Starts the health check. */
  start(): void {
    this.#health?.start();
  }

  /** Stops the health check. */
  stop(): void {
    this.#health?.stop();
  }

  /** Publishes; acks once the primary (and the durability's replicas) have it. */
  async publish(
    topic: string,
    data: Payload,
    key: string | undefined,
    s: ScriptSettings,
  ): Promise<PublishResult> {
    const what = `publish to "${topic}"`;
    if (this.#redis.status !== 'ready')
      throw new BrokerUnavailableError(`${what} failed: Redis is not connected`);
    const blob = encodePayload(data);
    try {
      const { result, historyIgnored } = await this.#track(
        runPublish(this.#scripts, topicKeys(this.#prefix, topic), blob, s, key),
        what,
        true,
      );
      if (historyIgnored) this.#historyIgnored?.(topic);
      if (this.#replicas) await this.#track(this.#replicas.confirm(), what, true);
      return result;
    } catch (err) {
      throw failure(what, err, !definitelyNotDone(err));
    }
  }

  /** Reads a topic's history. */
  async read(topic: string, query: HistoryQuery, s: ScriptSettings): Promise<HistoryRead> {
    const what = `history read of "${topic}"`;
    if (this.#redis.status !== 'ready')
      throw new BrokerUnavailableError(`${what} failed: Redis is not connected`);
    try {
      return await this.#track(
        runRead(this.#scripts, topic, topicKeys(this.#prefix, topic), query, s),
        what,
        false,
      );
    } catch (err) {
      throw failure(what, err, false);
    }
  }

  #track<T>(call: Promise<T>, what: string, outcomeUnknown: boolean): Promise<T> {
    return this.#health ? this.#health.track(this.#redis, call, what, outcomeUnknown) : call;
  }
}

function failure(what: string, err: unknown, outcomeUnknown: boolean): BrokerUnavailableError {
  if (err instanceof BrokerUnavailableError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  const outcome = outcomeUnknown ? ', its outcome is unknown' : '';
  return new BrokerUnavailableError(`${what} failed${outcome}: Redis is unavailable (${reason})`, {
    cause: err,
    outcomeUnknown,
  });
}
