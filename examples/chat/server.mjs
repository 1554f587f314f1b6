#!/usr/bin/env node
/**
 * Hubbub chat: one Node server hosts the page and the hub on the same port (attach mode).
 * In-memory broker by default; Redis when REDIS_URL is set, so several instances behind a load
 * balancer behave as one.
 *
 * Environment: PORT (3000), HOST (127.0.0.1), REDIS_URL, DRAIN_MS (5000), ALLOWED_ORIGINS
 * (comma-separated; default: any).
 */
import { createServer as createHttpServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createMemoryBroker, createRedisBroker, createServer } from '@hubbub/server';
import { createHistoryRoute } from './src/history-route.mjs';
import { authenticate, authorize, isRoomTopic, MAX_FRAME_BYTES } from './src/policy.mjs';
import { createSearchHandler } from './src/search.mjs';
import { createStaticHandler } from './src/static-files.mjs';

/** Messages kept per room for history on join and replay after reconnect. */
export const HISTORY_SIZE = 200;

/**
 * @typedef {object} ChatOptions
 * @property {number} [port] TCP port; 0 picks a free one. Default: 0.
 * @property {string} [host] Default: '127.0.0.1'.
 * @property {string} [redisUrl] Redis for several instances; in-memory broker when absent.
 * @property {string[]} [allowedOrigins] Origins allowed to open a WebSocket; any when absent.
 * @property {string} [bundlePath] Client browser bundle served at /hubbub.js.
 * @property {{ intervalMs?: number, timeoutMs?: number }} [heartbeat] Hub heartbeat settings.
 */

/**
 * @typedef {object} Chat
 * @property {string} url http://host:port/
 * @property {number} port
 * @property {import('node:http').Server} httpServer
 * @property {any} hub the Hubbub server
 * @property {() => number} dropAllSockets destroys every WebSocket's TCP socket (as a network
 *   failure would); returns how many
 * @property {(accepting: boolean) => void} setAcceptingSockets while false, WebSocket upgrades get
 *   HTTP 503 (maintenance; tests use it to keep clients away)
 * @property {(opts?: { drainMs?: number }) => Promise<void>} close
 */

function routeHttp(serveStatic, history, state) {
  return async (req, res) => {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname === '/healthz' || pathname === '/readyz') {
      const ready = !state.closing && (pathname === '/healthz' || state.hub.isReady());
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ready ? 'ok\n' : state.closing ? 'draining\n' : 'broker unavailable\n');
      return;
    }
    if (pathname === '/history' && req.method === 'GET') return history(res, searchParams);
    if (await serveStatic(req, res, pathname)) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  };
}

/** Routes WebSocket upgrades on /ws to the hub, and keeps their sockets for dropAllSockets(). */
function routeUpgrades(httpServer, hub, state) {
  const sockets = new Set();
  httpServer.on('upgrade', (req, socket, head) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname !== '/ws' || !state.accepting) {
      const status = pathname !== '/ws' ? '404 Not Found' : '503 Service Unavailable';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    hub.handleUpgrade(req, socket, head);
  });
  return sockets;
}

/**
 * Starts the chat server.
 *
 * @param {ChatOptions} [options]
 * @returns {Promise<Chat>}
 */
export async function startChat(options = {}) {
  const state = { closing: false, accepting: true, hub: undefined };
  const broker = options.redisUrl ? createRedisBroker({ url: options.redisUrl }) : createMemoryBroker();
  const hub = createServer({
    noServer: true,
    allowedOrigins: options.allowedOrigins,
    authenticate,
    authorize,
    history: { size: HISTORY_SIZE, ttlMs: 24 * 3600_000 },
    heartbeat: options.heartbeat,
    limits: { maxPayloadBytes: MAX_FRAME_BYTES },
    // Who is in each room, on every instance: the page lists them and shows joins and leaves.
    presence: isRoomTopic,
    broker,
  });
  state.hub = hub;
  hub.on('error', (err) => console.error('hub error:', err));
  // The page searches a room over its WebSocket: `client.call('room.history.search', { room, text })`.
  hub.handle('room.history.search', createSearchHandler(broker, HISTORY_SIZE));
  const serveStatic = createStaticHandler({ bundlePath: options.bundlePath });
  const httpServer = createHttpServer(routeHttp(serveStatic, createHistoryRoute(broker), state));
  const sockets = routeUpgrades(httpServer, hub, state);
  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  await hub.ready;
  const { port } = /** @type {import('node:net').AddressInfo} */ (httpServer.address());
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    httpServer,
    hub,
    dropAllSockets() {
      const n = sockets.size;
      for (const socket of sockets) socket.destroy();
      return n;
    },
    setAcceptingSockets(accepting) {
      state.accepting = accepting;
    },
    async close({ drainMs = 0 } = {}) {
      state.closing = true;
      await hub.close({ drainMs });
      httpServer.closeAllConnections?.();
      await new Promise((resolve) => httpServer.close(() => resolve(undefined)));
    },
  };
}

/**
 * Runs the chat from environment variables, prints its URL, and drains on SIGTERM/SIGINT.
 * @returns {Promise<Chat>}
 */
export async function main() {
  const drainMs = Number(process.env.DRAIN_MS ?? 5000);
  const chat = await startChat({
    port: Number(process.env.PORT ?? 3000),
    host: process.env.HOST ?? '127.0.0.1',
    redisUrl: process.env.REDIS_URL || undefined,
    allowedOrigins: process.env.ALLOWED_ORIGINS ? process.env.ALLOWED_ORIGINS.split(',') : undefined,
  });
  const broker = process.env.REDIS_URL ? 'redis' : 'in-memory';
  console.log(`Hubbub chat listening on ${chat.url} (broker: ${broker})`);
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: draining for up to ${drainMs} ms`);
    await chat.close({ drainMs });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return chat;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
