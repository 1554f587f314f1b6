import { type AckMessage, type EncodedFrame, encodeClientMessage, isValidTopic } from '@hubbub/protocol';
import { HubbubError, TOPIC_RULE, toError } from './errors.js';
import { isValidKey } from './ids.js';
import type { QueueEntry } from './send-queue.js';

/** What `publish()` resolves with: where the message landed in the topic's history. */
export interface PublishAck {
  readonly offset: number;
  readonly epoch: string;
}

/** A publish waiting for its ack; it is its own queue entry, so resends reuse the frame. */
interface Pending extends QueueEntry {
  readonly _id: number;
  /** The idempotency key inside the frame. */
  readonly _key: string;
  readonly _resolve: (ack: PublishAck) => void;
  readonly _reject: (err: HubbubError) => void;
  _timer?: ReturnType<typeof setTimeout>;
  /** Handed to a socket at least once: from then on the server may have stored it. */
  _sent?: boolean;
  /** `RATE_LIMITED` refusals so far. */
  _refusals: number;
}

/**
 * `RATE_LIMITED` refusals of one publish the client absorbs (sending it again after backing off)
 * before it rejects with the error. The client paces below the server's rate, so a refusal only
 * follows frames that reached the server bunched up; a second one in a row is already rare.
 */
export const MAX_RATE_RETRIES = 5;

let encoder: TextEncoder | undefined;

/** True when `frame` is longer than `maxBytes` on the wire. */
export function isTooBig(frame: EncodedFrame, maxBytes: number): boolean {
  if (typeof frame !== 'string') return frame.byteLength > maxBytes;
  // A UTF-16 code unit takes at most 3 bytes in UTF-8: most frames need no encoding to tell.
  if (frame.length * 3 <= maxBytes) return false;
  encoder ??= new TextEncoder();
  return encoder.encode(frame).byteLength > maxBytes;
}

/**
 * Builds a `pub` frame, or throws the HubbubError `publish()` rejects with. `key` is the
 * idempotency key; `maxBytes` is the server's frame limit, when known.
 */
export function encodePublish(
  id: number,
  topic: string,
  data: unknown,
  key: string,
  maxBytes = Infinity,
): EncodedFrame {
  if (!isValidTopic(topic)) throw new HubbubError('BAD_TOPIC', TOPIC_RULE);
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

/** The error of a request larger than the server's `maxBytes`. */
export function tooBig(maxBytes: number): HubbubError {
  return new HubbubError('TOO_BIG', `over the server's ${maxBytes} bytes`);
}

/**
 * The rejection of a publish that was sent but not acknowledged: the server may have stored it or
 * not. Publishing again with `err.key` stores it at most once.
 */
function unknownOutcome(p: Pending, why: string, cause?: HubbubError): HubbubError {
  return new HubbubError('OUTCOME_UNKNOWN', why, undefined, cause, p._key);
}

/**
 * Publishes waiting for their ack, in the order they were made. A publish stays here across
 * reconnects (with its frame, hence its idempotency key) until it is acked, refused, timed out or
 * the client closes. The ack timer runs only while the frame is on a live connection.
 */
export class Publishes {
  readonly #pending = new Map<number, Pending>();

  readonly #ackTimeoutMs: number;
  readonly #send: (entry: QueueEntry) => void;
  readonly #retry: (entry: QueueEntry) => void;

  /**
   * `send` puts a publish's frame in the outbound queue, on `add` and again on `requeue`; `retry`
   * puts it back at the head of the queue after a `RATE_LIMITED` refusal.
   */
  constructor(ackTimeoutMs: number, send: (entry: QueueEntry) => void, retry: (entry: QueueEntry) => void) {
    this.#ackTimeoutMs = ackTimeoutMs;
    this.#send = send;
    this.#retry = retry;
  }

  get _size(): number {
    return this.#pending.size;
  }

  /** Sends publish `id` (its frame holds `key`); resolves with its ack. */
  _add(id: number, frame: EncodedFrame, key: string): Promise<PublishAck> {
    let p!: Pending;
    const promise = new Promise<PublishAck>((resolve, reject) => {
      p = {
        _id: id,
        _key: key,
        frame,
        _resolve: resolve,
        _reject: reject,
        _refusals: 0,
        onSent: () => this.#arm(p),
      };
    });
    this.#pending.set(id, p);
    this.#send(p);
    return promise;
  }

  /** Settles the publish `msg` acknowledges; false when it is not one of ours. */
  _ack(msg: AckMessage): boolean {
    const p = this.#take(msg.id);
    p?._resolve({ offset: msg.offset ?? 0, epoch: msg.epoch ?? '' });
    return !!p;
  }

  /** Rejects publish `id`; false when it is not one of ours. */
  _fail(id: number, err: HubbubError): boolean {
    const p = this.#take(id);
    p?._reject(err);
    return !!p;
  }

  /**
   * The server refused publish `id` with `err`. A `RATE_LIMITED` refusal is the client's own
   * pacing falling short, and the server dropped the frame: it goes out again, with the same key,
   * up to {@link MAX_RATE_RETRIES} times. The server's `OUTCOME_UNKNOWN` (its broker link failed
   * with the publish in flight) gets the key the app needs to publish again. False when `id` is
   * not one of ours.
   */
  _refused(id: number, err: HubbubError): boolean {
    const p = this.#pending.get(id);
    if (p && err.code === 'OUTCOME_UNKNOWN') return this._fail(id, unknownOutcome(p, err.message));
    if (!p || err.code !== 'RATE_LIMITED' || ++p._refusals > MAX_RATE_RETRIES) return this._fail(id, err);
    clearTimeout(p._timer);
    this.#retry(p);
    return true;
  }

  /**
   * Sends every publish still waiting again, oldest first, for a new connection; their ack timers
   * stop until they are on the wire again. Publishes larger than `maxBytes` are rejected with
   * `TOO_BIG` instead.
   */
  _requeue(maxBytes = Infinity): void {
    for (const p of [...this.#pending.values()]) {
      clearTimeout(p._timer);
      if (isTooBig(p.frame, maxBytes)) this._fail(p._id, tooBig(maxBytes));
      else this.#send(p);
    }
  }

  /**
   * Rejects every publish: with `err` those never sent, with `OUTCOME_UNKNOWN` (caused by `err`)
   * those sent without an ack, since the server may have stored them.
   */
  _rejectAll(err: HubbubError): void {
    for (const p of [...this.#pending.values()]) {
      this._fail(p._id, p._sent ? unknownOutcome(p, `no ack: ${err.message}`, err) : err);
    }
  }

  #arm(p: Pending): void {
    if (this.#pending.get(p._id) !== p) return;
    const ms = this.#ackTimeoutMs;
    p._sent = true;
    clearTimeout(p._timer);
    p._timer = setTimeout(() => this._fail(p._id, unknownOutcome(p, `no ack within ${ms} ms`)), ms);
  }

  #take(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    if (p) {
      this.#pending.delete(id);
      clearTimeout(p._timer);
    }
    return p;
  }
}
