import type { Payload } from '@hubbub/protocol';
import type { Cluster, Redis } from 'ioredis';
import type {
  Broker,
  BrokerContext,
  BrokerMessage,
  ControlReply,
  ControlRequest,
  HistoryQuery,
  HistoryRead,
  PresenceEntry,
  PresenceMember,
  PresenceStats,
  PublishResult,
} from '../broker.js';
import { BrokerUnavailableError, isBrokerUnavailable } from '../errors.js';
import { decodeChannelMessage } from './codec.js';
import {
  FAIL_FAST,
  isCluster,
  openConnection,
  type RedisTarget,
  splitTarget,
  unavailable,
  whenReady,
} from './connection.js';
import { RedisControl } from './control.js';
import type { DurabilityOptions } from './durability.js';
import { topicKeys } from './keys.js';
import type { HealthCheckOptions } from './link-health.js';
import { isPresenceEvent, RedisPresence, type RedisPresenceOptions } from './presence.js';
import type { RedisConnection, ScriptSettings } from './scripts.js';
import { TopicFeed } from './topic-feed.js';
import { REDIS_DEFAULTS, TopicWriter, warnHistoryIgnoredOnce } from './writer.js';

export type { RedisTarget } from './connection.js';

/** Options of {@link createRedisBroker}. */
export interface RedisBrokerOptions {
  /**
   * Prefix of every key and channel; brokers and publishers with the same prefix form one hub.
   * @default 'hubbub'
   */
  readonly prefix?: string;
  /**
   * Use sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`, Redis 7). Needed with Redis Cluster, where plain
   * pub/sub broadcasts every message to every node.
   * @default true for a `Cluster` connection, false otherwise
   */
  readonly sharded?: boolean;
  /**
   * How long a topic's offset counter and epoch stay in Redis after its last publish or read, in
   * ms (never less than the history ttl or the idempotency ttl). A topic idle for longer starts a
   * new epoch.
   * @default 86_400_000 // 24 hours
   */
  readonly idleTopicTtlMs?: number;
  /**
   * How long `start()` waits for Redis, in ms.
   * @default 10_000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Errors that have no caller to reject: a failed history repair, a resubscription that failed,
   * a hub `deliver` that threw, an undecodable channel message.
   * @default emits a process warning
   */
  readonly onError?: (err: unknown) => void;
  /** Presence timing: how often this hub refreshes its entry and how long its members outlive it. */
  readonly presence?: RedisPresenceOptions;
  /**
   * `PING` on both connections with a deadline: a link that does not answer is dropped within
   * `intervalMs + timeoutMs`, the broker goes unready (`/readyz` 503) and publishes fail fast
   * until Redis answers again; a publish in flight on it fails with `outcomeUnknown`. `false`
   * turns it off (TCP's own timeout, minutes, is then all there is).
   * @default { intervalMs: 1_000, timeoutMs: 2_000 }
   */
  readonly healthCheck?: HealthCheckOptions | false;
  /**
   * Ack a publish only once this many replicas have it (`WAIT`); see {@link DurabilityOptions}.
   * Standalone or Sentinel connections only.
   * @default undefined // acked once the primary has it
   */
  readonly durability?: DurabilityOptions;
}

/** Option names of {@link createRedisBroker}. */
const REDIS_BROKER_OPTIONS = [
  'prefix',
  'sharded',
  'idleTopicTtlMs',
  'connectTimeoutMs',
  'onError',
  'presence',
  'healthCheck',
  'durability',
];

const DEFAULTS = REDIS_DEFAULTS;

/** Wait before a topic whose history repair failed tries again, while Redis stays reachable. */
const REPAIR_RETRY_MS = 1_000;

function warn(err: unknown): void {
  if (isBrokerUnavailable(err)) return;
  process.emitWarning(err instanceof Error ? err : String(err), 'HubbubBrokerWarning');
}

interface Listened {
  readonly topic: string;
  readonly channel: string;
  readonly feed: TopicFeed;
  refs: number;
  ready: Promise<void>;
  retry: NodeJS.Timeout | undefined;
}

/**
 * Joins hub instances through Redis. Offsets, epochs, history and idempotency keys live in Redis
 * and each publish is one Lua script (one round trip) that also publishes on the topic's
 * channel. A subscriber connection (`duplicate()` of the publishing one) subscribes to a topic's
 * channel only while the hub listens to it; a {@link TopicFeed} per topic repairs gaps from
 * history. While Redis is down, publishes reject with `code: 'UNAVAILABLE'`; ioredis reconnects
 * each connection with backoff, the broker resubscribes every listened topic once the subscriber
 * connection is back, and catches every topic up from history each time both connections are
 * ready again (whichever came back last), so a repair that failed meanwhile is redone.
 */
export class RedisBroker implements Broker {
  private readonly options: typeof DEFAULTS & RedisBrokerOptions;
  private readonly pub: RedisConnection;
  private readonly ownsPub: boolean;
  private readonly sharded: boolean;
  private readonly writer: TopicWriter;
  private sub: RedisConnection | undefined;
  private ctx: BrokerContext | undefined;
  private settings: ScriptSettings | undefined;
  private readonly topics = new Map<string, Listened>();
  private readonly channels = new Map<string, Listened>();
  private ready = false;
  private resubscribing = false;
  private closed = false;
  private readonly onError: (err: unknown) => void;
  private readonly onStatus = () => this.updateReady();
  private readonly onSubReady = () => void this.resubscribeAll();
  private readonly onChannelMessage = (channel: Buffer, message: Buffer) => this.receive(channel, message);
  private readonly ignore = () => {};
  private readonly members: RedisPresence;
  private controller: RedisControl | undefined;

  constructor(target: RedisTarget, options: RedisBrokerOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    const { redis, owned } = openConnection(target);
    this.pub = redis;
    this.ownsPub = owned;
    this.sharded = this.options.sharded ?? isCluster(redis);
    const { prefix: keyPrefix, durability, healthCheck } = this.options;
    const links = () => (this.sub ? [this.pub, this.sub] : [this.pub]);
    this.onError = this.options.onError ?? warn;
    const historyIgnored = warnHistoryIgnoredOnce(this.onError);
    this.writer = new TopicWriter(
      redis,
      { prefix: keyPrefix, durability, healthCheck, historyIgnored },
      links,
    );
    const usable = () => !this.closed && this.pub.status === 'ready';
    const { prefix, presence } = this.options;
    this.members = new RedisPresence(redis, prefix, this.sharded, presence ?? {}, usable, this.onError);
  }

  async start(ctx: BrokerContext): Promise<void> {
    if (this.ctx) throw new Error('broker already started');
    this.ctx = ctx;
    this.settings = {
      history: ctx.history,
      idempotencyTtlMs: ctx.idempotencyTtlMs,
      idleTopicTtlMs: this.options.idleTopicTtlMs,
      sharded: this.sharded,
    };
    const sub = this.duplicate();
    this.sub = sub;
    if (this.ownsPub) this.pub.on('error', this.ignore);
    sub.on('error', this.ignore);
    for (const event of ['ready', 'close', 'end']) this.pub.on(event, this.onStatus);
    for (const event of ['close', 'end']) sub.on(event, this.onStatus);
    sub.on(this.sharded ? 'smessageBuffer' : 'messageBuffer', this.onChannelMessage);
    const answer = (request: ControlRequest) => ctx.control?.(request) ?? { closed: 0, connections: [] };
    this.controller = new RedisControl(this.pub, this.options.prefix, this.sharded, answer, this.onError);
    await Promise.all([
      whenReady(this.pub, this.options.connectTimeoutMs),
      whenReady(sub, this.options.connectTimeoutMs),
    ]);
    // Later `ready`s of the subscriber connection resubscribe; this first one is start's own. Had
    // both run, start could resolve while the resubscription still held the broker unready.
    sub.on('ready', this.onSubReady);
    await this.subscribeChannels(this.controller.channels());
    this.writer.start();
    this.members.start();
    this.updateReady();
  }

  // Presence and cluster control: see presence.ts and control.ts.
  join = (topic: string, entry: PresenceEntry): Promise<void> => this.members.join(topic, entry);
  leave = (topic: string, sid: string): Promise<void> => this.members.leave(topic, sid);

  async presence(topic: string): Promise<PresenceMember[]> {
    this.usable('presence');
    return this.members.members(topic);
  }

  async presenceStats(topic: string): Promise<PresenceStats> {
    this.usable('presenceStats');
    return this.members.stats(topic);
  }

  async control(request: ControlRequest, timeoutMs: number): Promise<ControlReply> {
    this.usable(request.type);
    return (this.controller as RedisControl).request(request, timeoutMs);
  }

  isReady(): boolean {
    return this.ready;
  }

  async publish(topic: string, data: Payload, key?: string): Promise<PublishResult> {
    return this.writer.publish(topic, data, key, this.usable('publish'));
  }

  async read(topic: string, query: HistoryQuery): Promise<HistoryRead> {
    return this.writer.read(topic, query, this.usable('read'));
  }

  async listen(topic: string): Promise<void> {
    this.usable('listen');
    const known = this.topics.get(topic);
    if (known) {
      known.refs++;
      return known.ready;
    }
    const sub = this.sub;
    if (sub?.status !== 'ready')
      throw new BrokerUnavailableError(`listen to "${topic}" failed: Redis is not connected`);
    const channel = topicKeys(this.options.prefix, topic).channel;
    const feed = new TopicFeed(topic, {
      read: (t, q) => this.read(t, q),
      deliver: (m) => this.deliver(m),
      onError: (err) => this.repairFailed(listened, err),
      repaired: (t, messages) => this.ctx?.repaired?.(t, messages),
    });
    const listened: Listened = { topic, channel, feed, refs: 1, ready: Promise.resolve(), retry: undefined };
    this.topics.set(topic, listened);
    this.channels.set(channel, listened);
    listened.ready = this.subscribe(listened);
    return listened.ready;
  }

  async unlisten(topic: string): Promise<void> {
    const listened = this.topics.get(topic);
    if (!listened) return;
    if (--listened.refs > 0) return;
    this.forget(listened);
    try {
      await this.unsubscribe(listened.channel);
    } catch {
      // The connection is down: it holds no subscription any more, and resubscription after
      // reconnect covers only the topics still listened to.
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const listened of this.topics.values()) {
      listened.feed.close();
      clearTimeout(listened.retry);
    }
    this.topics.clear();
    this.channels.clear();
    this.writer.stop();
    this.members.stop();
    this.controller?.close();
    for (const event of ['ready', 'close', 'end']) this.pub.off(event, this.onStatus);
    this.sub?.disconnect();
    if (this.ownsPub) await this.pub.quit().catch(() => this.pub.disconnect());
  }

  private duplicate(): RedisConnection {
    if (isCluster(this.pub)) {
      return (this.pub as Cluster).duplicate([], { shardedSubscribers: this.sharded, lazyConnect: true });
    }
    return (this.pub as Redis).duplicate({ ...FAIL_FAST, autoResubscribe: false });
  }

  private usable(what: string): ScriptSettings {
    if (!this.settings) throw new BrokerUnavailableError(`${what} failed: broker not started`);
    if (this.closed) throw new BrokerUnavailableError(`${what} failed: broker closed`);
    if (this.pub.status !== 'ready')
      throw new BrokerUnavailableError(`${what} failed: Redis is not connected`);
    return this.settings;
  }

  private async subscribe(listened: Listened): Promise<void> {
    try {
      await this.subscribeChannels([listened.channel]);
      await listened.feed.start();
    } catch (err) {
      if (this.topics.get(listened.topic) === listened) {
        this.forget(listened);
        this.unsubscribe(listened.channel).catch(this.ignore);
      }
      throw unavailable(`listen to "${listened.topic}" failed`, err);
    }
  }

  private async subscribeChannels(channels: string[]): Promise<void> {
    const sub = this.sub as RedisConnection;
    if (this.sharded) await Promise.all(channels.map((channel) => sub.ssubscribe(channel)));
    else await sub.subscribe(...channels);
  }

  private async unsubscribe(channel: string): Promise<void> {
    const sub = this.sub as RedisConnection;
    if (sub.status !== 'ready') return;
    if (this.sharded) await sub.sunsubscribe(channel);
    else await sub.unsubscribe(channel);
  }

  private forget(listened: Listened): void {
    listened.feed.close();
    clearTimeout(listened.retry);
    this.topics.delete(listened.topic);
    this.channels.delete(listened.channel);
  }

  /**
   * After the subscriber connection came back: subscribe again. The catch-up from history follows
   * once the broker is ready, as the publishing connection that reads history may still be down.
   */
  private async resubscribeAll(): Promise<void> {
    if (this.closed) return;
    const channels = [
      ...(this.controller?.channels() ?? []),
      ...Array.from(this.topics.values(), (l) => l.channel),
    ];
    if (channels.length > 0) {
      this.resubscribing = true;
      this.updateReady();
      try {
        await this.subscribeChannels(channels);
      } catch (err) {
        this.onError(unavailable('resubscribe failed', err));
      }
      this.resubscribing = false;
    }
    this.updateReady();
  }

  /** A feed could not read history: it waits for the next ready transition or for a retry. */
  private repairFailed(listened: Listened, err: unknown): void {
    this.onError(err);
    if (listened.retry !== undefined || this.topics.get(listened.topic) !== listened) return;
    listened.retry = setTimeout(() => {
      listened.retry = undefined;
      if (this.ready && this.topics.get(listened.topic) === listened) listened.feed.resync();
    }, REPAIR_RETRY_MS);
    listened.retry.unref();
  }

  private receive(channel: Buffer, message: Buffer): void {
    const name = channel.toString();
    if (this.controller?.receive(name, message)) return;
    const listened = this.channels.get(name);
    if (!listened) return;
    if (isPresenceEvent(message)) {
      this.members.received(listened.topic, message, this.ctx);
      return;
    }
    let decoded: BrokerMessage;
    try {
      decoded = decodeChannelMessage(listened.topic, message);
    } catch (err) {
      this.onError(err);
      return;
    }
    listened.feed.receive(decoded);
  }

  private deliver(message: BrokerMessage): void {
    try {
      this.ctx?.deliver(message);
    } catch (err) {
      this.onError(err);
    }
  }

  private updateReady(): void {
    const ready =
      !this.closed && !this.resubscribing && this.pub.status === 'ready' && this.sub?.status === 'ready';
    if (ready === this.ready || !this.ctx) return;
    this.ready = ready;
    if (ready) {
      for (const listened of this.topics.values()) listened.feed.resync();
      // Redis may have come back empty: re-announce this hub's members now, not at the next refresh.
      void this.members.refresh();
    }
    this.ctx.readyChanged(ready);
  }
}

/**
 * Creates a Redis broker: `createRedisBroker({ url })` opens its own connections (failing fast
 * while Redis is down), `createRedisBroker({ redis })` uses yours (a `Redis` or a `Cluster`).
 */
export function createRedisBroker(
  target: RedisTarget & RedisBrokerOptions,
  options?: RedisBrokerOptions,
): RedisBroker {
  const split = splitTarget('createRedisBroker()', target, REDIS_BROKER_OPTIONS, options);
  return new RedisBroker(split.target, split.options);
}
