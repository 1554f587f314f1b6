import type { MessageMeta, RetryContext, StateContext } from '@hubbub/client';
import { describe, expect, it } from 'vitest';
import { connectClient, waitForState, waitSubscribed } from '../../../test/utils/client.js';
import { startHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';

describe('#subscribe with last', () => {
  it('starts with the latest messages, flagged replayed, then live ones', async () => {
    const { hub, port } = await startHub({ history: { size: 100, ttlMs: 60_000 } });
    for (let i = 1; i <= 5; i++) await hub.publish('room.h', `m${i}`);
    const client = connectClient(port);
    const got: [unknown, MessageMeta][] = [];
    const sub = client.subscribe('room.h', (data, meta) => got.push([data, meta]), { last: 3 });
    await waitSubscribed(sub);
    await waitFor(() => got.length === 3, 10_000, 'history');
    await hub.publish('room.h', 'm6');
    await waitFor(() => got.length === 4, 10_000, 'live message');
    expect(got.map(([d]) => d)).toEqual(['m3', 'm4', 'm5', 'm6']);
    expect(got.map(([, m]) => m.replayed)).toEqual([true, true, true, false]);
    expect(got.map(([, m]) => m.offset)).toEqual([3, 4, 5, 6]);
  });

  it('refuses a bad count', () => {
    const client = connectClient(1);
    expect(() => client.subscribe('a', () => {}, { last: -1 })).toThrow(TypeError);
    expect(() => client.subscribe('a', () => {}, { last: 1.5 })).toThrow(TypeError);
    client.close();
  });
});

describe('retry countdown', () => {
  it('tells when the next attempt comes, on the state event and on every retry', async () => {
    const { hub, port } = await startHub();
    const client = connectClient(port, { reconnect: { minDelayMs: 200, maxDelayMs: 400 } });
    const states: StateContext[] = [];
    const retries: RetryContext[] = [];
    client.on('state', (s) => states.push(s));
    client.on('retry', (r) => retries.push(r));
    await waitForState(client, 'open');
    hub.terminateAll();
    await waitForState(client, 'reconnecting');
    await waitForState(client, 'open');
    const reconnecting = states.find((s) => s.to === 'reconnecting');
    expect(reconnecting?.delayMs).toBeTypeOf('number');
    expect(reconnecting!.delayMs!).toBeLessThanOrEqual(400);
    expect(retries[0]).toMatchObject({ attempt: 1, code: 1006, delayMs: reconnecting!.delayMs });
  });
});
