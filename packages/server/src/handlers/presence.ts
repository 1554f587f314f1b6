import { ErrorCode, type PresenceRequestMessage } from '@hubbub/protocol';
import type { Connection } from '../connection/connection.js';
import { authorize, type Verdict } from './authorize.js';
import { toClientFailure } from './errors.js';

async function answer(conn: Connection, message: PresenceRequestMessage): Promise<void> {
  const { id, topic } = message;
  const broker = conn.hub.broker;
  try {
    if (message.stats) {
      const { connections, users } = await broker.presenceStats!(topic);
      conn.send({ type: 'presence', id, topic, connections, users });
    } else {
      // Both at once (one round trip with Redis): the user count needs what members do not show.
      const [members, { users }] = await Promise.all([broker.presence!(topic), broker.presenceStats!(topic)]);
      conn.send({ type: 'presence', id, topic, connections: members.length, users, members });
    }
  } catch (err) {
    const failure = toClientFailure(conn.hub, err, 'no presence answer');
    conn.fail(id, failure.code, failure.message);
  }
}

function settle(conn: Connection, message: PresenceRequestMessage, verdict: Verdict): void {
  if (verdict === 'allow') conn.hub.track(answer(conn, message));
  else if (verdict === 'deny') {
    conn.fail(message.id, ErrorCode.Forbidden, `not allowed to read the presence of "${message.topic}"`);
  }
}

/**
 * Handles `presence`: checked by `authorize(principal, 'presence', topic)`; needs no
 * subscription. Later frames do not wait for the answer.
 */
export function presence(conn: Connection, message: PresenceRequestMessage): void {
  if (!conn.hub.presence.enabled(message.topic)) {
    conn.fail(message.id, ErrorCode.NoPresence, `"${message.topic}" has no presence`);
    return;
  }
  const verdict = authorize(conn, message.id, 'presence', message.topic);
  if (typeof verdict === 'string') settle(conn, message, verdict);
  else
    verdict.then(
      (v) => settle(conn, message, v),
      (err) => conn.hub.reportError(err),
    );
}
