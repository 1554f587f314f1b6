import { createMemoryBroker } from './broker/memory.js';
import { Hub } from './hub.js';
import { resolveOptions, type ServerOptions } from './options.js';

/**
 * Creates a Hubbub server: standalone (`port`, `host`), attached to an `http`/`https` server
 * (`server`, `path`), or `noServer` (call `hub.handleUpgrade`). Misused options throw a `TypeError`.
 * Await `hub.ready` before connecting clients.
 */
export function createServer(options: ServerOptions): Hub {
  const resolved = resolveOptions(options);
  return new Hub(resolved, resolved.broker ?? createMemoryBroker());
}
