/**
 * A minimal client speaking Hubbub's wire protocol (packages/protocol) on a bare `ws` socket:
 * `connect` → `welcome`, `sub` → `subscribed`, `pub` → `ack`, `msg` frames handed over as raw
 * text. The load generator uses it for thousands of subscribers, where full SDK clients would
 * measure the load generator instead of the server. The raw `ws` target speaks the same subset.
 *
 * Resume (the recovery storm): with `track: true` the client notes, per topic, the position
 * (`epoch`, `offset`) of the last `msg` it received, read from the frame's envelope without a
 * JSON parse; `resumeState()` returns them. A connection opened with `resume` (a previous
 * connection's `resumeState()`) sends that position as `since` in each `subscribe(topic)`, and the
 * server replays what came after it. Without `track` no frame is read beyond its first bytes.
 */
import WebSocket from 'ws';

const SUBPROTOCOL = 'hubbub.v1';
const MSG_PREFIX = '{"type":"msg"';
const TOPIC_AT = '{"type":"msg","topic":"'.length;
const OFFSET_KEY = '"offset":';
const EPOCH_KEY = '"epoch":"';

/**
 * Notes the position of a `msg` frame (`{"type":"msg","topic":…,"offset":N,"epoch":"…",…}`, the
 * server's field order) in `positions`.
 * @param {Record<string, { epoch: string, offset: number }>} positions
 * @param {string} text
 */
function notePosition(positions, text) {
  const topicEnd = text.indexOf('"', TOPIC_AT);
  const topic = text.slice(TOPIC_AT, topicEnd);
  const at = text.indexOf(OFFSET_KEY, topicEnd) + OFFSET_KEY.length;
  let offset = 0;
  let j = at;
  for (let c = text.charCodeAt(j); c >= 48 && c <= 57; c = text.charCodeAt(++j))
    offset = offset * 10 + c - 48;
  const epochAt = text.indexOf(EPOCH_KEY, j) + EPOCH_KEY.length;
  const last = positions[topic];
  if (
    last !== undefined &&
    text.startsWith(last.epoch, epochAt) &&
    text.charCodeAt(epochAt + last.epoch.length) === 34
  ) {
    last.offset = offset;
    return;
  }
  positions[topic] = { epoch: text.slice(epochAt, text.indexOf('"', epochAt)), offset };
}

/**
 * Opens an authenticated connection.
 * @param {{ url: string, token: string, localAddress?: string, timeoutMs?: number,
 *   onData?: (text: string) => void, onClose?: (code: number) => void, track?: boolean,
 *   resume?: Record<string, { epoch: string, offset: number }> }} opts
 */
export function connectWire(opts) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(opts.url, SUBPROTOCOL, {
      perMessageDeflate: false,
      localAddress: opts.localAddress,
      handshakeTimeout: opts.timeoutMs ?? 10_000,
    });
    const pending = new Map();
    const resume = opts.resume;
    /** Last position per topic, only when tracking. */
    const positions = opts.track === true ? copyPositions(resume ?? {}) : undefined;
    let nextId = 1;
    let settled = false;
    const timer = setTimeout(() => fail(new Error('connect timed out')), opts.timeoutMs ?? 10_000);
    const conn = {
      ws,
      onData: opts.onData ?? (() => {}),
      request(msg) {
        const id = nextId++;
        return new Promise((res, rej) => {
          pending.set(id, { res, rej });
          ws.send(JSON.stringify({ ...msg, id }));
        });
      },
      /** Resolves with the `subscribed` frame (`position`, `recovered`, `replayed`). */
      subscribe(topic, since) {
        const from = since ?? resume?.[topic];
        return conn.request(from ? { type: 'sub', topic, since: from } : { type: 'sub', topic });
      },
      publish(topic, data) {
        return conn.request({ type: 'pub', topic, data });
      },
      /** Position of the last message received per topic (with `track`). */
      resumeState() {
        return copyPositions(positions ?? resume ?? {});
      },
      close() {
        ws.terminate();
      },
    };
    function fail(err) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    }
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connect', token: opts.token })));
    ws.on('error', (err) => fail(err));
    ws.on('close', (code) => {
      for (const p of pending.values()) p.rej(new Error(`closed ${code}`));
      pending.clear();
      fail(new Error(`closed ${code} before welcome`));
      opts.onClose?.(code);
    });
    ws.on('message', (raw) => {
      const text = raw.toString();
      if (text.startsWith(MSG_PREFIX)) {
        if (positions !== undefined) notePosition(positions, text);
        return conn.onData(text);
      }
      const msg = JSON.parse(text);
      switch (msg.type) {
        case 'msg':
          return conn.onData(text);
        case 'welcome':
          settled = true;
          clearTimeout(timer);
          return resolve(conn);
        case 'ping':
          return ws.send('{"type":"pong"}');
        case 'subscribed':
        case 'ack':
        case 'error': {
          const p = pending.get(msg.id);
          if (!p) return;
          pending.delete(msg.id);
          if (msg.type === 'error') p.rej(new Error(`${msg.code}: ${msg.message}`));
          else {
            // Nothing to replay: the subscriber is up to date at the topic's position.
            if (positions !== undefined && msg.type === 'subscribed' && msg.replayed === 0 && msg.position) {
              positions[msg.topic] = { epoch: msg.position.epoch, offset: msg.position.offset };
            }
            p.res(msg);
          }
          return;
        }
        default:
      }
    });
  });
}

/** A deep copy of a `{ [topic]: { epoch, offset } }` map. */
function copyPositions(positions) {
  const out = {};
  for (const [topic, p] of Object.entries(positions)) out[topic] = { epoch: p.epoch, offset: p.offset };
  return out;
}
