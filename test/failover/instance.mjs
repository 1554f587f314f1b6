// One hub instance for the failover test: standalone on a loopback port, joined through Redis.
// Usage: node instance.mjs PORT REDIS_URL. SIGTERM drains (goaway + 1001) and exits.
import { createRedisBroker, createServer } from '@hubbub/server';

const [port, redisUrl] = process.argv.slice(2);
const hub = createServer({
  port: Number(port),
  host: '127.0.0.1',
  path: '/ws',
  broker: createRedisBroker(
    { url: redisUrl },
    { onError: (err) => console.error(`broker ${port}:`, err instanceof Error ? err.message : err) },
  ),
  history: { size: 20_000, ttlMs: 600_000 },
  heartbeat: { intervalMs: 1_000, timeoutMs: 3_000 },
  goAwaySpreadMs: 500,
});
hub.on('error', (err) => console.error(`hub ${port}:`, err.message));
await hub.ready;
console.log(`listening ${port}`);

process.once('SIGTERM', async () => {
  await hub.close({ drainMs: 2_000 });
  process.exit(0);
});
