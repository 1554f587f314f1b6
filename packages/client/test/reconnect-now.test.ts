import { describe, expect, it } from 'vitest';
import { connectClient, waitForState, waitSubscribed } from '../../../test/utils/client.js';
import { startHub } from '../../../test/utils/hub.js';

/** A backoff far longer than any test: only reconnectNow() can bring the client back in time. */
const SLOW_RECONNECT = { minDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 } as const;

describe('reconnectNow()', () => {
  it('skips the backoff wait while reconnecting, and resubscribes', async () => {
    const { hub, port } = await startHub();
    const client = connectClient(port, { reconnect: SLOW_RECONNECT });
    const delays: number[] = [];
    client.on('retry', ({ delayMs }) => delays.push(delayMs));
    const sub = client.subscribe('room.now', () => {});
    await waitSubscribed(sub);

    hub.terminateAll();
    await waitForState(client, 'reconnecting');
    expect(delays).toEqual([60_000]);
    expect(client.reconnectNow()).toBe(true);
    // A second call while that attempt is under way starts nothing more.
    expect(client.reconnectNow()).toBe(false);
    await waitForState(client, 'open', 5_000);
    await waitSubscribed(sub, 5_000);
    expect(hub.stats().connections).toBe(1);
  });

  it('does nothing while open or after close()', async () => {
    const { port } = await startHub();
    const client = connectClient(port, { reconnect: SLOW_RECONNECT });
    await waitForState(client, 'open');
    expect(client.reconnectNow()).toBe(false);
    client.close();
    expect(client.reconnectNow()).toBe(false);
    expect(client.state).toBe('closed');
  });
});
