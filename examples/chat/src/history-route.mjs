/**
 * GET /history?room=<room>&upto=<offset>&limit=<n>: a room's recent messages from the hub's
 * broker, for the page to show on join. The page subscribes first and asks for history up to the
 * offset the subscription started after, so history and live messages meet without gap or overlap.
 */
import { isRoomTopic, ROOM_PREFIX } from './policy.mjs';

/** Most messages one request returns. */
export const MAX_HISTORY_LIMIT = 100;

/** Bytes travel in JSON as `{ "$bytes": "<base64>" }`. */
function toJson(data) {
  if (data instanceof Uint8Array || data instanceof ArrayBuffer) {
    return {
      $bytes: Buffer.from(data instanceof Uint8Array ? data : new Uint8Array(data)).toString('base64'),
    };
  }
  return data;
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * Builds the /history handler over a broker (anything with `read(topic, query)`).
 * @param {{ read(topic: string, query: { after: number } | { last: number }): Promise<{ epoch: string, offset: number, messages: readonly { offset: number, data: unknown }[] }> }} broker
 */
export function createHistoryRoute(broker) {
  return async (res, params) => {
    const topic = ROOM_PREFIX + (params.get('room') ?? '');
    const limit = Math.min(MAX_HISTORY_LIMIT, Math.max(1, Number(params.get('limit')) || 50));
    const upto = params.has('upto') ? Number(params.get('upto')) : undefined;
    if (!isRoomTopic(topic) || (upto !== undefined && !(Number.isInteger(upto) && upto >= 0))) {
      return sendJson(res, 400, { error: 'bad room or offset' });
    }
    try {
      const query = upto === undefined ? { last: limit } : { after: Math.max(0, upto - limit) };
      const read = await broker.read(topic, query);
      const messages = read.messages
        .filter((m) => upto === undefined || m.offset <= upto)
        .map((m) => ({ offset: m.offset, data: toJson(m.data) }));
      sendJson(res, 200, { topic, epoch: read.epoch, offset: read.offset, messages });
    } catch {
      sendJson(res, 503, { error: 'history unavailable' });
    }
  };
}
