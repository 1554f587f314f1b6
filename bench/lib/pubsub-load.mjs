/**
 * Load-generator side of the publish/subscribe scenarios (fan-out, many topics, cross-instance):
 * `setup` opens the subscribers and the publisher, `publish` runs one publish phase.
 */
import { tokenFor } from './auth.mjs';
import { closeAll, openMany, openOne } from './connections.mjs';
import { publishPhase } from './deliveries.mjs';

/** Topic name of subscriber `i` (and of message `seq`) when there are `topics` topics. */
export const topicName = (i, topics) => `bench.t${i % topics}`;

/**
 * Opens `subs` subscribers on `subUrl`, subscriber `i` on topic `i % topics`, and one publisher
 * on `pubUrl`.
 */
export async function setup(state, { subUrl, pubUrl, subs, topics }) {
  const sink = { fn: () => {} };
  const onData = (text) => sink.fn(text);
  const opened = await openMany(subs, async (i) => {
    const conn = await openOne(state.adapter, subUrl, i, subs, onData);
    await conn.subscribe(topicName(i, topics));
    return conn;
  });
  if (opened.failures) throw new Error(`${opened.failures} subscribers failed: ${opened.lastError}`);
  state.subscribers = opened.conns;
  state.sink = sink;
  state.topics = topics;
  state.fanout = subs / topics;
  state.publisher = await state.adapter.connectPublisher({ url: pubUrl, token: tokenFor(subs) });
  return { subscribers: subs };
}

/** Runs one publish phase; see {@link publishPhase}. */
export function publish(state, { mode, window, count, base, timeoutMs }) {
  return publishPhase({
    publisher: state.publisher,
    setSink: (fn) => {
      state.sink.fn = fn;
    },
    topicOf: (seq) => topicName(seq, state.topics),
    count,
    fanout: state.fanout,
    mode,
    window,
    timeoutMs,
    base,
  });
}

/** Closes every connection. */
export function teardown(state) {
  closeAll(state.subscribers);
  state.publisher?.close();
  return true;
}
