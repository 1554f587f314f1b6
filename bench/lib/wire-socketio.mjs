/**
 * A minimal Socket.IO v4 client (Engine.IO protocol 4, WebSocket transport only) on a bare `ws`
 * socket: open packet → `40{auth}` → `40{sid}`, events as `42[...]`, acks as `43<id>[...]`,
 * answering Engine.IO pings. The load generator uses it for thousands of subscribers, as it uses
 * the raw Hubbub wire client for Hubbub, so both sides pay the same client cost.
 */
import WebSocket from 'ws';

/**
 * Opens a Socket.IO connection to the main namespace with `auth: { token }`.
 * @param {{ url: string, token: string, localAddress?: string, timeoutMs?: number,
 *   onData?: (text: string) => void, onClose?: (code: number) => void }} opts
 */
export function connectSocketIo(opts) {
  const url = `${opts.url.replace(/\/$/, '')}/socket.io/?EIO=4&transport=websocket`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress: opts.localAddress });
    const pending = new Map();
    let nextId = 1;
    let settled = false;
    const timer = setTimeout(() => fail(new Error('connect timed out')), opts.timeoutMs ?? 10_000);
    const conn = {
      ws,
      onData: opts.onData ?? (() => {}),
      emit(...args) {
        const id = nextId++;
        return new Promise((res, rej) => {
          pending.set(id, { res, rej });
          ws.send(`42${id}${JSON.stringify(args)}`);
        });
      },
      subscribe(topic) {
        return conn.emit('sub', topic);
      },
      publish(topic, data) {
        return conn.emit('pub', topic, data);
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
    ws.on('error', (err) => fail(err));
    ws.on('close', (code) => {
      for (const p of pending.values()) p.rej(new Error(`closed ${code}`));
      pending.clear();
      fail(new Error(`closed ${code} before connect`));
      opts.onClose?.(code);
    });
    ws.on('message', (raw) => {
      const text = raw.toString();
      if (text.startsWith('42["msg"')) return conn.onData(text);
      if (text === '2') return ws.send('3');
      if (text[0] === '0') return ws.send(`40${JSON.stringify({ token: opts.token })}`);
      if (text.startsWith('40')) {
        settled = true;
        clearTimeout(timer);
        return resolve(conn);
      }
      if (text.startsWith('44')) return fail(new Error(`connect_error ${text.slice(2)}`));
      if (text.startsWith('43')) {
        const bracket = text.indexOf('[');
        const id = Number(text.slice(2, bracket));
        const p = pending.get(id);
        if (!p) return;
        pending.delete(id);
        p.res(JSON.parse(text.slice(bracket))[0]);
      }
    });
  });
}
