/** Real hubs, proxies and clients for integration tests, all disposed by {@link disposeAll}. */
import { type Client, type ClientOptions, createClient } from '@hubbub/client';
import { createServer, type Hub, type ServerOptions } from '@hubbub/server';
import { startProxy, type TcpProxy } from '../../../../test/utils/proxy.js';

const hubs = new Set<Hub>();
const proxies = new Set<TcpProxy>();
const clients = new Set<Client>();

/** Starts a standalone hub on 127.0.0.1, port 0. */
export async function startHub(options: Partial<ServerOptions> = {}): Promise<{ hub: Hub; port: number }> {
  const hub = createServer({ port: 0, host: '127.0.0.1', ...options } as ServerOptions);
  hubs.add(hub);
  await hub.ready;
  return { hub, port: hub.address().port };
}

/** Starts a proxy in front of `port`. */
export async function proxyTo(port: number): Promise<TcpProxy> {
  const proxy = await startProxy(port);
  proxies.add(proxy);
  return proxy;
}

/** Options that make reconnects quick in tests. */
export const FAST_RECONNECT = { minDelayMs: 20, maxDelayMs: 200 } as const;

/** Creates a client for ws://127.0.0.1:`port`, closed by {@link disposeAll}. */
export function connectClient(port: number, options: Partial<ClientOptions> = {}): Client {
  const client = createClient({ url: `ws://127.0.0.1:${port}`, reconnect: FAST_RECONNECT, ...options });
  clients.add(client);
  return client;
}

/** Closes every client, proxy and hub made through this module. */
export async function disposeAll(): Promise<void> {
  for (const client of clients) client.close();
  clients.clear();
  await Promise.all([...proxies].map((p) => p.close()));
  proxies.clear();
  await Promise.all([...hubs].map((h) => h.close({ drainMs: 0 })));
  hubs.clear();
}
