import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../../../test/utils/redis.js';
import { waitFor } from '../../../../../test/utils/wait.js';
import { LinkHealth } from '../../../src/broker/redis/link-health.js';

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis({ own: true });
});
afterAll(async () => {
  await redis?.stop();
});

function busyWait(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Holds the event loop, as a long GC pause or a CPU-bound handler would.
  }
}

describe('LinkHealth', () => {
  it('does not take a stalled event loop for a dead link: an answer already received counts', async () => {
    const link = new Redis(redis.url);
    await waitFor(() => link.status === 'ready', 5_000, 'the connection');
    let closes = 0;
    link.on('close', () => closes++);
    const ping = link.ping.bind(link);
    let stalls = 0;
    // The probe's PING goes out, then this process stalls past the deadline while Redis answers.
    (link as unknown as { ping: () => Promise<string> }).ping = () => {
      const answer = ping();
      if (stalls++ < 3) busyWait(300);
      return answer;
    };
    const health = new LinkHealth(() => [link], { intervalMs: 20, timeoutMs: 100 });
    health.start();
    try {
      await waitFor(() => stalls >= 4, 5_000, 'four probes');
      expect(closes).toBe(0);
      expect(link.status).toBe('ready');
    } finally {
      health.stop();
      link.disconnect();
    }
  });

  it('still drops a link whose answer never comes', async () => {
    const link = new Redis(redis.url, { lazyConnect: false });
    await waitFor(() => link.status === 'ready', 5_000, 'the connection');
    let closes = 0;
    link.on('close', () => closes++);
    (link as unknown as { ping: () => Promise<string> }).ping = () => new Promise<string>(() => undefined);
    const health = new LinkHealth(() => [link], { intervalMs: 20, timeoutMs: 100 });
    health.start();
    try {
      await waitFor(() => closes > 0, 5_000, 'the link dropped');
    } finally {
      health.stop();
      link.disconnect();
    }
  });
});
