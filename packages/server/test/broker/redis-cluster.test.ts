import { execFileSync } from 'node:child_process';
import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { which } from '../../../../test/utils/process.js';
import { type RedisHandle, startRedis } from '../../../../test/utils/redis.js';
import { waitFor } from '../../../../test/utils/wait.js';
import type { Broker } from '../../src/broker/broker.js';
import { createRedisBroker } from '../../src/broker/redis/broker.js';
import { topicKeys } from '../../src/broker/redis/keys.js';
import { createPublisher } from '../../src/broker/redis/publisher.js';
import { brokerContract } from './contract.js';
import { offsetsOf, type Started, startBroker, uniqueTopic } from './harness.js';
import { presenceContract } from './presence-contract.js';

const PREFIX = 'cluster';
const nodes: RedisHandle[] = [];
const clients: Cluster[] = [];

async function clusterInfoOk(port: number): Promise<boolean> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  try {
    await redis.connect();
    return /cluster_state:ok/.test(await redis.cluster('INFO'));
  } finally {
    redis.disconnect();
  }
}

function connect(): Cluster {
  const first = nodes[0] as RedisHandle;
  const cluster = new Cluster([{ host: '127.0.0.1', port: first.port }]);
  cluster.on('error', () => {});
  clients.push(cluster);
  return cluster;
}

beforeAll(async () => {
  const cli = which('redis-cli');
  if (!cli) throw new Error('redis-cli is needed to join the Redis Cluster test nodes');
  for (let i = 0; i < 3; i++) nodes.push(await startRedis({ own: true, args: ['--cluster-enabled', 'yes'] }));
  const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
  execFileSync(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
    stdio: 'pipe',
    timeout: 30_000,
  });
  for (const node of nodes)
    await waitFor(() => clusterInfoOk(node.port), 20_000, `cluster_state:ok on ${node.port}`);
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all(nodes.map((n) => n.stop()));
});

presenceContract('redis cluster', () => ({
  create: () =>
    createRedisBroker(
      { redis: connect() },
      { prefix: 'cluster-presence', presence: { refreshMs: 200, ttlMs: 1_000 } },
    ),
  shared: true,
}));

brokerContract('redis cluster', () => ({
  create: () => createRedisBroker({ redis: connect() }, { prefix: PREFIX }),
  loseData: async () => {
    const admin = connect();
    await waitFor(() => admin.status === 'ready', 5_000, 'the admin cluster client');
    await Promise.all(admin.nodes('master').map((node) => node.flushall()));
  },
}));

describe('RedisBroker on Redis Cluster', () => {
  const open: Broker[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });
  function start(): Promise<Started> {
    const broker = createRedisBroker({ redis: connect() }, { prefix: PREFIX });
    open.push(broker);
    return startBroker(broker);
  }

  it('fans out across instances with sharded pub/sub, topics spread over the nodes', async () => {
    const [a, b, c] = await Promise.all([start(), start(), start()]);
    const topics = Array.from({ length: 6 }, () => uniqueTopic('shard'));
    for (const topic of topics) await Promise.all([b.broker.listen(topic), c.broker.listen(topic)]);
    for (let i = 1; i <= 10; i++) await Promise.all(topics.map((topic) => a.broker.publish(topic, i)));
    for (const node of [b, c]) {
      await waitFor(() => node.delivered.length === 60, 5_000, '60 deliveries');
      for (const topic of topics)
        expect(offsetsOf(node.delivered, topic)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
    const admin = connect();
    await waitFor(() => admin.status === 'ready', 5_000, 'the admin cluster client');
    const owners = new Set<number>();
    for (const topic of topics) {
      const channel = topicKeys(PREFIX, topic).channel;
      let listeners = 0;
      for (const node of admin.nodes('master')) {
        const reply = (await node.call('PUBSUB', 'SHARDNUMSUB', channel)) as unknown[];
        if (Number(reply[1]) > 0) owners.add(node.options.port ?? 0);
        listeners += Number(reply[1]);
      }
      expect(listeners).toBe(2);
    }
    expect(owners.size).toBeGreaterThan(1);
  });

  it('stops the sharded subscription once the topic is unlistened', async () => {
    const { broker } = await start();
    const topic = uniqueTopic('shard');
    const channel = topicKeys(PREFIX, topic).channel;
    const admin = connect();
    await waitFor(() => admin.status === 'ready', 5_000, 'the admin cluster client');
    const count = async () => {
      let n = 0;
      for (const node of admin.nodes('master'))
        n += Number(((await node.call('PUBSUB', 'SHARDNUMSUB', channel)) as unknown[])[1]);
      return n;
    };
    await broker.listen(topic);
    expect(await count()).toBe(1);
    await broker.unlisten(topic);
    await waitFor(async () => (await count()) === 0, 5_000, 'the sharded unsubscribe');
  });

  it('refuses durability on a Cluster connection, where WAIT would reach any node', () => {
    const redis = connect();
    expect(() => createRedisBroker({ redis }, { prefix: PREFIX, durability: { replicas: 1 } })).toThrow(
      /durability needs a standalone or Sentinel connection/,
    );
  });

  it('takes publishes from createPublisher on the cluster', async () => {
    const { broker, delivered } = await start();
    const publisher = createPublisher({ redis: connect(), prefix: PREFIX });
    const topic = uniqueTopic('shard');
    await broker.listen(topic);
    const first = await publisher.publish(topic, new Uint8Array([7, 8]), { key: 'k' });
    expect(await publisher.publish(topic, 'again', { key: 'k' })).toEqual({ ...first, duplicate: true });
    await waitFor(() => delivered.length === 1, 5_000, 'a delivery');
    expect(Array.from(delivered[0]?.data as Uint8Array)).toEqual([7, 8]);
    expect((await broker.read(topic, { last: 5 })).messages.map((m) => m.offset)).toEqual([1]);
    await publisher.close();
  });
});
