/**
 * Broker metrics and logs against a real Redis: broker up goes to 0 and back when Redis is
 * killed and restarted, with a log line each way; a cut subscriber connection is repaired from
 * history and counted.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeHubs, startHub } from '../../../../test/utils/hub.js';
import { type RedisHandle, startRedis } from '../../../../test/utils/redis.js';
import { waitFor } from '../../../../test/utils/wait.js';
import { createRedisBroker, type Hub } from '../../src/index.js';
import { captureLog } from '../utils/captured-log.js';
import { parseExposition } from '../utils/metrics.js';
import { connectClient } from '../utils/tclient.js';

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis({ own: true });
});
afterEach(closeHubs);
afterAll(async () => {
  await redis?.stop();
});

async function value(hub: Hub, name: string): Promise<number> {
  return parseExposition(await hub.metrics()).value(name);
}

function redisHub(log = captureLog()) {
  const broker = createRedisBroker(
    { url: redis.url },
    { prefix: `metrics-${Date.now()}`, onError: () => {} },
  );
  return startHub({ broker, logger: log });
}

describe('broker metrics', () => {
  it('counts a repair from history after the subscriber connection was cut', async () => {
    const { hub, url } = await redisHub();
    const c = await connectClient(url);
    await c.subscribe('feed', 1);
    expect(await value(hub, 'hubbub_broker_repairs_total')).toBe(0);
    const admin = new Redis(redis.url);
    try {
      await admin.client('KILL', 'TYPE', 'pubsub');
    } finally {
      admin.disconnect();
    }
    await hub.publish('feed', 'during the cut');
    await c.waitForMessage('msg', (m) => m.data === 'during the cut', 15_000);
    await waitFor(() => hub.stats().brokerRepairs >= 1, 15_000, 'a repair');
    expect(await value(hub, 'hubbub_broker_repairs_total')).toBeGreaterThanOrEqual(1);
  });

  it('reports the broker down and up, in the gauge and in the log', async () => {
    const log = captureLog();
    const { hub } = await redisHub(log);
    expect(await value(hub, 'hubbub_broker_up')).toBe(1);
    await redis.kill();
    await waitFor(() => !hub.stats().brokerReady, 10_000, 'broker down');
    expect(await value(hub, 'hubbub_broker_up')).toBe(0);
    await redis.restart();
    await waitFor(() => hub.stats().brokerReady, 20_000, 'broker up');
    expect(await value(hub, 'hubbub_broker_up')).toBe(1);
    expect(log.lines.filter((l) => l.obj && 'broker' in l.obj).map((l) => [l.level, l.obj])).toEqual([
      ['warn', { broker: 'down' }],
      ['info', { broker: 'up' }],
    ]);
  });
});
