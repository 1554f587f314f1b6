import type { PublishMessage } from '@hubbub/protocol';
import type { PublishResult } from '../broker/broker.js';
import { connectionScope, scopeKey } from '../broker/idempotency.js';
import type { Connection } from '../connection/connection.js';
import { authorize, forbid, type Verdict } from './authorize.js';
import { toClientFailure } from './errors.js';

/** Acks one client publish when the broker answers. */
class PendingAck {
  /** When the broker publish began (`performance.now()`), for the publish→ack histogram. */
  readonly startedAt: number;

  constructor(
    readonly conn: Connection,
    readonly id: number,
  ) {
    this.startedAt = conn.hub.metrics ? performance.now() : 0;
  }

  done(result: PublishResult): void {
    this.conn.hub.metrics?.acked(performance.now() - this.startedAt);
    this.conn.send({ type: 'ack', id: this.id, offset: result.offset, epoch: result.epoch });
  }

  failed(err: unknown): void {
    const failure = toClientFailure(this.conn.hub, err, 'not published');
    this.conn.fail(this.id, failure.code, failure.message);
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
  const key = scopeKey(connectionScope(conn.userId, conn.client, conn.sid), message.key);
  hub.counters.published++;
  let work: Promise<PublishResult>;
  try {
    work = hub.broker.publish(message.topic, message.data, key);
  } catch (err) {
    work = Promise.reject(err);
  }
  hub.track(work).then(pendingAckDone.bind(ack), pendingAckFailed.bind(ack));
}

function settle(conn: Connection, message: PublishMessage, verdict: Verdict): void {
  if (verdict === 'allow') start(conn, message);
  else if (verdict === 'deny') forbid(conn, message.id, 'publish', message.topic);
}

/**
 * Handles `pub`. With a synchronous `authorize` the broker is called at once, so publishes from
 * one connection reach the broker (and get offsets) in the order they were sent; an async hook
 * holds the following frames until it answers, for the same reason. Idempotency keys are scoped
 * by the publisher (see `broker/idempotency.ts`).
 */
export function publish(conn: Connection, message: PublishMessage): Promise<void> | undefined {
  const verdict = authorize(conn, message.id, 'publish', message.topic, message.data);
  if (typeof verdict === 'string') {
    settle(conn, message, verdict);
    return undefined;
  }
  return verdict.then((v) => settle(conn, message, v));
}
