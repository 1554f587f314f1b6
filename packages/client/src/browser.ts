import type { AnyMethods } from '@hubbub/protocol';
import { Client } from './client.js';
import type { ClientOptions } from './options.js';
import { platformWebSocket } from './transport.js';

export * from './common.js';

/**
 * Creates a client and starts connecting. Uses `options.WebSocket`, else the platform's
 * WebSocket. `M`, the server's method map, types `call()`.
 */
export function createClient<M extends object = AnyMethods>(options: ClientOptions): Client<M> {
  const WS = options?.WebSocket ?? platformWebSocket();
  if (!WS) throw new TypeError('this platform has no WebSocket: pass the "WebSocket" option');
  return new Client<M>(options, WS);
}
