#!/usr/bin/env node
/**
 * A Node subscriber: reads its user's topic through the client SDK. Its token provider fetches a
 * fresh JWT over HTTP on every connect and before each expiry, so it keeps working across token
 * refreshes and server restarts.
 *
 * Usage: SERVICE_URL=http://127.0.0.1:3100 USER_ID=alice node subscriber.mjs
 */
import { fileURLToPath } from 'node:url';
import { createClient } from '@hubbub/client';

/**
 * Fetches a token for `userId` from the service.
 * @param {string} serviceUrl
 * @param {string} userId
 * @returns {Promise<string>}
 */
export async function fetchToken(serviceUrl, userId) {
  const res = await fetch(new URL('/token', serviceUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: userId }),
  });
  if (!res.ok) throw new Error(`token request failed: HTTP ${res.status}`);
  const { token } = await res.json();
  return token;
}

/**
 * @typedef {object} SubscriberOptions
 * @property {string} serviceUrl base URL of the service (http://host:port)
 * @property {string} userId
 * @property {(event: unknown, meta: { topic: string, offset: number, replayed?: boolean }) => void} onEvent
 * @property {Record<string, unknown>} [clientOptions] extra createClient options (reconnect, heartbeat, ...)
 */

/**
 * Connects and subscribes to `user.<userId>`.
 * @param {SubscriberOptions} options
 */
export function startSubscriber({ serviceUrl, userId, onEvent, clientOptions }) {
  const url = `${serviceUrl.replace(/^http/, 'ws')}/ws`;
  const client = createClient({ url, token: () => fetchToken(serviceUrl, userId), ...clientOptions });
  const subscription = client.subscribe(`user.${userId}`, onEvent);
  return { client, subscription };
}

function main() {
  const serviceUrl = process.env.SERVICE_URL ?? 'http://127.0.0.1:3100';
  const userId = process.env.USER_ID ?? 'alice';
  const { client, subscription } = startSubscriber({
    serviceUrl,
    userId,
    onEvent: (event, meta) => console.log(`#${meta.offset}${meta.replayed ? ' (replayed)' : ''}`, event),
  });
  client.on('state', ({ from, to, code }) =>
    console.log(`state ${from} -> ${to}${code ? ` (${code})` : ''}`),
  );
  subscription.on('gap', () => console.log('gap: some events could not be recovered'));
  process.once('SIGINT', () => client.close());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
