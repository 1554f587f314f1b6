import type { AnyMethods } from '@hubbub/protocol';
import type { Broker } from './broker/broker.js';
import { createMemoryBroker } from './broker/memory.js';
import { Hub } from './hub.js';
import { type ResolvedOptions, resolveOptions, type ServerOptions } from './options.js';

/**
 * Creates a Hubbub server: standalone (`port`, `host`), attached to an `http`/`https` server
 * (`server`, `path`), or `noServer` (call `hub.handleUpgrade`). Misused options throw a `TypeError`.
 * Await `hub.ready` before connecting clients. `M`, the app's method map, types `hub.handle`.
 */
export function createServer<M extends object = AnyMethods>(options: ServerOptions): Hub<M> {
  const resolved = resolveOptions(options);
  // Hub's constructor is private so its internal arguments stay out of the public types.
  const HubClass = Hub as unknown as new (o: ResolvedOptions, b: Broker) => Hub<M>;
  return new HubClass(resolved, resolved.broker ?? createMemoryBroker());
}
