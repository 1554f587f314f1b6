/**
 * Target `socketio`: Socket.IO server, WebSocket transport only, one room per topic, auth in a
 * `io.use` middleware reading `handshake.auth.token`; with `redisUrl`, `@socket.io/redis-adapter`.
 * Clients: the publisher is `socket.io-client` (`transports: ['websocket']`); subscribers are the
 * raw Engine.IO/Socket.IO wire client on `ws` (lib/wire-socketio.mjs).
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io as ioClient } from 'socket.io-client';
import { principalOf } from '../lib/auth.mjs';
import { connectSocketIo } from '../lib/wire-socketio.mjs';

/**
 * Starts the server in this process.
 * @param {{ host: string, port: number, redisUrl?: string }} opts
 */
export async function startServer(opts) {
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
  let redis;
  if (opts.redisUrl) {
    const pub = new Redis(opts.redisUrl);
    const sub = pub.duplicate();
    await Promise.all([pub.ping(), sub.ping()]);
    io.adapter(createAdapter(pub, sub));
    redis = { pub, sub };
  }
  await serveRooms(io, http, opts);
  return {
    port: http.address().port,
    stats: () => ({ connections: io.engine.clientsCount }),
    async close() {
      await new Promise((resolve) => io.close(() => resolve()));
      redis?.pub.disconnect();
      redis?.sub.disconnect();
    },
  };
}

/**
 * The bench's Socket.IO application, shared with the `socketio-recovery` target: the token check
 * in `io.use`, `sub` joins a room, `pub` emits to it; then listens on `opts.port`.
 */
export async function serveRooms(io, http, opts) {
  io.use((socket, next) => {
    const principal = principalOf(socket.handshake.auth?.token);
    if (!principal) return next(new Error('unauthorized'));
    socket.data.principal = principal;
    next();
  });
  io.on('connection', (socket) => {
    socket.on('sub', (topic, ack) => {
      socket.join(topic);
      if (typeof ack === 'function') ack(true);
    });
    socket.on('pub', (topic, data, ack) => {
      io.to(topic).emit('msg', data);
      if (typeof ack === 'function') ack(true);
    });
  });
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, resolve);
  });
}

/** Opens one subscriber-side connection (raw Socket.IO wire client). */
export const connect = connectSocketIo;

/** Opens the publisher's connection with `socket.io-client`. */
export function connectPublisher(opts) {
  return new Promise((resolve, reject) => {
    const socket = ioClient(opts.url, {
      transports: ['websocket'],
      auth: { token: opts.token },
      reconnection: false,
      timeout: opts.timeoutMs ?? 10_000,
    });
    socket.once('connect_error', reject);
    socket.once('connect', () =>
      resolve({
        publish: (topic, data) => socket.emitWithAck('pub', topic, data),
        close: () => socket.close(),
      }),
    );
  });
}

/** What the load generator uses, for the README. */
export const describe =
  'socket.io (websocket transport, rooms); publisher: socket.io-client; subscribers: raw Socket.IO protocol on ws';
