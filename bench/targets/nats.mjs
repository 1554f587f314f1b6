/**
 * Target `nats`: NATS core over WebSocket. nats-server (Debian's binary, its own process) with a
 * generated config (lib/nats-server.mjs): WebSocket listener on 127.0.0.1 without TLS, token
 * authentication, everything else at its defaults. One subject per topic (`bench.t0`, ...). NATS
 * core has no acknowledgement of a publish and no history: a publish resolves as soon as the SDK
 * has queued it, and the windowed phases are driven by the deliveries alone. With `redisUrl`
 * (cross-instance), the two servers form a NATS cluster joined by routes; Redis only carries the
 * route ports from the first member to the second at start-up, no messages.
 * Clients: the publisher is `wsconnect` from `@nats-io/nats-core` (on `ws`); subscribers are the
 * raw NATS protocol on `ws` (lib/wire-nats.mjs).
 */
import { wsconnect } from '@nats-io/nats-core';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { NATS_TOKEN, startNatsServer } from '../lib/nats-server.mjs';
import { connectNatsWire } from '../lib/wire-nats.mjs';

/** Scenarios this target runs (no `bundle`: a browser would need the NATS SDK, not measured). */
export const scenarios = [
  'fanout',
  'many-topics',
  'idle-memory',
  'connect-rate',
  'cross-instance',
  'reconnect-storm',
  'steady',
];

const ROUTES_KEY = 'bench:nats:routes';

/**
 * Starts nats-server with its WebSocket listener on `opts.port` (a free port when 0). With
 * `redisUrl`, joins the cluster of the members registered there before it and registers itself.
 * @param {{ port: number, redisUrl?: string, jetstream?: boolean }} opts
 */
export async function startServer(opts) {
  let redis;
  let routes;
  if (opts.redisUrl) {
    redis = new Redis(opts.redisUrl);
    routes = (await redis.lrange(ROUTES_KEY, 0, -1)).map(Number);
  }
  try {
    const server = await startNatsServer({ port: opts.port, jetstream: opts.jetstream, routes });
    if (redis) await redis.rpush(ROUTES_KEY, server.clusterPort);
    return {
      port: server.port,
      pid: server.pid,
      stats: () => ({ connections: server.connections() }),
      close: server.close,
    };
  } finally {
    redis?.disconnect();
  }
}

/**
 * Options of every SDK connection: the shared token, `ws` as the WebSocket (Node 20 has no global
 * one; nats-core takes a `wsFactory`), no reconnects. `onSocket` gets each socket it opens.
 */
export function sdkOptions(opts, onSocket) {
  return {
    servers: opts.url,
    token: NATS_TOKEN,
    wsFactory: (url) => {
      const socket = new WebSocket(url, { perMessageDeflate: false, localAddress: opts.localAddress });
      onSocket?.(socket);
      return Promise.resolve({ socket, encrypted: false });
    },
    reconnect: false,
    ignoreClusterUpdates: true,
    timeout: opts.timeoutMs ?? 10_000,
  };
}

/** Opens one subscriber-side connection (raw NATS wire client); `subscribe(topic)` resolves once registered. */
export function connect(opts) {
  return connectNatsWire({ ...opts, auth: { auth_token: NATS_TOKEN } });
}

const QUEUED = Promise.resolve();

/** Opens the publisher's connection with the SDK; a publish resolves once queued (no ack in NATS core). */
export async function connectPublisher(opts) {
  const nc = await wsconnect(sdkOptions(opts));
  return {
    publish(topic, data) {
      nc.publish(topic, JSON.stringify(data));
      return QUEUED;
    },
    close: () => nc.close(),
  };
}

/** What the load generator uses, for the README. */
export const describe =
  'nats-server (NATS core over WebSocket, token auth); publisher: @nats-io/nats-core wsconnect; subscribers: raw NATS protocol on ws';
