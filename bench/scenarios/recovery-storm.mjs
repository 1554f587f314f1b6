/**
 * Recovery storm: N subscribers (10,000 by default) over 10 topics lose their links at once, cut
 * at TCP proxies between them and the server (the server keeps running and keeps its history);
 * 200 messages per topic are published (each acknowledged) while they are away; then every one
 * reconnects through its proxy (first attempt after a random 0–1 s, backoff on failure, like the
 * reconnect storm) and resubscribes with its resume state. Measured: the time from the start of
 * the reconnects until every subscriber has every missed message (and until all are subscribed
 * again), the server's CPU per replayed message over that time (reconnects, handshakes,
 * resubscribes and replay, divided by N × 200) against its CPU per live delivery in a live phase
 * before the cut, subscribers told their range could not be recovered, connections closed other
 * than by the cut (slow consumer: 4509), and messages lost or received twice, counted per
 * subscriber and message. Runs only for targets that export `resumable` (the resume contract).
 *
 * The publisher connects straight to the server. The proxies (bench/proxy.mjs, one per 8,000
 * subscribers) run on the load generator's core, so the server's core stays the server's; the
 * server's CPU is read from its own process.
 */
import { spawnNode } from '../lib/procs.mjs';
import { lg as recoveryLg } from '../lib/recovery-load.mjs';
import { cpuDeltaUs, round3 } from '../lib/stats.mjs';

export const lg = recoveryLg;

/** Subscriber connections per proxy process (two file descriptors each there). */
const PER_PROXY = 8_000;
const TOPICS = 10;
/** Messages per topic: warm-up, live (measured), published while the subscribers are away. */
const WARMUP = 20;
const LIVE = 50;
const AWAY = 200;
/** From the start of the reconnects until the last missed message. */
const RECOVERY_DEADLINE_MS = 120_000;

/** Figures of this scenario, in table order. */
export const metrics = [
  { key: 'allReplayedMs', label: 'all replayed after reconnect start (ms)', better: 'lower' },
  { key: 'allSubscribedMs', label: 'all resubscribed (ms)', better: 'lower' },
  { key: 'replayCpuUsPerMsg', label: 'server CPU µs/replayed msg', better: 'lower' },
  { key: 'liveCpuUsPerDelivery', label: 'live CPU µs/delivery', better: 'lower' },
  { key: 'replayToLive', label: 'replay ÷ live', better: 'lower' },
  { key: 'lost', label: 'lost', better: 'none' },
  { key: 'duplicated', label: 'duplicated', better: 'none' },
  { key: 'unrecovered', label: 'unrecovered', better: 'none' },
  { key: 'slowConsumerCloses', label: 'slow-consumer closes', better: 'none' },
  { key: 'otherCloses', label: 'other closes', better: 'none' },
];

/** The cases one run measures. */
export function cases(opts) {
  const wanted = opts.conns ?? (opts.quick ? 500 : 10_000);
  const n = Math.max(TOPICS, wanted - (wanted % TOPICS));
  return [
    {
      name: `recovery storm, ${n} subscribers over ${TOPICS} topics, ${AWAY} missed per topic`,
      params: { n, topics: TOPICS, warmup: WARMUP, live: LIVE, away: AWAY, window: opts.window ?? TOPICS },
    },
  ];
}

/** Starts `count` cut proxies in front of `port`, on the load generator's core. */
async function startProxies(count, port, proxies) {
  for (let k = 0; k < count; k++) {
    proxies.push(
      await spawnNode({
        script: 'proxy.mjs',
        args: [JSON.stringify({ host: '127.0.0.1', port })],
        core: 1,
        label: `proxy ${k}`,
      }),
    );
  }
  return proxies.map((p) => `ws://127.0.0.1:${p.ready.port}`);
}

/** Measures one case for the context's target. */
export async function run(ctx, { n, topics, warmup, live, away, window }) {
  const target = await import(`../targets/${ctx.target}.mjs`);
  if (!target.resumable) return { error: 'target is not resumable' };
  const timeoutMs = ctx.phaseTimeoutMs;
  const proxies = [];
  try {
    const server = await ctx.startServer();
    const urls = await startProxies(Math.ceil(n / PER_PROXY), server.port, proxies);
    const lgp = await ctx.startLoadgen();
    const perTopic = warmup + live + away;
    await lgp.call('open', { urls, pubUrl: server.url, n, topics, perTopic, away }, 240_000);

    const warm = await lgp.call(
      'publish',
      { perTopic: warmup, from: 0, window, timeoutMs },
      timeoutMs + 10_000,
    );
    if (warm.timedOut) return { error: `warm-up: ${warm.delivered} of ${warm.expected} delivered in time` };
    const liveBefore = await server.request('stats');
    const livePhase = await lgp.call(
      'publish',
      { perTopic: live, from: warmup, window, timeoutMs },
      timeoutMs + 10_000,
    );
    const liveAfter = await server.request('stats');
    const liveCpuUsPerDelivery = cpuDeltaUs(liveBefore.cpu, liveAfter.cpu) / livePhase.delivered;

    await lgp.call('arm');
    const cut = await Promise.all(proxies.map((p) => p.request('cut', {}, 10_000)));
    const down = await lgp.call('awaitClosed', { timeoutMs }, timeoutMs + 10_000);
    if (down.stillOpen) return { error: `${down.stillOpen} connections still open after the cut` };
    const awayPhase = await lgp.call(
      'publishAway',
      { perTopic: away, from: warmup + live, timeoutMs },
      timeoutMs + 10_000,
    );

    if (awayPhase.acked !== away * topics) {
      return { error: `${awayPhase.acked} of ${away * topics} messages acknowledged while away` };
    }

    const before = await server.request('stats');
    const r = await lgp.call('recover', { timeoutMs: RECOVERY_DEADLINE_MS }, RECOVERY_DEADLINE_MS + 30_000);
    const after = await server.request('stats');
    const proxyStats = await Promise.all(proxies.map((p) => p.request('stats', {}, 10_000)));
    await lgp.call('teardown');

    const replayCpuUs = cpuDeltaUs(before.cpu, after.cpu);
    const replayCpuUsPerMsg = replayCpuUs / (n * away);
    return {
      allReplayedMs: round3(r.allReplayedMs),
      allSubscribedMs: round3(r.allSubscribedMs),
      replayCpuUsPerMsg: round3(replayCpuUsPerMsg),
      liveCpuUsPerDelivery: round3(liveCpuUsPerDelivery),
      replayToLive: round3(replayCpuUsPerMsg / liveCpuUsPerDelivery),
      lost: r.lostAway + r.lostBefore,
      duplicated: r.duplicated,
      unrecovered: r.unrecovered,
      slowConsumerCloses: r.slowConsumerCloses,
      otherCloses: r.otherCloses,
      timedOut: r.timedOut,
      shortfall: r.missing,
      resubscribed: r.resubscribed,
      replayServerCpuMs: round3(replayCpuUs / 1000),
      replayedPerSec: round3((r.replayed / r.elapsedMs) * 1000),
      liveDeliveriesPerSec: round3((livePhase.delivered / livePhase.elapsedMs) * 1000),
      liveTimedOut: livePhase.timedOut,
      lostAway: r.lostAway,
      lostBefore: r.lostBefore,
      stray: r.stray,
      failedAttempts: r.failedAttempts,
      cut: cut.reduce((sum, c) => sum + c.cut, 0),
      closedAfterCutMs: round3(down.closedMs),
      awayAcked: awayPhase.acked,
      awayErrors: awayPhase.errors,
      proxies: proxies.length,
      proxyAccepted: proxyStats.reduce((sum, p) => sum + p.accepted, 0),
      closeCodes: r.codes,
      ...(r.lostExamples.length && { lostExamples: r.lostExamples }),
      ...(r.dupExamples.length && { dupExamples: r.dupExamples }),
      ...(r.closeExamples.length && { closeExamples: r.closeExamples }),
      ...(r.unrecoveredExamples.length && { unrecoveredExamples: r.unrecoveredExamples }),
    };
  } finally {
    for (const p of proxies) await p.stop();
  }
}
