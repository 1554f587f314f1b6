/**
 * Target `nats-jetstream`: NATS JetStream over WebSocket, the peer that, like Hubbub, keeps a
 * history per topic and replays it. nats-server (Debian's binary, its own process; config from
 * lib/nats-server.mjs: WebSocket listener on 127.0.0.1 without TLS, token authentication,
 * JetStream with in-memory storage) and one stream, created at start-up, over `bench.>`:
 * memory storage, 1,000 messages kept per subject (Hubbub's history size per topic), discard
 * oldest, a 2-minute duplicate window for message ids (Hubbub's idempotency keys).
 * Clients: the SDK on both sides (`wsconnect` from `@nats-io/nats-core` on `ws`,
 * `@nats-io/jetstream`). The publisher awaits `js.publish(subject, data, { msgID })`, the stream's
 * acknowledgement; every subscriber is its own connection with one ordered pull consumer per
 * topic (`js.consumers.get(stream, { filter_subjects: subject, ... })` + `consume()`), starting
 * with the next message published (`deliver_policy: new`) or, with `resume`, at a stream
 * sequence. There is no raw wire client: a JetStream consumer is a server-side object driven by
 * JetStream API requests and pull requests, which is what the SDK does.
 *
 * Resume: `resumeState()` is `{ [subject]: last stream sequence received }` (tracked only with
 * `track`). `subscribe(subject)` on a connection made with `resume` creates the ordered consumer
 * at that last sequence S itself, not S + 1: when the stream still holds S, the consumer's first
 * message is S (not handed to `onData`) and nothing after it can be missing, since the stream
 * drops a subject's messages oldest first; when it does not (more than 1,000 newer messages on
 * the subject, or a stream that was recreated), the first message is a later one, or there is
 * none (`num_pending` 0), and `recovered` is false. The check needs no request beyond the
 * consumer's creation.
 */

import { DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { wsconnect } from '@nats-io/nats-core';
import { startNatsServer } from '../lib/nats-server.mjs';
import { sdkOptions } from './nats.mjs';

/** Scenarios this target runs. */
export const scenarios = ['fanout', 'idle-memory', 'recovery-storm', 'reconnect-storm'];

/** Subscribers can resume from a previous connection's `resumeState()`. */
export const resumable = true;

/** The stream every benchmark subject belongs to. */
export const STREAM = 'BENCH';

/** Messages kept per subject: Hubbub's history size per topic in the `hubbub` target. */
const HISTORY_PER_SUBJECT = 1_000;

/** JetStream durations are in nanoseconds. */
const DUPLICATE_WINDOW_NS = 120_000 * 1e6;

/** How long `subscribe` with `resume` waits for the consumer's first message. */
const FIRST_MESSAGE_TIMEOUT_MS = 10_000;

/**
 * Starts nats-server with JetStream and its WebSocket listener on `opts.port` (a free port when 0),
 * then creates the stream (memory storage is empty after every start).
 * @param {{ port: number }} opts
 */
export async function startServer(opts) {
  const server = await startNatsServer({ port: opts.port, jetstream: true });
  try {
    const nc = await wsconnect(sdkOptions({ url: `ws://127.0.0.1:${server.port}` }));
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({
        name: STREAM,
        subjects: ['bench.>'],
        storage: StorageType.Memory,
        discard: DiscardPolicy.Old,
        max_msgs_per_subject: HISTORY_PER_SUBJECT,
        duplicate_window: DUPLICATE_WINDOW_NS,
        num_replicas: 1,
      });
    } finally {
      await nc.close();
    }
  } catch (err) {
    await server.close();
    throw err;
  }
  return {
    port: server.port,
    pid: server.pid,
    stats: () => ({ connections: server.connections() }),
    close: server.close,
  };
}

/**
 * Opens one subscriber-side connection with the SDK.
 * @param {{ url: string, track?: boolean, resume?: Record<string, number>,
 *   onData?: (text: string) => void, onClose?: (code: number) => void, timeoutMs?: number }} opts
 */
export async function connect(opts) {
  let closeCode = 1006;
  const nc = await wsconnect(
    sdkOptions(opts, (socket) => socket.once('close', (code) => (closeCode = code))),
  );
  const js = jetstream(nc);
  const track = opts.track === true;
  const resume = opts.resume ?? {};
  /** Last stream sequence received per subject (with `track`). */
  const last = {};
  const consumers = [];
  let closing = false;
  const conn = {
    nc,
    onData: opts.onData ?? (() => {}),
    resumeState: () => ({ ...last }),
    /**
     * Creates an ordered consumer for `subject` and starts consuming; resolves once its first
     * pull request has reached the server, with `recovered` when resuming.
     */
    async subscribe(subject) {
      const from = resume[subject];
      const resuming = typeof from === 'number' && from > 0;
      const consumer = await js.consumers.get(
        STREAM,
        resuming
          ? { filter_subjects: subject, opt_start_seq: from }
          : { filter_subjects: subject, deliver_policy: DeliverPolicy.New },
      );
      const info = await consumer.info(true);
      if (track) last[subject] = resuming ? from : info.delivered.stream_seq;
      // Resuming: the first message tells whether the stream still holds the last one received.
      let first;
      let checkFirst = resuming && info.num_pending > 0;
      const firstMessage = new Promise((resolve) => {
        first = resolve;
      });
      const messages = await consumer.consume({
        callback: (m) => {
          if (checkFirst) {
            checkFirst = false;
            const recovered = m.seq === from;
            first(recovered);
            if (recovered) return;
          }
          if (track) last[subject] = m.seq;
          conn.onData(m.string());
        },
      });
      consumers.push(messages);
      await nc.flush();
      if (!resuming) return { recovered: true };
      if (info.num_pending === 0) return { recovered: false };
      let timer;
      const recovered = await Promise.race([
        firstMessage,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no message from sequence ${from} on ${subject}`)),
            FIRST_MESSAGE_TIMEOUT_MS,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      return { recovered };
    },
    close() {
      closing = true;
      nc.close().catch(() => {});
    },
  };
  nc.closed().then(() => {
    for (const m of consumers) m.stop();
    opts.onClose?.(closing ? 1000 : closeCode);
  });
  return conn;
}

/** Opens the publisher's connection with the SDK; a publish resolves with the stream's ack. */
export async function connectPublisher(opts) {
  const nc = await wsconnect(sdkOptions(opts));
  const js = jetstream(nc);
  const prefix = `${process.pid}.${Date.now().toString(36)}`;
  let n = 0;
  return {
    publish: (topic, data) => js.publish(topic, JSON.stringify(data), { msgID: `${prefix}.${n++}` }),
    close: () => nc.close(),
  };
}

/** What the load generator uses, for the README. */
export const describe =
  'nats-server JetStream (memory stream, 1,000 msgs/subject, 2 min dedupe; WebSocket, token auth); publisher: @nats-io/jetstream publish with msgID, awaited; subscribers: @nats-io/jetstream ordered consumers over wsconnect (SDK)';
