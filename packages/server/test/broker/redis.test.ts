import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../../test/utils/redis.js';
import { waitFor } from '../../../../test/utils/wait.js';
import type { Broker } from '../../src/broker/broker.js';
import { createRedisBroker } from '../../src/broker/redis/broker.js';
import { topicKeys } from '../../src/broker/redis/keys.js';
import { createPublisher } from '../../src/broker/redis/publisher.js';
import { defineScripts, runPublish } from '../../src/broker/redis/scripts.js';
import { brokerContract } from './contract.js';
import { offsetsOf, type Started, startBroker, uniqueTopic } from './harness.js';

const PREFIX = 'hubtest';
let redis: RedisHandle;
let admin: Redis;

beforeAll(async () => {
  redis = await startRedis({ own: true });
  admin = new Redis(redis.url);
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

brokerContract('redis', () => ({
  create: () => createRedisBroker({ url: redis.url }, { prefix: PREFIX }),
  loseData: async () => void (await admin.flushall()),
}));

describe('RedisBroker', () => {
  const open: Broker[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });
  function start(history = { size: 100, ttlMs: 60_000 }): Promise<Started> {
    const broker = createRedisBroker({ url: redis.url }, { prefix: PREFIX });
    open.push(broker);
    return startBroker(broker, history);
  }
  const numsub = async (topic: string) => {
    const reply = (await admin.pubsub(
      'NUMSUB',
      topic === '' ? '' : topicKeys(PREFIX, topic).channel,
    )) as unknown[];
    return Number(reply[1]);
  };
  /** Publishes with the real script but on a channel nobody hears: a pub/sub message lost. */
  const publishLost = (topic: string, data: unknown, history = { size: 100, ttlMs: 60_000 }) =>
    runPublish(
      defineScripts(admin),
      { ...topicKeys(PREFIX, topic), channel: `${PREFIX}:lost` },
      Buffer.from(`j${JSON.stringify(data)}`),
      { history, idempotencyTtlMs: 60_000, idleTopicTtlMs: 60_000, sharded: false },
    );

  it('fans out a publish on one node to every listening node, in offset order', async () => {
    const [a, b, c] = await Promise.all([start(), start(), start()]);
    const topic = uniqueTopic();
    await Promise.all([b.broker.listen(topic), c.broker.listen(topic)]);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => a.broker.publish(topic, { i })));
    const expected = Array.from({ length: 100 }, (_, i) => i + 1);
    for (const node of [b, c]) {
      await waitFor(() => node.delivered.length === 100, 5_000, '100 deliveries');
      expect(offsetsOf(node.delivered, topic)).toEqual(expected);
      for (const m of node.delivered)
        expect(m.data).toEqual({ i: results.findIndex((r) => r.offset === m.offset) });
    }
    expect(a.delivered).toEqual([]);
  });

  it('subscribes to a topic channel only while it is listened to', async () => {
    const { broker } = await start();
    const topic = uniqueTopic();
    expect(await numsub(topic)).toBe(0);
    await broker.listen(topic);
    expect(await numsub(topic)).toBe(1);
    await broker.listen(topic);
    await broker.unlisten(topic);
    expect(await numsub(topic)).toBe(1);
    await broker.unlisten(topic);
    expect(await numsub(topic)).toBe(0);
    const channels = (await admin.pubsub('CHANNELS', `{${PREFIX}:*`)) as string[];
    expect(channels).not.toContain(topicKeys(PREFIX, topic).channel);
  });

  it('fills a gap from history when a channel message was lost', async () => {
    const { broker, delivered } = await start();
    const topic = uniqueTopic();
    await broker.listen(topic);
    await broker.publish(topic, 'one');
    await publishLost(topic, 'two');
    await publishLost(topic, 'three');
    await broker.publish(topic, 'four');
    await waitFor(() => delivered.length === 4, 5_000, 'four deliveries');
    expect(delivered.map((m) => [m.offset, m.data])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
      [4, 'four'],
    ]);
  });

  it('delivers what history still holds, in order, when a gap cannot be filled', async () => {
    const history = { size: 2, ttlMs: 60_000 };
    const { broker, delivered } = await start(history);
    const topic = uniqueTopic();
    await broker.listen(topic);
    await broker.publish(topic, 1);
    for (const n of [2, 3, 4]) await publishLost(topic, n, history);
    await broker.publish(topic, 5);
    await waitFor(() => offsetsOf(delivered, topic).includes(5), 5_000, 'offset 5');
    expect(delivered.map((m) => m.data)).toEqual([1, 4, 5]);
    await broker.publish(topic, 6);
    await waitFor(() => offsetsOf(delivered, topic).includes(6), 5_000, 'offset 6');
    expect(delivered.map((m) => m.data)).toEqual([1, 4, 5, 6]);
  });

  it('delivers the new epoch to listeners after Redis lost its data', async () => {
    const { broker, delivered } = await start();
    const topic = uniqueTopic();
    await broker.listen(topic);
    const before = await broker.publish(topic, 'old');
    await waitFor(() => delivered.length === 1, 5_000, 'first delivery');
    await admin.flushall();
    const after = await broker.publish(topic, 'new');
    expect(after.epoch).not.toBe(before.epoch);
    await waitFor(() => delivered.length === 2, 5_000, 'delivery in the new epoch');
    expect(delivered[1]).toMatchObject({ epoch: after.epoch, offset: 1, data: 'new' });
  });

  it('shares idempotency keys between instances', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const topic = uniqueTopic();
    await b.broker.listen(topic);
    const first = await a.broker.publish(topic, 'once', 'retry-key');
    const retried = await b.broker.publish(topic, 'once', 'retry-key');
    expect(retried).toEqual({ ...first, duplicate: true });
    const marker = await a.broker.publish(topic, 'marker');
    await waitFor(() => offsetsOf(b.delivered, topic).includes(marker.offset), 5_000, 'the marker');
    expect(b.delivered.map((m) => m.data)).toEqual(['once', 'marker']);
  });

  describe('createPublisher', () => {
    it('publishes into the hubs with their offsets, history and idempotency', async () => {
      const { broker, delivered } = await start();
      const publisher = createPublisher({ url: redis.url, prefix: PREFIX });
      try {
        const topic = uniqueTopic();
        await broker.listen(topic);
        const first = await publisher.publish(topic, { from: 'service' }, { key: 'k1' });
        const second = await broker.publish(topic, new Uint8Array([1, 2, 3]));
        expect(second).toMatchObject({ epoch: first.epoch, offset: first.offset + 1 });
        expect(await publisher.publish(topic, 'ignored', { key: 'k1' })).toEqual({
          ...first,
          duplicate: true,
        });
        await waitFor(() => delivered.length === 2, 5_000, 'two deliveries');
        expect(delivered[0]).toMatchObject({ offset: 1, data: { from: 'service' } });
        const read = await broker.read(topic, { after: 0 });
        expect(read.messages.map((m) => m.offset)).toEqual([1, 2]);
      } finally {
        await publisher.close();
      }
      await expect(publisher.publish('t', 1)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });
  });
});
