import type { CloseContext, HubbubError, StateContext } from '@hubbub/client';
import { describe, expect, it } from 'vitest';
import { connectClient, waitForState } from '../../../test/utils/client.js';
import { startHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';

describe('auth lifecycle against a real hub', () => {
  it('refreshes the token before it expires, without dropping the connection', async () => {
    const seen: { token: string | undefined; refresh: boolean }[] = [];
    const { hub, port } = await startHub({
      tokenGraceMs: 100,
      authenticate: ({ token, refresh }) => {
        seen.push({ token, refresh });
        return { principal: 'ada', expiresAt: Date.now() + 1_000 };
      },
    });
    let issued = 0;
    const client = connectClient(port, { token: async () => `tok-${++issued}` });
    const closes: CloseContext[] = [];
    client.on('close', (c) => closes.push(c));
    await waitForState(client, 'open');

    await waitFor(() => seen.filter((s) => s.refresh).length >= 3, 10_000, 'three refreshes');

    expect(closes).toEqual([]);
    expect(client.state).toBe('open');
    expect(seen[0]).toEqual({ token: 'tok-1', refresh: false });
    expect(seen.slice(1, 4)).toEqual([
      { token: 'tok-2', refresh: true },
      { token: 'tok-3', refresh: true },
      { token: 'tok-4', refresh: true },
    ]);
    expect(hub.stats().connections).toBe(1);
    await expect(client.publish('after.refresh', 1)).resolves.toMatchObject({ offset: 1 });
  });

  it('on the token-expired close, gets a fresh token and reconnects at once', async () => {
    const { port } = await startHub({
      tokenGraceMs: 50,
      authenticate: ({ token, refresh }) => {
        if (refresh) throw new Error('refresh refused');
        return { principal: token, expiresAt: Date.now() + 600 };
      },
    });
    let issued = 0;
    const client = connectClient(port, {
      token: () => `tok-${++issued}`,
      reconnect: { minDelayMs: 5_000, maxDelayMs: 5_000 },
    });
    const states: StateContext[] = [];
    const errors: HubbubError[] = [];
    client.on('state', (s) => states.push(s));
    client.on('error', (e) => errors.push(e));
    await waitFor(() => states.filter((s) => s.to === 'open').length >= 2, 8_000, 'reopened after expiry');

    expect(states[1]).toMatchObject({ from: 'open', to: 'reconnecting', code: 4419 });
    expect(states[2]).toMatchObject({ from: 'reconnecting', to: 'open' });
    expect(errors[0]).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(issued).toBeGreaterThanOrEqual(3);
  });

  it('asks the provider once more after unauthorized, then stops in closed with an error', async () => {
    let attempts = 0;
    const { port } = await startHub({
      authenticate: () => {
        attempts++;
        throw new Error('bad token');
      },
    });
    let issued = 0;
    const client = connectClient(port, { token: () => `tok-${++issued}` });
    const errors: HubbubError[] = [];
    client.on('error', (e) => errors.push(e));
    const states: string[] = [];
    client.on('state', (s) => states.push(s.to));
    await waitForState(client, 'closed');

    expect(issued).toBe(2);
    expect(attempts).toBe(2);
    expect(states).toEqual(['reconnecting', 'closed']);
    expect(errors).toEqual([expect.objectContaining({ code: 'UNAUTHORIZED', closeCode: 4401 })]);
  });

  it('a token the server accepts on the second ask keeps the client going', async () => {
    const { port } = await startHub({
      authenticate: ({ token }) => {
        if (token !== 'good') throw new Error('bad token');
        return 'ada';
      },
    });
    const tokens = ['stale', 'good'];
    const client = connectClient(port, { token: async () => tokens.shift() ?? 'good' });
    await waitForState(client, 'open');
    await expect(client.publish('t', 'hi')).resolves.toMatchObject({ offset: 1 });
  });

  it('a token provider that throws is reported and retried with backoff', async () => {
    const { port } = await startHub();
    let calls = 0;
    const client = connectClient(port, {
      token: () => {
        calls++;
        if (calls === 1) throw new Error('vault down');
        return 'ok';
      },
    });
    const errors: HubbubError[] = [];
    client.on('error', (e) => errors.push(e));
    await waitForState(client, 'open');
    expect(errors).toEqual([expect.objectContaining({ code: 'TOKEN' })]);
  });
});
