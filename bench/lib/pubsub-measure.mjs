/**
 * Runner side of the publish/subscribe scenarios: starts the server(s) and the load generator,
 * warms up, then measures one publish phase with the servers' CPU read before and after.
 */
import { cpuDeltaUs, round3 } from './stats.mjs';

/**
 * @param {any} ctx the runner's scenario context
 * @param {{ subs: number, topics: number, mode: 'windowed' | 'unbounded', window: number,
 *   count: number, warmup: number, cross?: boolean }} p
 */
export async function measurePubSub(ctx, p) {
  const extra = p.cross ? { redisUrl: await ctx.redisUrl() } : {};
  const a = await ctx.startServer(extra);
  const b = p.cross ? await ctx.startServer(extra) : a;
  const servers = p.cross ? [a, b] : [a];
  const lg = await ctx.startLoadgen();
  await lg.call('setup', { subUrl: b.url, pubUrl: a.url, subs: p.subs, topics: p.topics }, 180_000);
  const phase = { mode: p.mode, window: p.window, timeoutMs: ctx.phaseTimeoutMs };
  await lg.call('publish', { ...phase, count: p.warmup, base: 0 }, ctx.phaseTimeoutMs + 10_000);
  const before = await Promise.all(servers.map((s) => s.request('stats')));
  const redisBefore = p.cross ? ctx.redisCpuUs() : 0;
  const r = await lg.call(
    'publish',
    { ...phase, count: p.count, base: p.warmup },
    ctx.phaseTimeoutMs + 10_000,
  );
  const after = await Promise.all(servers.map((s) => s.request('stats')));
  const redisUs = p.cross ? ctx.redisCpuUs() - redisBefore : 0;
  await lg.call('teardown');
  const cpuUs = servers.reduce((sum, _, i) => sum + cpuDeltaUs(before[i].cpu, after[i].cpu), 0);
  const receiverUs = cpuDeltaUs(before[servers.length - 1].cpu, after[servers.length - 1].cpu);
  const seconds = r.elapsedMs / 1000;
  return {
    deliveriesPerSec: round3(r.delivered / seconds),
    p50us: r.p50us,
    p99us: r.p99us,
    cpuUsPerDelivery: round3(cpuUs / r.delivered),
    ...(p.cross && {
      receiverCpuUsPerDelivery: round3(receiverUs / r.delivered),
      redisCpuUsPerDelivery: round3(redisUs / r.delivered),
    }),
    serverCpuPct: round3(cpuUs / 1e4 / seconds),
    lgCpuPct: round3(r.lgCpuPct),
    delivered: r.delivered,
    missing: r.expected - r.delivered,
    errors: r.errors,
    timedOut: r.timedOut,
  };
}
