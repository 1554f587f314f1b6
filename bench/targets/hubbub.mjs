/**
 * Target `hubbub`: `createServer` from the built `@hubbub/server` (packages/server/dist), with
 * the same token check as every other target, the inbound rate limit raised so the publisher is
 * never throttled (the other targets have none), a history of 1,000 messages per topic
 * (`history: { size: 1000 }`, default ttl of 5 minutes; the default size is 100) so the recovery
 * storm's missed messages are all replayable, like the per-subject history of the JetStream peer,
 * everything else at its defaults; with `redisUrl`, `createRedisBroker`. Prometheus metrics are on
 * (the default); `hubbub-metrics-off.mjs` turns them off. Clients: the publisher is
 * `createClient` from the built `@hubbub/client`; subscribers are the raw wire-protocol client on
 * `ws` (lib/wire-hubbub.mjs), which implements the resume contract (`track`, `resumeState()`,
 * `resume` → `sub` with `since`).
 */
import { createClient } from '@hubbub/client';
import { createRedisBroker, createServer } from '@hubbub/server';
import { principalOf } from '../lib/auth.mjs';
import { connectWire } from '../lib/wire-hubbub.mjs';

const UNTHROTTLED = 1_000_000;
/** Messages kept per topic for replay. */
const HISTORY_SIZE = 1_000;

/** The server replays missed messages from `since` (the recovery storm's contract). */
export const resumable = true;

/**
 * Starts the server in this process.
 * @param {{ host: string, port: number, redisUrl?: string }} opts
 */
export async function startServer(opts) {
  const hub = createServer({
    host: opts.host,
    port: opts.port,
    authenticate: ({ token }) => principalOf(token),
    limits: { publishRate: UNTHROTTLED, publishBurst: UNTHROTTLED },
    history: { size: HISTORY_SIZE },
    ...(opts.redisUrl && { broker: createRedisBroker({ url: opts.redisUrl }) }),
    ...(opts.metrics === false && { metrics: false }),
  });
  hub.on('error', () => {});
  await hub.ready;
  return {
    port: hub.address().port,
    stats: () => hub.stats(),
    close: () => hub.close({ drainMs: 2_000 }),
  };
}

/** Opens one subscriber-side connection (raw wire client). */
export const connect = connectWire;

/** Opens the publisher's connection with the SDK client; resolves once it is open. */
export function connectPublisher(opts) {
  const client = createClient({
    url: opts.url,
    token: opts.token,
    reconnect: { maxAttempts: 0 },
    sendQueue: { maxQueued: UNTHROTTLED },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('publisher did not open')), opts.timeoutMs ?? 10_000);
    client.on('state', ({ to }) => {
      if (to === 'closed') reject(new Error('publisher closed'));
      if (to !== 'open') return;
      clearTimeout(timer);
      resolve({ publish: (topic, data) => client.publish(topic, data), close: () => client.close() });
    });
  });
}

/** What the load generator uses, for the README. */
export const describe =
  '@hubbub/server; publisher: @hubbub/client; subscribers: raw Hubbub wire protocol on ws';
