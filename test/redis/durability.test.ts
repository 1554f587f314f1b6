/**
 * The opt-in durability setting (issue 10, case 8): with `durability: { replicas: 1 }` a publish
 * is acked only once the replica has it (`WAIT`); when the replica does not confirm in time the
 * publish fails as outcome unknown. The replica's lag is made real by a proxy on its link.
 */
import { createPublisher, createRedisBroker, type Publisher } from '@hubbub/server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type TcpProxy } from '../utils/proxy.js';
import { type RedisHandle, startRedis } from '../utils/redis.js';
import { waitFor } from '../utils/wait.js';

const LAG_MS = 300;
let primary: RedisHandle;
let replica: RedisHandle;
let link: TcpProxy;
let onReplica: Redis;
const publishers: Publisher[] = [];

beforeAll(async () => {
  primary = await startRedis({ own: true });
  link = await startProxy(primary.port);
  replica = await startRedis({ own: true, args: ['--replicaof', '127.0.0.1', String(link.port)] });
  onReplica = new Redis(replica.url);
  await waitFor(
    async () => /master_link_status:up/.test(await onReplica.info('replication')),
    15_000,
    'the replica to sync',
    100,
  );
});

afterAll(async () => {
  await Promise.all(publishers.map((p) => p.close()));
  onReplica?.disconnect();
  await link?.close();
  await replica?.stop();
  await primary?.stop();
});

function publisher(durable: boolean): Publisher {
  const p = createPublisher({
    url: primary.url,
    ...(durable && { durability: { replicas: 1, timeoutMs: 1_000 } }),
  });
  publishers.push(p);
  return p;
}

/** The offset counter of `topic` on the replica, at the moment of asking. */
async function replicaOffset(topic: string): Promise<number> {
  return Number((await onReplica.get(`{hubbub:${topic}}:seq`)) ?? 0);
}

describe('durability: { replicas }', () => {
  it('acks only once the lagging replica has the publish; without it the ack comes first', async () => {
    link.delay(LAG_MS, 'down');
    const durable = publisher(true);
    const plain = publisher(false);
    const seen: { durable: number[]; plain: number[] } = { durable: [], plain: [] };
    for (let i = 0; i < 5; i++) {
      const a = await durable.publish('durable.on', { i });
      seen.durable.push(a.offset - (await replicaOffset('durable.on')));
      const b = await plain.publish('durable.off', { i });
      seen.plain.push(b.offset - (await replicaOffset('durable.off')));
    }
    link.delay(0, 'down');
    console.log(`durability figures ${JSON.stringify({ lagMs: LAG_MS, behindAtAck: seen })}`);
    expect(seen.durable).toEqual([0, 0, 0, 0, 0]);
    expect(seen.plain.every((behind) => behind > 0)).toBe(true);
  });

  it('fails as outcome unknown when the replica does not confirm in time', async () => {
    const durable = publisher(true);
    await durable.publish('durable.frozen', 'warm-up');
    link.freeze('down');
    const started = performance.now();
    const failed = await durable.publish('durable.frozen', 'unconfirmed').catch((err: unknown) => err);
    const ms = performance.now() - started;
    link.thaw();
    const { code, outcomeUnknown } = failed as { code?: string; outcomeUnknown?: boolean };
    expect({ code, outcomeUnknown }).toEqual({ code: 'OUTCOME_UNKNOWN', outcomeUnknown: true });
    expect(ms).toBeGreaterThanOrEqual(900);
  });

  it('refuses settings that cannot work', () => {
    expect(() => createRedisBroker({ url: primary.url, durability: { replicas: 0 } })).toThrow(TypeError);
    expect(() => createPublisher({ url: primary.url, durability: { replicas: 1, timeoutMs: 0 } })).toThrow(
      TypeError,
    );
  });
});
