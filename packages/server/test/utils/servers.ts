/** Hubs started by a test file, all closed in afterEach/afterAll through {@link disposeAll}. */
import { createServer, type Hub, type ServerOptions } from '@hubbub/server';

const started = new Set<Hub>();

/** Starts a standalone hub on 127.0.0.1, port 0, and waits until it is ready. */
export async function startHub(options: Partial<ServerOptions> = {}): Promise<{ hub: Hub; url: string }> {
  const hub = createServer({ port: 0, host: '127.0.0.1', ...options } as ServerOptions);
  started.add(hub);
  await hub.ready;
  const { port } = hub.address();
  return { hub, url: `ws://127.0.0.1:${port}` };
}

/** Tracks a hub made elsewhere so it is closed with the others. */
export function track(hub: Hub): Hub {
  started.add(hub);
  return hub;
}

/** Closes every hub started so far. */
export async function disposeAll(): Promise<void> {
  const hubs = [...started];
  started.clear();
  await Promise.all(hubs.map((h) => h.close({ drainMs: 500 })));
}

/** Resolves once `check()` is true; rejects after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
