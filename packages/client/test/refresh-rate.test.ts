import type { CloseContext, HubbubError } from '@hubbub/client';
import { describe, expect, it } from 'vitest';
import { connectClient, waitForState } from '../../../test/utils/client.js';
import { startHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';
import { proxyTo } from './utils/harness.js';

describe('a token refresh the server drops for the rate', () => {
  it('is sent again by the client: no RATE_LIMITED error, no 4419 close', async () => {
    let refreshes = 0;
    const { hub, port } = await startHub({
      limits: { publishRate: 20, publishBurst: 4 },
      tokenGraceMs: 3_000,
      authenticate: ({ refresh }) => {
        if (refresh) refreshes++;
        return { principal: 'ada', expiresAt: Date.now() + 1_500 };
      },
    });
    const proxy = await proxyTo(port);
    let asked = 0;
    const client = connectClient(proxy.port, {
      token: () => {
        asked++;
        return 'tok';
      },
    });
    const reported: HubbubError[] = [];
    const closes: CloseContext[] = [];
    client.on('error', (err) => reported.push(err));
    client.on('close', (c) => closes.push(c));
    await waitForState(client, 'open');

    // Publishes, then the refresh (due at 1.2 s), all held by the frozen link: the hub gets them
    // at once, and its bucket of 4 drops the ones at the end, the refresh among them.
    proxy.freeze('up');
    const published = Array.from({ length: 12 }, (_, i) => client.publish('t', i));
    await waitFor(() => asked === 2 && client.queue.length === 0, 10_000, 'the refresh on the wire');
    proxy.thaw();
    await Promise.all(published);
    await waitFor(() => refreshes === 1, 10_000, 'the refresh accepted after it was dropped');

    // 9 of the 13 when the hub reads the backlog in one go; a busy machine may split it.
    expect(hub.stats().rateLimited).toBeGreaterThan(0);
    expect(reported).toEqual([]);
    expect(closes).toEqual([]);
  });
});
