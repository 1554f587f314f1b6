import { CloseCode, ErrorCode } from '@hubbub/protocol';
import { type Broker, BrokerUnavailableError, createMemoryBroker } from '@hubbub/server';
import { describe, expect, it } from 'vitest';
import { startHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';
import { connectClient, TestClient } from './utils/tclient.js';

describe('hub.close', () => {
  it('sends goaway with staggered retry hints, closes with 1001, then refuses new sockets', async () => {
    const { hub, url } = await startHub({ goAwaySpreadMs: 10_000 });
    const clients = await Promise.all(Array.from({ length: 8 }, () => connectClient(url)));
    const closing = hub.close({ drainMs: 2_000 });
    const hints = await Promise.all(clients.map((c) => c.waitForMessage('goaway')));
    const closes = await Promise.all(clients.map((c) => c.waitForClose()));
    await closing;
    expect(closes.every((c) => c.code === CloseCode.GoingAway)).toBe(true);
    expect(hints.every((h) => h.retryMs >= 0 && h.retryMs < 10_000)).toBe(true);
    expect(new Set(hints.map((h) => h.retryMs)).size).toBeGreaterThan(1);
    await expect(new TestClient(url).opened).rejects.toThrow();
  });

  it('waits for in-flight publishes so their acks reach the client before 1001', async () => {
    const inner = createMemoryBroker();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const broker: Broker = {
      ...bind(inner),
      publish: async (topic, data, key) => {
        await gate;
        return inner.publish(topic, data, key);
      },
    };
    const { hub, url } = await startHub({ broker });
    const c = await connectClient(url);
    c.send({ type: 'pub', id: 1, topic: 'slow', data: 1 });
    await waitFor(() => hub.stats().published === 1);
    const closing = hub.close({ drainMs: 3_000 });
    setTimeout(release, 50);
    const ack = await c.waitForMessage('ack');
    expect(ack.offset).toBe(1);
    expect((await c.waitForClose()).code).toBe(CloseCode.GoingAway);
    await closing;
  });
});

function bind(b: Broker): Broker {
  return {
    start: (ctx) => b.start(ctx),
    isReady: () => b.isReady(),
    publish: (t, d, k) => b.publish(t, d, k),
    listen: (t) => b.listen(t),
    unlisten: (t) => b.unlisten(t),
    read: (t, q) => b.read(t, q),
    close: () => b.close(),
  };
}

describe('events and stats', () => {
  it('emits connection and disconnect, counts messages, closes and terminates on demand', async () => {
    const { hub, url } = await startHub();
    const events: string[] = [];
    hub.on('connection', ({ sid }) => events.push(`connection ${sid}`));
    hub.on('disconnect', ({ sid, code }) => events.push(`disconnect ${sid} ${code}`));
    const a = await connectClient(url);
    const b = await connectClient(url);
    const [sa, sb] = hub.connections();
    expect(hub.disconnect(sa!, 4000, 'bye')).toBe(true);
    expect(hub.disconnect('nope')).toBe(false);
    expect(await a.waitForClose()).toEqual({ code: 4000, reason: 'bye' });
    hub.terminateAll();
    expect((await b.waitForClose()).code).toBe(CloseCode.Abnormal);
    await waitFor(() => events.length === 4);
    expect(events).toEqual([
      `connection ${sa}`,
      `connection ${sb}`,
      `disconnect ${sa} 4000`,
      `disconnect ${sb} 1006`,
    ]);
    const s = hub.stats();
    expect(s.connections).toBe(0);
    expect(s.messagesIn).toBe(2);
    expect(s.messagesOut).toBe(2);
    const c = await connectClient(url);
    hub.closeAll(4001, 'all');
    expect((await c.waitForClose()).code).toBe(4001);
  });
});

describe('user hooks that throw', () => {
  it('answers INTERNAL when authorize throws, 1011 when a connection listener throws, and keeps running', async () => {
    const errors: Error[] = [];
    const { hub, url } = await startHub({
      authorize: (_p, _a, topic) => {
        if (topic === 'boom') throw new Error('authorize exploded');
        return true;
      },
    });
    hub.on('error', (e) => errors.push(e));
    const c = await connectClient(url);
    c.send({ type: 'sub', id: 1, topic: 'boom' });
    const err = await c.waitForMessage('error', (m) => m.id === 1);
    expect(err.code).toBe(ErrorCode.Internal);
    await c.subscribe('fine', 2);
    hub.once('connection', () => {
      throw new Error('listener exploded');
    });
    const d = new TestClient(url);
    await d.opened;
    d.send({ type: 'connect' });
    expect((await d.waitForClose()).code).toBe(CloseCode.InternalError);
    expect(errors.map((e) => e.message)).toEqual(['authorize exploded', 'listener exploded']);
    await hub.publish('fine', 'still here');
    expect((await c.waitForMessage('msg')).data).toBe('still here');
  });

  it('answers FORBIDDEN when an async authorize refuses', async () => {
    const { url } = await startHub({
      authorize: async (p, action) => action === 'subscribe' || p === 'admin',
    });
    const c = await connectClient(url);
    c.send({ type: 'pub', id: 3, topic: 'a', data: 1 });
    expect((await c.waitForMessage('error', (m) => m.id === 3)).code).toBe(ErrorCode.Forbidden);
  });
});

describe('broker failures', () => {
  it('rejects hub.publish and answers UNAVAILABLE to clients when the broker cannot publish', async () => {
    const inner = createMemoryBroker();
    let down = false;
    const broker: Broker = {
      ...bind(inner),
      publish: async (t, d, k) => {
        if (down) throw new BrokerUnavailableError('broker down');
        return inner.publish(t, d, k);
      },
    };
    const { hub, url } = await startHub({ broker });
    const errors: Error[] = [];
    hub.on('error', (err) => errors.push(err));
    const c = await connectClient(url);
    down = true;
    await expect(hub.publish('x', 1)).rejects.toThrow('broker down');
    c.send({ type: 'pub', id: 1, topic: 'x', data: 1 });
    const err = await c.waitForMessage('error', (m) => m.id === 1);
    expect(err.code).toBe(ErrorCode.Unavailable);
    await expect(hub.publish('bad topic', 1)).rejects.toThrow(TypeError);
    expect(errors).toEqual([]);
  });

  it('answers INTERNAL for a bug inside the broker and reports it on the error event', async () => {
    const buggy = (): Broker => ({
      ...bind(createMemoryBroker()),
      publish: async () => {
        throw new RangeError('offset table corrupt');
      },
    });
    const errors: Error[] = [];
    const quiet = await startHub({ broker: buggy(), exposeErrors: false });
    quiet.hub.on('error', (e) => errors.push(e));
    const c = await connectClient(quiet.url);
    c.send({ type: 'pub', id: 1, topic: 'x', data: 1 });
    const hidden = await c.waitForMessage('error', (m) => m.id === 1);
    expect([hidden.code, hidden.message]).toEqual([ErrorCode.Internal, 'not published: internal error']);
    expect(errors.map((e) => e.message)).toEqual(['offset table corrupt']);
    const open = await startHub({ broker: buggy(), exposeErrors: true });
    open.hub.on('error', () => undefined);
    const d = await connectClient(open.url);
    d.send({ type: 'pub', id: 2, topic: 'x', data: 1 });
    const shown = await d.waitForMessage('error', (m) => m.id === 2);
    expect(shown.message).toBe('not published: offset table corrupt');
  });

  it('refuses data that cannot be serialised before storing anything', async () => {
    const { hub, url } = await startHub();
    await expect(hub.publish('big', { n: 1n })).rejects.toThrow(/cannot be serialised/);
    const c = await connectClient(url);
    const sub = await c.subscribe('big', 1, { last: 10 });
    expect(sub).toMatchObject({ replayed: 0, position: { offset: 0 } });
    expect(c.received.filter((m) => m.type === 'error')).toEqual([]);
  });
});

describe('fan-out and flow control', () => {
  it('sends binary payloads as binary frames to every subscriber', async () => {
    const { hub, url } = await startHub();
    const subs = await Promise.all([connectClient(url), connectClient(url), connectClient(url)]);
    await Promise.all(subs.map((s) => s.subscribe('bin', 1)));
    const pub = await connectClient(url);
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const { encodeClientMessage } = await import('@hubbub/protocol');
    pub.send(
      Buffer.from(encodeClientMessage({ type: 'pub', id: 1, topic: 'bin', data: bytes }) as Uint8Array),
      true,
    );
    await pub.waitForMessage('ack');
    for (const s of subs) {
      const m = await s.waitForMessage('msg');
      expect(Array.from(m.data as Uint8Array)).toEqual([0, 1, 2, 250, 255]);
    }
    await hub.publish('bin', { json: true });
    for (const s of subs) expect((await s.waitForMessage('msg')).data).toEqual({ json: true });
  });

  it('closes a consumer that stops reading with 4509 while the others get every message', async () => {
    const { hub, url } = await startHub({ limits: { maxBufferedBytes: 256 * 1024 } });
    const fast = await connectClient(url);
    const slow = await connectClient(url);
    await fast.subscribe('firehose', 1);
    await slow.subscribe('firehose', 1);
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const chunk = 'x'.repeat(64 * 1024);
    let sent = 0;
    while (hub.stats().slowConsumers === 0 && sent < 2_000) {
      await hub.publish('firehose', chunk);
      sent++;
      if (sent % 20 === 0) await fast.waitForMessage('msg', (m) => m.offset === sent);
    }
    expect(hub.stats().slowConsumers).toBe(1);
    await hub.publish('firehose', 'after');
    const last = await fast.waitForMessage('msg', (m) => m.data === 'after');
    expect(last.offset).toBe(sent + 1);
    const others = fast.received.filter((m) => m.type === 'msg').length;
    expect(others + Math.floor(sent / 20) + 1).toBe(sent + 1);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await slow.waitForClose(10_000)).code).toBe(CloseCode.SlowConsumer);
    expect(hub.stats().dropped).toBeGreaterThan(0);
  });

  it('compresses with permessage-deflate when turned on', async () => {
    const { hub, url } = await startHub({ perMessageDeflate: { threshold: 0 } });
    const c = new TestClient(url, { perMessageDeflate: true });
    await c.connect();
    expect(c.ws.extensions).toContain('permessage-deflate');
    await c.subscribe('z', 1);
    await hub.publish('z', 'y'.repeat(10_000));
    expect((await c.waitForMessage('msg')).data).toBe('y'.repeat(10_000));
  });
});
