import type { BrokerMessage } from '../broker/broker.js';
import type { Connection } from '../connection/connection.js';
import { msgFrame } from './msg-frame.js';

/**
 * Builds the live `msg` frame of a broker message once and hands it to every local subscriber
 * (a subscriber whose subscription is replaying holds it until the replay is done).
 */
export function fanOut(subscribers: Iterable<Connection>, message: BrokerMessage, preframe: boolean): void {
  const frame = msgFrame(message, false, preframe);
  const { topic, epoch, offset } = message;
  for (const conn of subscribers) conn.deliver(topic, epoch, offset, frame);
}
