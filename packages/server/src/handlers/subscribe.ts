import { ErrorCode, type SubscribeMessage, type UnsubscribeMessage } from '@hubbub/protocol';
import type { Connection } from '../connection/connection.js';
import { planReplay, Replay } from '../delivery/replay.js';
import { topicCount } from '../topics.js';
import { authorize, forbid, type Verdict } from './authorize.js';
import { toClientFailure } from './errors.js';

/**
 * Joins the topic, reads history, answers `subscribed` once the replay is ready, then lets the
 * replay stream. Live messages that arrive meanwhile are held by the replay, so none is missed
 * or sent twice at the seam.
 */
async function start(conn: Connection, message: SubscribeMessage): Promise<void> {
  const hub = conn.hub;
  const { topic } = message;
  if (!conn.authenticated) return;
  hub.index.add(conn, topic);
  const replay = new Replay(conn, topic, hub.replayFrames);
  conn.beginReplay(topic, replay);
  let plan: Awaited<ReturnType<typeof planReplay>>;
  try {
    await hub.listen(topic);
    plan = await planReplay(hub.broker, message);
  } catch (err) {
    conn.unsubscribed(topic);
    if (hub.index.remove(conn, topic)) hub.topicEmptied(topic);
    const failure = toClientFailure(hub, err, 'not subscribed');
    conn.fail(message.id, failure.code, failure.message);
    return;
  }
  if (!conn.authenticated || !hub.index.has(conn, topic) || replay.cancelled) return;
  const presence = hub.presence.enabled(topic);
  conn.send({
    type: 'subscribed',
    id: message.id,
    topic,
    position: { epoch: plan.read.epoch, offset: plan.read.offset },
    recovered: plan.recovered,
    replayed: plan.messages.length,
    ...(presence && { presence }),
  });
  hub.counters.replayed += plan.messages.length;
  if (!plan.recovered) hub.counters.gaps++;
  replay.start(plan);
  // A member from its `subscribed` on; later frames (a `presence` request) wait for the join.
  if (presence) await hub.presence.join(conn, topic);
}

function settle(conn: Connection, message: SubscribeMessage, verdict: Verdict): Promise<void> | undefined {
  if (verdict === 'allow') return start(conn, message);
  if (verdict === 'deny') forbid(conn, message.id, 'subscribe', message.topic);
  return undefined;
}

/**
 * Handles `sub`. Later frames of the connection wait until history is read and `subscribed` is
 * sent; the replay itself streams after that without holding them.
 */
export function subscribe(conn: Connection, message: SubscribeMessage): Promise<void> | undefined {
  const hub = conn.hub;
  if (hub.index.has(conn, message.topic)) {
    conn.fail(message.id, ErrorCode.AlreadySubscribed, `already subscribed to "${message.topic}"`);
    return undefined;
  }
  const max = hub.options.limits.maxSubscriptions;
  if (topicCount(conn) >= max) {
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
  conn.unsubscribed(message.topic);
  hub.presence.leave(conn.sid, message.topic);
  if (hub.index.remove(conn, message.topic)) hub.topicEmptied(message.topic);
  conn.send({ type: 'unsubscribed', id: message.id, topic: message.topic });
}
