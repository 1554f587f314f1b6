/**
 * A minimal client speaking Hubbub's wire protocol (packages/protocol) on a bare `ws` socket:
 * `connect` → `welcome`, `sub` → `subscribed`, `pub` → `ack`, `msg` frames handed over as raw
 * text. The load generator uses it for thousands of subscribers, where full SDK clients would
 * measure the load generator instead of the server. The raw `ws` target speaks the same subset.
 */
import WebSocket from 'ws';

const SUBPROTOCOL = 'hubbub.v1';

/**
 * Opens an authenticated connection.
 * @param {{ url: string, token: string, localAddress?: string, timeoutMs?: number,
 *   onData?: (text: string) => void, onClose?: (code: number) => void }} opts
 */
export function connectWire(opts) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(opts.url, SUBPROTOCOL, {
      perMessageDeflate: false,
      localAddress: opts.localAddress,
      handshakeTimeout: opts.timeoutMs ?? 10_000,
    });
    const pending = new Map();
    let nextId = 1;
    let settled = false;
    const timer = setTimeout(() => fail(new Error('connect timed out')), opts.timeoutMs ?? 10_000);
    const conn = {
      ws,
      position: new Map(),
      onData: opts.onData ?? (() => {}),
      request(msg) {
        const id = nextId++;
        return new Promise((res, rej) => {
          pending.set(id, { res, rej });
          ws.send(JSON.stringify({ ...msg, id }));
        });
      },
      subscribe(topic, since) {
        return conn.request(since ? { type: 'sub', topic, since } : { type: 'sub', topic });
      },
      publish(topic, data) {
        return conn.request({ type: 'pub', topic, data });
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
      if (text.startsWith('{"type":"msg"')) return conn.onData(text);
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
          else p.res(msg);
          return;
        }
        default:
      }
    });
  });
}
