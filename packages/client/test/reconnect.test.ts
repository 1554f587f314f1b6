import type { StateContext } from '@hubbub/client';
import { describe, expect, it } from 'vitest';
import { connectClient, waitForState, waitSubscribed } from '../../../test/utils/client.js';
import { collectErrors } from '../../../test/utils/errors.js';
import { startHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';
import { proxyTo } from './utils/harness.js';

describe('reconnection against a real hub', () => {
  it('reconnects after the server kills the socket, with every transition reported once', async () => {
    const { hub, port } = await startHub();
    const client = connectClient(port);
    const states: StateContext[] = [];
    client.on('state', (ctx) => states.push(ctx));
    await waitForState(client, 'open');
    const sub = client.subscribe('room.1', () => {});
    await waitSubscribed(sub);

    hub.terminateAll();
    await waitFor(() => states.some((s) => s.to === 'reconnecting'), 10_000, 'reconnecting');
    await waitFor(
      () => client.state === 'open' && sub.state === 'subscribed',
      10_000,
      'open and resubscribed',
    );

    expect(states.map((s) => `${s.from}>${s.to}`)).toEqual([
      'connecting>open',
      'open>reconnecting',
      'reconnecting>open',
    ]);
    expect(states[1]).toMatchObject({ code: 1006, wasClean: false });
    await hub.publish('room.1', 'after');
  });

  it('listeners and handlers that throw are reported, and the client keeps working', async () => {
    const { hub, port } = await startHub();
    const client = connectClient(port);
    const codes: string[] = [];
    client.on('error', (e) => codes.push(e.code));
    client.on('state', () => {
      throw new Error('app bug in a state listener');
    });
    const got: unknown[] = [];
    const sub = client.subscribe('t', (data) => {
      got.push(data);
      throw new Error('app bug in a handler');
    });
    sub.on('state', () => {
      throw new Error('app bug in a subscription listener');
    });
    await waitSubscribed(sub);
    hub.terminateAll();
    await waitForState(client, 'reconnecting');
    await waitFor(() => client.state === 'open' && sub.state === 'subscribed', 10_000, 'back');
    await hub.publish('t', 1);
    await waitFor(() => got.length === 1, 10_000, 'message');
    client.close();
    expect(codes.length).toBeGreaterThanOrEqual(5);
    expect(new Set(codes)).toEqual(new Set(['HANDLER']));
    // Thrown on purpose: claimed here, so the collector does not fail the test for them.
    const thrown = collectErrors(client).take();
    expect(thrown).toHaveLength(codes.length);
    expect(new Set(thrown.map((e) => (e.cause as Error).message))).toEqual(
      new Set(['app bug in a state listener', 'app bug in a handler', 'app bug in a subscription listener']),
    );
  });

  it('resumes with no loss and no duplicate while the server publishes continuously', async () => {
    const { hub, port } = await startHub({ history: { size: 1_000, ttlMs: 60_000 } });
    const client = connectClient(port);
    const offsets: number[] = [];
    let replayed = 0;
    const sub = client.subscribe('feed', (data, meta) => {
      expect(data).toEqual({ n: meta.offset });
      offsets.push(meta.offset);
      if (meta.replayed) replayed++;
    });
    let recovered = 0;
    sub.on('recovered', () => recovered++);
    let drops = 0;
    client.on('state', (s) => s.to === 'reconnecting' && drops++);
    sub.on('gap', (gap) => {
      throw new Error(`unexpected gap ${JSON.stringify(gap)}`);
    });
    await waitSubscribed(sub);

    const TOTAL = 600;
    let published = 0;
    const publisher = (async () => {
      while (published < TOTAL) {
        published++;
        await hub.publish('feed', { n: published });
        if (published % 20 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    for (const at of [100, 250, 400]) {
      await waitFor(() => published >= at, 10_000, `${at} published`);
      hub.terminateAll();
      await waitFor(() => client.state === 'reconnecting' || published > at + 50, 10_000, 'drop noticed');
    }
    await publisher;
    await waitFor(() => offsets.length >= TOTAL, 20_000, `${TOTAL} messages (got ${offsets.length})`);

    expect(offsets).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    expect(drops).toBeGreaterThanOrEqual(2);
    expect(recovered).toBeGreaterThanOrEqual(1);
    expect(recovered).toBeLessThanOrEqual(drops);
    expect(replayed).toBeGreaterThan(0);
  });

  it('reports a gap when the history no longer holds what was missed', async () => {
    const { hub, port } = await startHub({ history: { size: 5, ttlMs: 60_000 } });
    const client = connectClient(port, { reconnect: { minDelayMs: 500, maxDelayMs: 500, jitter: 0 } });
    const got: number[] = [];
    const sub = client.subscribe('news', (_d, meta) => got.push(meta.offset));
    const gaps: unknown[] = [];
    sub.on('gap', (g) => gaps.push(g));
    await waitSubscribed(sub);
    await hub.publish('news', 1);
    await waitFor(() => got.length === 1, 10_000, 'first message');

    hub.terminateAll();
    await waitForState(client, 'reconnecting');
    for (let i = 2; i <= 20; i++) await hub.publish('news', i);
    await waitFor(() => gaps.length === 1, 10_000, 'gap');
    await hub.publish('news', 21);
    await waitFor(() => got.includes(21), 10_000, 'live message after the gap');

    // What the history still holds may be replayed; the rest is reported as the gap.
    const gap = gaps[0] as { from: number; to: number; epochChanged: boolean };
    expect(gap).toMatchObject({ topic: 'news', from: 2, epochChanged: false });
    expect(got).toEqual([1, ...Array.from({ length: 20 - gap.to }, (_, i) => gap.to + 1 + i), 21]);
  });

  it('counts attempts over links shorter than stableAfterMs, and starts over after a stable one', async () => {
    const { port } = await startHub();
    const proxy = await proxyTo(port);
    const client = connectClient(proxy.port, {
      reconnect: { minDelayMs: 10, maxDelayMs: 50, stableAfterMs: 300 },
    });
    const attempts: number[] = [];
    client.on('retry', (r) => attempts.push(r.attempt));
    let flaps = 3;
    client.on('state', ({ to }) => {
      if (to === 'open' && flaps > 0) {
        flaps--;
        proxy.cut();
      }
    });
    await waitFor(
      () => flaps === 0 && client.state === 'open',
      10_000,
      'three short links, then one that lasts',
    );
    // Three times stableAfterMs: the link has been stable for long enough by any clock.
    await new Promise((r) => setTimeout(r, 900));
    proxy.cut();
    await waitFor(() => attempts.length === 4, 10_000, 'the retry after the stable link');
    expect(attempts).toEqual([1, 2, 3, 1]);
  });

  it('a fatal close code stops reconnecting and reports the error', async () => {
    const { hub, port } = await startHub();
    const client = connectClient(port);
    const errors: Error[] = [];
    client.on('error', (e) => errors.push(e));
    await waitForState(client, 'open');
    await expect(client.publish('t', 1)).resolves.toMatchObject({ offset: 1 });
    hub.closeAll(4403, 'banned');
    await waitForState(client, 'closed');
    expect(errors).toEqual([expect.objectContaining({ code: 'CLOSED', closeCode: 4403 })]);
    await new Promise((r) => setTimeout(r, 300));
    expect(hub.stats().connections).toBe(0);
    expect(client.state).toBe('closed');
  });

  it("honours the server's goaway retry hint when it shuts down", async () => {
    const old = await startHub({ goAwaySpreadMs: 200 });
    const next = await startHub();
    const proxy = await proxyTo(old.port);
    // Without the hint the next attempt would wait 20 s.
    const client = connectClient(proxy.port, {
      reconnect: { minDelayMs: 20_000, maxDelayMs: 20_000, jitter: 0 },
    });
    const closes: number[] = [];
    client.on('close', (c) => closes.push(c.code));
    await waitForState(client, 'open');

    proxy.retarget(next.port);
    await old.hub.close({ drainMs: 1_000 });
    await waitFor(() => closes.length === 1 && client.state === 'open', 5_000, 'reopened on the next hub');
    expect(closes).toEqual([1001]);
    expect(next.hub.stats().connections).toBe(1);
  });

  it('close() is final and idempotent, and rejects what is still pending', async () => {
    const { port } = await startHub();
    const client = connectClient(port);
    const states: string[] = [];
    client.on('state', (s) => states.push(s.to));
    const pending = client.publish('t', 1);
    client.close();
    client.close();
    await expect(pending).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    await expect(client.publish('t', 2)).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    expect(states).toEqual(['closed']);
  });
});
