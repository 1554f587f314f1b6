/**
 * nats-server as a benchmark server: a generated config in a temporary directory with a WebSocket
 * listener on 127.0.0.1 (NATS over WebSocket, as browsers use it), the plain client port on
 * 127.0.0.1 as well, `max_payload` at its default, and token authentication: every connection
 * sends the shared bench token in CONNECT (`auth_token`) and the server compares it. With
 * `jetstream`, JetStream with in-memory storage (up to 2 GB) and its store directory inside the
 * temporary directory. With `cluster`, a cluster listener on a free port and routes to the given
 * ports of the other members.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary, startExternal, waitForPort } from './external.mjs';
import { freePort } from './procs.mjs';

/** The token every bench connection sends; nats-server checks it on every CONNECT. */
export const NATS_TOKEN = 'tok-bench';

const quote = (s) => JSON.stringify(s);

function config({ dir, wsPort, clientPort, jetstream, cluster, monitorPort }) {
  const lines = [
    'host: "127.0.0.1"',
    `port: ${clientPort}`,
    `authorization { token: ${quote(NATS_TOKEN)} }`,
    `websocket { listen: ${quote(`127.0.0.1:${wsPort}`)}, no_tls: true }`,
  ];
  if (monitorPort) lines.push(`http: ${quote(`127.0.0.1:${monitorPort}`)}`);
  if (jetstream) lines.push(`jetstream { store_dir: ${quote(join(dir, 'js'))}, max_memory_store: 2G }`);
  if (cluster) {
    const routes = cluster.routes.map((p) => quote(`nats-route://127.0.0.1:${p}`)).join(', ');
    lines.push(
      `cluster { name: "bench", listen: ${quote(`127.0.0.1:${cluster.port}`)}, no_advertise: true, routes: [${routes}] }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Established TCP connections whose local port is `port` (IPv4), from /proc/net/tcp. */
function establishedOn(port) {
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  let n = 0;
  for (const line of readFileSync('/proc/net/tcp', 'latin1').split('\n')) {
    // sl local_address rem_address st ...: local_address is the second field, st the fourth.
    const fields = line.trim().split(/\s+/);
    if (fields[3] === '01' && `${fields[1]} `.endsWith(local)) n++;
  }
  return n;
}

async function waitForRoutes(monitorPort, count, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${monitorPort}/routez`);
      if ((await res.json()).num_routes >= count) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline)
      throw new Error(`nats-server: ${count} route(s) not up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts nats-server with its WebSocket listener on `opts.port` (a free port when 0). Resolves
 * once the port accepts connections (and, in a cluster, once the routes to every given member
 * are up); `pid` is nats-server's, so the server process reports its CPU and RSS. `clusterPort`
 * is this member's route port; `connections()` counts the established connections on the
 * WebSocket port (from /proc/net/tcp). `close()` stops it and removes the temporary directory.
 * @param {{ port: number, jetstream?: boolean, routes?: number[] }} opts
 */
export async function startNatsServer(opts) {
  const binary = requireBinary('nats-server', 'nats-server');
  const wsPort = opts.port || (await freePort());
  const clientPort = await freePort();
  const cluster = opts.routes ? { port: await freePort(), routes: opts.routes } : undefined;
  const monitorPort = cluster && opts.routes.length > 0 ? await freePort() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bench-nats-'));
  const confPath = join(dir, 'nats.conf');
  writeFileSync(
    confPath,
    config({ dir, wsPort, clientPort, jetstream: opts.jetstream, cluster, monitorPort }),
  );
  const ext = await startExternal({
    binary,
    args: ['-c', confPath],
    port: wsPort,
    label: 'nats-server',
    dir,
  });
  try {
    await waitForPort(clientPort, 15_000, 'nats-server');
    if (monitorPort) await waitForRoutes(monitorPort, opts.routes.length, 15_000);
  } catch (err) {
    await ext.stop();
    throw err;
  }
  return {
    port: wsPort,
    clientPort,
    clusterPort: cluster?.port,
    pid: ext.pid,
    /** Client connections open on the WebSocket listener. */
    connections: () => establishedOn(wsPort),
    close: () => ext.stop(),
  };
}
