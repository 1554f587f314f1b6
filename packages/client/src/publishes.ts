import { type AckMessage, type EncodedFrame, encodeClientMessage, topicProblem } from '@hubbub/protocol';
import { HubbubError, toError } from './errors.js';
import { isValidKey, randomKey } from './ids.js';
import type { QueueEntry } from './send-queue.js';

/** What `publish()` resolves with: where the message landed in the topic's history. */
export interface PublishAck {
  readonly offset: number;
  readonly epoch: string;
}

interface Pending {
  readonly id: number;
  readonly entry: QueueEntry;
  readonly resolve: (ack: PublishAck) => void;
  readonly reject: (err: HubbubError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

let encoder: TextEncoder | undefined;

/** True when `frame` is longer than `maxBytes` on the wire. */
export function isTooBig(frame: EncodedFrame, maxBytes: number): boolean {
  if (typeof frame !== 'string') return frame.byteLength > maxBytes;
  if (frame.length * 3 <= maxBytes) return false;
  encoder ??= new TextEncoder();
  return encoder.encode(frame).byteLength > maxBytes;
}

/**
 * Builds a `pub` frame, or throws the HubbubError `publish()` rejects with. `key` defaults to a
 * random idempotency key; `maxBytes` is the server's frame limit, when known.
 */
export function encodePublish(
  id: number,
  topic: string,
  data: unknown,
  key: string = randomKey(),
  maxBytes = Number.POSITIVE_INFINITY,
): EncodedFrame {
  const problem = topicProblem(topic);
  if (problem) throw new HubbubError('BAD_TOPIC', problem);
  if (data === undefined) throw new HubbubError('BAD_REQUEST', 'data is undefined');
  if (!isValidKey(key)) throw new HubbubError('BAD_REQUEST', 'key: 1-64 of A-Z a-z 0-9 _ -');
  let frame: EncodedFrame;
  try {
    frame = encodeClientMessage({ type: 'pub', id, topic, data, key });
  } catch (err) {
    throw toError('BAD_REQUEST', 'cannot encode data', err);
  }
  if (isTooBig(frame, maxBytes)) throw tooBig(maxBytes);
  return frame;
}

function tooBig(maxBytes: number): HubbubError {
  return new HubbubError('TOO_BIG', `over the server's ${maxBytes} bytes`);
}

/**
 * Publishes waiting for their ack, in the order they were made. A publish stays here across
 * reconnects (with its frame, hence its idempotency key) until it is acked, refused, timed out or
 * the client closes. The ack timer runs only while the frame is on a live connection.
 */
export class Publishes {
  readonly #pending = new Map<number, Pending>();

  readonly #ackTimeoutMs: number;

  constructor(ackTimeoutMs: number) {
    this.#ackTimeoutMs = ackTimeoutMs;
  }

  get size(): number {
    return this.#pending.size;
  }

  add(id: number, frame: EncodedFrame): { promise: Promise<PublishAck>; entry: QueueEntry } {
    let p!: Pending;
    const promise = new Promise<PublishAck>((resolve, reject) => {
      p = { id, resolve, reject, timer: undefined, entry: { frame, onSent: () => this.#arm(p) } };
    });
    this.#pending.set(id, p);
    return { promise, entry: p.entry };
  }

  /** Settles the publish `msg` acknowledges; false when it is not one of ours. */
  ack(msg: AckMessage): boolean {
    const p = this.#take(msg.id);
    p?.resolve({ offset: msg.offset ?? 0, epoch: msg.epoch ?? '' });
    return p !== undefined;
  }

  /** Rejects publish `id`; false when it is not one of ours. */
  fail(id: number, err: HubbubError): boolean {
    const p = this.#take(id);
    p?.reject(err);
    return p !== undefined;
  }

  /**
   * Queue entries of every publish still waiting, oldest first, for sending on a new connection.
   * Publishes larger than `maxBytes` are rejected with `TOO_BIG` instead.
   */
  requeue(maxBytes = Number.POSITIVE_INFINITY): QueueEntry[] {
    const entries: QueueEntry[] = [];
    for (const p of [...this.#pending.values()]) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.timer = undefined;
      if (isTooBig(p.entry.frame, maxBytes)) {
        this.fail(p.id, tooBig(maxBytes));
      } else entries.push(p.entry);
    }
    return entries;
  }

  /** Rejects every publish with `err`. */
  rejectAll(err: HubbubError): void {
    for (const id of [...this.#pending.keys()]) this.fail(id, err);
  }

  #arm(p: Pending): void {
    if (this.#pending.get(p.id) !== p) return;
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = setTimeout(
      () => this.fail(p.id, new HubbubError('ACK_TIMEOUT', `no ack within ${this.#ackTimeoutMs} ms`)),
      this.#ackTimeoutMs,
    );
  }

  #take(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    if (!p) return undefined;
    this.#pending.delete(id);
    if (p.timer !== undefined) clearTimeout(p.timer);
    return p;
  }
}
