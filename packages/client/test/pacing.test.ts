import type { HubbubError } from '@hubbub/client';
import { describe, expect, it } from 'vitest';
import { connectClient, waitForState, waitSubscribed } from '../../../test/utils/client.js';
import { startHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';
import { proxyTo } from './utils/harness.js';
import { startPublisherProcess } from './utils/publisher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pacing against the server rate limit', () => {
  // A loaded machine stalls the hub's event loop (or the link) while the client keeps sending on
  // time: the frames queue up in the kernel and reach the hub's token bucket all at once, and the
  // bucket holds at most publishBurst. The proxy's frozen upstream makes that stall exact.
  it('a backlog the hub sees at once is refused and retried by the client; the app sees no RATE_LIMITED', async () => {
    const { hub, port } = await startHub({ limits: { publishRate: 50, publishBurst: 10 } });
    const proxy = await proxyTo(port);
    const reader = connectClient(port);
    const got: number[] = [];
    const sub = reader.subscribe('paced', (data) => got.push(data as number));
    await waitSubscribed(sub);
    const writer = connectClient(proxy.port);
    const reported: HubbubError[] = [];
    writer.on('error', (err) => reported.push(err));
    await waitForState(writer, 'open');

    const N = 90;
    const outcomes = Array.from({ length: N }, (_, i) =>
      writer.publish('paced', i).then(
        () => 'acked',
        (err: HubbubError) => err.code,
      ),
    );
    for (let stall = 0; stall < 2; stall++) {
      await waitFor(() => got.length >= 10 + stall * 30, 10_000, `delivery before stall ${stall + 1}`);
      proxy.freeze('up');
      // The length of the stall is the fault itself, not a wait for an outcome.
      await sleep(600);
      proxy.thaw();
    }
    const settled = await Promise.all(outcomes);
    const acked = settled.filter((o) => o === 'acked').length;
    await waitFor(() => got.length >= acked, 10_000, `${acked} deliveries`);

    expect(hub.stats().rateLimited).toBeGreaterThan(0);
    expect(settled.filter((o) => o !== 'acked')).toEqual([]);
    expect(reported).toEqual([]);
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  // The same, with the stall where a loaded machine puts it: the hub's process does not run for a
  // while (its event loop blocked), while the publisher, in a process of its own, keeps sending.
  it("a publisher in another process keeps its pace through stalls of the hub's event loop; the app sees no RATE_LIMITED", async () => {
    const { hub, url, port } = await startHub({ limits: { publishRate: 50, publishBurst: 10 } });
    const reader = connectClient(port);
    const got: number[] = [];
    const sub = reader.subscribe('stalled', (data) => got.push(data as number));
    await waitSubscribed(sub);

    const N = 90;
    const publisher = await startPublisherProcess(url, 'stalled', N);
    for (let stall = 0; stall < 2; stall++) {
      await waitFor(() => got.length >= 10 + stall * 30, 10_000, `delivery before stall ${stall + 1}`);
      blockEventLoop(600);
    }
    const { outcomes, reported } = await publisher.result;
    const acked = outcomes.filter((o) => o === 'acked').length;
    await waitFor(() => got.length >= acked, 10_000, `${acked} deliveries`);

    expect(hub.stats().rateLimited).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o !== 'acked')).toEqual([]);
    expect(reported).toEqual([]);
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
  });
});

describe('pacing options', () => {
  it('never go above the pace the server announced: no frame is refused', async () => {
    const { hub, port } = await startHub({ limits: { publishRate: 10, publishBurst: 8 } });
    const writer = connectClient(port, { sendQueue: { ratePerSecond: 1_000, burst: 100 } });
    await waitForState(writer, 'open');
    await Promise.all(Array.from({ length: 12 }, (_, i) => writer.publish('capped', i)));
    expect(hub.stats().rateLimited).toBe(0);
  });
});

/** Blocks this process (the hub, its timers and sockets) for `ms`, as a starved CPU would. */
function blockEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
