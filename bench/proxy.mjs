/**
 * Cut proxy: `node bench/proxy.mjs '{"host":"127.0.0.1","port":N}'`. Listens on a free loopback
 * port, forwards the TCP bytes of every accepted connection to the server both ways (socket
 * pipes, nothing parsed), and reports `{ ready, port }` over IPC. On a `cut` request it destroys
 * both sides of every connection at once, as a lost network link would (the clients see their
 * sockets close without a WebSocket close frame, the server sees its peers go), and keeps
 * accepting new connections, so the clients' reconnects go through it again. The recovery storm
 * runs several of these (each connection holds two file descriptors here).
 */
import net from 'node:net';
import { serveRequests } from './lib/ipc.mjs';

const { host, port } = JSON.parse(process.argv[2] ?? '{}');
if (!host || !port) throw new Error('usage: node bench/proxy.mjs \'{"host":"127.0.0.1","port":N}\'');

const BACKLOG = 4_096;
const pairs = new Set();
let accepted = 0;
let cut = 0;

const server = net.createServer({ noDelay: true }, (client) => {
  accepted++;
  const upstream = net.connect({ host, port, noDelay: true });
  const pair = { client, upstream };
  pairs.add(pair);
  const drop = () => {
    if (!pairs.delete(pair)) return;
    client.destroy();
    upstream.destroy();
  };
  client.on('error', drop);
  upstream.on('error', drop);
  client.on('close', drop);
  upstream.on('close', drop);
  client.pipe(upstream);
  upstream.pipe(client);
});

serveRequests({
  /** Destroys both sides of every open connection; answers how many there were. */
  cut() {
    const open = pairs.size;
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
    cut += open;
    return { cut: open };
  },
  stats: () => ({ accepted, open: pairs.size, cut }),
});

server.listen(0, '127.0.0.1', BACKLOG, () => {
  process.send?.({ ready: true, port: server.address().port });
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
