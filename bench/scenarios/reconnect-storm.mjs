/**
 * Reconnect storm: N subscribed connections (10,000 by default); the server process is stopped
 * (SIGTERM: its graceful shutdown) and a new one starts on the same port. Every client reconnects
 * with the same policy (first retry after a random 0–1 s, then exponential backoff from 250 ms,
 * capped at 5 s, half jitter), re-authenticates and resubscribes (Hubbub: with its last
 * position). Time from the first lost connection, and from the moment the new server is ready,
 * until the last one is subscribed again; the new server's CPU time meanwhile.
 */
import { lg as connLg } from '../lib/conn-load.mjs';
import { cpuDeltaUs, round3 } from '../lib/stats.mjs';

export const lg = connLg;

/** Figures of this scenario, in table order. */
export const metrics = [
  { key: 'backMs', label: 'all back after first loss (ms)', better: 'lower' },
  { key: 'afterReadyMs', label: 'all back after new server ready (ms)', better: 'lower' },
  { key: 'serverCpuMs', label: 'server CPU ms', better: 'lower' },
  { key: 'failedAttempts', label: 'failed attempts', better: 'none' },
];

/** The cases one run measures. */
export function cases(opts) {
  const n = opts.conns ?? (opts.quick ? 500 : 10_000);
  return [
    { name: `reconnect storm, ${n} subscribed connections`, params: { n, topics: Math.min(1_000, n) } },
  ];
}

/** Measures one case for the context's target. */
export async function run(ctx, { n, topics }) {
  const port = await ctx.freePort();
  const first = await ctx.startServer({ port });
  const lgp = await ctx.startLoadgen();
  await lgp.call('open', { url: first.url, n, topics, subscribe: true }, 200_000);
  await lgp.call('arm', { timeoutMs: 90_000 });
  await first.stop();
  const second = await ctx.startServer({ port });
  await lgp.call('markReady');
  const before = await second.request('stats');
  const r = await lgp.call('awaitBack', { minLost: n }, 100_000);
  const after = await second.request('stats');
  await lgp.call('teardown');
  return {
    backMs: round3(r.backMs),
    afterReadyMs: round3(r.afterReadyMs),
    serverCpuMs: round3(cpuDeltaUs(before.cpu, after.cpu) / 1000),
    failedAttempts: r.failedAttempts,
    stillDown: r.stillDown,
    recovered: r.recovered,
  };
}
