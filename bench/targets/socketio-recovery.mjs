/**
 * Target `socketio-recovery`: the `socketio` target with Socket.IO's connection state recovery,
 * the configuration that promises replay of missed messages. Socket.IO server, WebSocket
 * transport only, one room per topic, auth in a `io.use` middleware reading
 * `handshake.auth.token` (run on recovered connections too: `skipMiddlewares: false`), sessions
 * kept for 120 s after a disconnection, and `@socket.io/redis-streams-adapter`, the adapter
 * Socket.IO documents for connection state recovery across instances. Every broadcast is appended
 * to one Redis stream (all rooms together, trimmed to about {@link STREAM_MAX_LEN} entries) and a
 * recovered session is replayed from it, so a Redis is needed even on one instance: with
 * `redisUrl` (cross-instance) that one, otherwise a throwaway `redis-server` this process starts,
 * stops on close, and reports in `helperPids()` so its CPU and RSS count as the server's.
 * Clients: the publisher is `socket.io-client` (`transports: ['websocket']`); subscribers are the
 * raw Engine.IO/Socket.IO wire client, which resumes sessions (lib/wire-socketio.mjs).
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { requireBinary } from '../lib/external.mjs';
import { startRedis } from '../lib/procs.mjs';
import { connectSocketIo } from '../lib/wire-socketio.mjs';
import { serveRooms } from './socketio.mjs';

export { connectPublisher } from './socketio.mjs';

/** How long the server keeps a disconnected session for recovery. */
const MAX_DISCONNECTION_MS = 120_000;

/**
 * Length of the adapter's Redis stream (`MAXLEN ~`), shared by all rooms. Hubbub keeps a history
 * of 1,000 messages per topic; the recovery scenario has 10 topics, so 10 × 1,000 (which is also
 * the adapter's default). The 10 × 200 messages that scenario publishes while its subscribers are
 * away, plus its warm-up and live phases, fit several times over.
 */
export const STREAM_MAX_LEN = 10 * 1_000;

/**
 * The scenarios this target runs: those of the `socketio` target except the client bundle (the
 * same socket.io-client), and the recovery storm.
 */
export const scenarios = [
  'fanout',
  'many-topics',
  'idle-memory',
  'connect-rate',
  'cross-instance',
  'reconnect-storm',
  'recovery-storm',
];

/** This target's server replays missed messages (see the resume contract in lib/wire-socketio.mjs). */
export const resumable = true;

/**
 * Starts the server in this process, and a `redis-server` of its own unless `redisUrl` is given.
 * @param {{ host: string, port: number, redisUrl?: string }} opts
 */
export async function startServer(opts) {
  let ownRedis;
  if (!opts.redisUrl) {
    requireBinary('redis-server', 'redis-server');
    ownRedis = await startRedis(0);
    // a graceful close stops it; this covers an exit that does not wait for the close
    process.once('exit', () => ownRedis.child.kill('SIGKILL'));
  }
  const redis = new Redis(opts.redisUrl ?? ownRedis.url);
  redis.on('error', () => {});
  await redis.ping();
  const http = createServer();
  const io = new Server(http, {
    transports: ['websocket'],
    serveClient: false,
    perMessageDeflate: false,
    connectionStateRecovery: { maxDisconnectionDuration: MAX_DISCONNECTION_MS, skipMiddlewares: false },
    adapter: createAdapter(redis, { maxLen: STREAM_MAX_LEN }),
  });
  await serveRooms(io, http, opts);
  return {
    port: http.address().port,
    stats: () => ({ connections: io.engine.clientsCount, recovery: true }),
    helperPids: () => (ownRedis ? [ownRedis.child.pid] : []),
    async close() {
      try {
        await new Promise((resolve) => io.close(() => resolve()));
      } finally {
        redis.disconnect();
        await ownRedis?.stop();
      }
    },
  };
}

/** Opens one subscriber-side connection (raw Socket.IO wire client, resuming with `resume`). */
export const connect = connectSocketIo;

/** What the load generator uses, for the README. */
export const describe =
  'socket.io with connection state recovery and @socket.io/redis-streams-adapter (own redis-server on one instance); publisher: socket.io-client; subscribers: raw Socket.IO protocol on ws, resuming with pid + offset';
