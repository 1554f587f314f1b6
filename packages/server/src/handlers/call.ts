import { type CallMessage, ErrorCode, RpcError } from '@hubbub/protocol';
import type { Connection } from '../connection/connection.js';
import type { RpcOutcome } from '../metrics/hub-metrics.js';
import { payloadProblem } from '../payload.js';
import { toClientFailure } from './errors.js';

/** Longest delay a timer takes. */
const MAX_TIMER_MS = 0x7fff_ffff;

/**
 * A call whose handler returned a promise: answered once, by the handler or by the timeout,
 * whichever comes first; the other is dropped.
 */
class PendingCall {
  readonly #timer: NodeJS.Timeout | undefined;
  #settled = false;
  #finish!: () => void;
  /** Settles when the call is answered (or given up): what `hub.close()` waits for. */
  readonly finished = new Promise<void>((resolve) => {
    this.#finish = resolve;
  });

  constructor(
    readonly conn: Connection,
    readonly message: CallMessage,
    timeoutMs: number,
    readonly startedAt: number,
  ) {
    // Node fires a timer longer than 2^31-1 ms at once: a longer bound (Infinity) means none.
    if (timeoutMs > MAX_TIMER_MS) return;
    this.#timer = setTimeout(() => {
      if (this.#take()) {
        observe(conn, startedAt, 'timeout');
        conn.fail(message.id, ErrorCode.Timeout, `"${message.method}" did not answer within ${timeoutMs} ms`);
      }
    }, timeoutMs);
    this.#timer.unref();
  }

  resolved(value: unknown): void {
    if (!this.#take()) return;
    observe(this.conn, this.startedAt, 'ok');
    answer(this.conn, this.message, value);
  }

  rejected(err: unknown): void {
    if (!this.#take()) return;
    observe(this.conn, this.startedAt, 'error');
    refuse(this.conn, this.message, err);
  }

  #take(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#finish();
    return true;
  }
}

/** Counts a call's outcome and its duration, when metrics are on. */
function observe(conn: Connection, startedAt: number, outcome: RpcOutcome): void {
  conn.hub.metrics?.called(outcome, performance.now() - startedAt);
}

/** True for an `RpcError`, also one from another copy of the protocol package. */
function isRpcError(err: unknown): err is RpcError {
  if (err instanceof RpcError) return true;
  if (!(err instanceof Error) || err.name !== 'RpcError') return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code !== '';
}

/** Sends a handler's failure that is not the app's refusal: `INTERNAL`, reported to the hub. */
function internal(conn: Connection, message: CallMessage, err: unknown): void {
  const failure = toClientFailure(conn.hub, err, `call "${message.method}" failed`);
  conn.fail(message.id, failure.code, failure.message);
}

function answer(conn: Connection, message: CallMessage, value: unknown): void {
  const { id, method } = message;
  if (value === undefined) {
    conn.send({ type: 'result', id });
    return;
  }
  const problem = payloadProblem(value);
  if (problem) internal(conn, message, new TypeError(`the handler of "${method}" returned ${problem}`));
  else conn.send({ type: 'result', id, data: value });
}

function refuse(conn: Connection, message: CallMessage, err: unknown): void {
  if (!isRpcError(err)) {
    internal(conn, message, err);
    return;
  }
  const { code, data } = err;
  const text = String(err.message);
  if (data === undefined) {
    conn.send({ type: 'result', id: message.id, error: { code, message: text } });
    return;
  }
  const problem = payloadProblem(data);
  if (problem) internal(conn, message, new TypeError(`the RpcError data of "${message.method}": ${problem}`));
  else conn.send({ type: 'result', id: message.id, error: { code, message: text, data } });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Handles `call`: runs the method's handler with the data and who called, and answers on this
 * connection with `result` (its value, or the `RpcError` it threw), `INTERNAL` for any other
 * throw, `UNKNOWN_METHOD` or `TIMEOUT` (`rpc.timeoutMs`). Never holds the connection's later
 * frames: a slow handler does not delay them, and calls may be answered out of order.
 */
export function call(conn: Connection, message: CallMessage): undefined {
  const hub = conn.hub;
  const handler = hub.methods.get(message.method);
  if (handler === undefined) {
    hub.metrics?.called('unknown_method', 0);
    conn.fail(message.id, ErrorCode.UnknownMethod, `no handler for method "${message.method}"`);
    return undefined;
  }
  hub.counters.calls++;
  const startedAt = hub.metrics ? performance.now() : 0;
  let result: unknown;
  try {
    result = handler(message.data, {
      sid: conn.sid,
      userId: conn.userId,
      principal: conn.principal,
      client: conn.client,
    });
  } catch (err) {
    observe(conn, startedAt, 'error');
    refuse(conn, message, err);
    return undefined;
  }
  if (!isThenable(result)) {
    observe(conn, startedAt, 'ok');
    answer(conn, message, result);
    return undefined;
  }
  const pending = new PendingCall(conn, message, hub.options.rpc.timeoutMs, startedAt);
  hub.track(pending.finished);
  result.then(
    (value) => pending.resolved(value),
    (err) => pending.rejected(err),
  );
  return undefined;
}
