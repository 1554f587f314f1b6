/**
 * Connect rate: N connections (5,000 by default), each through the WebSocket upgrade and the
 * target's authentication (token check), at most 100 in flight. Connections/s and server CPU
 * µs per connection.
 */
import { lg as connLg } from '../lib/conn-load.mjs';
import { cpuDeltaUs, round3 } from '../lib/stats.mjs';

export const lg = connLg;

/** Figures of this scenario, in table order. */
export const metrics = [
  { key: 'connsPerSec', label: 'connections/s', better: 'higher' },
  { key: 'cpuUsPerConn', label: 'server CPU µs/conn', better: 'lower' },
  { key: 'lgCpuPct', label: 'load-gen CPU %', better: 'none' },
];

/** The cases one run measures. */
export function cases(opts) {
  const n = opts.conns ?? (opts.quick ? 500 : 5_000);
  return [
    { name: `connect rate, ${n} connections with auth (100 in flight)`, params: { n, concurrency: 100 } },
  ];
}

/** Measures one case for the context's target. */
export async function run(ctx, { n, concurrency }) {
  const srv = await ctx.startServer();
  const lgp = await ctx.startLoadgen();
  await lgp.call('connect', { url: srv.url, n: Math.min(500, n), concurrency });
  await lgp.call('teardown');
  const before = await srv.request('stats');
  const r = await lgp.call('connect', { url: srv.url, n, concurrency }, 130_000);
  const after = await srv.request('stats');
  await lgp.call('teardown');
  return {
    connsPerSec: round3(n / (r.elapsedMs / 1000)),
    cpuUsPerConn: round3(cpuDeltaUs(before.cpu, after.cpu) / n),
    lgCpuPct: round3(r.lgCpuPct),
    failures: r.failures,
  };
}
