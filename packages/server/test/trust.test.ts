/**
 * Regression tests for the holes in the delivery promise found from outside (issue #10): each
 * case fails on the code before the fix.
 */
import { CloseCode } from '@hubbub/protocol';
import { createMemoryBroker, createPublisher, createRedisBroker, createServer } from '@hubbub/server';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeHubs, startHub } from '../../../test/utils/hub.js';
import { type RedisHandle, startRedis } from '../../../test/utils/redis.js';
import { connectClient, TestClient } from './utils/tclient.js';

afterEach(closeHubs);

const byToken = ({ token }: { token: string | undefined }) =>
  token ? { principal: token, userId: token } : null;

describe('case 1: idempotency keys are scoped by publisher', () => {
  it("does not answer Bob's publish with Alice's ack for the same key", async () => {
    const { hub, url } = await startHub({ authenticate: byToken });
    const watcher = await connectClient(url, 'carol');
    await watcher.subscribe('room', 1);
    const alice = await connectClient(url, 'alice');
    const bob = await connectClient(url, 'bob');
    alice.send({ type: 'pub', id: 1, topic: 'room', data: 'from alice', key: 'msg-1' });
    const a = await alice.waitForMessage('ack', (m) => m.id === 1);
    bob.send({ type: 'pub', id: 1, topic: 'room', data: 'from bob', key: 'msg-1' });
    const b = await bob.waitForMessage('ack', (m) => m.id === 1);
    expect(b.offset).not.toBe(a.offset);
    await watcher.waitForMessage('msg', (m) => m.offset === b.offset);
    expect(hub.stats().published).toBe(2);
  });

  it('still dedupes one user retrying on a new connection, and an anonymous client instance', async () => {
    const { url } = await startHub({
      authenticate: ({ token }) => (token ? { principal: token, userId: token } : { principal: null }),
    });
    const first = await connectClient(url, 'alice');
    first.send({ type: 'pub', id: 1, topic: 't', data: 1, key: 'k1' });
    const a = await first.waitForMessage('ack');
    first.close();
    const again = await connectClient(url, 'alice');
    again.send({ type: 'pub', id: 1, topic: 't', data: 1, key: 'k1' });
    expect((await again.waitForMessage('ack')).offset).toBe(a.offset);

    const anon = new TestClient(url);
    await anon.opened;
    anon.send({ type: 'connect', client: 'tab-7' });
    await anon.waitForMessage('welcome');
    anon.send({ type: 'pub', id: 1, topic: 't', data: 2, key: 'k1' });
    const b = await anon.waitForMessage('ack');
    expect(b.offset).not.toBe(a.offset);
    anon.close();
    const back = new TestClient(url);
    await back.opened;
    back.send({ type: 'connect', client: 'tab-7' });
    await back.waitForMessage('welcome');
    back.send({ type: 'pub', id: 1, topic: 't', data: 2, key: 'k1' });
    expect((await back.waitForMessage('ack')).offset).toBe(b.offset);
    const stranger = await connectClient(url);
    stranger.send({ type: 'pub', id: 1, topic: 't', data: 3, key: 'k1' });
    expect((await stranger.waitForMessage('ack')).offset).toBe((b.offset ?? 0) + 1);
  });
});

describe('case 3: replay streams under backpressure', () => {
  it('completes a replay far larger than maxBufferedBytes without closing the client', async () => {
    const { hub, url } = await startHub({
      history: { size: 1_000, ttlMs: 60_000 },
      limits: { maxBufferedBytes: 64 * 1024, maxPayloadBytes: 32 * 1024 },
    });
    const blob = 'x'.repeat(16 * 1024);
    let epoch = '';
    for (let i = 1; i <= 800; i++) epoch = (await hub.publish('big', { i, blob })).epoch;
    const c = await connectClient(url);
    const sub = await c.subscribe('big', 1, { since: { epoch, offset: 0 } });
    expect(sub).toMatchObject({ recovered: true, replayed: 800 });
    // Live messages published while the replay streams are held and follow it, in order.
    for (let i = 801; i <= 810; i++) await hub.publish('big', { i, blob: '' });
    await c.waitForMessage('msg', (m) => m.offset === 810, 20_000);
    const offsets = c.received.filter((m) => m.type === 'msg').map((m) => (m as { offset: number }).offset);
    expect(offsets).toEqual(Array.from({ length: 809 }, (_, i) => i + 1));
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect(hub.stats().slowConsumers).toBe(0);
  });
});

describe('case 4: a new epoch is delivered after the gap', () => {
  it('sends a returning client every message of the new epoch after recovered: false', async () => {
    const first = await startHub();
    const old = (await first.hub.publish('chat', 'before restart')).epoch;
    const port = first.hub.address().port;
    await first.hub.close({ drainMs: 100 });
    const hub = createServer({ port, host: '127.0.0.1', broker: createMemoryBroker() });
    await hub.ready;
    try {
      const queued = await hub.publish('chat', 'queued while away');
      const c = await connectClient(`ws://127.0.0.1:${port}`);
      const sub = await c.subscribe('chat', 1, { since: { epoch: old, offset: 1 } });
      expect(sub).toMatchObject({
        recovered: false,
        replayed: 1,
        position: { epoch: queued.epoch, offset: 1 },
      });
      const m = await c.waitForMessage('msg');
      expect([m.epoch, m.offset, m.data, m.replayed]).toEqual([queued.epoch, 1, 'queued while away', true]);
      await hub.publish('chat', 'live');
      expect((await c.waitForMessage('msg')).offset).toBe(2);
    } finally {
      await hub.close({ drainMs: 100 });
    }
  });
});

describe('case 5: subprotocol selection', () => {
  it('selects hubbub.v1 wherever it is in the offer', async () => {
    const { url } = await startHub();
    const ws = new WebSocket(url, ['foo', 'hubbub.v1']);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('hubbub.v1');
    ws.close();
  });
});

describe('case 6: errors', () => {
  it('refuses unserialisable data at hub.publish and from createPublisher, storing nothing', async () => {
    const { hub, url } = await startHub();
    await expect(hub.publish('t', { n: 1n })).rejects.toThrow(TypeError);
    const c = await connectClient(url);
    const sub = await c.subscribe('t', 1, { last: 5 });
    expect(sub).toMatchObject({ replayed: 0, position: { offset: 0 } });
    await new Promise((r) => setTimeout(r, 50));
    expect(c.received.filter((m) => m.type === 'error')).toEqual([]);
    const publisher = createPublisher({ url: 'redis://127.0.0.1:1' });
    await expect(publisher.publish('t', { n: 1n })).rejects.toThrow(/cannot be serialised/);
    await publisher.close();
  });

  it('closes with 1011 and reports on the error event when authenticate returns an info too big', async () => {
    const errors: Error[] = [];
    const { hub, url } = await startHub({
      authenticate: () => ({ principal: 'p', info: { bio: 'x'.repeat(5_000) } }),
    });
    hub.on('error', (e) => errors.push(e));
    const c = new TestClient(url);
    await c.opened;
    c.send({ type: 'connect' });
    expect((await c.waitForClose()).code).toBe(CloseCode.InternalError);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/info of \d+ bytes/)]);
  });
});

describe('case 7: options are never silently ignored', () => {
  it('refuses unknown options with a TypeError naming them', () => {
    expect(() => createServer({ noServer: true, histroy: { size: 5 } } as never)).toThrow(
      /unknown option "histroy"/,
    );
    expect(() => createServer({ noServer: true, limits: { maxPayload: 5 } } as never)).toThrow(
      /limits: unknown option "maxPayload"/,
    );
    expect(() => createRedisBroker({ url: 'redis://127.0.0.1:1', prefx: 'a' } as never)).toThrow(
      /unknown option "prefx"/,
    );
    expect(() => createPublisher({ url: 'redis://127.0.0.1:1', prefix: 'a', sharde: true } as never)).toThrow(
      /unknown option "sharde"/,
    );
    expect(() => createRedisBroker({ url: 'redis://127.0.0.1:1', prefix: 'a' }, { prefix: 'b' })).toThrow(
      /given twice/,
    );
  });
});

describe('case 7 on a real Redis: the prefix in the first argument is the one used', () => {
  let redis: RedisHandle | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it('shares keys between createRedisBroker({ url, prefix }) and createPublisher({ url, prefix })', async () => {
    redis = await startRedis({ own: true });
    const { hub, url } = await startHub({ broker: createRedisBroker({ url: redis.url, prefix: 'app1' }) });
    const c = await connectClient(url);
    await c.subscribe('news', 1);
    const publisher = createPublisher({ url: redis.url, prefix: 'app1' });
    try {
      const { offset } = await publisher.publish('news', 'hello');
      const m = await c.waitForMessage('msg');
      expect([m.offset, m.data]).toEqual([offset, 'hello']);
      const admin = new Redis(redis.url);
      expect((await admin.keys('*')).filter((k) => !/^\{app1[:}]/.test(k))).toEqual([]);
      admin.disconnect();
      expect(hub.stats().brokerReady).toBe(true);
    } finally {
      await publisher.close();
    }
  });
});

describe('case 7: the options of admin calls are checked too', () => {
  it('refuses unknown options of disconnectUser and connectionsOf', async () => {
    const { hub } = await startHub();
    await expect(hub.disconnectUser('u1', { cod: 4409 } as never)).rejects.toThrow(/unknown option "cod"/);
    await expect(hub.connectionsOf('u1', { timeout: 5 } as never)).rejects.toThrow(
      /unknown option "timeout"/,
    );
  });
});
