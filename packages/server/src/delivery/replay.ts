import type { Position, SubscribeMessage } from '@hubbub/protocol';
import type { Broker, BrokerMessage, HistoryQuery, HistoryRead } from '../broker/broker.js';
import type { Connection, ReplayHold } from '../connection/connection.js';
import { msgFrame } from './msg-frame.js';
import type { PreparedFrame } from './preframe.js';

/**
 * Live messages a replaying subscription holds before the subscriber counts as too slow (4509).
 * This is the only bound that can close a recovering client: the replay itself is paced by the
 * socket's drain, not cut by `maxBufferedBytes`.
 */
export const MAX_HELD_MESSAGES = 10_000;
/** Bytes of replay frames kept for other subscribers recovering the same messages. */
const FRAME_CACHE_BYTES = 8 * 1024 * 1024;

/** What a subscription gets from history when it starts. */
export interface ReplayPlan {
  /** The topic's position when history was read. */
  readonly read: HistoryRead;
  /** Whether every message after the subscriber's position was still there (no gap). */
  readonly recovered: boolean;
  /** The messages to send, in offset order. */
  readonly messages: readonly BrokerMessage[];
}

function queryOf(message: SubscribeMessage): HistoryQuery {
  if (message.since !== undefined) return { after: message.since.offset };
  return { last: message.last ?? 0 };
}

/** Whether every message after `since` is still in the history read. */
export function recoverable(since: Position | undefined, read: HistoryRead): boolean {
  if (since === undefined) return true;
  return since.epoch === read.epoch && since.offset <= read.offset && read.firstOffset <= since.offset + 1;
}

/**
 * Reads what a new subscription must be sent. Within the subscriber's epoch: what it missed.
 * When that cannot be filled (trimmed history, or a new epoch after Redis or the memory broker
 * lost its data), it gets `recovered: false` and then every message history still holds of the
 * current epoch, in order — never only the live ones (issue #10, case 4).
 */
export async function planReplay(broker: Broker, message: SubscribeMessage): Promise<ReplayPlan> {
  const { topic, since } = message;
  let read = await broker.read(topic, queryOf(message));
  if (since === undefined) return { read, recovered: true, messages: read.messages };
  if (recoverable(since, read)) {
    return { read, recovered: true, messages: read.messages.filter((m) => m.offset > since.offset) };
  }
  if (since.epoch !== read.epoch || since.offset > read.offset) read = await broker.read(topic, { after: 0 });
  return { read, recovered: false, messages: read.messages };
}

/** Replay frames built once per (topic, epoch, offset) for every subscriber recovering them. */
export class ReplayFrames {
  readonly #frames = new Map<string, PreparedFrame>();
  #bytes = 0;

  constructor(private readonly preframe: boolean) {}

  frameOf(m: BrokerMessage): PreparedFrame {
    const key = `${m.epoch}\0${m.offset}\0${m.topic}`;
    let frame = this.#frames.get(key);
    if (frame !== undefined) return frame;
    frame = msgFrame(m, true, this.preframe);
    this.#frames.set(key, frame);
    this.#bytes += frame.data.length;
    while (this.#bytes > FRAME_CACHE_BYTES && this.#frames.size > 1) {
      const [oldest, old] = this.#frames.entries().next().value as [string, PreparedFrame];
      this.#frames.delete(oldest);
      this.#bytes -= old.data.length;
    }
    return frame;
  }
}

interface Held {
  readonly epoch: string;
  readonly offset: number;
  readonly frame: PreparedFrame;
}

/**
 * One subscription's replay: holds the topic's live messages from the moment it subscribes, sends
 * the missed ones paced by the socket's drain (so any replay within the window completes whatever
 * `maxBufferedBytes` is), then lets go of the held ones, dropping those the replay covered: no gap
 * and no duplicate at the seam.
 */
export class Replay implements ReplayHold {
  #held: Held[] = [];
  #heldAt = 0;
  #plan: ReplayPlan | undefined;
  #next = 0;
  #cancelled = false;
  readonly #pump = () => this.#send();

  constructor(
    private readonly conn: Connection,
    private readonly topic: string,
    private readonly frames: ReplayFrames,
  ) {}

  get cancelled(): boolean {
    return this.#cancelled;
  }

  hold(epoch: string, offset: number, frame: PreparedFrame): boolean {
    if (this.#held.length - this.#heldAt >= MAX_HELD_MESSAGES) return false;
    this.#held.push({ epoch, offset, frame });
    return true;
  }

  cancel(): void {
    this.#cancelled = true;
    this.#held = [];
  }

  /** Starts sending `plan`'s messages (call right after `subscribed` went out). */
  start(plan: ReplayPlan): void {
    this.#plan = plan;
    this.#send();
  }

  #send(): void {
    const conn = this.conn;
    const plan = this.#plan as ReplayPlan;
    const highWater = conn.hub.options.limits.maxBufferedBytes / 2;
    while (!this.#cancelled && !conn.closing) {
      if (conn.socket.bufferedAmount > highWater) {
        conn.socket.onDrain(this.#pump);
        return;
      }
      if (this.#next < plan.messages.length) {
        conn.write(this.frames.frameOf(plan.messages[this.#next++] as BrokerMessage));
        continue;
      }
      if (this.#heldAt < this.#held.length) {
        const held = this.#held[this.#heldAt++] as Held;
        if (held.epoch !== plan.read.epoch || held.offset > plan.read.offset) conn.write(held.frame);
        continue;
      }
      conn.endReplay(this.topic, this);
      return;
    }
  }
}
