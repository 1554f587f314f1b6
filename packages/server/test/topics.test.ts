import { describe, expect, it } from 'vitest';
import { startHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';
import { type Subscriber, TopicIndex, topicCount } from '../src/topics.js';
import { connectClient } from './utils/tclient.js';

describe('TopicIndex', () => {
  it('keeps both directions and reports first and last subscribers', () => {
    const index = new TopicIndex<Subscriber>();
    const a: Subscriber = { topics: null };
    const b: Subscriber = { topics: null };
    expect(index.add(a, 't')).toBe(true);
    expect(index.add(b, 't')).toBe(false);
    expect(index.add(a, 't')).toBe(false);
    expect(index.subscriptions).toBe(2);
    expect(index.remove(a, 't')).toBe(false);
    expect(a.topics).toBeNull();
    expect(index.removeAll(b)).toEqual(['t']);
    expect(index.size).toBe(0);
    expect(index.subscriptions).toBe(0);
  });

  it('holds one topic inline and more in a set, through every add and remove', () => {
    const index = new TopicIndex<Subscriber>();
    const a: Subscriber = { topics: null };
    index.add(a, 'x');
    expect(a.topics).toBe('x');
    expect(topicCount(a)).toBe(1);
    expect(index.add(a, 'y')).toBe(true);
    expect(index.add(a, 'x')).toBe(false);
    expect(topicCount(a)).toBe(2);
    expect(index.has(a, 'x') && index.has(a, 'y') && !index.has(a, 'z')).toBe(true);
    expect(index.remove(a, 'z')).toBe(false);
    expect(index.remove(a, 'x')).toBe(true);
    expect(a.topics).toBe('y');
    expect(index.has(a, 'x')).toBe(false);
    index.add(a, 'x');
    index.add(a, 'z');
    expect(index.removeAll(a).sort()).toEqual(['x', 'y', 'z']);
    expect(a.topics).toBeNull();
    expect(index.subscriptions).toBe(0);
    expect(index.subscribers('y')).toBeUndefined();
  });
});

describe('subscriptions over a socket', () => {
  it('leaves the topic index empty after 100k subscribe/unsubscribe cycles', async () => {
    const { hub, url } = await startHub({ limits: { publishRate: 1_000_000, publishBurst: 1_000_000 } });
    const c = await connectClient(url);
    const cycles = 100_000;
    // Within the 1024 frames a connection may have waiting behind a subscribe.
    const batch = 400;
    for (let start = 0; start < cycles; start += batch) {
      const frames: string[] = [];
      for (let i = start; i < start + batch; i++) {
        const topic = `cycle:${i % 500}`;
        frames.push(
          JSON.stringify({ type: 'sub', id: i * 2, topic }),
          JSON.stringify({ type: 'unsub', id: i * 2 + 1, topic }),
        );
      }
      for (const f of frames) c.ws.send(f);
      const lastId = (start + batch - 1) * 2 + 1;
      await c.waitForMessage('unsubscribed', (m) => m.id === lastId, 20_000);
      c.received.length = 0;
    }
    expect(hub.stats()).toMatchObject({ topics: 0, subscriptions: 0 });
  }, 60_000);

  it('enforces maxSubscriptions and releases everything on disconnect', async () => {
    const { hub, url } = await startHub({ limits: { maxSubscriptions: 3 } });
    const c = await connectClient(url);
    for (let i = 1; i <= 3; i++) await c.subscribe(`m${i}`, i);
    c.send({ type: 'sub', id: 4, topic: 'm4' });
    expect((await c.waitForMessage('error', (m) => m.id === 4)).code).toBe('TOO_MANY_SUBSCRIPTIONS');
    c.send({ type: 'unsub', id: 5, topic: 'm4' });
    expect((await c.waitForMessage('error', (m) => m.id === 5)).code).toBe('NOT_SUBSCRIBED');
    expect(hub.stats()).toMatchObject({ topics: 3, subscriptions: 3 });
    c.close();
    await waitFor(() => hub.stats().connections === 0);
    expect(hub.stats()).toMatchObject({ topics: 0, subscriptions: 0 });
  });
});
