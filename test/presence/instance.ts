// One hub process for the presence crash test, bundled from the sources by the test.
// Usage: node instance.mjs PORT REDIS_URL PREFIX. Prints "listening PORT" once ready.
import { createRedisBroker, createServer } from '@hubbub/server';

const [port, url, prefix] = process.argv.slice(2);
const hub = createServer({
  port: Number(port),
  host: '127.0.0.1',
  broker: createRedisBroker(
    { url: url as string },
    { prefix, presence: { refreshMs: 200, ttlMs: 1_000 }, onError: () => {} },
  ),
  presence: true,
  authenticate: ({ token }) => ({ principal: token, info: { port } }),
});
hub.on('error', (err) => console.error(`hub ${port}:`, err.message));
await hub.ready;
console.log(`listening ${port}`);
