/** Proxies in front of hubs for the client's integration tests; hubs and clients come from test/utils. */
import { disposeLater } from '../../../../test/utils/dispose.js';
import { startProxy, type TcpProxy } from '../../../../test/utils/proxy.js';

/** Starts a proxy in front of `port`, closed when the test finishes. */
export async function proxyTo(port: number): Promise<TcpProxy> {
  const proxy = await startProxy(port);
  disposeLater(() => proxy.close());
  return proxy;
}
