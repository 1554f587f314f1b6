import type { AnyMethods } from '@hubbub/protocol';
import NodeWebSocket from 'ws';
import { Client } from './client.js';
import type { ClientOptions } from './options.js';
import { platformWebSocket, type WebSocketConstructor } from './transport.js';

export * from './common.js';

/**
 * Creates a client and starts connecting. Uses `options.WebSocket`, else the global WebSocket,
 * else `ws`. `M`, the server's method map, types `call()`.
 */
export function createClient<M extends object = AnyMethods>(options: ClientOptions): Client<M> {
  const WS = options?.WebSocket ?? platformWebSocket() ?? (NodeWebSocket as unknown as WebSocketConstructor);
  return new Client<M>(options, WS);
}
