import type { Payload } from '@hubbub/protocol';
import { nanoid } from 'nanoid';
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
} from './broker.js';
import { BrokerUnavailableError } from './errors.js';
import { MemoryPresence } from './memory-presence.js';

/** Options of {@link createMemoryBroker}. */
export interface MemoryBrokerOptions {
  /**
   * How often idle topics (history expired, nobody listening, no live idempotency key) are
   * dropped, in ms. Defaults to the history ttl, clamped to 1 s – 60 s.
   * @default clamp(history.ttlMs, 1_000, 60_000)
   */
  readonly sweepIntervalMs?: number;
}

interface Entry {
  readonly message: BrokerMessage;
  readonly at: number;
}

interface KeyEntry {
  readonly offset: number;
  readonly expiresAt: number;
}

/** One topic: its epoch, offset counter, history ring and idempotency keys. */
class TopicState {
  readonly epoch = nanoid();
  offset = 0;
  lastAt: number;
  readonly keys = new Map<string, KeyEntry>();
  private ring: Entry[] = [];
  private head = 0;
  private count = 0;

  constructor(
    private readonly capacity: number,
    now: number,
  ) {
    this.lastAt = now;
  }

  /** Messages kept. */
  get size(): number {
    return this.count;
  }

  /** Offset of the oldest kept message (`offset + 1` when none). */
  get firstOffset(): number {
    return this.offset - this.count + 1;
  }

  push(entry: Entry): void {
    if (this.capacity === 0) return;
    const len = this.ring.length;
    if (this.count < len) {
      this.ring[(this.head + this.count) % len] = entry;
      this.count++;
    } else if (len < this.capacity) {
      if (this.head !== 0) this.ring = [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
      this.head = 0;
      this.ring.push(entry);
      this.count++;
    } else {
      this.ring[this.head] = entry;
      this.head = (this.head + 1) % len;
    }
  }

  /** Drops messages published at or before `before`. */
  expire(before: number): void {
    while (this.count > 0) {
      const oldest = this.ring[this.head];
      if (!oldest || oldest.at > before) return;
      this.head = (this.head + 1) % this.ring.length;
      this.count--;
    }
    if (this.count === 0) {
      this.ring = [];
      this.head = 0;
    }
  }

  /** Kept messages with offsets from `from` up to the latest. */
  slice(from: number): BrokerMessage[] {
    const out: BrokerMessage[] = [];
    const start = Math.max(from, this.firstOffset) - this.firstOffset;
    for (let i = start; i < this.count; i++) {
      const entry = this.ring[(this.head + i) % this.ring.length];
      if (entry) out.push(entry.message);
    }
    return out;
  }

  /** Drops expired idempotency keys; they expire in insertion order. */
  pruneKeys(now: number): void {
    for (const [key, entry] of this.keys) {
      if (entry.expiresAt > now) return;
      this.keys.delete(key);
    }
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * The default broker: history, offsets and idempotency keys live in this process, and messages
 * reach only this instance's listeners. Deliveries are synchronous and in offset order. Topics
 * whose history expired and that nobody listens to are dropped by one periodic sweep (no timer
 * per message); a topic published to afterwards starts a new epoch.
 */
export class MemoryBroker implements Broker {
  private ctx: BrokerContext | undefined;
  private closed = false;
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private readonly topics = new Map<string, TopicState>();
  private readonly listeners = new Map<string, number>();
  private readonly members = new MemoryPresence((event) => {
    if (this.listeners.has(event.topic)) this.ctx?.presenceChanged?.(event);
  });

  constructor(private readonly options: MemoryBrokerOptions = {}) {}

  async start(ctx: BrokerContext): Promise<void> {
    if (this.ctx) throw new Error('broker already started');
    this.ctx = ctx;
    const every = this.options.sweepIntervalMs ?? clamp(ctx.history.ttlMs, 1_000, 60_000);
    this.sweepTimer = setInterval(() => this.sweep(), every);
    this.sweepTimer.unref?.();
    ctx.readyChanged(true);
  }

  isReady(): boolean {
    return this.ctx !== undefined && !this.closed;
  }

  async publish(topic: string, data: Payload, key?: string): Promise<PublishResult> {
    const ctx = this.context();
    const now = Date.now();
    const state = this.state(topic, now);
    if (key !== undefined) {
      state.pruneKeys(now);
      const seen = state.keys.get(key);
      if (seen) return { epoch: state.epoch, offset: seen.offset, duplicate: true };
    }
    state.offset++;
    state.lastAt = now;
    const message: BrokerMessage = { topic, epoch: state.epoch, offset: state.offset, data };
    state.expire(now - ctx.history.ttlMs);
    state.push({ message, at: now });
    if (key !== undefined)
      state.keys.set(key, { offset: state.offset, expiresAt: now + ctx.idempotencyTtlMs });
    if (this.listeners.has(topic)) ctx.deliver(message);
    return { epoch: state.epoch, offset: state.offset, duplicate: false };
  }

  async listen(topic: string): Promise<void> {
    this.context();
    this.listeners.set(topic, (this.listeners.get(topic) ?? 0) + 1);
  }

  async unlisten(topic: string): Promise<void> {
    const count = this.listeners.get(topic);
    if (count === undefined) return;
    if (count > 1) this.listeners.set(topic, count - 1);
    else this.listeners.delete(topic);
  }

  async read(topic: string, query: HistoryQuery): Promise<HistoryRead> {
    const ctx = this.context();
    const now = Date.now();
    const state = this.state(topic, now);
    state.expire(now - ctx.history.ttlMs);
    const from = 'after' in query ? query.after + 1 : state.offset - Math.max(0, query.last) + 1;
    return {
      epoch: state.epoch,
      offset: state.offset,
      firstOffset: state.firstOffset,
      messages: state.slice(from),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.topics.clear();
    this.listeners.clear();
    this.members.clear();
  }

  async join(topic: string, entry: PresenceEntry): Promise<void> {
    this.context();
    this.members.join(topic, entry);
  }

  async leave(topic: string, sid: string): Promise<void> {
    if (!this.closed) this.members.leave(topic, sid);
  }

  async presence(topic: string): Promise<PresenceMember[]> {
    this.context();
    return this.members.members(topic);
  }

  async presenceStats(topic: string): Promise<PresenceStats> {
    this.context();
    return this.members.stats(topic);
  }

  /** One instance: the hub answers for its own connections. */
  async control(request: ControlRequest): Promise<ControlReply> {
    return this.context().control?.(request) ?? { closed: 0, connections: [] };
  }

  private context(): BrokerContext {
    if (!this.ctx) throw new BrokerUnavailableError('broker not started');
    if (this.closed) throw new BrokerUnavailableError('broker closed');
    return this.ctx;
  }

  private state(topic: string, now: number): TopicState {
    let state = this.topics.get(topic);
    if (!state) {
      state = new TopicState(Math.max(0, this.ctx?.history.size ?? 0), now);
      this.topics.set(topic, state);
    }
    return state;
  }

  private sweep(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const now = Date.now();
    const before = now - ctx.history.ttlMs;
    for (const [topic, state] of this.topics) {
      state.expire(before);
      state.pruneKeys(now);
      const idle = state.lastAt <= before && state.size === 0 && state.keys.size === 0;
      if (idle && !this.listeners.has(topic)) this.topics.delete(topic);
    }
  }
}

/** Creates the in-memory broker, the hub's default. */
export function createMemoryBroker(options: MemoryBrokerOptions = {}): MemoryBroker {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createMemoryBroker(): options must be an object');
  for (const key of Object.keys(options)) {
    if (key !== 'sweepIntervalMs')
      throw new TypeError(`createMemoryBroker(): unknown option "${key}" (known: sweepIntervalMs)`);
  }
  const every = options.sweepIntervalMs;
  if (every !== undefined && (typeof every !== 'number' || !(every > 0))) {
    throw new TypeError('createMemoryBroker(): sweepIntervalMs must be a positive number');
  }
  return new MemoryBroker(options);
}
