import { ErrorCode, type PublishMessage } from '@hubbub/protocol';
import { authorize, forbid, type Verdict } from './authorize.js';
import type { PublishResult } from './broker/broker.js';
import type { Connection } from './connection.js';

/** Acks one client publish when the broker answers. */
class PendingAck {
  constructor(
    readonly conn: Connection,
    readonly id: number,
  ) {}

  done(result: PublishResult): void {
    this.conn.send({ type: 'ack', id: this.id, offset: result.offset, epoch: result.epoch });
  }

  failed(err: unknown): void {
    const message = err instanceof Error ? err.message : 'broker unavailable';
    this.conn.fail(this.id, ErrorCode.Unavailable, `not published: ${message}`);
  }
}

function pendingAckDone(this: PendingAck, result: PublishResult): void {
  this.done(result);
}

function pendingAckFailed(this: PendingAck, err: unknown): void {
  this.failed(err);
}

function start(conn: Connection, message: PublishMessage): void {
  const hub = conn.hub;
  const ack = new PendingAck(conn, message.id);
  hub.counters.published++;
  hub
    .track(hub.broker.publish(message.topic, message.data, message.key))
    .then(pendingAckDone.bind(ack), pendingAckFailed.bind(ack));
}

function settle(conn: Connection, message: PublishMessage, verdict: Verdict): void {
  if (verdict === 'allow') start(conn, message);
  else if (verdict === 'deny') forbid(conn, message.id, 'publish', message.topic);
}

/**
 * Handles `pub`. With a synchronous `authorize` the broker is called at once, so publishes from
 * one connection reach the broker (and get offsets) in the order they were sent; an async hook
 * holds the following frames until it answers, for the same reason.
 */
export function publish(conn: Connection, message: PublishMessage): Promise<void> | undefined {
  const verdict = authorize(conn, message.id, 'publish', message.topic, message.data);
  if (typeof verdict === 'string') {
    settle(conn, message, verdict);
    return undefined;
  }
  return verdict.then((v) => settle(conn, message, v));
}
