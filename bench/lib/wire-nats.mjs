/**
 * A minimal NATS client (the NATS text protocol over WebSocket) on a bare `ws` socket: `INFO` →
 * `CONNECT` + `PING` → `PONG`, `SUB <subject> <sid>` followed by a `PING` whose `PONG` proves the
 * server has registered the subscription, answering the server's `PING`s, and every `MSG` payload
 * handed over as text. nats-server sends protocol messages as a byte stream in binary frames: one
 * frame may carry several messages and one message may be split over several frames, so frames
 * are parsed as a stream. The load generator uses it for thousands of subscribers, where full SDK
 * clients would measure the load generator instead of the server (as the raw Hubbub and Socket.IO
 * wire clients do for their targets).
 */
import WebSocket from 'ws';

const CRLF = Buffer.from('\r\n');
const PING = 'PING\r\n';
const PONG = 'PONG\r\n';

/**
 * Opens an authenticated connection; resolves after the server answered the first `PING`, so
 * the `CONNECT` (and its auth) has been accepted.
 * @param {{ url: string, auth: Record<string, string>, localAddress?: string, timeoutMs?: number,
 *   onData?: (text: string) => void, onClose?: (code: number) => void }} opts
 */
export function connectNatsWire(opts) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(opts.url, {
      perMessageDeflate: false,
      localAddress: opts.localAddress,
      handshakeTimeout: opts.timeoutMs ?? 10_000,
    });
    /** Resolvers of the `PING`s sent, in order: each `PONG` answers the oldest. */
    const pongs = [];
    let nextSid = 1;
    let settled = false;
    /** Bytes of an incomplete protocol message carried over from earlier frames. */
    let rest;
    /** Payload size of the `MSG` whose control line was read and whose payload is awaited. */
    let payloadBytes = -1;
    const timer = setTimeout(() => fail(new Error('connect timed out')), opts.timeoutMs ?? 10_000);
    const ping = () =>
      new Promise((res, rej) => {
        pongs.push({ res, rej });
        ws.send(PING);
      });
    const conn = {
      ws,
      onData: opts.onData ?? (() => {}),
      /** Subscribes to `subject`; resolves once the server has registered it. */
      subscribe(subject) {
        ws.send(`SUB ${subject} ${nextSid++}\r\n`);
        return ping().then(() => undefined);
      },
      /** Publishes `data` (JSON) to `subject`; resolves once the server has read it. */
      publish(subject, data) {
        const body = Buffer.from(JSON.stringify(data));
        ws.send(Buffer.concat([Buffer.from(`PUB ${subject} ${body.length}\r\n`), body, CRLF]));
        return ping().then(() => undefined);
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
    function control(line) {
      switch (line.charCodeAt(0)) {
        case 80: // P
          if (line === 'PING') return ws.send(PONG);
          if (line === 'PONG') return pongs.shift()?.res();
          return;
        case 73: // I
          if (!line.startsWith('INFO')) return;
          if (settled) return;
          ws.send(
            `CONNECT ${JSON.stringify({ verbose: false, pedantic: false, headers: false, no_responders: false, protocol: 1, lang: 'bench-wire', version: '1', ...opts.auth })}\r\n`,
          );
          // A rejected CONNECT ends in -ERR, which fails the connection.
          ping().then(
            () => {
              settled = true;
              clearTimeout(timer);
              resolve(conn);
            },
            () => {},
          );
          return;
        case 45: // -ERR
          for (const p of pongs.splice(0)) p.rej(new Error(line));
          return fail(new Error(line));
        default: // +OK, unknown
      }
    }
    /** Parses `buf` from the start; returns the unparsed tail (an incomplete message) or undefined. */
    function parse(buf) {
      let pos = 0;
      const end = buf.length;
      while (pos < end) {
        if (payloadBytes >= 0) {
          if (end - pos < payloadBytes + 2) return buf.subarray(pos);
          conn.onData(buf.toString('utf8', pos, pos + payloadBytes));
          pos += payloadBytes + 2;
          payloadBytes = -1;
          continue;
        }
        const eol = buf.indexOf(CRLF, pos);
        if (eol < 0) return buf.subarray(pos);
        // MSG <subject> <sid> [reply-to] <#bytes>: the size is the last field of the line.
        if (buf[pos] === 77 && buf[pos + 1] === 83 && buf[pos + 2] === 71) {
          let n = 0;
          let mul = 1;
          for (let j = eol - 1; j > pos && buf[j] !== 32; j--) {
            n += (buf[j] - 48) * mul;
            mul *= 10;
          }
          payloadBytes = n;
        } else if (eol > pos) {
          control(buf.toString('latin1', pos, eol));
        }
        pos = eol + 2;
      }
      return undefined;
    }
    ws.on('error', (err) => fail(err));
    ws.on('close', (code) => {
      for (const p of pongs.splice(0)) p.rej(new Error(`closed ${code}`));
      fail(new Error(`closed ${code} before CONNECT was accepted`));
      opts.onClose?.(code);
    });
    ws.on('message', (raw) => {
      rest = parse(rest ? Buffer.concat([rest, raw]) : raw);
    });
  });
}
