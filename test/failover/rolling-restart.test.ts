/**
 * Rolling restart behind the shipped nginx config (issue 10, case 10): three hub processes behind
 * Debian's nginx with the config rendered from docker/nginx.conf.template, about twenty clients
 * publishing and subscribing through nginx, and every instance restarted in turn (SIGTERM, drain,
 * start again on the same port). No client may be locked out: nothing lost, duplicated or failed.
 */
import { type Client, createClient } from '@hubbub/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors } from '../utils/errors.js';
import { type RedisHandle, startRedis } from '../utils/redis.js';
import { waitFor } from '../utils/wait.js';
import {
  ensureBuilt,
  type Instance,
  percentile,
  startInstance,
  startNginx,
  stopInstance,
} from './harness.js';

const TOPIC = 'rolling.stream';
const CLIENTS = 20;
/** Each client publishes once per this many ms: 200 publishes/s in all. */
const PUBLISH_EVERY_MS = 100;
/** A client offline for more than about 3 s fills this queue and fails publishes with QUEUE_FULL. */
const MAX_QUEUED = 30;

interface Member {
  readonly id: number;
  readonly client: Client;
  /** `id:n` of every message received, in order. */
  readonly received: string[];
  readonly acked: string[];
  readonly failed: string[];
  readonly recoveries: number[];
  subscribed: boolean;
}

let redis: RedisHandle | undefined;
let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
let instances: Instance[] = [];
const members: Member[] = [];

beforeAll(() => ensureBuilt(), 300_000);
afterAll(async () => {
  for (const m of members) m.client.close();
  await nginx?.stop();
  await Promise.all(instances.map((i) => stopInstance(i, 'SIGKILL')));
  await redis?.stop();
});

function join(url: string, id: number): Member {
  const client = createClient({
    url,
    reconnect: { minDelayMs: 50, maxDelayMs: 1_000 },
    sendQueue: { highWaterMark: 262_144, maxQueued: MAX_QUEUED },
  });
  collectErrors(client);
  const member: Member = {
    id,
    client,
    received: [],
    acked: [],
    failed: [],
    recoveries: [],
    subscribed: false,
  };
  const sub = client.subscribe(TOPIC, (data) => {
    const { from, n } = data as { from: number; n: number };
    member.received.push(`${from}:${n}`);
  });
  let lostAt: number | undefined;
  client.on('state', ({ to }) => {
    if (to === 'reconnecting' && lostAt === undefined) lostAt = performance.now();
  });
  sub.on('subscribed', () => {
    member.subscribed = true;
    if (lostAt !== undefined) member.recoveries.push(performance.now() - lostAt);
    lostAt = undefined;
  });
  client.on('error', () => {});
  return member;
}

/** Publishes from every member until `stop()`; resolves once every publish has settled. */
function publishLoad() {
  let running = true;
  const pending: Promise<unknown>[] = [];
  const loops = members.map(async (m) => {
    for (let n = 0; running && n < 2_000; n++) {
      const tag = `${m.id}:${n}`;
      pending.push(
        m.client.publish(TOPIC, { from: m.id, n }).then(
          () => m.acked.push(tag),
          (err: { code?: string }) => m.failed.push(`${tag} ${err.code}`),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS));
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      await Promise.race([Promise.allSettled(pending), new Promise((r) => setTimeout(r, 20_000))]);
    },
  };
}

describe('rolling restart behind the shipped nginx config', () => {
  it('restarts every instance in turn under load with nothing lost, duplicated or failed', async () => {
    redis = await startRedis({ own: true });
    const url = redis.url;
    instances = await Promise.all([0, 1, 2].map(() => startInstance(url)));
    nginx = await startNginx(instances.map((i) => `127.0.0.1:${i.port}`));
    for (let id = 0; id < CLIENTS; id++) members.push(join(nginx.url, id));
    await waitFor(
      () => members.every((m) => m.subscribed),
      20_000,
      'every client to subscribe through nginx',
    );

    const load = publishLoad();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (let i = 0; i < instances.length; i++) {
      const old = instances[i]!;
      await stopInstance(old, 'SIGTERM');
      instances[i] = await startInstance(url, old.port);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
    const allBack = await waitFor(
      () => members.every((m) => m.client.state === 'open' && m.subscribed),
      10_000,
      'every client to be back',
    ).then(
      () => true,
      () => false,
    );
    await load.stop();
    const acked = new Set(members.flatMap((m) => m.acked));
    await waitFor(
      () => members.every((m) => m.received.filter((t) => acked.has(t)).length >= acked.size),
      15_000,
      'every client to receive every acked message',
    ).catch(() => {});

    let lost = 0;
    let duplicated = 0;
    for (const m of members) {
      const seen = new Set(m.received);
      duplicated += m.received.length - seen.size;
      for (const tag of acked) if (!seen.has(tag)) lost++;
    }
    const recoveries = members.flatMap((m) => m.recoveries);
    const figures = {
      clients: CLIENTS,
      acked: acked.size,
      failed: members.reduce((n, m) => n + m.failed.length, 0),
      failedCodes: [...new Set(members.flatMap((m) => m.failed.map((f) => f.split(' ')[1])))],
      lost,
      duplicated,
      allBackWithin10s: allBack,
      reconnects: recoveries.length,
      recoverP50Ms: Math.round(percentile(recoveries, 50)),
      recoverMaxMs: Math.round(percentile(recoveries, 100)),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
    console.log(`rolling restart figures ${JSON.stringify(figures)}`);
    expect(figures).toMatchObject({ failed: 0, lost: 0, duplicated: 0, allBackWithin10s: true });
    expect(recoveries.length).toBeGreaterThanOrEqual(CLIENTS);
  }, 120_000);
});
