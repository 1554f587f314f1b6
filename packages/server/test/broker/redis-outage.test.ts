import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/utils/process.js';
import { type RedisHandle, startRedis } from '../../../../test/utils/redis.js';
import { waitFor } from '../../../../test/utils/wait.js';
import type { Broker } from '../../src/broker/broker.js';
import { BrokerUnavailableError } from '../../src/broker/errors.js';
import { createRedisBroker } from '../../src/broker/redis/broker.js';
import { topicKeys } from '../../src/broker/redis/keys.js';
import { createPublisher } from '../../src/broker/redis/publisher.js';
import { offsetsOf, type Started, startBroker, uniqueTopic } from './harness.js';

const PREFIX = 'outage';
let redis: RedisHandle;

beforeAll(async () => {
  redis = await startRedis({ own: true });
});
afterAll(async () => {
  await redis?.stop();
});

async function numsub(channel: string): Promise<number> {
  const admin = new Redis(redis.url);
  try {
    const reply = (await admin.pubsub('NUMSUB', channel)) as unknown[];
    return Number(reply[1]);
  } finally {
    admin.disconnect();
  }
}

describe('RedisBroker when Redis goes away', () => {
  const open: Broker[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });
  function start(): Promise<Started> {
    const broker = createRedisBroker({ url: redis.url }, { prefix: PREFIX });
    open.push(broker);
    return startBroker(broker);
  }

  it('rejects publishes while down, then reconnects, resubscribes and delivers again', async () => {
    const { broker, delivered, ready } = await start();
    const publisher = createPublisher({ url: redis.url, prefix: PREFIX });
    const topic = uniqueTopic();
    try {
      await broker.listen(topic);
      const before = await broker.publish(topic, 'before');
      await publisher.publish(topic, 'warm-up');
      await waitFor(() => delivered.length === 2, 5_000, 'deliveries before the outage');

      await redis.kill();
      await waitFor(() => ready.at(-1) === false, 5_000, 'readyChanged(false)');
      expect(broker.isReady()).toBe(false);
      const failed = broker.publish(topic, 'during');
      await expect(failed).rejects.toBeInstanceOf(BrokerUnavailableError);
      await expect(failed).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(publisher.publish(topic, 'during')).rejects.toMatchObject({ code: 'UNAVAILABLE' });

      await redis.restart();
      await waitFor(() => ready.at(-1) === true, 20_000, 'readyChanged(true)');
      expect(broker.isReady()).toBe(true);
      expect(await numsub(topicKeys(PREFIX, topic).channel)).toBe(1);

      const after = await broker.publish(topic, 'after');
      expect(after.epoch).not.toBe(before.epoch);
      expect(after.offset).toBe(1);
      await waitFor(() => delivered.some((m) => m.data === 'after'), 5_000, 'a delivery after the restart');
      expect(delivered.map((m) => m.data)).toEqual(['before', 'warm-up', 'after']);
      expect(delivered[2]?.epoch).toBe(after.epoch);
      await waitFor(
        async () => {
          try {
            return (await publisher.publish(topic, 'from-publisher')).offset === 2;
          } catch {
            return false;
          }
        },
        5_000,
        'the publisher to reconnect',
      );
    } finally {
      await publisher.close();
    }
  });

  it('delivers a listened topic from offset 1 of the new epoch when Redis restarts empty', async () => {
    const { broker, delivered, ready } = await start();
    const publisher = createPublisher({ url: redis.url, prefix: PREFIX });
    const topic = uniqueTopic();
    try {
      await broker.listen(topic);
      for (const n of [1, 2, 3, 4]) await broker.publish(topic, `old-${n}`);
      await waitFor(() => delivered.length === 4, 5_000, 'deliveries before the outage');

      await redis.kill();
      await waitFor(() => ready.at(-1) === false, 5_000, 'readyChanged(false)');
      await redis.restart();
      await waitFor(() => ready.at(-1) === true, 20_000, 'readyChanged(true)');
      await waitFor(
        () =>
          publisher.publish(topic, 'new-1').then(
            () => true,
            () => false,
          ),
        20_000,
        'the publisher to reconnect',
      );
      for (const n of [2, 3]) await publisher.publish(topic, `new-${n}`);
      await waitFor(() => delivered.length === 7, 5_000, "the new epoch's messages");
      const fresh = delivered.slice(4);
      expect(fresh.map((m) => m.data)).toEqual(['new-1', 'new-2', 'new-3']);
      expect(fresh.map((m) => m.offset)).toEqual([1, 2, 3]);
      expect(new Set(fresh.map((m) => m.epoch)).size).toBe(1);
      expect(fresh[0]?.epoch).not.toBe(delivered[0]?.epoch);
    } finally {
      await publisher.close();
    }
  });

  it('catches a topic up once the publishing connection comes back after the subscriber one', async () => {
    // The subscriber connection (the broker's duplicate, without auto-resubscribe) reconnects on
    // its own; the publishing one, which reads history, stays down until the test reconnects it.
    let reconnectPub = false;
    const options: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy(this: RedisOptions) {
        if (this.autoResubscribe === false) return 50;
        return reconnectPub ? 50 : null;
      },
    };
    const pub = new Redis(redis.url, options);
    pub.on('error', () => {});
    const broker = createRedisBroker({ redis: pub }, { prefix: PREFIX });
    open.push(broker);
    const { delivered, ready } = await startBroker(broker);
    const publisher = createPublisher({ url: redis.url, prefix: PREFIX });
    const topic = uniqueTopic();
    const channel = topicKeys(PREFIX, topic).channel;
    try {
      await broker.listen(topic);
      for (const n of [1, 2, 3, 4, 5]) await broker.publish(topic, `old-${n}`);
      await waitFor(() => delivered.length === 5, 5_000, 'deliveries before the outage');

      await redis.kill();
      await waitFor(() => pub.status === 'end', 5_000, 'the publishing connection to give up');
      await redis.restart();
      await waitFor(async () => (await numsub(channel)) === 1, 20_000, 'the resubscription');
      await waitFor(
        () =>
          publisher.publish(topic, 'new-1').then(
            () => true,
            () => false,
          ),
        20_000,
        'the publisher to reconnect',
      );
      await publisher.publish(topic, 'new-2');
      await expect(broker.listen(uniqueTopic())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(broker.isReady()).toBe(false);

      reconnectPub = true;
      await pub.connect();
      await waitFor(() => ready.at(-1) === true, 5_000, 'readyChanged(true)');
      await publisher.publish(topic, 'new-3');
      await waitFor(() => delivered.length === 8, 5_000, "the new epoch's messages");
      expect(delivered.slice(5).map((m) => m.data)).toEqual(['new-1', 'new-2', 'new-3']);
      expect(offsetsOf(delivered, topic)).toEqual([1, 2, 3, 4, 5, 1, 2, 3]);
    } finally {
      await publisher.close();
      await broker.close();
      pub.disconnect();
    }
  });

  it('listens to a topic whose listen() failed while Redis was down, from offset 1 of the new epoch', async () => {
    const { broker, delivered, ready } = await start();
    const topic = uniqueTopic();
    await broker.listen(topic);
    await broker.publish(topic, 'old');
    await waitFor(() => delivered.length === 1, 5_000, 'the delivery before the outage');
    await redis.kill();
    await waitFor(() => ready.at(-1) === false, 5_000, 'readyChanged(false)');
    const late = uniqueTopic();
    await expect(broker.listen(late)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await redis.restart();
    await waitFor(() => ready.at(-1) === true, 20_000, 'readyChanged(true)');

    await broker.listen(late);
    for (const n of [1, 2]) {
      await broker.publish(late, `late-${n}`);
      await broker.publish(topic, `new-${n}`);
    }
    await waitFor(() => delivered.length === 5, 5_000, "the new epoch's messages");
    expect(offsetsOf(delivered, late)).toEqual([1, 2]);
    expect(offsetsOf(delivered, topic)).toEqual([1, 1, 2]);
    expect(delivered.filter((m) => m.topic === topic).map((m) => m.data)).toEqual(['old', 'new-1', 'new-2']);
  });

  it('catches a listener up from history after its subscriber connection was cut', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const topic = uniqueTopic();
    await b.broker.listen(topic);
    await a.broker.publish(topic, 1);
    await waitFor(() => b.delivered.length === 1, 5_000, 'first delivery');
    const admin = new Redis(redis.url);
    try {
      await admin.client('KILL', 'TYPE', 'pubsub');
    } finally {
      admin.disconnect();
    }
    for (let i = 2; i <= 6; i++) await a.broker.publish(topic, i);
    await waitFor(() => b.delivered.length >= 6, 15_000, 'catch-up to offset 6');
    await waitFor(() => b.ready.at(-1) === true, 15_000, 'ready again');
    expect(b.ready).toContain(false);
    const last = await a.broker.publish(topic, 7);
    await waitFor(() => offsetsOf(b.delivered, topic).includes(last.offset), 5_000, 'offset 7');
    expect(offsetsOf(b.delivered, topic)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(b.delivered.map((m) => m.data)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('fails to start, naming Redis, when Redis cannot be reached', async () => {
    const port = await freePort();
    const broker = createRedisBroker({ url: `redis://127.0.0.1:${port}` }, { connectTimeoutMs: 300 });
    open.push(broker);
    await expect(startBroker(broker)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: /Redis/ });
    expect(broker.isReady()).toBe(false);
  });

  it('rejects listen while the subscriber connection is down', async () => {
    const { broker, ready } = await start();
    await redis.kill();
    await waitFor(() => ready.at(-1) === false, 5_000, 'readyChanged(false)');
    await expect(broker.listen(uniqueTopic())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(broker.read(uniqueTopic(), { after: 0 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await redis.restart();
    await waitFor(() => ready.at(-1) === true, 20_000, 'readyChanged(true)');
  });
});
