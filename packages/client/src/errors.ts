import type { ErrorCode } from '@hubbub/protocol';

/**
 * Codes of a {@link HubbubError}: the server's per-request error codes, plus the client's own.
 * - `OUTCOME_UNKNOWN`: a publish was sent but not acknowledged (no ack within `ackTimeoutMs`, the
 *   client closed or gave up reconnecting first, or the server answered `OUTCOME_UNKNOWN` itself):
 *   the server may have stored it or not.
 *   Publish again with `err.key` to have it stored at most once. Also a `call()` whose link ended
 *   before its answer: the handler may have run (calls are never sent again on their own).
 * - `CLIENT_CLOSED`: the client was closed (by `close()` or a fatal close) before the request finished.
 * - `QUEUE_FULL`: `sendQueue.maxQueued` publishes are already waiting for their ack.
 * - `TOKEN`: the token provider threw or returned something that is not a string.
 * - `CLOSED`: the server closed the connection with a code after which the client stops.
 * - `RECONNECT_FAILED`: `reconnect.maxAttempts` attempts in a row failed.
 * - `PROTOCOL`: the server sent a frame that does not follow the protocol (it is ignored).
 * - `HANDLER`: a subscription handler or event listener threw.
 */
export type HubbubErrorCode =
  | ErrorCode
  | 'OUTCOME_UNKNOWN'
  | 'CLIENT_CLOSED'
  | 'QUEUE_FULL'
  | 'TOKEN'
  | 'CLOSED'
  | 'RECONNECT_FAILED'
  | 'PROTOCOL'
  | 'HANDLER';

/** Every error the client reports, in events or rejected promises, is a HubbubError. */
export class HubbubError extends Error {
  override readonly name = 'HubbubError';
  /** Stable, machine-readable code. */
  readonly code: HubbubErrorCode;
  /** The WebSocket close code behind the error, when there was one. */
  readonly closeCode: number | undefined;
  /**
   * `OUTCOME_UNKNOWN` of a publish: its idempotency key. Pass it again
   * (`publish(topic, data, { key })`) and the server stores the message at most once.
   * @default undefined (every other error)
   */
  readonly key: string | undefined;

  constructor(code: HubbubErrorCode, message: string, closeCode?: number, cause?: unknown, key?: string) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.closeCode = closeCode;
    this.key = key;
  }
}

/** Wraps what a callback threw (or rejected with) in a HubbubError. */
export function toError(code: HubbubErrorCode, message: string, cause: unknown): HubbubError {
  return new HubbubError(
    code,
    cause instanceof Error ? `${message}: ${cause.message}` : message,
    undefined,
    cause,
  );
}

/** Why a topic name is refused: thrown by `subscribe`, rejected by `publish`, before anything is sent. */
export const TOPIC_RULE = 'topic: 1-128 of A-Z a-z 0-9 _ - . : / @ =, starting with a letter or digit';

/** The error of requests the client can no longer serve. */
export function closedError(): HubbubError {
  return new HubbubError('CLIENT_CLOSED', 'the client is closed');
}
