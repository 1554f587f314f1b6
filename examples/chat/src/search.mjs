/**
 * `room.history.search`: the page calls it over the chat's own WebSocket (`client.call`) to find
 * messages in a room's recent history. No REST endpoint, no second auth: the call runs as the
 * connection's guest.
 */
import { RpcError } from '@hubbub/server';
import { isRoomTopic, ROOM_PREFIX } from './policy.mjs';

/** Longest search text, in characters. */
export const MAX_QUERY_LENGTH = 100;

/** Most matches one search returns, newest first. */
export const MAX_MATCHES = 20;

/**
 * @typedef {object} SearchMatch
 * @property {number} offset position of the message in the room
 * @property {string} name
 * @property {string} text
 * @property {number | undefined} at when it was sent (ms since the epoch), as the sender said
 */

/**
 * Builds the handler over a broker (anything with `read(topic, query)`), searching the last
 * `historySize` messages of the room. Refuses a bad room or query with an `RpcError` the page
 * shows as is.
 *
 * @param {{ read(topic: string, query: { last: number }): Promise<{ messages: readonly { offset: number, data: unknown }[] }> }} broker
 * @param {number} historySize
 * @returns {(data: unknown) => Promise<SearchMatch[]>}
 */
export function createSearchHandler(broker, historySize) {
  return async (data) => {
    const { room, text } = /** @type {{ room?: unknown, text?: unknown }} */ (data ?? {});
    const topic = ROOM_PREFIX + String(room);
    if (typeof room !== 'string' || !isRoomTopic(topic)) {
      throw new RpcError('BAD_ROOM', 'no such room', { room });
    }
    if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_QUERY_LENGTH) {
      throw new RpcError('BAD_QUERY', `search for 1 to ${MAX_QUERY_LENGTH} characters`);
    }
    const needle = text.trim().toLowerCase();
    const { messages } = await broker.read(topic, { last: historySize });
    /** @type {SearchMatch[]} */
    const matches = [];
    for (let i = messages.length - 1; i >= 0 && matches.length < MAX_MATCHES; i--) {
      const m = /** @type {{ offset: number, data: any }} */ (messages[i]);
      const line = m.data;
      if (line === null || typeof line !== 'object' || typeof line.text !== 'string') continue;
      if (!line.text.toLowerCase().includes(needle)) continue;
      matches.push({
        offset: m.offset,
        name: String(line.name ?? ''),
        text: line.text,
        at: typeof line.at === 'number' ? line.at : undefined,
      });
    }
    return matches;
  };
}
