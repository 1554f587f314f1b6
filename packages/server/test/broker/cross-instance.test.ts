import { createServer as createTcpServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { createPublisher, createRedisBroker } from '@hubbub/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../../../test/utils/client.js';
import { startHub, type TestHub } from '../../../../test/utils/hub.js';
import { type RedisHandle, startRedis } from '../../../../test/utils/redis.js';
import { waitFor } from '../../../../test/utils/wait.js';
import { uniqueTopic } from './harness.js';

const PREFIX = 'cross';
const HISTORY = { size: 2_000, ttlMs: 60_000 };
let redis: RedisHandle;

beforeAll(async () => {
  redis = await startRedis({ own: true });
});
afterAll(async () => {
  await redis?.stop();
});

/** A hub on the shared Redis, closed when the test finishes. */
function startRedisHub(): Promise<TestHub> {
  return startHub({ broker: createRedisBroker({ url: redis.url }, { prefix: PREFIX }), history: HISTORY });
}

/** A TCP front that forwards new connections to a switchable port, like a load balancer. */
async function startSwitch(initial: number) {
  let target = initial;
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((inbound) => {
    const outbound = tcpConnect(target, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => inbound.destroy());
    }
    outbound.on('error', () => inbound.destroy());
    inbound.on('error', () => outbound.destroy());
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    /** Sends new connections to `port` and cuts the current ones without a close frame. */
    switchTo(port: number) {
      target = port;
      for (const s of sockets) s.destroy();
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('hubs joined by Redis', () => {
  it('delivers to a subscriber on hub B what is published on hub A, by the hub or a client', async () => {
    const [a, b] = [await startRedisHub(), await startRedisHub()];
    const topic = uniqueTopic('room');
    const subscriber = connectClient(b.port);
    const got: unknown[] = [];
    const sub = subscriber.subscribe(topic, (data) => got.push(data));
    await waitFor(() => sub.state === 'subscribed', 5_000, 'the subscription on hub B');

    await a.hub.publish(topic, { from: 'hub A' });
    const sender = connectClient(a.port);
    await sender.publish(topic, new Uint8Array([1, 2, 3]));
    await waitFor(() => got.length === 2, 5_000, 'two messages on hub B');
    expect(got[0]).toEqual({ from: 'hub A' });
    expect(Array.from(got[1] as Uint8Array)).toEqual([1, 2, 3]);
  });

  it('resumes from Redis history with no gap or duplicate after reconnecting to the other hub', async () => {
    const [a, b] = [await startRedisHub(), await startRedisHub()];
    const front = await startSwitch(a.port);
    const connected = { a: 0, b: 0 };
    a.hub.on('connection', () => connected.a++);
    b.hub.on('connection', () => connected.b++);
    const publisher = createPublisher({ url: redis.url, prefix: PREFIX, history: HISTORY });
    try {
      const topic = uniqueTopic('feed');
      const client = connectClient(front.port);
      const offsets: number[] = [];
      const gaps: unknown[] = [];
      const sub = client.subscribe(topic, (data, meta) => {
        expect(data).toEqual({ n: meta.offset });
        offsets.push(meta.offset);
      });
      sub.on('gap', (gap) => gaps.push(gap));
      await waitFor(() => sub.state === 'subscribed', 5_000, 'the subscription through the front');

      const TOTAL = 400;
      let published = 0;
      const publishing = (async () => {
        while (published < TOTAL) {
          await publisher.publish(topic, { n: published + 1 });
          published++;
          if (published % 25 === 0) await new Promise((r) => setTimeout(r, 5));
        }
      })();
      await waitFor(() => published >= 100 && offsets.length > 0, 5_000, '100 published');
      front.switchTo(b.port);
      await waitFor(
        () => connected.b === 1 && sub.state === 'subscribed',
        5_000,
        'the client back, on hub B',
      );
      await waitFor(() => published >= 250, 5_000, '250 published');
      front.switchTo(a.port);
      await waitFor(() => connected.a === 2, 5_000, 'the client back, on hub A');
      await publishing;
      await waitFor(() => offsets.length >= TOTAL, 20_000, `${TOTAL} messages (got ${offsets.length})`);

      expect(offsets).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
      expect(gaps).toEqual([]);
      expect(connected).toEqual({ a: 2, b: 1 });
    } finally {
      await publisher.close();
      await front.close();
    }
  });
});
