import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../../../test/utils/wait.js';
import type { Broker, BrokerMessage } from '../../../src/broker/broker.js';
import { createMemoryBroker } from '../../../src/broker/memory.js';
import { TopicFeed } from '../../../src/broker/redis/topic-feed.js';
import { startBroker } from '../harness.js';

const TOPIC = 'feed';

/** A feed reading from a memory broker's history, with a switch to make reads fail. */
async function setup(history = { size: 100, ttlMs: 60_000 }) {
  const state = { source: (await startBroker(createMemoryBroker(), history)).broker, failing: false };
  const delivered: BrokerMessage[] = [];
  const errors: unknown[] = [];
  const feed = new TopicFeed(TOPIC, {
    read: async (topic, query) => {
      if (state.failing) throw new Error('Redis is down');
      return state.source.read(topic, query);
    },
    deliver: (m) => delivered.push(m),
    onError: (err) => errors.push(err),
  });
  /** Publishes into history; returns the message without handing it to the feed (a lost message). */
  const publish = async (data: unknown, broker: Broker = state.source): Promise<BrokerMessage> => {
    const r = await broker.publish(TOPIC, data);
    return { topic: TOPIC, epoch: r.epoch, offset: r.offset, data };
  };
  return { state, feed, delivered, errors, publish, data: () => delivered.map((m) => m.data) };
}

describe('TopicFeed', () => {
  it('starts after the current offset and delivers in order, dropping duplicates', async () => {
    const { feed, publish, data } = await setup();
    await publish('old');
    await feed.start();
    const one = await publish('one');
    const two = await publish('two');
    feed.receive(one);
    feed.receive(one);
    feed.receive(two);
    expect(data()).toEqual(['one', 'two']);
  });

  it('fills a jump from history before the message that revealed it', async () => {
    const { feed, publish, data } = await setup();
    await feed.start();
    feed.receive(await publish(1));
    await publish(2);
    await publish(3);
    feed.receive(await publish(4));
    feed.receive(await publish(5));
    await waitFor(() => data().length === 5, 5_000, 'five deliveries');
    expect(data()).toEqual([1, 2, 3, 4, 5]);
  });

  it('skips what history lost and keeps the order', async () => {
    const { feed, publish, delivered } = await setup({ size: 2, ttlMs: 60_000 });
    await feed.start();
    feed.receive(await publish(1));
    for (const n of [2, 3, 4]) await publish(n);
    const five = await publish(5);
    feed.receive(five);
    await waitFor(() => delivered.at(-1)?.offset === 5, 5_000, 'offset 5');
    expect(delivered.map((m) => m.offset)).toEqual([1, 4, 5]);
  });

  it('delivers a new epoch from its start', async () => {
    const { state, feed, publish, delivered } = await setup();
    await feed.start();
    feed.receive(await publish('old'));
    state.source = (await startBroker(createMemoryBroker())).broker;
    await publish('new 1');
    feed.receive(await publish('new 2'));
    await waitFor(() => delivered.length === 3, 5_000, 'three deliveries');
    expect(delivered.map((m) => [m.offset, m.data])).toEqual([
      [1, 'old'],
      [1, 'new 1'],
      [2, 'new 2'],
    ]);
    expect(delivered[1]?.epoch).not.toBe(delivered[0]?.epoch);
  });

  it('waits for resync after a failed repair, then catches up', async () => {
    const { state, feed, publish, data, errors } = await setup();
    await feed.start();
    feed.receive(await publish(1));
    await publish(2);
    state.failing = true;
    feed.receive(await publish(3));
    await waitFor(() => errors.length === 1, 5_000, 'the failed repair');
    feed.receive(await publish(4));
    expect(data()).toEqual([1]);
    state.failing = false;
    await publish(5);
    feed.resync();
    await waitFor(() => data().length === 5, 5_000, 'catch-up');
    expect(data()).toEqual([1, 2, 3, 4, 5]);
  });

  it('delivers nothing once closed', async () => {
    const { feed, publish, delivered } = await setup();
    await feed.start();
    feed.close();
    feed.receive(await publish(1));
    expect(delivered).toEqual([]);
  });
});
