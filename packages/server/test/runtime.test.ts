/**
 * The hub listens to a topic on the broker while it has local subscribers, and stops listening
 * (`unlisten`) when the last one leaves, by `unsub` or by disconnecting: otherwise every message
 * of every topic ever subscribed keeps flowing into the instance (and, with Redis, its subscriber
 * connection keeps a channel per such topic) for as long as it runs.
 */
import { type BrokerContext, type BrokerMessage, createRedisBroker, MemoryBroker } from '@hubbub/server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub } from '../../../test/utils/hub.js';
import { type RedisHandle, startRedis } from '../../../test/utils/redis.js';
import { waitFor } from '../../../test/utils/wait.js';
import { topicKeys } from '../src/broker/redis/keys.js';
import { connectClient, type TestClient } from './utils/tclient.js';

/** The memory broker, recording each message it hands to the hub. */
class RecordingBroker extends MemoryBroker {
  readonly handed: BrokerMessage[] = [];

  override start(ctx: BrokerContext): Promise<void> {
    return super.start({
      ...ctx,
      deliver: (message) => {
        this.handed.push(message);
        ctx.deliver(message);
      },
    });
  }

  handedOf(topic: string): number[] {
    return this.handed.filter((m) => m.topic === topic).map((m) => m.offset);
  }
}

async function unsubscribe(c: TestClient, topic: string, id: number): Promise<void> {
  c.send({ type: 'unsub', id, topic });
  await c.waitForMessage('unsubscribed', (m) => m.id === id);
}

describe('#topicEmptied', () => {
  it('memory broker: no message of a topic reaches the hub once its last subscriber left', async () => {
    const broker = new RecordingBroker();
    const { hub, url } = await startHub({ broker });
    const [a, b] = [await connectClient(url), await connectClient(url)];
    await a.subscribe('room', 1);
    await b.subscribe('room', 1);
    await hub.publish('room', 'both');
    await a.waitForMessage('msg');

    await unsubscribe(a, 'room', 2);
    await hub.publish('room', 'b only');
    await b.waitForMessage('msg', (m) => m.data === 'b only');
    b.close();
    await waitFor(() => hub.stats().topics === 0, 5_000, 'the hub to drop the topic');
    // The memory broker hands a message over inside publish(): had it still been listening,
    // this one would be recorded by the time publish resolves.
    await hub.publish('room', 'nobody');
    expect(broker.handedOf('room')).toEqual([1, 2]);

    await a.subscribe('room', 3);
    await hub.publish('room', 'back');
    expect((await a.waitForMessage('msg', (m) => m.data === 'back')).offset).toBe(4);
    await unsubscribe(a, 'room', 4);
    await hub.publish('room', 'nobody again');
    expect(broker.handedOf('room')).toEqual([1, 2, 4]);
  });

  describe('Redis broker', () => {
    const PREFIX = 'unlisten';
    let redis: RedisHandle;
    let probe: Redis;

    beforeAll(async () => {
      redis = await startRedis();
      probe = new Redis(redis.url);
    });
    afterAll(async () => {
      probe?.disconnect();
      await redis?.stop();
    });

    /** Subscribers Redis counts on the topic's channel: the hubs' subscriber connections. */
    async function channelSubscribers(topic: string): Promise<number> {
      const reply = (await probe.call('PUBSUB', 'NUMSUB', topicKeys(PREFIX, topic).channel)) as [
        string,
        number,
      ];
      return Number(reply[1]);
    }

    it("leaves the topic's channel when its last subscriber unsubscribes or disconnects", async () => {
      const topic = `room.${process.pid}.${Date.now()}`;
      const { url } = await startHub({ broker: createRedisBroker({ url: redis.url, prefix: PREFIX }) });
      const [a, b] = [await connectClient(url), await connectClient(url)];
      await a.subscribe(topic, 1);
      await b.subscribe(topic, 1);
      expect(await channelSubscribers(topic)).toBe(1);

      await unsubscribe(a, topic, 2);
      expect(await channelSubscribers(topic)).toBe(1);
      b.close();
      await waitFor(
        async () => (await channelSubscribers(topic)) === 0,
        5_000,
        'the hub to leave the channel',
      );

      await a.subscribe(topic, 3);
      expect(await channelSubscribers(topic)).toBe(1);
      await unsubscribe(a, topic, 4);
      await waitFor(async () => (await channelSubscribers(topic)) === 0, 5_000, 'the hub to leave it again');
    });
  });
});
