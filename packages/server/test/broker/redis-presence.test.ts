import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../../test/utils/redis.js';
import { waitFor } from '../../../../test/utils/wait.js';
import type { Broker } from '../../src/broker/broker.js';
import { createRedisBroker } from '../../src/broker/redis/broker.js';
import { pastDeadline, uniqueTopic } from './harness.js';
import { type PresenceStarted, presenceContract, startPresenceBroker, summary } from './presence-contract.js';

let redis: RedisHandle;
let admin: Redis;
let prefixes = 0;

beforeAll(async () => {
  redis = await startRedis({ own: true });
  admin = new Redis(redis.url);
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

// Brokers of one prefix are one cluster; each test gets its own, so no dead hub of another test
// is swept in the middle of it.
let prefix = 'pres0';
presenceContract('redis', () => ({
  create: () => createRedisBroker({ url: redis.url }, { prefix, presence: { refreshMs: 200, ttlMs: 1_000 } }),
  shared: true,
}));

describe('RedisBroker presence', () => {
  const open: Broker[] = [];
  afterEach(async () => {
    prefix = `pres${++prefixes}`;
    await Promise.all(open.splice(0).map((b) => b.close()));
  });
  async function start(refreshMs = 100, ttlMs = 500): Promise<PresenceStarted> {
    const broker = createRedisBroker({ url: redis.url }, { prefix, presence: { refreshMs, ttlMs } });
    open.push(broker);
    return startPresenceBroker(broker);
  }

  it('removes the members of an instance that stopped refreshing, with one leave each, within ttl + refresh', async () => {
    const watcher = await start();
    const dying = await start();
    const topic = uniqueTopic('room');
    await watcher.broker.listen(topic);
    for (const sid of ['d1', 'd2', 'd3']) await dying.broker.join!(topic, { member: { sid, userId: sid } });
    await waitFor(() => summary(watcher.events, topic).length === 3, 10_000, 'three joins');
    // Closing stops its refresh and leaves its members in Redis, as a SIGKILL would.
    await dying.broker.close();
    const stoppedAt = Date.now();
    await waitFor(() => summary(watcher.events, topic).length === 6, 10_000, 'three leaves');
    const took = Date.now() - stoppedAt;
    expect(summary(watcher.events, topic).slice(3).sort()).toEqual(['leave d1', 'leave d2', 'leave d3']);
    expect(await watcher.broker.presence!(topic)).toEqual([]);
    expect(await watcher.broker.presenceStats!(topic)).toEqual({ connections: 0, users: 0 });
    // Generous: the bound is ttl (500) + refresh (100); this only guards against "never".
    expect(took).toBeLessThan(5_000);
    await pastDeadline(300);
    expect(summary(watcher.events, topic)).toHaveLength(6);
  });

  it('re-announces its members after Redis lost them, without join or leave events', async () => {
    const holder = await start();
    const watcher = await start();
    const topic = uniqueTopic('room');
    await watcher.broker.listen(topic);
    await holder.broker.join!(topic, { member: { sid: 'h1', userId: 'ada', info: { n: 1 } } });
    await waitFor(() => summary(watcher.events, topic).length === 1, 10_000, 'the join');
    await admin.flushall();
    expect(await watcher.broker.presence!(topic)).toEqual([]);
    await waitFor(
      async () => (await watcher.broker.presence!(topic)).length === 1,
      10_000,
      'the re-announce',
    );
    expect(await watcher.broker.presence!(topic)).toEqual([{ sid: 'h1', userId: 'ada', info: { n: 1 } }]);
    expect(summary(watcher.events, topic)).toEqual(['join h1']);
  });

  it('keeps members joined while Redis is down and announces them once it is back', async () => {
    const own = await startRedis({ own: true });
    const brokers = [0, 1].map(() =>
      createRedisBroker(
        { url: own.url },
        { prefix, presence: { refreshMs: 100, ttlMs: 500 }, onError: () => {} },
      ),
    );
    open.push(...brokers);
    try {
      const [holder, watcher] = (await Promise.all(brokers.map((b) => startPresenceBroker(b)))) as [
        PresenceStarted,
        PresenceStarted,
      ];
      const topic = uniqueTopic('room');
      await watcher.broker.listen(topic);
      await own.kill();
      await waitFor(() => !holder.broker.isReady(), 10_000, 'the broker to notice');
      await holder.broker.join!(topic, { member: { sid: 'late' } });
      await own.restart();
      await waitFor(() => summary(watcher.events, topic).length === 1, 15_000, 'the join');
      expect(await watcher.broker.presence!(topic)).toEqual([{ sid: 'late' }]);
      await pastDeadline(300);
      expect(summary(watcher.events, topic)).toEqual(['join late']);
    } finally {
      await Promise.all(brokers.map((b) => b.close()));
      await own.stop();
    }
  });
});
