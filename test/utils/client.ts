/**
 * SDK clients for tests: reconnecting quickly, closed when the test that made them finishes (or
 * after the file), and watched by {@link collectErrors} so an assertion inside a handler or a
 * listener fails the test.
 */
import {
  type Client,
  type ClientOptions,
  type ClientState,
  createClient,
  type Subscription,
} from '@hubbub/client';
import { disposeLater } from './dispose.js';
import { collectErrors } from './errors.js';
import { waitFor } from './wait.js';

/** Reconnect options that make reconnects quick in tests. */
export const FAST_RECONNECT = { minDelayMs: 20, maxDelayMs: 200 } as const;

const open = new Set<Client>();

/**
 * Creates a client for `ws://127.0.0.1:PORT` (or the URL given), collecting what its callbacks throw.
 * @param options client options. @default { reconnect: FAST_RECONNECT }
 */
export function connectClient(target: number | string, options: Partial<ClientOptions> = {}): Client {
  const url = typeof target === 'number' ? `ws://127.0.0.1:${target}` : target;
  const client = createClient({ url, reconnect: FAST_RECONNECT, ...options });
  collectErrors(client);
  open.add(client);
  disposeLater(() => {
    open.delete(client);
    client.close();
  });
  return client;
}

/** Closes every client made so far; for tests that must close them at a given point. */
export function closeClients(): void {
  for (const client of open) client.close();
  open.clear();
}

/** Resolves when the client is in `state` or next enters it, even if only for a moment. */
export function waitForState(client: Client, state: ClientState, timeoutMs = 10_000): Promise<void> {
  if (client.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onState = (ctx: { to: ClientState }) => {
      if (ctx.to !== state) return;
      clearTimeout(timer);
      client.off('state', onState);
      resolve();
    };
    const timer = setTimeout(() => {
      client.off('state', onState);
      reject(new Error(`timed out waiting for client state "${state}" (now "${client.state}")`));
    }, timeoutMs);
    client.on('state', onState);
  });
}

/** Resolves when `sub` is confirmed by the server. */
export function waitSubscribed(sub: Subscription, timeoutMs = 10_000): Promise<void> {
  return waitFor(() => sub.state === 'subscribed', timeoutMs, `subscription to "${sub.topic}"`);
}
