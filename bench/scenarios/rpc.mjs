/**
 * Call round trip beside publish round trips, against the built packages (`npm run build`
 * first). Standalone, like presence.mjs: one server and one client in this process, so every
 * latency includes both ends' CPU on one event loop.
 *
 *   node bench/scenarios/rpc.mjs [--requests 5000] [--window 1,100] [--seconds 20]
 *
 * Each request carries a 100-byte JSON payload; with window W, W requests are in flight. Modes:
 * - `call`: `client.call('echo', payload)`, the handler returns the payload (`hub.handle`);
 * - `publish-ack`: `client.publish(topic, payload)`, resolved by the server's ack (memory broker);
 * - `publish-deliver`: the same publish, done when the client's own subscription gets it;
 * - `socketio-ack`: Socket.IO 4 `emit('echo', payload, ack)` answered by the server's ack
 *   callback (websocket transport), the request/response users would otherwise pick.
 * Prints one JSON line per mode and window: requests/s and latency mean, p50 and p99 in ms. A warm-up of a
 * tenth of the requests runs first; each measured phase is bounded by --seconds.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClient } from '@hubbub/client';
import { createServer } from '@hubbub/server';
import { Server } from 'socket.io';
import { io as ioClient } from 'socket.io-client';

const { values: argv } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    window: { type: 'string', default: '1,100' },
    seconds: { type: 'string', default: '20' },
  },
});
const REQUESTS = Number(argv.requests);
const WINDOWS = argv.window.split(',').map(Number);
const SECONDS = Math.min(60, Number(argv.seconds));
const UNTHROTTLED = 1_000_000;
const PAYLOAD = { text: 'x'.repeat(72), n: 0 };

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/**
 * Runs `count` requests, `window` at a time, bounded by `seconds`: `send(i)` resolves when
 * request i is done. Returns requests/s and latency percentiles in ms.
 */
async function measure(send, count, window, seconds) {
  const ms = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let next = 0;
  async function lane() {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      const t = performance.now();
      await send(i);
      ms.push(performance.now() - t);
    }
  }
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
  const elapsed = (performance.now() - started) / 1000;
  ms.sort((a, b) => a - b);
  return {
    done: ms.length,
    timedOut: ms.length < count,
    perSecond: Math.round(ms.length / elapsed),
    mean: +(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(3),
    p50: +pct(ms, 50).toFixed(3),
    p99: +pct(ms, 99).toFixed(3),
  };
}

async function startHubbub() {
  const hub = createServer({
    port: 0,
    host: '127.0.0.1',
    limits: { publishRate: UNTHROTTLED, publishBurst: UNTHROTTLED },
    history: { size: 100, ttlMs: 60_000 },
  });
  hub.on('error', () => {});
  hub.handle('echo', (data) => data);
  await hub.ready;
  const client = createClient({
    url: `ws://127.0.0.1:${hub.address().port}`,
    reconnect: { maxAttempts: 0 },
    sendQueue: { maxQueued: UNTHROTTLED },
  });
  await new Promise((resolve, reject) => {
    client.on('state', ({ to }) =>
      to === 'open' ? resolve() : to === 'closed' && reject(new Error('closed')),
    );
  });
  // Deliveries of the client's own publishes, by the `n` each carries.
  const waiting = new Map();
  const sub = client.subscribe('bench.rpc', (data) => {
    waiting.get(data.n)?.();
    waiting.delete(data.n);
  });
  await new Promise((resolve) => sub.on('subscribed', resolve));
  return {
    modes: {
      call: (i) => client.call('echo', { ...PAYLOAD, n: i }),
      'publish-ack': (i) => client.publish('bench.ack', { ...PAYLOAD, n: i }),
      'publish-deliver': (i) =>
        new Promise((resolve, reject) => {
          waiting.set(i, resolve);
          client.publish('bench.rpc', { ...PAYLOAD, n: i }).catch(reject);
        }),
    },
    async close() {
      client.close();
      await hub.close({ drainMs: 0 });
    },
  };
}

async function startSocketIo() {
  const io = new Server({ transports: ['websocket'] });
  io.on('connection', (socket) => socket.on('echo', (data, ack) => ack(data)));
  await new Promise((resolve) => io.listen(0).httpServer.once('listening', resolve));
  const { port } = io.httpServer.address();
  const socket = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
  await new Promise((resolve) => socket.once('connect', resolve));
  return {
    modes: { 'socketio-ack': (i) => socket.emitWithAck('echo', { ...PAYLOAD, n: i }) },
    async close() {
      socket.close();
      await new Promise((resolve) => io.close(resolve));
    },
  };
}

for (const start of [startHubbub, startSocketIo]) {
  const target = await start();
  try {
    for (const [mode, send] of Object.entries(target.modes)) {
      for (const window of WINDOWS) {
        // Warm-up, then the measured phase, with request numbers that do not repeat.
        const warm = Math.max(1, Math.floor(REQUESTS / 10));
        await measure((i) => send(-1 - i), warm, window, SECONDS);
        const result = await measure(send, REQUESTS, window, SECONDS);
        console.log(JSON.stringify({ scenario: 'rpc', mode, window, requests: REQUESTS, ...result }));
      }
    }
  } finally {
    await target.close();
  }
}
