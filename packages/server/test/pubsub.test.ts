import { describe, expect, it } from 'vitest';
import { startHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';
import { connectClient, TestClient } from './utils/tclient.js';

describe('publish and subscribe', () => {
  it('welcomes with the limits, acks client publishes with offsets, delivers to subscribers', async () => {
    const { hub, url } = await startHub({
      limits: { publishRate: 50, publishBurst: 60, maxSubscriptions: 8 },
    });
    const a = await connectClient(url);
    const b = await connectClient(url);
    const sub = await b.subscribe('room:1', 1);
    expect(sub).toMatchObject({ topic: 'room:1', recovered: true, replayed: 0, position: { offset: 0 } });
    a.send({ type: 'pub', id: 7, topic: 'room:1', data: { text: 'hi' } });
    const ack = await a.waitForMessage('ack', (m) => m.id === 7);
    expect(ack.offset).toBe(1);
    expect(ack.epoch).toBe(sub.position.epoch);
    const msg = await b.waitForMessage('msg');
    expect(msg).toMatchObject({ topic: 'room:1', offset: 1, data: { text: 'hi' } });
    expect(msg.replayed).toBeUndefined();
    const r = await hub.publish('room:1', [1, 2]);
    expect(r.offset).toBe(2);
    expect((await b.waitForMessage('msg')).data).toEqual([1, 2]);
    await waitFor(() => hub.stats().subscriptions === 1);
    expect(hub.stats()).toMatchObject({ connections: 2, topics: 1, published: 2 });
  });

  it('announces limits and heartbeat in welcome', async () => {
    const { url } = await startHub({
      limits: { publishRate: 5, publishBurst: 9, maxSubscriptions: 3, maxPayloadBytes: 1000 },
      heartbeat: { intervalMs: 1234 },
    });
    const c = new TestClient(url);
    const welcome = await c.connect();
    expect(welcome.heartbeatMs).toBe(1234);
    expect(welcome.ttlMs).toBeUndefined();
    // The ones given, and the defaults of the rest (protocol-contract.test.ts sets them all).
    expect(welcome.limits).toEqual({
      publishRate: 5,
      publishBurst: 9,
      maxSubscriptions: 3,
      maxPayloadBytes: 1000,
      connectTimeoutMs: 10_000,
      heartbeatTimeoutMs: 10_000,
      tokenGraceMs: 5_000,
      maxMalformedFrames: 10,
      maxRateLimitStrikes: 50,
      idempotencyTtlMs: 120_000,
      history: { size: 100, ttlMs: 300_000 },
    });
    expect(welcome.sid).toMatch(/\S/);
  });

  it('lets authorize check a publish by its data and refuse with its own message', async () => {
    const { hub, url } = await startHub({
      authorize: (_principal, action, _topic, data) =>
        action !== 'publish' || String((data as { text?: string }).text).length <= 5 || 'text longer than 5',
    });
    const a = await connectClient(url);
    const b = await connectClient(url);
    await b.subscribe('room:2', 1);
    a.send({ type: 'pub', id: 1, topic: 'room:2', data: { text: 'far too long' } });
    expect(await a.waitForMessage('error', (m) => m.id === 1)).toMatchObject({
      code: 'FORBIDDEN',
      message: 'text longer than 5',
    });
    a.send({ type: 'pub', id: 2, topic: 'room:2', data: { text: 'short' } });
    expect((await a.waitForMessage('ack', (m) => m.id === 2)).offset).toBe(1);
    expect((await b.waitForMessage('msg')).data).toEqual({ text: 'short' });
    expect(hub.stats()).toMatchObject({ published: 1 });
  });
});
