/**
 * One history truth per topic (issue 10, case 2): hubs keep 5,000 messages per topic; a publisher
 * created with nothing but the URL must not trim the topic to its own idea of the history size,
 * and a writer that states a smaller history must not shrink what the hubs promised.
 */
import { type Client, createClient } from '@hubbub/client';
import { createPublisher, createRedisBroker, createServer, type Hub, type Publisher } from '@hubbub/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors } from '../utils/errors.js';
import { type RedisHandle, startRedis } from '../utils/redis.js';
import { waitFor } from '../utils/wait.js';

let redis: RedisHandle;
let hub: Hub;
const clients: Client[] = [];
const publishers: Publisher[] = [];

beforeAll(async () => {
  redis = await startRedis({ own: true });
  hub = createServer({
    port: 0,
    host: '127.0.0.1',
    broker: createRedisBroker({ url: redis.url }),
    history: { size: 5_000, ttlMs: 600_000 },
  });
  await hub.ready;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(publishers.map((p) => p.close()));
  await hub?.close({ drainMs: 0 });
  await redis?.stop();
});

/** What a new subscriber asking for the last 1,000 messages gets. */
async function lastThousand(topic: string, expected: number): Promise<number[]> {
  const seqs: number[] = [];
  const client = createClient({ url: `ws://127.0.0.1:${hub.address().port}` });
  collectErrors(client);
  clients.push(client);
  const sub = client.subscribe(topic, (data) => seqs.push((data as { seq: number }).seq), { last: 1_000 });
  let subscribed = false;
  sub.on('subscribed', () => {
    subscribed = true;
  });
  await waitFor(() => subscribed, 5_000, 'the subscription');
  await waitFor(() => seqs.length >= expected, 2_000, `${expected} replayed messages`).catch(() => {});
  return seqs;
}

describe('history settings shared by every writer of a topic', () => {
  it("a publisher with default options trims with the hubs' history, not its own", async () => {
    const topic = 'shared.default';
    for (let seq = 0; seq < 300; seq++) await hub.publish(topic, { seq });
    const publisher = createPublisher({ url: redis.url });
    publishers.push(publisher);
    await publisher.publish(topic, { seq: 300 });
    const seqs = await lastThousand(topic, 301);
    console.log(
      `shared history figures ${JSON.stringify({ topic, asked: 1_000, got: seqs.length, of: 301 })}`,
    );
    expect(seqs).toEqual(Array.from({ length: 301 }, (_, i) => i));
  });

  it('a writer that states a smaller history does not shrink the topic', async () => {
    const topic = 'shared.smaller';
    for (let seq = 0; seq < 150; seq++) await hub.publish(topic, { seq });
    const warnings: string[] = [];
    const small = createRedisBroker({
      url: redis.url,
      onError: (err) => warnings.push(err instanceof Error ? err.message : String(err)),
    });
    await small.start({
      history: { size: 10, ttlMs: 600_000 },
      idempotencyTtlMs: 60_000,
      deliver: () => {},
      readyChanged: () => {},
    });
    try {
      await small.publish(topic, { seq: 150 });
      await small.publish(topic, { seq: 151 });
    } finally {
      await small.close();
    }
    // Said once, naming the topic, however often that writer publishes.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(topic);
    const seqs = await lastThousand(topic, 152);
    console.log(
      `shared history figures ${JSON.stringify({ topic, asked: 1_000, got: seqs.length, of: 152 })}`,
    );
    expect(seqs).toEqual(Array.from({ length: 152 }, (_, i) => i));
  });
});
