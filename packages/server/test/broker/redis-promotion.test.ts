/**
 * A promoted replica starts a new epoch for every topic it is asked about (issue 10, case 8),
 * without Sentinel: a replica is promoted by hand (`REPLICAOF NO ONE`), as Sentinel does.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../../test/utils/redis.js';
import { waitFor } from '../../../../test/utils/wait.js';
import { createRedisBroker } from '../../src/broker/redis/broker.js';
import { topicKeys } from '../../src/broker/redis/keys.js';
import { createPublisher, type Publisher } from '../../src/broker/redis/publisher.js';
import { startBroker, uniqueTopic } from './harness.js';

const PREFIX = 'promotion';
let primary: RedisHandle;
let replica: RedisHandle;
let onPrimary: Redis;
let onReplica: Redis;
const publishers: Publisher[] = [];

beforeAll(async () => {
  primary = await startRedis({ own: true });
  replica = await startRedis({ own: true, args: ['--replicaof', '127.0.0.1', String(primary.port)] });
  onPrimary = new Redis(primary.url);
  onReplica = new Redis(replica.url);
  await waitFor(
    async () => /master_link_status:up/.test(await onReplica.info('replication')),
    15_000,
    'the replica to sync',
  );
});

afterAll(async () => {
  await Promise.all(publishers.map((p) => p.close()));
  onPrimary?.disconnect();
  onReplica?.disconnect();
  await replica?.stop();
  await primary?.stop();
});

function publisherOn(url: string): Publisher {
  const publisher = createPublisher({ url, prefix: PREFIX });
  publishers.push(publisher);
  return publisher;
}

describe('a replica promoted after a failover', () => {
  it('starts a new epoch for a topic, on its first publish and on its first read, once', async () => {
    const [written, readFirst] = [uniqueTopic('written'), uniqueTopic('read')];
    const before = publisherOn(primary.url);
    const old = await before.publish(written, 'one');
    await before.publish(written, 'two');
    await before.publish(readFirst, 'one');
    await waitFor(
      async () => (await onReplica.get(topicKeys(PREFIX, written).seq)) === '2',
      5_000,
      'replication',
    );
    await waitFor(
      async () => (await onReplica.get(topicKeys(PREFIX, readFirst).seq)) === '1',
      5_000,
      'replication',
    );

    await onReplica.replicaof('NO', 'ONE');
    const after = publisherOn(replica.url);
    const results = await Promise.all([after.publish(written, 'three'), after.publish(written, 'four')]);
    expect(results.map((r) => r.offset).sort()).toEqual([1, 2]);
    expect(new Set(results.map((r) => r.epoch)).size).toBe(1);
    expect(results[0]?.epoch).not.toBe(old.epoch);

    const broker = createRedisBroker({ url: replica.url }, { prefix: PREFIX });
    try {
      await startBroker(broker);
      const read = await broker.read(readFirst, { after: 0 });
      expect(read).toMatchObject({ offset: 0, messages: [] });
      expect((await broker.read(readFirst, { after: 0 })).epoch).toBe(read.epoch);
      expect((await after.publish(readFirst, 'two')).offset).toBe(1);
    } finally {
      await broker.close();
    }
  });

  it('keeps the epoch of a topic written before replication ids were stored', async () => {
    const topic = uniqueTopic('legacy');
    const keys = topicKeys(PREFIX, topic);
    await onReplica.set(keys.epoch, 'legacy-epoch');
    await onReplica.set(keys.seq, '7');
    const result = await publisherOn(replica.url).publish(topic, 'next');
    expect(result).toMatchObject({ epoch: 'legacy-epoch', offset: 8 });
  });
});
