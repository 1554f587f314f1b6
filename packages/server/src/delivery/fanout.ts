import { encodeServerMessage } from '@hubbub/protocol';
import type { BrokerMessage } from '../broker/broker.js';
import type { Connection } from '../connection/connection.js';
import { prepareFrame } from './preframe.js';

/**
 * Builds the live `msg` frame of a broker message once and hands it to every local subscriber
 * (a subscriber whose subscription is replaying holds it until the replay is done).
 */
export function fanOut(subscribers: Iterable<Connection>, message: BrokerMessage, preframe: boolean): void {
  const { topic, epoch, offset, data } = message;
  const frame = prepareFrame(encodeServerMessage({ type: 'msg', topic, offset, epoch, data }), preframe);
  for (const conn of subscribers) conn.deliver(topic, epoch, offset, frame);
}
