/**
 * Load-generator side of the recovery storm: N subscribers (subscriber `i` on topic `i % T`,
 * through cut proxy `i % P`) with position tracking, one publisher straight to the server; live
 * publish phases, the wait for every link to drop at the cut, the messages published while they
 * are away (acked), and the reconnect of every subscriber with its `resumeState()` and the same
 * jittered backoff as the reconnect storm (first attempt after a random 0–1 s).
 *
 * Message `seq` goes to topic `seq % T` and is that topic's `floor(seq / T)`-th message, so one
 * byte per (subscriber, message of its topic) counts how often each was received: a message
 * received twice is a duplicate, one never received is lost, whatever the phase.
 */
import { performance } from 'node:perf_hooks';
import { tokenFor } from './auth.mjs';
import { firstRetryMs, nextRetryMs } from './backoff.mjs';
import { closeAll, openMany, openOne } from './connections.mjs';
import { makePayload, publishPhase, readNumber } from './deliveries.mjs';
import { topicName } from './pubsub-load.mjs';

/** Close code of the slow-consumer close (Hubbub's 4509). */
const SLOW_CONSUMER = 4509;
/** Publishes in flight while the subscribers are away. */
const AWAY_CONCURRENCY = 100;
/** Examples of each anomaly kept for the report. */
const EXAMPLES = 10;

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts a delivery to `slot`, then hands it to the publish phase's sink (if any). */
function received(state, slot, text) {
  const seq = readNumber(text, '"s":');
  const k = Math.floor(seq / state.topics);
  if (seq < 0 || seq % state.topics !== slot.topic || k >= state.perTopic) {
    state.stray++;
  } else {
    const at = slot.i * state.perTopic + k;
    const seen = state.seen[at];
    if (seen === 0) {
      state.seen[at] = 1;
      if (k >= state.awayFrom) {
        if (--state.missingOf[slot.i] === 0) caughtUp(state, slot);
        if (--state.missing === 0) {
          state.lastMissedAt = performance.now();
          state.progress();
        }
      }
    } else {
      state.duplicated++;
      if (seen < 255) state.seen[at] = seen + 1;
      if (state.dupExamples.length < EXAMPLES) state.dupExamples.push({ sub: slot.i, seq, times: seen + 1 });
    }
  }
  state.sink(text);
}

/** `slot` has every missed message: notes when, from the reconnects' start and from its own attempt. */
function caughtUp(state, slot) {
  const recovery = state.recovery;
  if (recovery === undefined) return;
  const now = performance.now();
  recovery.doneMs.push(now - recovery.t0);
  recovery.catchUpMs.push(now - slot.attemptAt);
}

/** A closed connection of `slot`: counted by why, and reconnected while recovering. */
function closed(state, slot, conn, code) {
  if (slot.conn !== conn) return;
  slot.conn = undefined;
  slot.resume = conn.resumeState();
  state.open--;
  state.codes[code] = (state.codes[code] ?? 0) + 1;
  if (state.cutting) {
    state.cutCloses++;
  } else {
    if (code === SLOW_CONSUMER) state.slowConsumerCloses++;
    else state.otherCloses++;
    if (state.closeExamples.length < EXAMPLES) {
      state.closeExamples.push({ sub: slot.i, code, phase: state.recovery ? 'reconnecting' : 'connected' });
    }
  }
  if (state.recovery) retry(state, slot, 0, firstRetryMs());
}

/** Opens `slot`'s connection (with its resume state, if any) and subscribes its topic. */
async function connectSlot(state, slot) {
  let conn;
  let ready = false;
  conn = await openOne(state.adapter, slot.url, slot.i, state.n, (text) => received(state, slot, text), {
    track: true,
    resume: slot.resume,
    onClose: (code) => ready && closed(state, slot, conn, code),
  });
  let ack;
  try {
    ack = await conn.subscribe(topicName(slot.topic, state.topics));
  } catch (err) {
    conn.close();
    throw err;
  }
  ready = true;
  slot.conn = conn;
  state.open++;
  return { conn, recovered: ack?.recovered !== false };
}

function retry(state, slot, attempt, delayMs) {
  const recovery = state.recovery;
  setTimeout(async () => {
    if (state.recovery !== recovery || performance.now() > recovery.deadline) return;
    slot.attemptAt = performance.now();
    try {
      const { recovered } = await connectSlot(state, slot);
      if (!recovered) {
        recovery.unrecovered++;
        if (recovery.unrecoveredExamples.length < EXAMPLES) recovery.unrecoveredExamples.push(slot.i);
      }
      if (slot.resubscribedIn !== recovery) {
        slot.resubscribedIn = recovery;
        if (++recovery.subscribed === state.n) recovery.lastSubscribedAt = performance.now();
      }
      state.progress();
    } catch {
      recovery.failedAttempts++;
      const next = nextRetryMs(attempt);
      if (next !== undefined) retry(state, slot, attempt + 1, next);
    }
  }, delayMs);
}

/**
 * Opens `n` tracked subscribers, subscriber `i` through `urls[i % urls.length]` on topic
 * `i % topics`, and the publisher on `pubUrl`. `perTopic` is every message a topic will carry,
 * the last `away` of them published while the subscribers are away.
 */
export async function open(state, { urls, pubUrl, n, topics, perTopic, away }) {
  Object.assign(state, {
    n,
    topics,
    perTopic,
    awayFrom: perTopic - away,
    seen: new Uint8Array(n * perTopic),
    missing: n * away,
    missingOf: new Uint16Array(n).fill(away),
    lastMissedAt: undefined,
    open: 0,
    stray: 0,
    duplicated: 0,
    dupExamples: [],
    codes: {},
    cutting: false,
    cutCloses: 0,
    slowConsumerCloses: 0,
    otherCloses: 0,
    closeExamples: [],
    recovery: undefined,
    sink: () => {},
    progress: () => {},
  });
  state.slots = Array.from({ length: n }, (_, i) => ({ i, topic: i % topics, url: urls[i % urls.length] }));
  const opened = await openMany(n, (i) => connectSlot(state, state.slots[i]), { deadlineMs: 180_000 });
  if (opened.failures) throw new Error(`${opened.failures} subscribers failed: ${opened.lastError}`);
  state.publisher = await state.adapter.connectPublisher({ url: pubUrl, token: tokenFor(n) });
  return { open: state.open };
}

/**
 * One live publish phase of `perTopic` messages per topic, the first of them the topics' `from`-th
 * (see `publishPhase`: `windowed` keeps `window` messages in flight, `unbounded` sends them all).
 */
export function publish(state, { perTopic, from, mode = 'windowed', window, timeoutMs }) {
  return publishPhase({
    publisher: state.publisher,
    setSink: (fn) => {
      state.sink = fn;
    },
    topicOf: (seq) => topicName(seq, state.topics),
    count: perTopic * state.topics,
    fanout: state.n / state.topics,
    mode,
    window,
    timeoutMs,
    base: from * state.topics,
  });
}

/** From now on (until `awaitClosed` returns), closes are the cut's. */
export function arm(state) {
  state.cutting = true;
  return { open: state.open };
}

/** Resolves when no subscriber connection is open any more, or at the deadline. */
export async function awaitClosed(state, { timeoutMs }) {
  const start = performance.now();
  while (state.open > 0 && performance.now() - start < timeoutMs) await wait(5);
  state.cutting = false;
  return { stillOpen: state.open, closedMs: performance.now() - start, codes: { ...state.codes } };
}

/** Publishes the `perTopic` messages per topic the subscribers miss, each acknowledged. */
export async function publishAway(state, { perTopic, from, timeoutMs }) {
  const base = from * state.topics;
  const count = perTopic * state.topics;
  const start = performance.now();
  let next = 0;
  let acked = 0;
  let errors = 0;
  const worker = async () => {
    while (next < count && performance.now() - start < timeoutMs) {
      const seq = base + next++;
      try {
        await state.publisher.publish(topicName(seq, state.topics), makePayload(seq));
        acked++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.race([
    Promise.all(Array.from({ length: Math.min(AWAY_CONCURRENCY, count) }, worker)),
    wait(timeoutMs),
  ]);
  return { acked, errors, count, elapsedMs: performance.now() - start };
}

/**
 * Reconnects every subscriber (each after a random 0–1 s, then backoff on failure) with its
 * resume state and resubscribes it; resolves the moment every subscriber has every missed message
 * and is subscribed again, or at the deadline. Then scans the counts for lost and duplicated
 * messages.
 */
export function recover(state, { timeoutMs }) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const recovery = {
    t0,
    cpu0,
    doneMs: [],
    catchUpMs: [],
    deadline: t0 + timeoutMs,
    subscribed: 0,
    unrecovered: 0,
    unrecoveredExamples: [],
    failedAttempts: 0,
    lastSubscribedAt: undefined,
  };
  state.recovery = recovery;
  for (const slot of state.slots) {
    if (slot.conn === undefined) retry(state, slot, 0, firstRetryMs());
  }
  return new Promise((resolve) => {
    const finish = (timedOut) => {
      clearTimeout(timer);
      state.progress = () => {};
      state.recovery = undefined;
      resolve({ timedOut, ...tally(state, t0, recovery) });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    state.progress = () => {
      if (state.missing === 0 && recovery.subscribed === state.n) finish(false);
    };
    state.progress();
  });
}

/** The `p`-th percentile (nearest rank) of a list of numbers, or NaN for an empty one. */
function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Lost messages (per phase) and every other count, with examples. */
function tally(state, t0, recovery) {
  const { n, perTopic, awayFrom, seen, topics } = state;
  let lostBefore = 0;
  let lostAway = 0;
  const lostExamples = [];
  for (let i = 0; i < n; i++) {
    let missingSeqs;
    for (let k = 0; k < perTopic; k++) {
      if (seen[i * perTopic + k] !== 0) continue;
      if (k >= awayFrom) lostAway++;
      else lostBefore++;
      if (lostExamples.length < EXAMPLES) {
        missingSeqs ??= [];
        missingSeqs.push(k * topics + (i % topics));
      }
    }
    if (missingSeqs && lostExamples.length < EXAMPLES)
      lostExamples.push({ sub: i, seqs: missingSeqs.slice(0, 20) });
  }
  const cpu = process.cpuUsage(recovery.cpu0);
  const elapsedMs = performance.now() - t0;
  return {
    allReplayedMs: state.missing === 0 && state.lastMissedAt >= t0 ? state.lastMissedAt - t0 : Number.NaN,
    doneP50Ms: percentile(recovery.doneMs, 50),
    catchUpP50Ms: percentile(recovery.catchUpMs, 50),
    catchUpP99Ms: percentile(recovery.catchUpMs, 99),
    catchUpMaxMs: percentile(recovery.catchUpMs, 100),
    lgCpuPct: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    allSubscribedMs: recovery.subscribed === n ? recovery.lastSubscribedAt - t0 : Number.NaN,
    elapsedMs,
    replayed: n * (perTopic - awayFrom) - state.missing,
    missing: state.missing,
    resubscribed: recovery.subscribed,
    unrecovered: recovery.unrecovered,
    unrecoveredExamples: recovery.unrecoveredExamples,
    failedAttempts: recovery.failedAttempts,
    lostAway,
    lostBefore,
    lostExamples,
    duplicated: state.duplicated,
    dupExamples: state.dupExamples,
    stray: state.stray,
    cutCloses: state.cutCloses,
    slowConsumerCloses: state.slowConsumerCloses,
    otherCloses: state.otherCloses,
    closeExamples: state.closeExamples,
    codes: { ...state.codes },
  };
}

/** Closes every connection. */
export function teardown(state) {
  state.recovery = undefined;
  closeAll(state.slots?.map((s) => s.conn));
  state.publisher?.close();
  state.slots = undefined;
  state.seen = undefined;
  return true;
}

/** Functions the load generator process exposes to the runner for this scenario. */
export const lg = { open, publish, arm, awaitClosed, publishAway, recover, teardown };
