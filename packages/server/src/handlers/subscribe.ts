import {
  ErrorCode,
  encodeServerMessage,
  type SubscribeMessage,
  type UnsubscribeMessage,
} from '@hubbub/protocol';
import { authorize, forbid, type Verdict } from './authorize.js';
import type { HistoryQuery, HistoryRead } from './broker/broker.js';
import { type Connection, ConnState } from './connection.js';
import { prepareFrame } from './wire.js';

function queryOf(message: SubscribeMessage): HistoryQuery {
  if (message.since !== undefined) return { after: message.since.offset };
  return { last: message.last ?? 0 };
}

/** Whether every message after `since` is still in the history read. */
function recoverable(message: SubscribeMessage, read: HistoryRead): boolean {
  const since = message.since;
  if (since === undefined) return true;
  return since.epoch === read.epoch && since.offset <= read.offset && read.firstOffset <= since.offset + 1;
}

/**
 * Answers `subscribed`, replays, then lets go of the live messages held meanwhile, dropping those
 * the replay already covered: no gap and no duplicate at the seam.
 */
function finish(conn: Connection, message: SubscribeMessage, read: HistoryRead): void {
  const { topic } = message;
  const recovered = recoverable(message, read);
  const after = message.since?.offset ?? 0;
  const replay = recovered ? read.messages.filter((m) => m.offset > after) : [];
  conn.send({
    type: 'subscribed',
    id: message.id,
    topic,
    position: { epoch: read.epoch, offset: read.offset },
    recovered,
    replayed: replay.length,
  });
  for (const m of replay) {
    conn.send({ type: 'msg', topic, offset: m.offset, epoch: m.epoch, data: m.data, replayed: true });
  }
  for (const held of conn.endReplay(topic)) {
    if (held.epoch === read.epoch && held.offset <= read.offset) continue;
    conn.deliver(held.frame);
  }
}

async function start(conn: Connection, message: SubscribeMessage): Promise<void> {
  const hub = conn.hub;
  const { topic } = message;
  if (conn.state !== ConnState.Open) return;
  hub.index.add(conn, topic);
  conn.beginReplay(topic);
  try {
    await hub.listen(topic);
    const read = await hub.broker.read(topic, queryOf(message));
    if (conn.state !== ConnState.Open || !hub.index.has(conn, topic)) return;
    finish(conn, message, read);
  } catch (err) {
    conn.endReplay(topic);
    if (hub.index.remove(conn, topic)) hub.topicEmptied(topic);
    const reason = err instanceof Error ? err.message : 'broker unavailable';
    conn.fail(message.id, ErrorCode.Unavailable, `not subscribed: ${reason}`);
  }
}

function settle(conn: Connection, message: SubscribeMessage, verdict: Verdict): Promise<void> | undefined {
  if (verdict === 'allow') return start(conn, message);
  if (verdict === 'deny') forbid(conn, message.id, 'subscribe', message.topic);
  return undefined;
}

/** Handles `sub`. Later frames of the connection wait until the replay is done. */
export function subscribe(conn: Connection, message: SubscribeMessage): Promise<void> | undefined {
  const hub = conn.hub;
  if (hub.index.has(conn, message.topic)) {
    conn.fail(message.id, ErrorCode.AlreadySubscribed, `already subscribed to "${message.topic}"`);
    return undefined;
  }
  const max = hub.options.limits.maxSubscriptions;
  if ((conn.topics?.size ?? 0) >= max) {
    conn.fail(message.id, ErrorCode.TooManySubscriptions, `at most ${max} subscriptions per connection`);
    return undefined;
  }
  const verdict = authorize(conn, message.id, 'subscribe', message.topic);
  if (typeof verdict === 'string') return settle(conn, message, verdict);
  return verdict.then((v) => settle(conn, message, v));
}

/** Handles `unsub`. */
export function unsubscribe(conn: Connection, message: UnsubscribeMessage): void {
  const hub = conn.hub;
  if (!hub.index.has(conn, message.topic)) {
    conn.fail(message.id, ErrorCode.NotSubscribed, `not subscribed to "${message.topic}"`);
    return;
  }
  if (hub.index.remove(conn, message.topic)) hub.topicEmptied(message.topic);
  conn.send({ type: 'unsubscribed', id: message.id, topic: message.topic });
}

/** Builds the live `msg` frame of a broker message once, for every local subscriber. */
export function fanOut(
  conn: Iterable<Connection>,
  topic: string,
  epoch: string,
  offset: number,
  data: unknown,
  preframe: boolean,
): void {
  const frame = prepareFrame(encodeServerMessage({ type: 'msg', topic, offset, epoch, data }), preframe);
  const held = { epoch, offset, frame };
  for (const c of conn) {
    if (c.replaying !== null && c.hold(topic, held)) continue;
    c.deliver(frame);
  }
}
