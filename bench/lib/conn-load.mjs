/**
 * Load-generator side of the connection scenarios (idle memory, connect rate, reconnect storm):
 * open many authenticated (and optionally subscribed) connections, and bring them all back after
 * the server restarts, with the same jittered exponential backoff for every target.
 */
import { performance } from 'node:perf_hooks';
import { firstRetryMs, nextRetryMs } from './backoff.mjs';
import { closeAll, openMany, openOne } from './connections.mjs';
import { topicName } from './pubsub-load.mjs';

async function openSlot(state, slot) {
  let established = false;
  const conn = await openOne(state.adapter, state.url, slot.i, state.n, undefined, {
    onClose: () => established && lost(state, slot),
  });
  if (state.subscribe) {
    const ack = await conn.subscribe(slot.topic, slot.position);
    slot.position = ack?.position;
    if (ack?.recovered) state.recovered++;
  }
  established = true;
  slot.conn = conn;
  return conn;
}

function lost(state, slot) {
  if (!state.storm) return;
  state.storm.firstLostAt ??= performance.now();
  state.storm.lost++;
  slot.conn = undefined;
  retry(state, slot, 0, firstRetryMs());
}

function retry(state, slot, attempt, delayMs) {
  const storm = state.storm;
  setTimeout(async () => {
    if (state.storm !== storm || performance.now() > storm.deadline) return;
    try {
      await openSlot(state, slot);
      storm.back++;
      storm.lastBackAt = performance.now();
    } catch {
      storm.failedAttempts++;
      const next = nextRetryMs(attempt);
      if (next !== undefined) retry(state, slot, attempt + 1, next);
    }
  }, delayMs);
}

/** Opens `n` connections, each subscribed to topic `i % topics` when `subscribe` is set. */
export async function open(state, { url, n, topics, subscribe }) {
  Object.assign(state, { url, n, subscribe, recovered: 0 });
  state.slots = Array.from({ length: n }, (_, i) => ({ i, topic: topicName(i, topics ?? 1) }));
  const opened = await openMany(n, (i) => openSlot(state, state.slots[i]), { deadlineMs: 180_000 });
  if (opened.failures) throw new Error(`${opened.failures} connections failed: ${opened.lastError}`);
  return { open: n };
}

/** Opens `n` authenticated connections as fast as `concurrency` allows; keeps them open. */
export async function connect(state, { url, n, concurrency }) {
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const opened = await openMany(n, (i) => openOne(state.adapter, url, i, n), {
    concurrency,
    deadlineMs: 120_000,
  });
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  state.batch = (state.batch ?? []).concat(opened.conns);
  return { elapsedMs, failures: opened.failures, lgCpuPct: (cpu.user + cpu.system) / 10 / elapsedMs };
}

/** From now on, every lost connection reconnects and resubscribes by itself. */
export function arm(state, { timeoutMs }) {
  state.recovered = 0;
  state.storm = { lost: 0, back: 0, failedAttempts: 0, deadline: performance.now() + timeoutMs };
  return true;
}

/** Resolves when at least `minLost` connections were lost and all of them are back, or at the deadline. */
export async function awaitBack(state, { minLost }) {
  const storm = state.storm;
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  while (!(storm.lost >= minLost && storm.back === storm.lost) && performance.now() < storm.deadline) {
    await wait(10);
  }
  state.storm = undefined;
  return {
    lost: storm.lost,
    stillDown: storm.lost - storm.back + Math.max(0, minLost - storm.lost),
    backMs: (storm.lastBackAt ?? Number.NaN) - storm.firstLostAt,
    afterReadyMs: (storm.lastBackAt ?? Number.NaN) - (storm.readyAt ?? Number.NaN),
    failedAttempts: storm.failedAttempts,
    recovered: state.recovered,
  };
}

/** Notes the moment the new server is ready (the runner calls this right after it started). */
export function markReady(state) {
  if (state.storm) state.storm.readyAt = performance.now();
  return true;
}

/** Closes every connection. */
export function teardown(state) {
  state.storm = undefined;
  closeAll(state.slots?.map((s) => s.conn));
  closeAll(state.batch);
  state.slots = undefined;
  state.batch = undefined;
  return true;
}

/** Functions the load generator process exposes to the runner for these scenarios. */
export const lg = { open, connect, arm, markReady, awaitBack, teardown };
