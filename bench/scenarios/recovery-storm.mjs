/**
 * Recovery storm: N subscribers (10,000 by default) over 10 topics lose their links at once, cut
 * at TCP proxies between them and the server (the server keeps running and keeps its history);
 * 200 messages per topic are published (each acknowledged) while they are away; then every one
 * reconnects through its proxy (first attempt after a random 0–1 s, backoff on failure, like the
 * reconnect storm) and resubscribes with its resume state. Measured: the time from the start of
 * the reconnects until every subscriber has every missed message (and until all are subscribed
 * again; per subscriber, from its own attempt until it has all its missed messages), the server's
 * CPU per replayed message over that time (reconnects, handshakes, resubscribes and replay,
 * divided by N × 200) against its CPU per live delivery before the cut (50 messages per topic,
 * one in flight per topic; and 50 per topic published all at once), subscribers told their range
 * could not be recovered, connections closed other than by the cut (slow consumer: 4509), and
 * messages lost or received twice, counted per subscriber and message. A second cut with nothing
 * published meanwhile measures what reconnecting and resubscribing alone cost, so the replay's
 * own share can be told apart. Runs only for targets that export `resumable` (the resume
 * contract).
 *
 * The publisher connects straight to the server. The proxies (bench/proxy.mjs, one per 8,000
 * subscribers) run on the load generator's core, so the server's core stays the server's; the
 * server's CPU is read from its own process.
 */
import { procCpuUs, spawnNode } from '../lib/procs.mjs';
import { lg as recoveryLg } from '../lib/recovery-load.mjs';
import { cpuDeltaUs, round3 } from '../lib/stats.mjs';

export const lg = recoveryLg;

/** Runs only for targets whose server promises replay (`resumable` in the target). */
export const needsResume = true;

/** Subscriber connections per proxy process (two file descriptors each there). */
const PER_PROXY = 8_000;
const TOPICS = 10;
/**
 * Messages per topic: warm-up, live (measured, windowed), live burst (measured, all at once),
 * published while the subscribers are away.
 */
const WARMUP = 20;
const LIVE = 50;
const BURST = 50;
const AWAY = 200;
/** From the start of the reconnects until the last missed message. */
const RECOVERY_DEADLINE_MS = 120_000;

/** Figures of this scenario, in table order. */
export const metrics = [
  { key: 'allReplayedMs', label: 'all replayed after reconnect start (ms)', better: 'lower' },
  { key: 'allSubscribedMs', label: 'all resubscribed (ms)', better: 'lower' },
  { key: 'catchUpP50Ms', label: 'subscriber catch-up p50 (ms)', better: 'lower' },
  { key: 'catchUpP99Ms', label: 'subscriber catch-up p99 (ms)', better: 'lower' },
  { key: 'replayCpuUsPerMsg', label: 'server CPU µs/replayed msg', better: 'lower' },
  { key: 'liveCpuUsPerDelivery', label: 'live CPU µs/delivery', better: 'lower' },
  { key: 'replayToLive', label: 'replay ÷ live', better: 'lower' },
  { key: 'replayToBurst', label: 'replay ÷ live burst', better: 'lower' },
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
      params: {
        n,
        topics: TOPICS,
        warmup: WARMUP,
        live: LIVE,
        burst: BURST,
        away: AWAY,
        window: opts.window ?? TOPICS,
      },
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

/**
 * Cuts every link at the proxies and waits until the load generator saw every connection close;
 * `away()` runs while they are down; then every subscriber reconnects and resubscribes. Returns
 * the load generator's tally and the server's and proxies' CPU time from the reconnects' start
 * until every missed message arrived (or the deadline).
 */
async function storm({ server, lgp, proxies, timeoutMs }, away) {
  await lgp.call('arm');
  const cut = await Promise.all(proxies.map((p) => p.request('cut', {}, 10_000)));
  const down = await lgp.call('awaitClosed', { timeoutMs }, timeoutMs + 10_000);
  if (down.stillOpen) throw new Error(`${down.stillOpen} connections still open after the cut`);
  const meanwhile = await away();
  const before = await server.request('stats');
  const proxyCpu0 = proxies.map((p) => procCpuUs(p.pid));
  const r = await lgp.call('recover', { timeoutMs: RECOVERY_DEADLINE_MS }, RECOVERY_DEADLINE_MS + 30_000);
  const after = await server.request('stats');
  const proxyCpuUs = proxies.reduce((sum, p, k) => sum + procCpuUs(p.pid) - proxyCpu0[k], 0);
  return {
    ...r,
    meanwhile,
    cut: cut.reduce((sum, c) => sum + c.cut, 0),
    closedMs: down.closedMs,
    serverCpuUs: cpuDeltaUs(before.cpu, after.cpu),
    proxyCpuPct: (proxyCpuUs / 1000 / r.elapsedMs) * 100,
  };
}

/** Measures one case for the context's target. */
export async function run(ctx, { n, topics, warmup, live, burst, away, window }) {
  const target = await import(`../targets/${ctx.target}.mjs`);
  if (!target.resumable) return { error: 'target is not resumable' };
  const timeoutMs = ctx.phaseTimeoutMs;
  const proxies = [];
  try {
    const server = await ctx.startServer();
    const urls = await startProxies(Math.ceil(n / PER_PROXY), server.port, proxies);
    const lgp = await ctx.startLoadgen();
    const perTopic = warmup + live + burst + away;
    await lgp.call('open', { urls, pubUrl: server.url, n, topics, perTopic, away }, 240_000);

    const phase = async (args) => {
      const before = await server.request('stats');
      const p = await lgp.call('publish', { window, timeoutMs, ...args }, timeoutMs + 10_000);
      const after = await server.request('stats');
      if (p.timedOut) throw new Error(`live phase: ${p.delivered} of ${p.expected} delivered in time`);
      return { ...p, cpuUsPerDelivery: cpuDeltaUs(before.cpu, after.cpu) / p.delivered };
    };
    await phase({ perTopic: warmup, from: 0 });
    const windowed = await phase({ perTopic: live, from: warmup });
    const unbounded = await phase({ perTopic: burst, from: warmup + live, mode: 'unbounded' });

    const ctxStorm = { server, lgp, proxies, timeoutMs };
    const r = await storm(ctxStorm, () =>
      lgp.call('publishAway', { perTopic: away, from: warmup + live + burst, timeoutMs }, timeoutMs + 10_000),
    );
    if (r.meanwhile.acked !== away * topics) {
      return { error: `${r.meanwhile.acked} of ${away * topics} messages acknowledged while away` };
    }
    // The same storm with nothing missed: what reconnecting and resubscribing alone cost.
    const again = r.timedOut ? undefined : await storm(ctxStorm, async () => ({ acked: 0 }));
    const last = again ?? r;
    const proxyStats = await Promise.all(proxies.map((p) => p.request('stats', {}, 10_000)));
    await lgp.call('teardown');

    const replayCpuUsPerMsg = r.serverCpuUs / (n * away);
    return {
      allReplayedMs: round3(r.allReplayedMs),
      allSubscribedMs: round3(r.allSubscribedMs),
      catchUpP50Ms: round3(r.catchUpP50Ms),
      catchUpP99Ms: round3(r.catchUpP99Ms),
      replayCpuUsPerMsg: round3(replayCpuUsPerMsg),
      liveCpuUsPerDelivery: round3(windowed.cpuUsPerDelivery),
      replayToLive: round3(replayCpuUsPerMsg / windowed.cpuUsPerDelivery),
      replayToBurst: round3(replayCpuUsPerMsg / unbounded.cpuUsPerDelivery),
      lost: last.lostAway + last.lostBefore,
      duplicated: last.duplicated,
      unrecovered: r.unrecovered + (again?.unrecovered ?? 0),
      slowConsumerCloses: last.slowConsumerCloses,
      otherCloses: last.otherCloses,
      timedOut: r.timedOut || (again?.timedOut ?? false),
      shortfall: r.missing,
      resubscribed: r.resubscribed,
      replayServerCpuMs: round3(r.serverCpuUs / 1000),
      liveBurstCpuUsPerDelivery: round3(unbounded.cpuUsPerDelivery),
      reconnectOnlyServerCpuMs: round3((again?.serverCpuUs ?? Number.NaN) / 1000),
      reconnectOnlyAllSubscribedMs: round3(again?.allSubscribedMs ?? Number.NaN),
      replayNetCpuUsPerMsg: round3((r.serverCpuUs - (again?.serverCpuUs ?? Number.NaN)) / (n * away)),
      replayedPerSec: round3((r.replayed / r.elapsedMs) * 1000),
      doneP50Ms: round3(r.doneP50Ms),
      catchUpMaxMs: round3(r.catchUpMaxMs),
      lgCpuPct: round3(r.lgCpuPct),
      proxyCpuPct: round3(r.proxyCpuPct),
      liveDeliveriesPerSec: round3((windowed.delivered / windowed.elapsedMs) * 1000),
      liveBurstDeliveriesPerSec: round3((unbounded.delivered / unbounded.elapsedMs) * 1000),
      lostAway: last.lostAway,
      lostBefore: last.lostBefore,
      stray: last.stray,
      failedAttempts: r.failedAttempts + (again?.failedAttempts ?? 0),
      cut: r.cut,
      closedAfterCutMs: round3(r.closedMs),
      awayAcked: r.meanwhile.acked,
      awayErrors: r.meanwhile.errors,
      proxies: proxies.length,
      proxyAccepted: proxyStats.reduce((sum, p) => sum + p.accepted, 0),
      closeCodes: last.codes,
      ...(last.lostExamples.length && { lostExamples: last.lostExamples }),
      ...(last.dupExamples.length && { dupExamples: last.dupExamples }),
      ...(last.closeExamples.length && { closeExamples: last.closeExamples }),
      ...(r.unrecoveredExamples.length && { unrecoveredExamples: r.unrecoveredExamples }),
      ...(again?.unrecoveredExamples.length && { unrecoveredAgainExamples: again.unrecoveredExamples }),
    };
  } finally {
    for (const p of proxies) await p.stop();
  }
}
