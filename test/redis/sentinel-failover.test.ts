/**
 * Sentinel failover with a lagging replica (issue 10, case 8). Hubs and a publisher run on ioredis
 * Sentinel connections; the replica gets the replication stream half a second late through a
 * proxy; the primary is SIGKILLed mid-stream, so the acks of its last half second are lost with
 * it. No position (epoch, offset) may then name two messages — for live subscribers, for acks, for
 * a later `last:` reader — and every subscriber must be told of the loss with `gap`.
 */
import { type Client, createClient } from '@hubbub/client';
import { createPublisher, createRedisBroker, type Hub, type Publisher } from '@hubbub/server';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type Observer, observe } from '../failover/harness.js';
import { closeHubs, startHub } from '../utils/hub.js';
import { type SentinelGroup, startSentinelGroup } from '../utils/sentinel.js';
import { waitFor } from '../utils/wait.js';

const TOPIC = 'sentinel.stream';
const MESSAGES = 1_500;
const KILL_AT = 600;
const RATE_PER_SECOND = 300;
const SUBSCRIBERS_PER_HUB = 4;

let group: SentinelGroup | undefined;
const clients: Client[] = [];
const connections: Redis[] = [];
let publisher: Publisher | undefined;

afterAll(async () => {
  for (const c of clients) c.close();
  await publisher?.close();
  await closeHubs();
  for (const r of connections) r.disconnect();
  await group?.stop();
});

/** A connection that asks the sentinels for the master, failing fast while there is none. */
function sentinelConnection(g: SentinelGroup): Redis {
  const redis = new Redis({
    sentinels: [...g.sentinels],
    name: g.name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: () => 100,
    sentinelRetryStrategy: () => 100,
  });
  redis.on('error', () => {});
  connections.push(redis);
  return redis;
}

async function startSentinelHub(g: SentinelGroup): Promise<Hub> {
  const { hub } = await startHub({
    broker: createRedisBroker({ redis: sentinelConnection(g) }, { onError: () => {} }),
    history: { size: 10_000, ttlMs: 600_000 },
  });
  hub.on('error', () => {});
  return hub;
}

function subscribe(url: string): Observer {
  const observer = observe(url, TOPIC);
  clients.push(observer.client);
  return observer;
}

/** `epoch:offset` → the seqs seen there; more than one is a reused offset. */
function conflictsOf(sightings: Iterable<[string, number]>): number {
  const byPosition = new Map<string, Set<number>>();
  for (const [position, seq] of sightings) {
    const seqs = byPosition.get(position) ?? new Set<number>();
    seqs.add(seq);
    byPosition.set(position, seqs);
  }
  let conflicts = 0;
  for (const seqs of byPosition.values()) if (seqs.size > 1) conflicts++;
  return conflicts;
}

describe('Sentinel failover with a lagging replica', () => {
  it('never reuses an offset within an epoch and tells every subscriber of the gap', async () => {
    group = await startSentinelGroup();
    const g = group;
    g.link.delay(500, 'down');
    const servers = [await startSentinelHub(g), await startSentinelHub(g)];
    const observers = servers.flatMap((hub) =>
      Array.from({ length: SUBSCRIBERS_PER_HUB }, () => subscribe(`ws://127.0.0.1:${hub.address().port}`)),
    );
    await waitFor(() => observers.every((o) => o.subscribed), 10_000, 'every subscriber to subscribe');
    publisher = createPublisher({ redis: sentinelConnection(g) });

    const acks = new Map<number, string>();
    const started = performance.now();
    const deadline = Date.now() + 40_000;
    let promotedAt = 0;
    let replicaBehind = 0;
    for (let seq = 0; seq < MESSAGES; seq++) {
      if (seq === KILL_AT) {
        // How far behind the replica is when the primary dies: those acks die with it.
        const counter = `{hubbub:${TOPIC}}:seq`;
        const [onPrimary, onReplica] = await Promise.all(
          [g.primary.port, g.replica.port].map(async (port) => {
            const direct = new Redis({ host: '127.0.0.1', port });
            try {
              return Number(await direct.get(counter));
            } finally {
              direct.disconnect();
            }
          }),
        );
        replicaBehind = onPrimary! - onReplica!;
        await g.primary.kill();
        void g.waitForPromotion(30_000).then(() => {
          promotedAt = performance.now() - started;
        });
      }
      const wait = started + (seq * 1000) / RATE_PER_SECOND - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      for (;;) {
        try {
          const ack = await publisher.publish(TOPIC, { seq }, { key: `seq-${seq}` });
          acks.set(seq, `${ack.epoch}:${ack.offset}`);
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }
    await waitFor(
      () => observers.every((o) => o.seqs.includes(MESSAGES - 1)),
      15_000,
      'every subscriber to get the last message',
    );

    const late: [string, number][] = [];
    const reader = createClient({ url: `ws://127.0.0.1:${servers[0]!.address().port}` });
    clients.push(reader);
    reader.on('error', () => {});
    reader.subscribe(
      TOPIC,
      (data, meta) => late.push([`${meta.epoch}:${meta.offset}`, (data as { seq: number }).seq]),
      {
        last: 10_000,
      },
    );
    await waitFor(() => late.some(([, seq]) => seq === MESSAGES - 1), 10_000, 'the late reader to catch up');

    const live = observers.flatMap((o) => o.positions.map((p, i): [string, number] => [p, o.seqs[i]!]));
    const acked = [...acks].map(([seq, position]): [string, number] => [position, seq]);
    const figures = {
      subscribers: observers.length,
      messages: MESSAGES,
      promotedAtMs: Math.round(promotedAt),
      replicaBehind,
      epochs: new Set([...acks.values()].map((p) => p.split(':')[0])).size,
      conflictingAcks: conflictsOf(acked),
      conflictingLive: conflictsOf(live),
      conflictingAll: conflictsOf([...acked, ...live, ...late]),
      subscribersWithGap: observers.filter((o) => o.gaps.some((gap) => gap.epochChanged)).length,
    };
    console.log(`sentinel failover figures ${JSON.stringify(figures)}`);
    expect(promotedAt).toBeGreaterThan(0);
    // The lag was real: acknowledged messages were lost with the primary.
    expect(replicaBehind).toBeGreaterThan(0);
    expect(figures).toMatchObject({
      conflictingAcks: 0,
      conflictingLive: 0,
      conflictingAll: 0,
      subscribersWithGap: observers.length,
    });
  }, 90_000);
});
