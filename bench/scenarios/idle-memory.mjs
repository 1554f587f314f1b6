/**
 * Idle memory: N authenticated connections (10,000 by default), each subscribed to one topic
 * (1,000 topics), nothing published. Server RSS and V8 heap per connection, as the delta over the
 * empty server, both read after forced GC (the server runs with --expose-gc).
 */
import { lg as connLg } from '../lib/conn-load.mjs';
import { round3 } from '../lib/stats.mjs';

export const lg = connLg;

/** Figures of this scenario, in table order. */
export const metrics = [
  { key: 'rssKBPerConn', label: 'RSS KB/conn', better: 'lower' },
  { key: 'heapKBPerConn', label: 'heap KB/conn', better: 'lower' },
  { key: 'externalKBPerConn', label: 'external KB/conn', better: 'lower' },
];

/** The cases one run measures. */
export function cases(opts) {
  const n = opts.conns ?? (opts.quick ? 500 : 10_000);
  return [{ name: `idle memory, ${n} subscribed connections`, params: { n, topics: Math.min(1_000, n) } }];
}

const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Measures one case for the context's target. */
export async function run(ctx, { n, topics }) {
  const srv = await ctx.startServer();
  const lgp = await ctx.startLoadgen();
  await settle(300);
  const base = await srv.request('stats', { gc: true });
  await lgp.call('open', { url: srv.url, n, topics, subscribe: true }, 200_000);
  await settle(1_000);
  const loaded = await srv.request('stats', { gc: true });
  const open = loaded.server?.connections;
  await lgp.call('teardown');
  const per = (key) => round3((loaded.mem[key] - base.mem[key]) / n / 1024);
  return {
    rssKBPerConn: per('rss'),
    heapKBPerConn: per('heapUsed'),
    externalKBPerConn: per('external'),
    serverConnections: open,
  };
}
