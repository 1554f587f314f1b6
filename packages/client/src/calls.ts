import {
  type CallResult,
  type EncodedFrame,
  encodeClientMessage,
  isValidMethod,
  type MethodName,
  type ResultMessage,
  RpcError,
} from '@hubbub/protocol';
import { HubbubError, TOPIC_RULE, toError } from './errors.js';
import { isTooBig, MAX_RATE_RETRIES, tooBig } from './publishes.js';
import type { QueueEntry } from './send-queue.js';

/** Options of one `call()`. */
export interface CallOptions {
  /**
   * Time the call has, from `call()` on: waiting for a link, sending, the handler's run. Past it
   * the call rejects with `TIMEOUT` and a late answer is ignored. `Infinity`: no limit.
   * @default the client's `callTimeoutMs` (15_000)
   */
  readonly timeoutMs?: number;
}

/**
 * The arguments of `call(method, ...)` for method `K` of the method map `M`: its data (which may
 * be left out when the handler takes none, or takes it optionally), then the options.
 */
export type CallArgs<M, K extends keyof M> = M[K] extends (...args: infer P) => unknown
  ? [] extends P
    ? [data?: P[0], options?: CallOptions]
    : [data: P[0], options?: CallOptions]
  : never;

export type { CallResult, MethodName };

/** A call waiting for its answer; it is its own queue entry. */
interface Pending extends QueueEntry {
  readonly _id: number;
  readonly _resolve: (value: unknown) => void;
  readonly _reject: (err: Error) => void;
  _timer?: ReturnType<typeof setTimeout>;
  /** Handed to a socket: from then on the handler may run, so it is never sent again. */
  _sent?: boolean;
  /** `RATE_LIMITED` refusals so far. */
  _refusals: number;
}

/**
 * Builds a `call` frame, or throws the HubbubError `call()` rejects with. `maxBytes` is the
 * server's frame limit, when known.
 */
export function encodeCall(id: number, method: string, data: unknown, maxBytes = Infinity): EncodedFrame {
  if (!isValidMethod(method)) throw new HubbubError('BAD_REQUEST', TOPIC_RULE.replace('topic', 'method'));
  let frame: EncodedFrame;
  try {
    frame = encodeClientMessage({ type: 'call', id, method, data });
  } catch (err) {
    throw toError('BAD_REQUEST', 'cannot encode data', err);
  }
  if (isTooBig(frame, maxBytes)) throw tooBig(maxBytes);
  return frame;
}

/**
 * Calls waiting for their answer. A call is answered on the link it was sent on: one that was
 * sent when its link ends rejects with `OUTCOME_UNKNOWN` and is never sent again (its handler may
 * not be idempotent); one still waiting to be sent goes out on the next link. Each has one timer,
 * from `call()` on.
 */
export class Calls {
  readonly #pending = new Map<number, Pending>();
  readonly #send: (entry: QueueEntry) => void;
  readonly #retry: (entry: QueueEntry) => void;

  /**
   * `send` puts a call's frame in the outbound queue, on `add` and again on `requeue`; `retry` puts
   * it back at the head of the queue after a `RATE_LIMITED` refusal.
   */
  constructor(send: (entry: QueueEntry) => void, retry: (entry: QueueEntry) => void) {
    this.#send = send;
    this.#retry = retry;
  }

  get _size(): number {
    return this.#pending.size;
  }

  /** Sends call `id`; settles with its answer, or rejects after `timeoutMs`. */
  _add(id: number, frame: EncodedFrame, timeoutMs: number): Promise<unknown> {
    let p!: Pending;
    const promise = new Promise((resolve, reject) => {
      p = {
        _id: id,
        frame,
        _resolve: resolve,
        _reject: reject,
        _refusals: 0,
        onSent: () => (p._sent = true),
      };
    });
    // Timers cannot wait longer than 2^31-1 ms (they fire at once): a longer time means none.
    if (timeoutMs <= 0x7fff_ffff) {
      p._timer = setTimeout(() => {
        // A call never sent is dropped from the queue, so it cannot run after the app gave up on it.
        p._dropped = !p._sent;
        this._fail(
          id,
          new HubbubError(
            'TIMEOUT',
            p._sent
              ? `no answer within ${timeoutMs} ms; the handler may have run`
              : `not sent within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
    }
    this.#pending.set(id, p);
    this.#send(p);
    return promise;
  }

  /** Settles the call `msg` answers; false when it is not one of ours (e.g. it timed out). */
  _result(msg: ResultMessage): boolean {
    const p = this.#take(msg.id);
    const e = msg.error;
    if (e) p?._reject(new RpcError(e.code, e.message, e.data));
    else p?._resolve(msg.data);
    return !!p;
  }

  /** Rejects call `id`; false when it is not one of ours. */
  _fail(id: number, err: Error): boolean {
    const p = this.#take(id);
    p?._reject(err);
    return !!p;
  }

  /**
   * The server refused call `id` with `err`. A `RATE_LIMITED` refusal is the client's pacing
   * falling short, and the server dropped the frame before any handler saw it: the call goes out
   * again, up to {@link MAX_RATE_RETRIES} times. False when `id` is not one of ours.
   */
  _refused(id: number, err: HubbubError): boolean {
    const p = this.#pending.get(id);
    if (!p || err.code !== 'RATE_LIMITED' || ++p._refusals > MAX_RATE_RETRIES) return this._fail(id, err);
    p._sent = false;
    this.#retry(p);
    return true;
  }

  /** The link ended: every call sent on it rejects with `OUTCOME_UNKNOWN`. */
  _linkLost(): void {
    for (const p of [...this.#pending.values()]) {
      if (p._sent) {
        this._fail(
          p._id,
          new HubbubError(
            'OUTCOME_UNKNOWN',
            'the connection ended before the answer; the handler may have run',
          ),
        );
      }
    }
  }

  /**
   * Queues every call not sent yet again, for a new link. Calls larger than `maxBytes` reject
   * with `TOO_BIG` instead.
   */
  _requeue(maxBytes = Infinity): void {
    for (const p of [...this.#pending.values()]) {
      if (p._sent) continue;
      if (isTooBig(p.frame, maxBytes)) this._fail(p._id, tooBig(maxBytes));
      else this.#send(p);
    }
  }

  /** Rejects every call with `err`. */
  _rejectAll(err: HubbubError): void {
    for (const id of [...this.#pending.keys()]) this._fail(id, err);
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
