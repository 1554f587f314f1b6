/**
 * A minimal Socket.IO v4 client (Engine.IO protocol 4, WebSocket transport only) on a bare `ws`
 * socket: open packet → `40{auth}` → `40{sid}`, events as `42[...]`, acks as `43<id>[...]`,
 * answering Engine.IO pings. The load generator uses it for thousands of subscribers, as it uses
 * the raw Hubbub wire client for Hubbub, so both sides pay the same client cost.
 *
 * Against a server with connection state recovery it implements the recovery scenario's resume
 * contract:
 *
 * - The server's CONNECT reply carries the session's private id: `40{"sid":…,"pid":…}`.
 * - Each event the server broadcasts carries the session's offset (the Redis stream entry id
 *   with the streams adapter) as its last argument: `42["msg",{…},"1733000000000-0"]`. It is read
 *   only with `track: true`.
 * - To resume, the client sends `40{"token":…,"pid":…,"offset":…}`. When the server restores the
 *   session it writes the missed events first (each with its offset), then the CONNECT reply with
 *   the same `pid`, and the socket is back in its rooms; otherwise the reply has a new `pid`
 *   (what socket.io-client reports as `socket.recovered`).
 *
 * `resumeState()` is `{ pid, offset }`; `subscribe(topic)` on a recovered connection resolves
 * `{ recovered: true }` without joining again (the server restored the rooms), otherwise it joins
 * and resolves `{ recovered: false }`.
 */
import WebSocket from 'ws';

const RECOVERED = Object.freeze({ recovered: true });
const NOT_RECOVERED = Object.freeze({ recovered: false });
const QUOTE = 34;

/**
 * Opens a Socket.IO connection to the main namespace with `auth: { token }` (and the previous
 * session's `pid` and `offset` when `resume` is given).
 * @param {{ url: string, token: string, localAddress?: string, timeoutMs?: number, track?: boolean,
 *   resume?: { pid?: string, offset?: string }, onData?: (text: string) => void,
 *   onClose?: (code: number) => void }} opts
 */
export function connectSocketIo(opts) {
  const url = `${opts.url.replace(/\/$/, '')}/socket.io/?EIO=4&transport=websocket`;
  const track = opts.track === true;
  const resume = opts.resume;
  const auth = JSON.stringify(resume ? { token: opts.token, ...resume } : { token: opts.token });
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress: opts.localAddress });
    const pending = new Map();
    let nextId = 1;
    let settled = false;
    let pid;
    // the resumed session's position; replayed events move it on before the CONNECT reply
    let offset = resume?.offset;
    const timer = setTimeout(() => fail(new Error('connect timed out')), opts.timeoutMs ?? 10_000);
    const conn = {
      ws,
      recovered: false,
      onData: opts.onData ?? (() => {}),
      emit(...args) {
        const id = nextId++;
        return new Promise((res, rej) => {
          pending.set(id, { res, rej });
          ws.send(`42${id}${JSON.stringify(args)}`);
        });
      },
      subscribe(topic) {
        if (conn.recovered) return Promise.resolve(RECOVERED);
        return conn.emit('sub', topic).then(() => NOT_RECOVERED);
      },
      publish(topic, data) {
        return conn.emit('pub', topic, data);
      },
      resumeState() {
        return { pid, offset };
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
      if (text.startsWith('42["msg"')) {
        // `…,"<offset>"]`: the last argument, present when the server has recovery on
        if (track && text.charCodeAt(text.length - 2) === QUOTE) {
          offset = text.slice(text.lastIndexOf('"', text.length - 3) + 1, text.length - 2);
        }
        return conn.onData(text);
      }
      if (text === '2') return ws.send('3');
      if (text[0] === '0') return ws.send(`40${auth}`);
      if (text.startsWith('40')) {
        if (settled) return;
        pid = JSON.parse(text.slice(2)).pid;
        conn.recovered = resume !== undefined && typeof pid === 'string' && pid === resume.pid;
        // a new session has received nothing yet
        if (!conn.recovered) offset = undefined;
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
