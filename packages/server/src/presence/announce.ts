import { encodeServerMessage } from '@hubbub/protocol';
import type { PresenceEvent } from '../broker/broker.js';
import type { Connection } from '../connection/connection.js';
import { prepareFrame } from '../delivery/preframe.js';

/** Builds the `join` or `leave` frame of a presence event once and writes it to every local subscriber. */
export function announce(subscribers: Iterable<Connection>, event: PresenceEvent, preframe: boolean): void {
  const frame = prepareFrame(encodeServerMessage(event), preframe);
  for (const conn of subscribers) conn.write(frame);
}
