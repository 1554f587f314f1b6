/** Standalone servers started in this process on 127.0.0.1, closed by {@link closeAll}. */
import { type Client, createClient, type Subscription } from '@hubbub/client';
import { collectErrors } from '../../../../test/utils/errors.js';
import { type Standalone, type StandaloneConfig, startStandalone, validateConfig } from '../../src/index.js';
import type { JsonLogger } from '../../src/log.js';

const started = new Set<Standalone>();
const clients = new Set<Client>();

/** Starts a server from `raw` config (checked like a file), on a free loopback port. */
export async function start(raw: Record<string, unknown>, logger?: JsonLogger): Promise<Standalone> {
  const config: StandaloneConfig = validateConfig({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    drainMs: 500,
    ...raw,
  });
  const server = await startStandalone(config, logger ? { logger } : {});
  started.add(server);
  return server;
}

/** A client of `server`, closed by {@link closeAll}; what its callbacks throw fails the test. */
export function client(server: { url: string }, token?: string): Client {
  const c = createClient({ url: server.url.replace(/^http/, 'ws'), token, reconnect: { maxAttempts: 0 } });
  collectErrors(c);
  clients.add(c);
  return c;
}

/** Subscribes and resolves once the server confirmed the subscription; collects what arrives. */
export async function subscribed(c: Client, topic: string): Promise<{ sub: Subscription; got: unknown[] }> {
  const got: unknown[] = [];
  const sub = c.subscribe(topic, (data) => {
    got.push(data);
  });
  await new Promise<void>((resolve, reject) => {
    sub.on('subscribed', () => resolve());
    sub.on('error', (err) => reject(new Error(`subscribe ${topic}: ${JSON.stringify(err)}`)));
  });
  return { sub, got };
}

/** Closes every client and server started so far. */
export async function closeAll(): Promise<void> {
  for (const c of clients) c.close();
  clients.clear();
  const servers = [...started];
  started.clear();
  await Promise.all(servers.map((s) => s.close()));
}
