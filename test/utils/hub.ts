/**
 * The one way tests start a hub: standalone on 127.0.0.1 (or attached to a server the test made),
 * ready before it is handed out, closed when the test that started it finishes (or after the file,
 * when started in `beforeAll`).
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Hub, type ServerOptions } from '@hubbub/server';
import { disposeLater } from './dispose.js';

/** A started hub and where to reach it. */
export interface TestHub {
  readonly hub: Hub;
  readonly port: number;
  /** `ws://127.0.0.1:PORT` (every path is served unless `path` was given). */
  readonly url: string;
}

const open = new Set<Hub>();

/**
 * Starts a hub with `options` and waits until it is ready. Without `server` or `noServer` it
 * listens itself on 127.0.0.1, on `options.port` or a free port.
 * @param options any `createServer` options. @default { port: 0, host: '127.0.0.1' }
 */
export async function startHub(options: Partial<ServerOptions> = {}): Promise<TestHub> {
  const own = options.server === undefined && options.noServer !== true;
  const hub = track(
    createServer((own ? { port: 0, host: '127.0.0.1', ...options } : options) as ServerOptions),
  );
  await hub.ready;
  const port = own ? hub.address().port : ((options.server?.address() as AddressInfo | null)?.port ?? 0);
  return { hub, port, url: `ws://127.0.0.1:${port}` };
}

/** Closes `hub` with the others (when the current test finishes, or after the file). */
export function track(hub: Hub): Hub {
  open.add(hub);
  disposeLater(() => closeHub(hub));
  return hub;
}

/** Closes every hub started so far and not closed yet; for tests that must close them at a given point. */
export async function closeHubs(): Promise<void> {
  await Promise.all([...open].map(closeHub));
}

function closeHub(hub: Hub): Promise<void> {
  open.delete(hub);
  return hub.close({ drainMs: 0 });
}
