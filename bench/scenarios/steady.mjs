/**
 * Steady load at the box's connection limit: N subscribed connections (by default the fd limit
 * minus 500, so both the server and the single load-generator process hold them all; `--quick`
 * 500; `--conns N`) over N/10 topics (10 subscribers each), and one publisher sending 1 message per
 * second per topic, spread evenly over each second, for 30 s (`--quick` 5 s) after a warm-up of
 * the same load. Server CPU % over the phase, publish → deliver latency (p50, p99, max),
 * deliveries lost (expected minus received, after a drain), connections that closed, and server
 * RSS and V8 heap per connection over the empty server, read after forced GC once the load ends.
 * The result line also carries the load generator's event-loop delay and the box's load average,
 * which tell a latency the server caused from one a starved load generator caused.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fdLimit } from '../lib/procs.mjs';
import { cpuDeltaUs, round3 } from '../lib/stats.mjs';
import { lg as steadyLg } from '../lib/steady-load.mjs';

export const lg = steadyLg;

/** File descriptors left for everything but the connections (default count). */
const FD_MARGIN = 500;
/** File descriptors the load generator needs besides its connections (fewer is an error). */
const LG_OTHER_FDS = 100;
/** Subscribers per topic. */
const PER_TOPIC = 10;

/** Figures of this scenario, in table order. */
export const metrics = [
  { key: 'serverCpuPct', label: 'server CPU %', better: 'lower' },
  { key: 'p50us', label: 'p50 µs', better: 'lower' },
  { key: 'p99us', label: 'p99 µs', better: 'lower' },
  { key: 'maxUs', label: 'max µs', better: 'lower' },
  { key: 'rssKBPerConn', label: 'RSS KB/conn', better: 'lower' },
  { key: 'heapKBPerConn', label: 'heap KB/conn', better: 'lower' },
  { key: 'lost', label: 'lost', better: 'none' },
  { key: 'closed', label: 'closed', better: 'none' },
  { key: 'lgCpuPct', label: 'load-gen CPU %', better: 'none' },
];

/** The cases one run measures. */
export function cases(opts) {
  const n = opts.conns ?? (opts.quick ? 500 : fdLimit - FD_MARGIN);
  const topics = Math.max(1, Math.floor(n / PER_TOPIC));
  const seconds = opts.quick ? 5 : 30;
  const warmupSeconds = opts.quick ? 1 : 3;
  return [
    {
      name: `steady ${n} conns / ${topics} topics, 1 msg/s per topic for ${seconds} s`,
      params: { n, topics, seconds, warmupSeconds, drainMs: 5_000 },
    },
  ];
}

const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Measures one case for the context's target. */
export async function run(ctx, { n, topics, seconds, warmupSeconds, drainMs }) {
  if (n + LG_OTHER_FDS > fdLimit) {
    throw new Error(`${n} connections do not fit one load-generator process (fd limit ${fdLimit})`);
  }
  const srv = await ctx.startServer();
  const lgp = await ctx.startLoadgen();
  await settle(300);
  const empty = await srv.request('stats', { gc: true });
  await lgp.call('open', { url: srv.url, n, topics }, 200_000);
  await settle(1_000);
  const idle = await srv.request('stats', { gc: true });
  const phaseTimeout = (s) => s * 1_000 + drainMs + 15_000;
  const warm = await lgp.call(
    'phase',
    { seconds: warmupSeconds, base: 0, drainMs },
    phaseTimeout(warmupSeconds),
  );
  const before = await srv.request('stats');
  const start = performance.now();
  const r = await lgp.call(
    'phase',
    { seconds, base: topics * warmupSeconds, drainMs },
    phaseTimeout(seconds),
  );
  const after = await srv.request('stats');
  const wallMs = performance.now() - start;
  await settle(1_000);
  const loaded = await srv.request('stats', { gc: true });
  const { closed } = await lgp.call('teardown');
  const per = (stats, key) => round3((stats.mem[key] - empty.mem[key]) / n / 1024);
  return {
    serverCpuPct: round3(cpuDeltaUs(before.cpu, after.cpu) / 10 / wallMs),
    p50us: r.p50us,
    p99us: r.p99us,
    maxUs: r.maxUs,
    rssKBPerConn: per(loaded, 'rss'),
    heapKBPerConn: per(loaded, 'heapUsed'),
    lost: r.lost,
    closed,
    lgCpuPct: round3(r.lgCpuPct),
    idleRssKBPerConn: per(idle, 'rss'),
    idleHeapKBPerConn: per(idle, 'heapUsed'),
    expected: r.expected,
    received: r.received,
    duplicates: r.duplicates,
    stray: r.stray,
    publishErrors: r.errors,
    timedOut: r.timedOut,
    published: r.sent,
    publishedPerSec: round3(r.sent / (r.publishMs / 1000)),
    maxPublishesPerTick: r.maxPerTick,
    lgLoopDelayP99Ms: round3(r.loopDelayP99Ms),
    lgLoopDelayMaxMs: round3(r.loopDelayMaxMs),
    warmupLost: warm.lost,
    serverConnections: loaded.server?.connections,
    loadAvg1: round3(loadavg()[0]),
  };
}
