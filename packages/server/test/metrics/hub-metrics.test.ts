/**
 * Prometheus metrics after real traffic: every family is named with its type, and every counter
 * moves when its event happens.
 */
import { createServer as createHttpServer } from 'node:http';
import { CloseCode, RpcError } from '@hubbub/protocol';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { closeHubs, startHub, track } from '../../../../test/utils/hub.js';
import { startProxy } from '../../../../test/utils/proxy.js';
import { waitFor } from '../../../../test/utils/wait.js';
import { createServer, type Hub, type ServerOptions } from '../../src/index.js';
import { parseExposition } from '../utils/metrics.js';
import { connectClient, TestClient } from '../utils/tclient.js';

afterEach(closeHubs);

async function scrape(hub: Hub) {
  return parseExposition(await hub.metrics());
}

const FAMILIES = {
  hubbub_connections: 'gauge',
  hubbub_subscriptions: 'gauge',
  hubbub_topics: 'gauge',
  hubbub_broker_up: 'gauge',
  hubbub_messages_published_total: 'counter',
  hubbub_messages_delivered_total: 'counter',
  hubbub_messages_replayed_total: 'counter',
  hubbub_gaps_total: 'counter',
  hubbub_messages_dropped_total: 'counter',
  hubbub_frames_in_total: 'counter',
  hubbub_frames_out_total: 'counter',
  hubbub_frames_refused_total: 'counter',
  hubbub_slow_consumers_total: 'counter',
  hubbub_broker_repairs_total: 'counter',
  hubbub_broker_repaired_messages_total: 'counter',
  hubbub_disconnects_total: 'counter',
  hubbub_publish_ack_seconds: 'histogram',
};

describe('hub.metrics()', () => {
  it('exposes every family with its type after real traffic', async () => {
    const { hub, url } = await startHub();
    const c = await connectClient(url);
    await c.subscribe('news', 1);
    c.send({ type: 'pub', id: 2, topic: 'news', data: { n: 1 } });
    await c.waitForMessage('ack');
    const m = await scrape(hub);
    expect(Object.fromEntries([...m.types].filter(([name]) => name in FAMILIES))).toEqual(FAMILIES);
  });

  it('gauges connections, subscriptions, topics and broker up', async () => {
    const { hub, url } = await startHub();
    const a = await connectClient(url);
    const b = await connectClient(url);
    await a.subscribe('t1', 1);
    await a.subscribe('t2', 2);
    await b.subscribe('t1', 1);
    const m = await scrape(hub);
    expect([
      m.value('hubbub_connections'),
      m.value('hubbub_subscriptions'),
      m.value('hubbub_topics'),
      m.value('hubbub_broker_up'),
    ]).toEqual([2, 3, 2, 1]);
    b.close();
    await waitFor(() => hub.stats().connections === 1);
    expect((await scrape(hub)).value('hubbub_connections')).toBe(1);
  });

  it('counts a publish once and a delivery once per subscriber', async () => {
    const { hub, url } = await startHub();
    const subs = await Promise.all([connectClient(url), connectClient(url), connectClient(url)]);
    for (const s of subs) await s.subscribe('room', 1);
    const before = await scrape(hub);
    await hub.publish('room', 'hello');
    for (const s of subs) await s.waitForMessage('msg');
    const after = await scrape(hub);
    expect(
      after.value('hubbub_messages_published_total') - before.value('hubbub_messages_published_total'),
    ).toBe(1);
    expect(
      after.value('hubbub_messages_delivered_total') - before.value('hubbub_messages_delivered_total'),
    ).toBe(3);
    expect(after.value('hubbub_frames_out_total')).toBeGreaterThan(before.value('hubbub_frames_out_total'));
  });

  it('counts replayed messages and gaps', async () => {
    const { hub, url } = await startHub();
    for (let i = 0; i < 4; i++) await hub.publish('log', i);
    const c = await connectClient(url);
    const first = await c.subscribe('log', 1, { last: 3 });
    expect(first.replayed).toBe(3);
    let m = await scrape(hub);
    expect([m.value('hubbub_messages_replayed_total'), m.value('hubbub_gaps_total')]).toEqual([3, 0]);
    const other = await c.subscribe('log2', 2, { since: { epoch: 'an-epoch-long-gone', offset: 7 } });
    expect(other.recovered).toBe(false);
    m = await scrape(hub);
    expect(m.value('hubbub_gaps_total')).toBe(1);
  });

  it('times publish→ack in a histogram', async () => {
    const { hub, url } = await startHub();
    const c = await connectClient(url);
    for (let id = 1; id <= 3; id++) {
      c.send({ type: 'pub', id, topic: 'x', data: id });
      await c.waitForMessage('ack', (a) => a.id === id);
    }
    const m = await scrape(hub);
    expect(m.value('hubbub_frames_in_total')).toBe(4);
    expect(m.value('hubbub_publish_ack_seconds_count')).toBe(3);
    expect(m.value('hubbub_publish_ack_seconds_bucket', { le: '+Inf' })).toBe(3);
    expect(m.value('hubbub_publish_ack_seconds_sum')).toBeGreaterThan(0);
  });

  it('counts refused frames by reason: malformed, rate limited, too big', async () => {
    const { hub, url } = await startHub({
      limits: { publishRate: 1, publishBurst: 2, maxPayloadBytes: 1024 },
    });
    const flood = await connectClient(url);
    flood.send('{not json');
    await flood.waitForMessage('error', (e) => e.code === 'BAD_REQUEST');
    for (let id = 1; id <= 6; id++) flood.send({ type: 'pub', id, topic: 'x', data: id });
    await flood.waitForMessage('error', (e) => e.code === 'RATE_LIMITED');
    const big = await connectClient(url);
    big.send({ type: 'pub', id: 1, topic: 'x', data: 'y'.repeat(2048) });
    expect((await big.waitForClose()).code).toBe(CloseCode.TooBig);
    const m = await scrape(hub);
    expect(m.value('hubbub_frames_refused_total', { reason: 'malformed' })).toBe(1);
    expect(m.value('hubbub_frames_refused_total', { reason: 'rate_limited' })).toBeGreaterThanOrEqual(1);
    expect(m.value('hubbub_frames_refused_total', { reason: 'too_big' })).toBe(1);
  });

  it('counts disconnects by close code, codes it does not name as "other"', async () => {
    const { hub, url } = await startHub();
    const a = await connectClient(url);
    const b = await connectClient(url);
    a.ws.close(1000);
    b.ws.close(4321);
    await waitFor(() => hub.stats().connections === 0);
    const m = await scrape(hub);
    expect(m.value('hubbub_disconnects_total', { code: '1000' })).toBe(1);
    expect(m.value('hubbub_disconnects_total', { code: 'other' })).toBe(1);
    expect(m.value('hubbub_disconnects_total', { code: '4321' })).toBe(0);
  });

  it('counts slow-consumer closes', async () => {
    const { hub } = await startHub({ limits: { maxBufferedBytes: 64 * 1024 } });
    const proxy = await startProxy(hub.address().port);
    try {
      const slow = new TestClient(`ws://127.0.0.1:${proxy.port}`);
      await slow.connect();
      await slow.subscribe('firehose', 1);
      proxy.freeze('down');
      const chunk = 'x'.repeat(32 * 1024);
      for (let i = 0; i < 500 && hub.stats().slowConsumers === 0; i++) await hub.publish('firehose', chunk);
      const m = await scrape(hub);
      expect(m.value('hubbub_slow_consumers_total')).toBe(1);
      expect(m.value('hubbub_messages_dropped_total')).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it('counts calls by outcome and times them', async () => {
    const { hub, url } = await startHub({ rpc: { timeoutMs: 50 } });
    hub.handle('add', (data) => (data as number) + 1);
    hub.handle('refuse', () => {
      throw new RpcError('NOPE', 'refused');
    });
    hub.handle('slow', () => new Promise(() => {}));
    const c = await connectClient(url);
    const calls: [string, number][] = [
      ['add', 1],
      ['add', 2],
      ['refuse', 3],
      ['slow', 4],
      ['missing', 5],
    ];
    for (const [method, id] of calls) c.send({ type: 'call', id, method, data: 1 });
    for (const [, id] of calls.slice(0, 3)) await c.waitForMessage('result', (r) => r.id === id);
    for (const [, id] of calls.slice(3)) await c.waitForMessage('error', (e) => e.id === id);
    const m = await scrape(hub);
    expect(m.types.get('hubbub_rpc_calls_total')).toBe('counter');
    expect(m.types.get('hubbub_rpc_duration_seconds')).toBe('histogram');
    expect(
      ['ok', 'error', 'timeout', 'unknown_method'].map((outcome) =>
        m.value('hubbub_rpc_calls_total', { outcome }),
      ),
    ).toEqual([2, 1, 1, 1]);
    expect(m.value('hubbub_rpc_duration_seconds_count')).toBe(4);
  });

  it('registers into the registry given, under the prefix given', async () => {
    const registry = new Registry();
    const { hub, url } = await startHub({ metrics: { registry, prefix: 'chat_' } });
    await connectClient(url);
    const text = await registry.metrics();
    expect(parseExposition(text).value('chat_connections')).toBe(1);
    expect(text).not.toContain('hubbub_');
    expect(await hub.metrics()).toBe(text);
  });

  it('is off with metrics: false', async () => {
    const { hub } = await startHub({ metrics: false });
    await expect(hub.metrics()).rejects.toThrow(/metrics are off/);
  });

  it('refuses a bad metrics option with a TypeError', () => {
    const bad = (metrics: unknown) => () => createServer({ noServer: true, metrics } as ServerOptions);
    expect(bad('yes')).toThrow(TypeError);
    expect(bad({ registry: {} })).toThrow(/registry/);
    expect(bad({ prefix: 'bad prefix' })).toThrow(/prefix/);
    expect(bad({ regsitry: new Registry() })).toThrow(/unknown option "regsitry"/);
  });

  it('is served at GET /metrics by a standalone hub, and by hub.metrics() on an attached one', async () => {
    const { hub } = await startHub();
    const res = await fetch(`http://127.0.0.1:${hub.address().port}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(parseExposition(await res.text()).types.get('hubbub_connections')).toBe('gauge');
    const http = createHttpServer();
    const attached = track(createServer({ server: http }));
    await attached.ready;
    expect(parseExposition(await attached.metrics()).value('hubbub_broker_up')).toBe(1);
  });
});
