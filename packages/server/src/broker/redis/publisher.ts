import type { Payload } from '@hubbub/protocol';
import { isValidTopic, topicProblem } from '@hubbub/protocol';
import { DEFAULT_IDEMPOTENCY_TTL_MS } from '../../options.js';
import { payloadProblem } from '../../payload.js';
import {
  type ConnectionsOfOptions,
  connectionsRequest,
  type DisconnectUserOptions,
  disconnectRequest,
} from '../../presence/cluster.js';
import type { HistoryOptions, PublishResult, UserConnection } from '../broker.js';
import { BrokerUnavailableError } from '../errors.js';
import { SERVER_SCOPE, scopeKey } from '../idempotency.js';
import { isCluster, openConnection, type RedisTarget, splitTarget, whenReady } from './connection.js';
import { controlClient } from './control.js';
import type { DurabilityOptions } from './durability.js';
import type { HealthCheckOptions } from './link-health.js';
import type { ScriptSettings } from './scripts.js';
import { REDIS_DEFAULTS, TopicWriter, warnHistoryIgnoredOnce } from './writer.js';

/** Options of {@link createPublisher}: use the same values as the hubs you publish into. */
export interface PublisherOptions {
  /**
   * Prefix of keys and channels, as given to the hubs' `createRedisBroker`.
   * @default 'hubbub'
   */
  readonly prefix?: string;
  /**
   * History settings this publisher states for the topics it writes. A topic's settings are
   * stored with it in Redis and shared by every writer: a stated size or ttl larger than the
   * stored one raises it, a smaller one is ignored. Leave it out to use what the hubs stored
   * (for a topic no hub has written yet, the hubs' default history).
   * @default undefined // the topic's stored settings
   */
  readonly history?: HistoryOptions;
  /**
   * How long an idempotency key is remembered, in ms.
   * @default 120_000 // 2 minutes
   */
  readonly idempotencyTtlMs?: number;
  /**
   * Sharded pub/sub (`SPUBLISH`); must match the hubs' brokers.
   * @default true for a `Cluster` connection, false otherwise
   */
  readonly sharded?: boolean;
  /**
   * How long a topic's counter and epoch outlive its last publish, in ms.
   * @default 86_400_000 // 24 hours
   */
  readonly idleTopicTtlMs?: number;
  /**
   * How long the first publish waits for Redis to connect, in ms; later publishes never wait.
   * @default 10_000
   */
  readonly connectTimeoutMs?: number;
  /**
   * `PING` with a deadline, as on the hubs' brokers: a dead link is dropped within
   * `intervalMs + timeoutMs`, publishes then fail fast, one in flight fails with `outcomeUnknown`.
   * @default { intervalMs: 1_000, timeoutMs: 2_000 }
   */
  readonly healthCheck?: HealthCheckOptions | false;
  /**
   * Ack a publish only once this many replicas have it (`WAIT`), as on the hubs' brokers.
   * @default undefined // acked once the primary has it
   */
  readonly durability?: DurabilityOptions;
}

/** Option names of {@link createPublisher}. */
const PUBLISHER_OPTIONS = [
  'prefix',
  'history',
  'idempotencyTtlMs',
  'sharded',
  'idleTopicTtlMs',
  'connectTimeoutMs',
  'healthCheck',
  'durability',
];

/** Publishes into a Redis-backed hub cluster from a process that hosts no sockets. */
export interface Publisher {
  /**
   * Publishes `data` to `topic`, with the same offsets, history and idempotency as the hubs.
   * Rejects with `code: 'UNAVAILABLE'` when Redis cannot take it.
   * @param options.key idempotency key: a retry with the same key is published once
   */
  publish(topic: string, data: Payload, options?: { readonly key?: string }): Promise<PublishResult>;
  /**
   * Closes every connection of `userId` on every hub of the cluster and resolves with how many
   * were closed: `CloseCode.Revoked` (the default) for good, `CloseCode.Kicked` to let them
   * reconnect. As `hub.disconnectUser`, from a process that hosts no sockets.
   */
  disconnectUser(userId: string, options?: DisconnectUserOptions): Promise<number>;
  /** The open connections of `userId` on every hub of the cluster. */
  connectionsOf(userId: string, options?: ConnectionsOfOptions): Promise<UserConnection[]>;
  /** Closes the connections the publisher opened (a connection passed in stays open). */
  close(): Promise<void>;
}

/**
 * Creates a publisher: `createPublisher({ url })` or `createPublisher({ redis })`, plus the hubs'
 * prefix, history and idempotency settings.
 */
export function createPublisher(arg: RedisTarget & PublisherOptions): Publisher {
  const { target: connection, options: target } = splitTarget('createPublisher()', arg, PUBLISHER_OPTIONS);
  const { redis, owned } = openConnection(connection);
  const settings: ScriptSettings = {
    history: target.history,
    idempotencyTtlMs: target.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS,
    idleTopicTtlMs: target.idleTopicTtlMs ?? REDIS_DEFAULTS.idleTopicTtlMs,
    sharded: target.sharded ?? isCluster(redis),
  };
  const prefix = target.prefix ?? REDIS_DEFAULTS.prefix;
  const connectTimeoutMs = target.connectTimeoutMs ?? REDIS_DEFAULTS.connectTimeoutMs;
  const { durability, healthCheck } = target;
  const historyIgnored = warnHistoryIgnoredOnce((err) => process.emitWarning(err, 'HubbubPublisherWarning'));
  const writer = new TopicWriter(redis, { prefix, durability, healthCheck, historyIgnored });
  writer.start();
  let closed = false;
  let connecting: Promise<void> | undefined;
  // Only the first publish waits for the connection; later ones fail fast while Redis is down.
  let connected = false;
  if (owned) redis.on('error', () => {});
  const control = controlClient(redis, prefix, settings.sharded);
  async function ready(what: string): Promise<void> {
    if (closed) throw new BrokerUnavailableError(`${what} failed: publisher closed`);
    if (!connected) {
      connecting ??= whenReady(redis, connectTimeoutMs).finally(() => {
        connecting = undefined;
      });
      await connecting;
      connected = true;
    }
    if (redis.status !== 'ready') throw new BrokerUnavailableError(`${what} failed: Redis is not connected`);
  }
  return {
    async disconnectUser(userId, options) {
      const { request, timeoutMs } = disconnectRequest('publisher.disconnectUser()', userId, options);
      await ready('disconnectUser');
      return (await control.request(request, timeoutMs)).closed;
    },
    async connectionsOf(userId, options) {
      const { request, timeoutMs } = connectionsRequest('publisher.connectionsOf()', userId, options);
      await ready('connectionsOf');
      return [...(await control.request(request, timeoutMs)).connections];
    },
    async publish(topic, data, options) {
      if (!isValidTopic(topic)) throw new TypeError(`publisher.publish(): ${topicProblem(topic)}`);
      const problem = payloadProblem(data);
      if (problem) throw new TypeError(`publisher.publish(): ${problem}`);
      await ready('publish');
      return writer.publish(topic, data, scopeKey(SERVER_SCOPE, options?.key), settings);
    },
    async close() {
      if (closed) return;
      closed = true;
      writer.stop();
      control.close();
      if (owned) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
