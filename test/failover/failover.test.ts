/**
 * Zero-loss failover behind a real load balancer: three hub processes on one Redis behind
 * Debian's nginx (round robin, no sticky sessions). Mid-stream one instance is killed (SIGKILL)
 * and another drained (SIGTERM); every client must end with every message, in order, once.
 * Then Redis restarts without persistence: clients must be told of the gap, never replayed wrongly.
 */
import { createPublisher, type Publisher } from '@hubbub/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../utils/redis.js';
import { waitFor } from '../utils/wait.js';
import {
  audit,
  ensureBuilt,
  type Instance,
  type Observer,
  observe,
  percentile,
  startInstance,
  startNginx,
  stopInstance,
} from './harness.js';

const CLIENTS = 30;
const MESSAGES = 3_000;
const RATE_PER_SECOND = 400;

interface Rig {
  redis: RedisHandle;
  instances: Instance[];
  nginx: Awaited<ReturnType<typeof startNginx>>;
  publisher: Publisher;
  observers: Observer[];
}

async function startRig(topic: string, clients: number): Promise<Rig> {
  const redis = await startRedis({ own: true });
  const instances = await Promise.all([0, 1, 2].map(() => startInstance(redis.url)));
  const nginx = await startNginx(instances.map((i) => `127.0.0.1:${i.port}`));
  const publisher = createPublisher({ url: redis.url, history: { size: 20_000, ttlMs: 600_000 } });
  const observers = Array.from({ length: clients }, () => observe(nginx.url, topic));
  await waitFor(
    () => observers.every((o) => o.subscribed),
    20_000,
    'every client to subscribe through nginx',
  );
  return { redis, instances, nginx, publisher, observers };
}

async function stopRig(rig: Rig | undefined): Promise<void> {
  if (!rig) return;
  for (const o of rig.observers) o.client.close();
  await rig.publisher.close();
  await rig.nginx.stop();
  await Promise.all(rig.instances.map((i) => stopInstance(i, 'SIGKILL')));
  await rig.redis.stop();
}

/** Publishes `{ seq }` for seq in [0, total) at a steady rate, retrying each until acked. */
async function publishSteadily(
  publisher: Publisher,
  topic: string,
  total: number,
  onSeq: (seq: number) => Promise<void> | void,
): Promise<void> {
  const start = performance.now();
  const deadline = Date.now() + 120_000;
  for (let seq = 0; seq < total; seq++) {
    await onSeq(seq);
    const due = start + (seq * 1000) / RATE_PER_SECOND;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    for (;;) {
      try {
        await publisher.publish(topic, { seq }, { key: `seq-${seq}` });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
}

describe('failover behind nginx', () => {
  let rig: Rig | undefined;

  beforeAll(() => ensureBuilt(), 300_000);
  afterAll(async () => stopRig(rig));

  it('delivers every message in order exactly once across SIGKILL and SIGTERM of instances', async () => {
    const topic = 'failover.stream';
    rig = await startRig(topic, CLIENTS);
    const { instances, publisher, observers } = rig;
    const started = performance.now();
    await publishSteadily(publisher, topic, MESSAGES, async (seq) => {
      if (seq === 1_000) await stopInstance(instances[0]!, 'SIGKILL');
      if (seq === 2_000) void stopInstance(instances[1]!, 'SIGTERM');
    });
    await waitFor(
      () => observers.every((o) => o.seqs.length >= MESSAGES),
      60_000,
      'every client to catch up',
    );

    const audits = observers.map((o) => audit(o.seqs, MESSAGES));
    const recoveries = observers.flatMap((o) => o.recoveries);
    const figures = {
      clients: CLIENTS,
      messages: MESSAGES,
      lost: audits.reduce((n, a) => n + a.lost, 0),
      duplicated: audits.reduce((n, a) => n + a.duplicated, 0),
      reordered: audits.reduce((n, a) => n + a.reordered, 0),
      reconnects: recoveries.length,
      recoverP50Ms: Math.round(percentile(recoveries, 50)),
      recoverP99Ms: Math.round(percentile(recoveries, 99)),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
    console.log(`failover figures ${JSON.stringify(figures)}`);
    expect(figures).toMatchObject({ lost: 0, duplicated: 0, reordered: 0 });
    for (const o of observers) expect(o.seqs).toHaveLength(MESSAGES);
    expect(observers.flatMap((o) => o.gaps)).toEqual([]);
    // Two of three instances went away: at least their clients reconnected.
    expect(recoveries.length).toBeGreaterThanOrEqual(Math.floor(CLIENTS / 3));
  }, 180_000);

  it('tells every client of the gap when Redis restarts empty, and never replays across epochs', async () => {
    await stopRig(rig);
    const topic = 'failover.flush';
    const total = 1_000;
    rig = await startRig(topic, 20);
    const { redis, instances, publisher, observers } = rig;
    await publishSteadily(publisher, topic, total, async (seq) => {
      if (seq === 400) await redis.restart();
      if (seq === 700) await stopInstance(instances[0]!, 'SIGKILL');
    });
    await waitFor(
      () => observers.every((o) => o.seqs.includes(total - 1) && o.gaps.length > 0),
      30_000,
      'every client to see the last message and a gap',
    ).catch((err) => {
      for (const o of observers) {
        console.log(o.client.state, o.seqs.length, o.seqs.at(-1), o.positions.at(-1), JSON.stringify(o.gaps));
      }
      throw err;
    });
    const lastSeqs = observers.map((o) => o.seqs.at(-1));
    const gapClients = observers.filter((o) => o.gaps.some((g) => g.epochChanged)).length;
    const wrongReplays = observers.reduce((n, o) => n + o.wrongReplays, 0);
    const repeatedPositions = observers.reduce(
      (n, o) => n + o.positions.length - new Set(o.positions).size,
      0,
    );
    console.log(
      `redis restart figures ${JSON.stringify({ clients: observers.length, gapClients, wrongReplays, repeatedPositions })}`,
    );
    expect(gapClients).toBe(observers.length);
    expect(wrongReplays).toBe(0);
    expect(repeatedPositions).toBe(0);
    expect(lastSeqs.every((s) => s === total - 1)).toBe(true);
  }, 180_000);
});
