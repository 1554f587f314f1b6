import type { Cluster, Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import type { ControlReply, ControlRequest } from '../broker.js';
import { isCluster, unavailable } from './connection.js';
import type { RedisConnection } from './scripts.js';

/**
 * Cluster-wide control (`disconnectUser`, `connectionsOf`) over Redis pub/sub. A request goes out
 * on the prefix's control channel, which every hub's broker subscribes to; PUBLISH answers with
 * the number of subscribers that got it, so the caller knows how many replies to wait for. Each
 * hub answers for its own connections on the caller's reply channel, and the caller sums the
 * replies, or what came by the deadline (a hub that died in between never answers). Nothing is
 * stored in Redis: a connection costs no write, and the count is exact when every hub answers.
 */

/** What goes out on the control channel. */
interface Envelope {
  readonly id: string;
  readonly reply: string;
  readonly request: ControlRequest;
}

interface Pending {
  expected: number;
  readonly replies: ControlReply[];
  readonly done: (reply: ControlReply) => void;
  readonly timer: NodeJS.Timeout;
}

/** The empty reply. */
export const NO_REPLY: ControlReply = { closed: 0, connections: [] };

function sum(replies: readonly ControlReply[]): ControlReply {
  return {
    closed: replies.reduce((n, r) => n + r.closed, 0),
    connections: replies.flatMap((r) => r.connections),
  };
}

/** Names of the control channels of a prefix (one Redis Cluster slot: the prefix's hash tag). */
export function controlChannel(prefix: string): string {
  return `{${prefix}}:control`;
}

/**
 * One side of the control channel: sends requests and gathers replies (hubs and publishers), and
 * answers requests for this instance (hubs only: pass `answer`).
 */
export class RedisControl {
  readonly channel: string;
  readonly replyChannel: string;
  readonly #pending = new Map<string, Pending>();
  #closed = false;

  constructor(
    private readonly pub: RedisConnection,
    prefix: string,
    private readonly sharded: boolean,
    private readonly answer: ((request: ControlRequest) => ControlReply) | undefined,
    private readonly onError: (err: unknown) => void,
  ) {
    this.channel = controlChannel(prefix);
    this.replyChannel = `{${prefix}}:reply:${nanoid(12)}`;
  }

  /** Channels the subscriber connection must hold. */
  channels(): string[] {
    return this.answer ? [this.channel, this.replyChannel] : [this.replyChannel];
  }

  /** Handles a pub/sub message; false when `channel` is not a control channel. */
  receive(channel: string, message: Buffer): boolean {
    if (channel === this.replyChannel) {
      this.#reply(message);
      return true;
    }
    if (channel !== this.channel) return false;
    if (this.answer) this.#serve(message);
    return true;
  }

  /** Sends `request` to every hub and resolves with the sum of their replies, by `timeoutMs`. */
  async request(request: ControlRequest, timeoutMs: number): Promise<ControlReply> {
    const id = nanoid();
    const result = new Promise<ControlReply>((resolve) => {
      const timer = setTimeout(() => this.#finish(id), timeoutMs);
      timer.unref();
      this.#pending.set(id, { expected: Number.POSITIVE_INFINITY, replies: [], done: resolve, timer });
    });
    const envelope: Envelope = { id, reply: this.replyChannel, request };
    try {
      const receivers = await this.#publish(this.channel, JSON.stringify(envelope));
      const pending = this.#pending.get(id);
      if (pending) {
        pending.expected = receivers;
        if (pending.replies.length >= receivers) this.#finish(id);
      }
    } catch (err) {
      const pending = this.#pending.get(id);
      this.#pending.delete(id);
      if (pending) clearTimeout(pending.timer);
      throw unavailable(`${request.type} failed`, err);
    }
    return result;
  }

  /** Resolves every waiting request with what it has. */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) this.#finish(id);
  }

  #finish(id: string): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.done(sum(pending.replies));
  }

  #reply(message: Buffer): void {
    let reply: { id: string } & ControlReply;
    try {
      reply = JSON.parse(message.toString());
    } catch (err) {
      this.onError(err);
      return;
    }
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    pending.replies.push({ closed: reply.closed, connections: reply.connections });
    if (pending.replies.length >= pending.expected) this.#finish(reply.id);
  }

  #serve(message: Buffer): void {
    let envelope: Envelope;
    let reply: ControlReply;
    try {
      envelope = JSON.parse(message.toString());
      reply = this.answer?.(envelope.request) ?? NO_REPLY;
    } catch (err) {
      this.onError(err);
      return;
    }
    this.#publish(envelope.reply, JSON.stringify({ id: envelope.id, ...reply })).catch((err) => {
      if (!this.#closed) this.onError(err);
    });
  }

  #publish(channel: string, message: string): Promise<number> {
    return (
      this.sharded ? this.pub.spublish(channel, message) : this.pub.publish(channel, message)
    ) as Promise<number>;
  }
}

/**
 * The subscriber side for a process that has no broker (a publisher): a connection of its own,
 * opened on the first request, subscribed to the reply channel only.
 */
export function openReplyListener(pub: RedisConnection, control: RedisControl, sharded: boolean) {
  // The publisher's own connection fails fast; this one may wait for Redis and resubscribes by itself.
  const waits = { lazyConnect: false, enableOfflineQueue: true, autoResubscribe: true };
  const sub = isCluster(pub)
    ? (pub as Cluster).duplicate([], { ...waits, shardedSubscribers: sharded })
    : (pub as Redis).duplicate(waits);
  sub.on('error', () => {});
  sub.on(sharded ? 'smessageBuffer' : 'messageBuffer', (channel: Buffer, message: Buffer) => {
    control.receive(channel.toString(), message);
  });
  const ready = sharded ? sub.ssubscribe(control.replyChannel) : sub.subscribe(control.replyChannel);
  return { sub, ready };
}

/** A control client for a process without a broker: opens its reply listener on first use. */
export function controlClient(pub: RedisConnection, prefix: string, sharded: boolean) {
  const control = new RedisControl(pub, prefix, sharded, undefined, () => {});
  let listener: ReturnType<typeof openReplyListener> | undefined;
  return {
    async request(request: ControlRequest, timeoutMs: number): Promise<ControlReply> {
      listener ??= openReplyListener(pub, control, sharded);
      await listener.ready;
      return control.request(request, timeoutMs);
    },
    close(): void {
      control.close();
      listener?.sub.disconnect();
    },
  };
}
