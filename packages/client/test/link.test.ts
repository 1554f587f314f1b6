import type { CloseContext, HubbubError } from '@hubbub/client';
import { describe, expect, it } from 'vitest';
import { connectClient, waitForState, waitSubscribed } from '../../../test/utils/client.js';
import { startHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';
import { proxyTo } from './utils/harness.js';

describe('link faults through the TCP proxy', () => {
  it('detects a frozen link within the heartbeat timeout and reconnects', async () => {
    const { port } = await startHub({ heartbeat: { intervalMs: 300, timeoutMs: 20_000 } });
    const proxy = await proxyTo(port);
    const client = connectClient(proxy.port);
    const closes: CloseContext[] = [];
    client.on('close', (c) => closes.push(c));
    await waitForState(client, 'open');

    proxy.freeze();
    const frozenAt = Date.now();
    await waitForState(client, 'reconnecting', 10_000);
    const detectedAfter = Date.now() - frozenAt;
    // Default timeout: heartbeatMs (300) + max(1 s, heartbeatMs / 2) = 1.3 s of silence.
    expect(detectedAfter).toBeLessThan(1_300 + 1_000);
    expect(closes).toEqual([{ code: 1006, reason: 'heartbeat timeout', wasClean: false }]);

    await waitForState(client, 'open');
    expect(proxy.accepted).toBe(2);
  });

  it('resends a publish whose ack was lost, and the server delivers it once', async () => {
    const { hub, port } = await startHub();
    const proxy = await proxyTo(port);
    const reader = connectClient(port);
    const got: unknown[] = [];
    const sub = reader.subscribe('once', (data) => got.push(data));
    await waitSubscribed(sub);
    const writer = connectClient(proxy.port);
    await waitForState(writer, 'open');

    proxy.freeze('down');
    const acked = writer.publish('once', 'exactly-once');
    await waitFor(() => got.length === 1, 10_000, 'first delivery');
    proxy.cut();
    const ack = await acked;
    await hub.publish('once', 'marker');
    await waitFor(() => got.includes('marker'), 10_000, 'marker');

    expect(got).toEqual(['exactly-once', 'marker']);
    expect(ack.offset).toBe(1);
    expect(proxy.accepted).toBe(2);
  });

  it('an ack that does not come back in time is OUTCOME_UNKNOWN with the key; publishing again with it stores once', async () => {
    const { port } = await startHub();
    const proxy = await proxyTo(port);
    const reader = connectClient(port);
    const got: unknown[] = [];
    const sub = reader.subscribe('t', (data) => got.push(data));
    await waitSubscribed(sub);
    const client = connectClient(proxy.port, { ackTimeoutMs: 300 });
    await waitForState(client, 'open');
    proxy.freeze('down');
    const err = (await client.publish('t', 'once', { key: 'order-17' }).catch((e) => e)) as HubbubError;
    expect(err).toMatchObject({ code: 'OUTCOME_UNKNOWN', key: 'order-17' });
    proxy.thaw();
    const again = await client.publish('t', 'once', { key: err.key });
    await client.publish('t', 'marker');
    await waitFor(() => got.includes('marker'), 10_000, 'marker');
    expect(again.offset).toBe(1);
    expect(got).toEqual(['once', 'marker']);
  });

  it('a publish sent before the link dropped for good rejects with OUTCOME_UNKNOWN and its key', async () => {
    const { port } = await startHub();
    const proxy = await proxyTo(port);
    const client = connectClient(proxy.port, { reconnect: { maxAttempts: 0 } });
    client.on('error', () => {});
    await waitForState(client, 'open');
    proxy.freeze('down');
    // A generated key comes back too.
    const sent = client.publish('t', 1).catch((e: HubbubError) => e);
    await waitFor(() => client.queue.length === 0, 10_000, 'the publish on the wire');
    proxy.cut();
    await waitForState(client, 'closed');
    expect(await sent).toMatchObject({
      code: 'OUTCOME_UNKNOWN',
      key: expect.stringMatching(/^[\w-]{1,64}$/),
      cause: expect.objectContaining({ code: 'RECONNECT_FAILED' }),
    });
  });

  it('keeps the queue bounded by the high-water mark and ordered over a throttled link', async () => {
    const { port } = await startHub({ limits: { publishRate: 1_000, publishBurst: 1_000 } });
    const proxy = await proxyTo(port);
    const reader = connectClient(port);
    const got: number[] = [];
    const sub = reader.subscribe('bulk', (data) => got.push((data as { i: number }).i));
    await waitSubscribed(sub);

    proxy.throttle(1024 * 1024, 'up');
    const HWM = 64 * 1024;
    const writer = connectClient(proxy.port, { sendQueue: { highWaterMark: HWM, maxQueued: 400 } });
    await waitForState(writer, 'open');
    const pad = 'x'.repeat(16 * 1024);
    const FRAME = pad.length + 100;
    let maxBuffered = 0;
    let maxLength = 0;
    const sampler = setInterval(() => {
      maxBuffered = Math.max(maxBuffered, writer.queue.bufferedAmount);
      maxLength = Math.max(maxLength, writer.queue.length);
    }, 2);
    try {
      const acks = Array.from({ length: 400 }, (_, i) => writer.publish('bulk', { i, pad }));
      await expect(writer.publish('bulk', { i: -1, pad })).rejects.toMatchObject({ code: 'QUEUE_FULL' });
      const offsets = (await Promise.all(acks)).map((a) => a.offset);
      expect(offsets).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    } finally {
      clearInterval(sampler);
    }
    await waitFor(() => got.length === 400, 20_000, 'all 400 delivered');

    expect(got).toEqual(Array.from({ length: 400 }, (_, i) => i));
    // The throttle pushed back all the way to the socket buffer, and no further.
    expect(maxBuffered).toBeGreaterThan(HWM / 2);
    expect(maxBuffered).toBeLessThan(HWM + FRAME);
    expect(maxLength).toBeGreaterThan(0);
  });
});

describe('payloads and publish errors against a real hub', () => {
  it('binary publishes arrive as bytes', async () => {
    const { port } = await startHub();
    const reader = connectClient(port);
    const got: unknown[] = [];
    const sub = reader.subscribe('bin', (data) => got.push(data));
    await waitSubscribed(sub);
    const writer = connectClient(port);
    const bytes = new Uint8Array([0, 1, 2, 127, 128, 253, 254, 255]);
    await writer.publish('bin', bytes);
    await writer.publish('bin', new Uint8Array([9, 8, 7]).buffer);
    await waitFor(() => got.length === 2, 10_000, 'two binary messages');

    expect(got[0]).toBeInstanceOf(Uint8Array);
    expect([...(got[0] as Uint8Array)]).toEqual([...bytes]);
    expect([...(got[1] as Uint8Array)]).toEqual([9, 8, 7]);
  });

  it('rejects with typed errors: FORBIDDEN, TOO_BIG, QUEUE_FULL, BAD_TOPIC', async () => {
    const { port } = await startHub({
      limits: { maxPayloadBytes: 1_024 },
      authorize: (_p, action, topic) => !(action === 'publish' && topic.startsWith('secret')),
    });
    const client = connectClient(port, { sendQueue: { maxQueued: 2 } });
    const first = client.publish('a', 1);
    const second = client.publish('a', 2);
    await expect(client.publish('a', 3)).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);

    await expect(client.publish('secret.x', 1)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(client.publish('a', 'y'.repeat(2_000))).rejects.toMatchObject({ code: 'TOO_BIG' });
    await expect(client.publish('bad topic', 1)).rejects.toMatchObject({ code: 'BAD_TOPIC' });
    expect(client.state).toBe('open');
  });

  it('a refused subscription ends its handles with an error', async () => {
    const { port } = await startHub({
      authorize: (_p, action, topic) => action !== 'subscribe' || topic !== 'vault',
    });
    const client = connectClient(port);
    const sub = client.subscribe('vault', () => {});
    const err = await new Promise<HubbubError>((resolve) => sub.on('error', resolve));
    expect(err.code).toBe('FORBIDDEN');
    expect(sub.state).toBe('unsubscribed');
  });

  it('subscribing a topic twice shares one wire subscription; each handle unsubscribes itself', async () => {
    const { hub, port } = await startHub();
    const client = connectClient(port);
    const a: unknown[] = [];
    const b: unknown[] = [];
    const subA = client.subscribe('dup', (d) => a.push(d));
    const subB = client.subscribe('dup', (d) => b.push(d));
    await waitSubscribed(subA);
    await waitSubscribed(subB);
    expect(hub.stats().subscriptions).toBe(1);

    await hub.publish('dup', 1);
    await waitFor(() => a.length === 1 && b.length === 1, 10_000, 'both handles got it');
    subA.unsubscribe();
    await hub.publish('dup', 2);
    await waitFor(() => b.length === 2, 10_000, 'second message');
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);
    expect(subA.state).toBe('unsubscribed');

    subB.unsubscribe();
    await waitFor(() => hub.stats().subscriptions === 0, 10_000, 'server forgot the subscription');
  });
});
