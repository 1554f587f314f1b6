/**
 * Benchmark server process: `node --expose-gc bench/server.mjs <target> <options-json>`.
 * Starts the target's server, prints `{"ready":true,"port":N}` on stdout, and answers the
 * runner over IPC with its own CPU time and memory (`process.cpuUsage()`, `memoryUsage()`). A
 * target whose broker is its own process (nats-server, mosquitto) returns that process's `pid`,
 * and the figures are the broker's, read from /proc; one that needs helper processes of its own
 * (Socket.IO's Redis streams adapter needs a Redis) lists them in `helperPids()`, and their CPU
 * and RSS are added.
 */
import { externalStats } from './lib/external.mjs';
import { serveRequests } from './lib/ipc.mjs';

const [target, json = '{}'] = process.argv.slice(2);
const opts = { host: '127.0.0.1', port: 0, ...JSON.parse(json) };
const adapter = await import(`./targets/${target}.mjs`);
const server = await adapter.startServer(opts);

function collectGarbage() {
  if (typeof globalThis.gc !== 'function') throw new Error('run the server with --expose-gc');
  for (let i = 0; i < 3; i++) globalThis.gc();
}

async function shutdown() {
  await Promise.race([server.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
  process.exit(0);
}

serveRequests({
  stats({ gc }) {
    if (gc) collectGarbage();
    const own = server.pid
      ? externalStats(server.pid)
      : { cpu: process.cpuUsage(), mem: process.memoryUsage() };
    for (const pid of server.helperPids?.() ?? []) {
      const h = externalStats(pid);
      own.cpu = { user: own.cpu.user + h.cpu.user, system: own.cpu.system };
      own.mem = { ...own.mem, rss: own.mem.rss + h.mem.rss };
    }
    return { ...own, server: server.stats?.() };
  },
  close: () => {
    setImmediate(shutdown);
    return true;
  },
});
process.on('SIGTERM', shutdown);
process.on('disconnect', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ ready: true, port: server.port })}\n`);
process.send?.({ ready: true, port: server.port });
