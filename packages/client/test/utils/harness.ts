/** Proxies in front of hubs for the client's integration tests; hubs and clients come from test/utils. */
import { closeClients } from '../../../../test/utils/client.js';
import { disposeLater } from '../../../../test/utils/dispose.js';
import { closeHubs } from '../../../../test/utils/hub.js';
import { startProxy, type TcpProxy } from '../../../../test/utils/proxy.js';

export { connectClient, FAST_RECONNECT } from '../../../../test/utils/client.js';
export { startHub } from '../../../../test/utils/hub.js';

/** Starts a proxy in front of `port`, closed when the test finishes. */
export async function proxyTo(port: number): Promise<TcpProxy> {
  const proxy = await startProxy(port);
  disposeLater(() => proxy.close());
  return proxy;
}

/**
 * Closes every client, then every hub, made so far. Hubs, clients and proxies are released on
 * their own when the test that made them finishes; this stays for tests that close them earlier.
 */
export async function disposeAll(): Promise<void> {
  closeClients();
  await closeHubs();
}
