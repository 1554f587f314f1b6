#!/usr/bin/env node
/**
 * A Node backend on Hubbub: issues short-lived JWTs over HTTP, lets each user read only
 * `user.<id>`, and publishes events to users from backend code.
 *
 * Environment: PORT (3100), HOST (127.0.0.1), JWT_SECRET (dev default), TOKEN_TTL_SEC (60),
 * EVENT_INTERVAL_MS (1000), MAX_EVENTS (10000), REDIS_URL (optional), DRAIN_MS (2000).
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createRedisBroker, createServer } from '@hubbub/server';
import { issueToken, signingKey, USER_ID_RE, verifyToken } from './src/tokens.mjs';

/**
 * @typedef {object} ServiceOptions
 * @property {number} [port] Default: 0.
 * @property {string} [host] Default: '127.0.0.1'.
 * @property {string} [secret] HS256 secret, at least 32 characters. Default: a development secret.
 * @property {number} [tokenTtlSec] lifetime of issued tokens. Default: 60.
 * @property {number} [eventIntervalMs] how often each active user gets an event. Default: 1000.
 * @property {number} [maxEvents] events published in total before the ticker stops. Default: 10000.
 * @property {string} [redisUrl] Redis broker; in-memory when absent.
 * @property {number} [tokenGraceMs] how long past its expiry a token may stay in use before the
 *   hub closes the connection (4419). Default: 5000.
 */

const MAX_BODY_BYTES = 1024;

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > MAX_BODY_BYTES) reject(new Error('body too large'));
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(body || '{}'));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

function sendJson(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/**
 * POST /token `{ "user": "<id>" }` → `{ token, expiresAt }`. It stands in for your login: a
 * real service issues tokens only to callers it has authenticated (session cookie, mTLS, ...).
 */
function tokenRoute(key, ttlSec, stats, activeUsers) {
  return async (req, res) => {
    try {
      const { user } = await readJson(req);
      if (typeof user !== 'string' || !USER_ID_RE.test(user))
        return sendJson(res, 400, { error: 'bad user id' });
      const issued = await issueToken(user, key, ttlSec);
      stats.tokensIssued += 1;
      activeUsers.add(user);
      sendJson(res, 200, issued);
    } catch {
      sendJson(res, 400, { error: 'bad request' });
    }
  };
}

function startTicker(hub, activeUsers, opts, stats, instance) {
  const timer = setInterval(() => {
    for (const user of activeUsers) {
      if (stats.eventsPublished >= opts.maxEvents) {
        clearInterval(timer);
        return;
      }
      stats.eventsPublished += 1;
      const event = { kind: 'tick', seq: stats.eventsPublished, instance, at: Date.now() };
      hub.publish(`user.${user}`, event).catch((err) => console.error('publish failed:', err.message));
    }
  }, opts.eventIntervalMs);
  timer.unref();
  return timer;
}

/**
 * Starts the service.
 * @param {ServiceOptions} [options]
 */
export async function startService(options = {}) {
  const opts = { tokenTtlSec: 60, eventIntervalMs: 1000, maxEvents: 10_000, ...options };
  const key = signingKey(opts.secret);
  const stats = { tokensIssued: 0, eventsPublished: 0 };
  const activeUsers = new Set();
  const instance = randomUUID().slice(0, 8);
  const onToken = tokenRoute(key, opts.tokenTtlSec, stats, activeUsers);
  const httpServer = createHttpServer((req, res) => {
    if (req.method === 'POST' && req.url === '/token') return void onToken(req, res);
    sendJson(res, 404, { error: 'not found' });
  });
  const hub = createServer({
    server: httpServer,
    path: '/ws',
    async authenticate({ token }) {
      const { userId, expiresAt } = await verifyToken(String(token ?? ''), key);
      return { principal: { userId }, expiresAt };
    },
    authorize: (principal, action, topic) => action === 'subscribe' && topic === `user.${principal.userId}`,
    history: { size: 100, ttlMs: 3600_000 },
    tokenGraceMs: opts.tokenGraceMs,
    broker: opts.redisUrl ? createRedisBroker({ url: opts.redisUrl }) : undefined,
  });
  hub.on('error', (err) => console.error('hub error:', err));
  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve);
  });
  await hub.ready;
  const ticker = startTicker(hub, activeUsers, opts, stats, instance);
  const { port } = /** @type {import('node:net').AddressInfo} */ (httpServer.address());
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    port,
    instance,
    hub,
    stats,
    /** @param {{ drainMs?: number }} [closeOptions] */
    async close({ drainMs = 0 } = {}) {
      clearInterval(ticker);
      await hub.close({ drainMs });
      httpServer.closeAllConnections?.();
      await new Promise((resolve) => httpServer.close(() => resolve(undefined)));
    },
  };
}

async function main() {
  const service = await startService({
    port: Number(process.env.PORT ?? 3100),
    host: process.env.HOST ?? '127.0.0.1',
    secret: process.env.JWT_SECRET,
    tokenTtlSec: Number(process.env.TOKEN_TTL_SEC ?? 60),
    eventIntervalMs: Number(process.env.EVENT_INTERVAL_MS ?? 1000),
    maxEvents: Number(process.env.MAX_EVENTS ?? 10_000),
    redisUrl: process.env.REDIS_URL || undefined,
  });
  console.log(`node-service listening on ${service.url} (tokens: POST /token, hub: ${service.wsUrl})`);
  const drainMs = Number(process.env.DRAIN_MS ?? 2000);
  const stop = () => service.close({ drainMs }).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
