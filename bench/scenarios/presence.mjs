/**
 * Presence at scale, on a real Redis (`redis-server --save ''`, spawned here), against the built
 * packages (`npm run build` first). Standalone: not one of run.mjs's target comparisons, since
 * neither raw ws nor Socket.IO has cluster-wide presence to compare with.
 *
 *   node bench/scenarios/presence.mjs [--members 10000] [--reads 50] [--rate 500] [--seconds 10] [--conns 300]
 *
 * 1. Large topic: --members members of one topic, added through three hubs' Redis brokers (as
 *    three instances would; no sockets, so the box's file descriptors are not the limit). Times
 *    hub.presence() and hub.presenceStats() (--reads reads each, one at a time) beside a Redis
 *    PING, the round trip both are built on, the one HVALS that presence() sends (timed alone),
 *    and the reply size of presence().
 * 2. Churn: three hubs with real sockets; --conns SDK clients spread over them subscribe to and
 *    unsubscribe from one presence topic at --rate changes per second in total (joins + leaves)
 *    for --seconds; one watcher client per hub counts the join and leave events it gets and the
 *    lag from the change to the event. Every change must reach every watcher exactly once.
 *
 * Everything runs in this one process (hubs, clients, load), so the lag includes its own CPU.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClient } from '@hubbub/client';
import { createRedisBroker, createServer } from '@hubbub/server';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { startRedis } from '../lib/procs.mjs';

const { values: argv } = parseArgs({
  options: {
    members: { type: 'string', default: '10000' },
    reads: { type: 'string', default: '50' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    conns: { type: 'string', default: '300' },
  },
});
const MEMBERS = Number(argv.members);
const READS = Number(argv.reads);
const RATE = Number(argv.rate);
const SECONDS = Math.min(60, Number(argv.seconds));
const CONNS = Number(argv.conns);

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
function summary(ms) {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: +pct(s, 50).toFixed(2), p99: +pct(s, 99).toFixed(2), max: +s.at(-1).toFixed(2) };
}
async function timeEach(n, fn) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return summary(ms);
}
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

async function startHubs(url, prefix) {
  const hubs = [];
  for (let i = 0; i < 3; i++) {
    const broker = createRedisBroker({ url }, { prefix, onError: () => {} });
    const hub = createServer({
      port: 0,
      host: '127.0.0.1',
      broker,
      presence: true,
      authenticate: ({ token }) => ({ principal: token, info: { name: token } }),
      limits: { maxConnections: 100_000 },
    });
    await hub.ready;
    hubs.push({ hub, broker, port: hub.address().port });
  }
  return hubs;
}

async function largeTopic(url) {
  const hubs = await startHubs(url, 'bench-large');
  const topic = 'room.large';
  const t0 = performance.now();
  const joins = [];
  for (let i = 0; i < MEMBERS; i++) {
    const { broker } = hubs[i % 3];
    joins.push(
      broker.join(topic, {
        member: { sid: `s${i}`, userId: `user-${i % (MEMBERS / 2)}`, info: { name: `User ${i}` } },
      }),
    );
    if (joins.length >= 500) await Promise.all(joins.splice(0));
  }
  await Promise.all(joins);
  const addMs = performance.now() - t0;
  const { hub } = hubs[0];
  const stats = await hub.presenceStats(topic);
  const members = await hub.presence(topic);
  const redis = new Redis(url);
  const ping = await timeEach(READS * 4, () => redis.ping());
  const presence = await timeEach(READS, () => hub.presence(topic));
  const presenceStats = await timeEach(READS * 4, () => hub.presenceStats(topic));
  // The one command presence() sends, alone: what is left is decoding the members.
  const hvals = await timeEach(READS, () => redis.hvals(`{bench-large:${topic}}:pm`));
  redis.disconnect();
  const bytes = Buffer.byteLength(JSON.stringify(members));
  for (const h of hubs) await h.hub.close({ drainMs: 0 });
  return {
    members: members.length,
    stats,
    addMs: Math.round(addMs),
    replyBytes: bytes,
    ping,
    hvals,
    presence,
    presenceStats,
  };
}

function connect(port, token) {
  const client = createClient({
    url: `ws://127.0.0.1:${port}`,
    token,
    WebSocket,
    reconnect: { maxAttempts: 0 },
  });
  return new Promise((resolve, reject) => {
    client.on('state', ({ to }) => {
      if (to === 'open') resolve(client);
      if (to === 'closed') reject(new Error('client closed'));
    });
  });
}

async function churn(url) {
  const hubs = await startHubs(url, 'bench-churn');
  const topic = 'room.churn';
  /** `join <user>` / `leave <user>` -> when the latest such change was made. */
  const issued = new Map();
  const watchers = [];
  for (const { port } of hubs) {
    const client = await connect(port, `watcher-${port}`);
    const seen = { join: 0, leave: 0, lags: [], dup: 0, keys: new Set() };
    const sub = client.subscribe(topic, () => {});
    const on = (type) => (m) => {
      // A join of a member already there, or a leave of one that is not, is a duplicate.
      if (seen.keys.has(m.sid) === (type === 'join')) seen.dup++;
      if (type === 'join') seen.keys.add(m.sid);
      else seen.keys.delete(m.sid);
      seen[type]++;
      const at = issued.get(`${type} ${m.userId}`);
      if (at !== undefined) seen.lags.push(performance.now() - at);
    };
    sub.on('join', on('join'));
    sub.on('leave', on('leave'));
    await new Promise((r) => sub.once('subscribed', r));
    watchers.push({ client, seen });
  }
  await wait(300);
  for (const w of watchers) {
    w.seen.join = w.seen.leave = w.seen.dup = 0;
    w.seen.lags.length = 0;
    w.seen.keys.clear();
  }
  const clients = [];
  for (let i = 0; i < CONNS; i++)
    clients.push({ token: `u${i}`, client: await connect(hubs[i % 3].port, `u${i}`), sub: null });
  // Alternate: subscribe an idle client, unsubscribe a subscribed one; RATE changes/s in total.
  const changes = RATE * SECONDS;
  const idle = [...clients];
  const busy = [];
  let made = 0;
  const start = performance.now();
  while (made < changes) {
    const due = Math.floor(((performance.now() - start) / 1000) * RATE);
    while (made < Math.min(due, changes)) {
      const joining = (made % 2 === 0 && idle.length > 0) || busy.length === 0;
      if (joining) {
        const c = idle.splice(Math.floor(Math.random() * idle.length), 1)[0];
        issued.set(`join ${c.token}`, performance.now());
        c.sub = c.client.subscribe(topic, () => {});
        busy.push(c);
      } else {
        const c = busy.splice(Math.floor(Math.random() * busy.length), 1)[0];
        issued.set(`leave ${c.token}`, performance.now());
        c.sub.unsubscribe();
        c.sub = null;
        idle.push(c);
      }
      made++;
    }
    await wait(2);
  }
  const elapsed = (performance.now() - start) / 1000;
  // Every change reaches every watcher; wait for the stragglers (bounded).
  const deadline = Date.now() + 10_000;
  const expected = made;
  while (Date.now() < deadline && watchers.some((w) => w.seen.join + w.seen.leave < expected)) await wait(50);
  const result = {
    changes: made,
    seconds: +elapsed.toFixed(2),
    ratePerSecond: Math.round(made / elapsed),
    watchers: watchers.map((w) => ({
      events: w.seen.join + w.seen.leave,
      duplicates: w.seen.dup,
      lagMs: summary(w.seen.lags.length ? w.seen.lags : [0]),
    })),
  };
  for (const c of clients) c.client.close();
  for (const w of watchers) w.client.close();
  for (const h of hubs) await h.hub.close({ drainMs: 0 });
  return result;
}

const redis = await startRedis(0);
try {
  const large = await largeTopic(redis.url);
  console.log(JSON.stringify({ scenario: 'presence-large-topic', ...large }));
  const moving = await churn(redis.url);
  console.log(JSON.stringify({ scenario: 'presence-churn', rate: RATE, conns: CONNS, ...moving }));
} finally {
  await redis.stop();
}
