import { type Broker, createMemoryBroker } from '@hubbub/server';
import { describe, expect, it } from 'vitest';
import { startHub } from '../../../test/utils/hub.js';
import { connectClient, type TestClient } from './utils/tclient.js';

/** Records the order of `subscribed` and `msg` frames as the socket receives them. */
function record(c: TestClient): string[] {
  const order: string[] = [];
  c.ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString());
    if (m.type === 'subscribed') order.push('subscribed');
    if (m.type === 'msg') order.push(`${m.offset} ${m.replayed ? 'replayed' : 'live'}`);
  });
  return order;
}

function msgs(c: TestClient): Array<{ offset: number; data: unknown; replayed?: boolean }> {
  return c.received.filter((m) => m.type === 'msg') as never;
}

describe('history and replay', () => {
  it('replays what was missed after a position, flagged, before live messages', async () => {
    const { hub, url } = await startHub();
    let epoch = '';
    for (let i = 1; i <= 6; i++) epoch = (await hub.publish('feed', i)).epoch;
    const c = await connectClient(url);
    const order = record(c);
    const sub = await c.subscribe('feed', 1, { since: { epoch, offset: 3 } });
    expect(sub).toMatchObject({ recovered: true, replayed: 3, position: { epoch, offset: 6 } });
    await c.waitForMessage('msg', (m) => m.offset === 6);
    await hub.publish('feed', 7);
    await c.waitForMessage('msg', (m) => m.offset === 7);
    expect(order).toEqual(['subscribed', '4 replayed', '5 replayed', '6 replayed', '7 live']);
  });

  it('keeps order with no gap and no duplicate when publishes land during the replay', async () => {
    const inner = createMemoryBroker();
    // A slower history read, so live publishes land both before and after the read's snapshot.
    const broker: Broker = {
      start: (ctx) => inner.start(ctx),
      isReady: () => inner.isReady(),
      publish: (topic, data, key) => inner.publish(topic, data, key),
      listen: (topic) => inner.listen(topic),
      unlisten: (topic) => inner.unlisten(topic),
      close: () => inner.close(),
      read: async (topic, query) => {
        await new Promise((r) => setTimeout(r, 30));
        const read = await inner.read(topic, query);
        await new Promise((r) => setTimeout(r, 30));
        return read;
      },
    };
    const { hub, url } = await startHub({ broker, history: { size: 1000, ttlMs: 60_000 } });
    let epoch = '';
    for (let i = 1; i <= 200; i++) epoch = (await hub.publish('busy', i)).epoch;
    const c = await connectClient(url);
    const order = record(c);
    c.send({ type: 'sub', id: 1, topic: 'busy', since: { epoch, offset: 50 } });
    let last = 200;
    const subscribed = c.waitForMessage('subscribed');
    let done = false;
    subscribed.then(() => {
      done = true;
    });
    while (!done || last < 320) {
      last = (await hub.publish('busy', 'live')).offset;
      await new Promise((r) => setTimeout(r, 1));
    }
    const sub = await subscribed;
    await c.waitForMessage('msg', (m) => m.offset === last);
    expect(sub.position.offset).toBeGreaterThan(200);
    expect(order[0]).toBe('subscribed');
    const offsets = order.slice(1).map((o) => Number.parseInt(o, 10));
    expect(offsets).toEqual(Array.from({ length: last - 50 }, (_, i) => 51 + i));
    expect(order.filter((o) => o.endsWith('replayed'))).toHaveLength(sub.replayed);
  });

  it('answers recovered: false for a wrong epoch or a trimmed range, then sends what history holds', async () => {
    const { hub, url } = await startHub({ history: { size: 3, ttlMs: 60_000 } });
    let epoch = '';
    for (let i = 1; i <= 10; i++) epoch = (await hub.publish('short', i)).epoch;
    const c = await connectClient(url);
    const wrong = await c.subscribe('short', 1, { since: { epoch: 'not-the-epoch', offset: 9 } });
    expect(wrong).toMatchObject({ recovered: false, replayed: 3, position: { epoch, offset: 10 } });
    const d = await connectClient(url);
    const trimmed = await d.subscribe('short', 1, { since: { epoch, offset: 2 } });
    expect(trimmed).toMatchObject({ recovered: false, replayed: 3, position: { epoch, offset: 10 } });
    const e = await connectClient(url);
    const kept = await e.subscribe('short', 1, { since: { epoch, offset: 7 } });
    expect(kept).toMatchObject({ recovered: true, replayed: 3 });
    await hub.publish('short', 11);
    for (const client of [c, d, e]) {
      const live = await client.waitForMessage('msg', (m) => m.offset === 11);
      expect(live.replayed).toBeUndefined();
      expect(msgs(client).map((m) => [m.offset, m.data, m.replayed])).toEqual([
        [8, 8, true],
        [9, 9, true],
        [10, 10, true],
      ]);
    }
  });

  it('starts live without a position, or with the last N when asked', async () => {
    const { hub, url } = await startHub();
    for (let i = 1; i <= 5; i++) await hub.publish('t', i);
    const c = await connectClient(url);
    const live = await c.subscribe('t', 1);
    expect(live).toMatchObject({ recovered: true, replayed: 0, position: { offset: 5 } });
    const d = await connectClient(url);
    const last = await d.subscribe('t', 1, { last: 2 });
    expect(last).toMatchObject({ replayed: 2, position: { offset: 5 } });
    const replayed = [await d.waitForMessage('msg'), await d.waitForMessage('msg')];
    expect(replayed.map((m) => [m.offset, m.replayed])).toEqual([
      [4, true],
      [5, true],
    ]);
    await hub.publish('t', 6);
    expect((await c.waitForMessage('msg')).offset).toBe(6);
  });

  it('gives a new epoch when the history is new (another broker)', async () => {
    const a = await startHub({ broker: createMemoryBroker() });
    const b = await startHub({ broker: createMemoryBroker() });
    const ra = await a.hub.publish('e', 1);
    const rb = await b.hub.publish('e', 1);
    expect(ra.offset).toBe(1);
    expect(rb.epoch).not.toBe(ra.epoch);
  });

  it('acks a publish retried with the same idempotency key with the original offset, delivered once', async () => {
    const { hub, url } = await startHub();
    const sub = await connectClient(url);
    await sub.subscribe('orders', 1);
    const pub = await connectClient(url);
    pub.send({ type: 'pub', id: 1, topic: 'orders', data: 'buy', key: 'k-1' });
    const first = await pub.waitForMessage('ack', (m) => m.id === 1);
    pub.send({ type: 'pub', id: 2, topic: 'orders', data: 'buy', key: 'k-1' });
    const retry = await pub.waitForMessage('ack', (m) => m.id === 2);
    expect(retry.offset).toBe(first.offset);
    await hub.publish('orders', 'marker');
    await sub.waitForMessage('msg', (m) => m.data === 'marker');
    expect(msgs(sub).map((m) => m.data)).toEqual(['buy']);
  });
});
