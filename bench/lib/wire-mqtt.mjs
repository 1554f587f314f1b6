/**
 * A minimal MQTT 3.1.1 client over WebSocket (subprotocol `mqtt`, binary frames) on a bare `ws`
 * socket: CONNECT (username and password, keep-alive 60 s, clean session) → CONNACK, SUBSCRIBE
 * at QoS 0 or 1 → SUBACK, PUBLISH deliveries (several packets in one frame and packets split
 * across frames), PUBACK for QoS 1 deliveries. The load generator uses it for thousands of
 * subscribers, as it uses the raw wire clients of the other targets.
 */
import WebSocket from 'ws';

const CONNECT = 1;
const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const SUBSCRIBE = 8;
const SUBACK = 9;
const PINGREQ = 12;

const KEEPALIVE_S = 60;
const PINGREQ_PACKET = Buffer.from([PINGREQ << 4, 0]);

/** Open connections, sent a PINGREQ every half keep-alive by one shared timer. */
const live = new Set();
let pinger;

function track(ws) {
  live.add(ws);
  pinger ??= setInterval(
    () => {
      for (const s of live) if (s.readyState === WebSocket.OPEN) s.send(PINGREQ_PACKET);
    },
    (KEEPALIVE_S * 1000) / 2,
  ).unref();
}

function untrack(ws) {
  live.delete(ws);
  if (live.size === 0 && pinger) {
    clearInterval(pinger);
    pinger = undefined;
  }
}

let clientSeq = 0;

/** Remaining-length varint of `n` (MQTT 3.1.1 §2.2.3). */
function varint(n) {
  const out = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 128;
    out.push(byte);
  } while (n > 0);
  return out;
}

/** A length-prefixed UTF-8 string. */
function str(s) {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.allocUnsafe(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function packet(type, flags, body) {
  return Buffer.concat([Buffer.from([(type << 4) | flags, ...varint(body.length)]), body]);
}

function connectPacket({ clientId, username, password }) {
  const flags = 0x80 | 0x40 | 0x02; // username, password, clean session
  const header = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, flags, KEEPALIVE_S >> 8, KEEPALIVE_S & 255]);
  return packet(CONNECT, 0, Buffer.concat([header, str(clientId), str(username), str(password)]));
}

function subscribePacket(id, topic, qos) {
  return packet(
    SUBSCRIBE,
    2,
    Buffer.concat([Buffer.from([id >> 8, id & 255]), str(topic), Buffer.from([qos])]),
  );
}

/**
 * Opens an MQTT connection authenticated with `username` and `password`.
 * @param {{ url: string, username: string, password: string, qos?: 0 | 1, clientId?: string,
 *   localAddress?: string, timeoutMs?: number, onData?: (text: string) => void,
 *   onClose?: (code: number) => void }} opts
 */
export function connectMqtt(opts) {
  const qos = opts.qos ?? 0;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(opts.url, 'mqtt', {
      perMessageDeflate: false,
      localAddress: opts.localAddress,
      handshakeTimeout: opts.timeoutMs ?? 10_000,
    });
    ws.binaryType = 'nodebuffer';
    const pending = new Map();
    let nextId = 1;
    let settled = false;
    let rest; // bytes of an incomplete packet from earlier frames
    const timer = setTimeout(() => fail(new Error('connect timed out')), opts.timeoutMs ?? 10_000);
    const conn = {
      ws,
      onData: opts.onData ?? (() => {}),
      /** Subscribes at the connection's QoS; resolves with the granted QoS. */
      subscribe(topic) {
        const id = nextId;
        nextId = (nextId % 0xffff) + 1;
        return new Promise((res, rej) => {
          pending.set(id, { res, rej });
          ws.send(subscribePacket(id, topic, qos));
        });
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
    function handle(buf, start, type, flags, end, acks) {
      switch (type) {
        case PUBLISH: {
          const topicLen = buf.readUInt16BE(start);
          let p = start + 2 + topicLen;
          if ((flags >> 1) & 3) {
            acks.push(PUBACK << 4, 2, buf[p], buf[p + 1]);
            p += 2;
          }
          return conn.onData(buf.toString('utf8', p, end));
        }
        case CONNACK:
          if (buf[start + 1] !== 0) return fail(new Error(`CONNACK refused (${buf[start + 1]})`));
          settled = true;
          clearTimeout(timer);
          track(ws);
          return resolve(conn);
        case SUBACK: {
          const id = buf.readUInt16BE(start);
          const p = pending.get(id);
          if (!p) return;
          pending.delete(id);
          const granted = buf[start + 2];
          return granted === 0x80 ? p.rej(new Error('SUBACK failure')) : p.res({ qos: granted });
        }
        default:
          return; // PINGRESP, and nothing else is sent to a 3.1.1 subscriber
      }
    }
    ws.on('open', () =>
      ws.send(
        connectPacket({
          clientId: opts.clientId ?? `bench-${process.pid}-${++clientSeq}`,
          username: opts.username,
          password: opts.password,
        }),
      ),
    );
    ws.on('error', (err) => fail(err));
    ws.on('close', (code) => {
      untrack(ws);
      for (const p of pending.values()) p.rej(new Error(`closed ${code}`));
      pending.clear();
      fail(new Error(`closed ${code} before CONNACK`));
      opts.onClose?.(code);
    });
    ws.on('message', (data) => {
      const buf = rest ? Buffer.concat([rest, data]) : data;
      rest = undefined;
      const acks = [];
      let i = 0;
      while (i < buf.length) {
        // fixed header: type and flags, then a remaining length of 1 to 4 bytes
        let len = 0;
        let mul = 1;
        let j = i + 1;
        let complete = false;
        while (j < buf.length && j < i + 5) {
          const b = buf[j++];
          len += (b & 127) * mul;
          mul *= 128;
          if ((b & 128) === 0) {
            complete = true;
            break;
          }
        }
        if (!complete || j + len > buf.length) {
          rest = Buffer.from(buf.subarray(i));
          break;
        }
        handle(buf, j, buf[i] >> 4, buf[i] & 15, j + len, acks);
        i = j + len;
      }
      if (acks.length) ws.send(Buffer.from(acks));
    });
  });
}
