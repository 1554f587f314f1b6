/**
 * The raw `ws` baseline server: what one would write by hand on `ws`. It speaks the subset of
 * Hubbub's wire protocol the load generator uses (connect/welcome, sub/subscribed, pub/ack, msg),
 * keeps `Map<topic, Set<socket>>`, encodes each message once and loops `ws.send(text)` per
 * subscriber — or, pre-framed, builds the WebSocket frame once and writes it to every socket.
 * With `redisUrl`, publishes go through Redis pub/sub and every instance fans out locally.
 */
import { Redis } from 'ioredis';
import { Sender, WebSocketServer } from 'ws';
import { principalOf } from '../lib/auth.mjs';

const FRAME_OPTIONS = { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: true };

function fanOut(set, text, preframed, Sender) {
  if (!set) return;
  if (!preframed) {
    for (const ws of set) ws.send(text);
    return;
  }
  const list = Sender.frame(Buffer.from(text), FRAME_OPTIONS);
  for (const ws of set) if (ws.readyState === 1) ws._sender.sendFrame(list);
}

/**
 * Starts the server.
 * @param {{ host: string, port: number, redisUrl?: string, preframed?: boolean }} opts
 */
export async function startWsServer(opts) {
  const topics = new Map();
  const local = (topic, text) => fanOut(topics.get(topic), text, opts.preframed, Sender);
  const redis = opts.redisUrl ? await connectRedis(opts.redisUrl, local) : undefined;
  const publish = redis ? (topic, text) => redis.pub.publish(`t:${topic}`, text) : local;
  const wss = new WebSocketServer({ host: opts.host, port: opts.port, perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('connection', (ws) => handleSocket(ws, topics, publish, redis));
  return {
    port: wss.address().port,
    stats: () => ({ connections: wss.clients.size, topics: topics.size }),
    async close() {
      for (const ws of wss.clients) ws.close(1001, 'going away');
      await new Promise((resolve) => wss.close(resolve));
      redis?.pub.disconnect();
      redis?.sub.disconnect();
    },
  };
}

async function connectRedis(url, local) {
  const pub = new Redis(url);
  const sub = pub.duplicate();
  sub.on('message', (channel, text) => local(channel.slice(2), text));
  await Promise.all([pub.ping(), sub.ping()]);
  return { pub, sub };
}

function handleSocket(ws, topics, publish, redis) {
  let principal;
  const mine = new Set();
  ws.on('message', (raw) => {
    const msg = JSON.parse(raw.toString());
    if (!principal) {
      principal = msg.type === 'connect' ? principalOf(msg.token) : undefined;
      if (!principal) return ws.close(4401, 'unauthorized');
      return ws.send(JSON.stringify({ type: 'welcome', sid: principal.id }));
    }
    if (msg.type === 'sub') {
      let set = topics.get(msg.topic);
      if (!set) {
        set = new Set();
        topics.set(msg.topic, set);
        redis?.sub.subscribe(`t:${msg.topic}`);
      }
      set.add(ws);
      mine.add(msg.topic);
      ws.send(JSON.stringify({ type: 'subscribed', id: msg.id, topic: msg.topic }));
    } else if (msg.type === 'pub') {
      publish(msg.topic, JSON.stringify({ type: 'msg', topic: msg.topic, data: msg.data }));
      ws.send(JSON.stringify({ type: 'ack', id: msg.id }));
    }
  });
  ws.on('close', () => {
    for (const topic of mine) topics.get(topic)?.delete(ws);
  });
}
