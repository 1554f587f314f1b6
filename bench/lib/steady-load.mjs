/**
 * Load-generator side of the steady-load scenario: N subscribed connections over a set of topics,
 * and one publisher that sends one message per second per topic, paced evenly over each second (a
 * timer every 10 ms publishes the messages that are due by then), for a fixed time. Every message
 * is tracked until all its subscribers received it; publisher and subscribers share this process's
 * clock, so latency is publish → deliver.
 */
import { createHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { tokenFor } from './auth.mjs';
import { closeAll, openMany, openOne } from './connections.mjs';
import { makePayload, readNumber } from './deliveries.mjs';
import { topicName } from './pubsub-load.mjs';

/** Period of the publish timer. */
const TICK_MS = 10;

const nowUs = () => Math.round(performance.now() * 1000);

/**
 * Opens `n` connections, connection `i` subscribed to topic `i % topics`, and one publisher.
 * Connections that close after they were established are counted until teardown.
 */
export async function open(state, { url, n, topics }) {
  const sink = { fn: () => {} };
  const onData = (text) => sink.fn(text);
  Object.assign(state, { sink, topics, closed: 0, closing: false });
  const opened = await openMany(
    n,
    async (i) => {
      let established = false;
      const onClose = () => {
        if (established && !state.closing) state.closed++;
      };
      const conn = await openOne(state.adapter, url, i, n, onData, { onClose });
      try {
        await conn.subscribe(topicName(i, topics));
      } catch (err) {
        conn.close();
        throw err;
      }
      established = true;
      return conn;
    },
    { deadlineMs: 180_000 },
  );
  state.subscribers = opened.conns;
  if (opened.failures) throw new Error(`${opened.failures} connections failed: ${opened.lastError}`);
  state.fanout = new Int32Array(topics);
  for (let i = 0; i < n; i++) state.fanout[i % topics]++;
  state.publisher = await state.adapter.connectPublisher({ url, token: tokenFor(n) });
  return { open: n };
}

/**
 * Publishes one message per topic per second for `seconds` (message `k` goes to topic
 * `k % topics` at `k / topics` seconds after the start, sequence number `base + k`), then waits up
 * to `drainMs` after the last publish for the deliveries still on their way. A delivery counts
 * once per subscriber; a second copy is a duplicate, a sequence number outside this phase a stray.
 */
export function phase(state, { seconds, base, drainMs }) {
  const { topics, fanout, publisher } = state;
  const total = topics * seconds;
  const remaining = new Int32Array(total);
  let expected = 0;
  for (let k = 0; k < total; k++) {
    remaining[k] = fanout[k % topics];
    expected += remaining[k];
  }
  const hist = createHistogram();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const closedBefore = state.closed;
  const cpu0 = process.cpuUsage();
  let sent = 0;
  let received = 0;
  let duplicates = 0;
  let stray = 0;
  let errors = 0;
  let maxPerTick = 0;
  let lastSentAt = 0;
  let interval;
  let deadline;
  return new Promise((resolve) => {
    const start = performance.now();
    const finish = (timedOut) => {
      clearInterval(interval);
      clearTimeout(deadline);
      state.sink.fn = () => {};
      loopDelay.disable();
      const end = performance.now();
      const cpu = process.cpuUsage(cpu0);
      resolve({
        sent,
        expected,
        received,
        lost: expected - received,
        duplicates,
        stray,
        errors,
        timedOut,
        closed: state.closed - closedBefore,
        publishMs: lastSentAt - start,
        maxPerTick,
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        loopDelayMaxMs: loopDelay.max / 1e6,
        elapsedMs: end - start,
        lgCpuPct: ((cpu.user + cpu.system) / 1000 / (end - start)) * 100,
        p50us: hist.count ? hist.percentile(50) : Number.NaN,
        p99us: hist.count ? hist.percentile(99) : Number.NaN,
        maxUs: hist.count ? hist.max : Number.NaN,
      });
    };
    const settled = () => sent === total && received === expected;
    state.sink.fn = (text) => {
      const seq = readNumber(text, '"s":') - base;
      if (seq < 0 || seq >= total) return stray++;
      if (remaining[seq] === 0) return duplicates++;
      remaining[seq]--;
      hist.record(Math.max(1, nowUs() - readNumber(text, '"t":')));
      if (++received === expected && sent === total) finish(false);
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * topics) / 1000) + 1);
      maxPerTick = Math.max(maxPerTick, due - sent);
      while (sent < due) {
        try {
          publisher.publish(topicName(sent, topics), makePayload(base + sent)).catch(() => errors++);
        } catch {
          errors++;
        }
        sent++;
      }
      if (sent < total) return;
      clearInterval(interval);
      lastSentAt = performance.now();
      if (settled()) return finish(false);
      deadline = setTimeout(() => finish(true), drainMs);
    };
    interval = setInterval(tick, TICK_MS);
    tick();
  });
}

/**
 * Closes every connection; closes from here on are not counted. Returns how many connections
 * closed on their own since they were established.
 */
export function teardown(state) {
  state.closing = true;
  const closed = state.closed;
  closeAll(state.subscribers);
  state.publisher?.close();
  state.subscribers = undefined;
  state.publisher = undefined;
  return { closed };
}

/** Functions the load generator process exposes to the runner for this scenario. */
export const lg = { open, phase, teardown };
