/**
 * The node-service example end to end: a Node subscriber whose token provider fetches short-lived
 * JWTs over HTTP keeps receiving backend events across token refreshes and a server restart.
 */
import type { Client } from '@hubbub/client';
import { afterAll, describe, expect, it } from 'vitest';
import { collectErrors } from '../../../test/utils/errors.js';
import { waitFor } from '../../../test/utils/wait.js';
import { startService } from '../service.mjs';
import { fetchToken, startSubscriber } from '../subscriber.mjs';

type Service = Awaited<ReturnType<typeof startService>>;
interface Tick {
  kind: string;
  seq: number;
  instance: string;
}

const OPTIONS = { tokenTtlSec: 3, tokenGraceMs: 300, eventIntervalMs: 100, maxEvents: 400 };

describe('node-service example', () => {
  let service: Service | undefined;
  let client: Client | undefined;

  afterAll(async () => {
    client?.close();
    await service?.close();
  });

  it('refuses tokens it did not sign and topics of other users', async () => {
    service = await startService(OPTIONS);
    const token = await fetchToken(service.url, 'carol');
    const bad = await fetch(new URL('/token', service.url), { method: 'POST', body: '{"user":"Not Valid"}' });
    expect(bad.status).toBe(400);
    const { subscription, client: carol } = startSubscriber({
      serviceUrl: service.url,
      userId: 'carol',
      onEvent: () => {},
    });
    const other = carol.subscribe('user.alice', () => {});
    const refused = await new Promise<{ code: string }>((resolve) => other.on('error', resolve));
    expect(refused.code).toBe('FORBIDDEN');
    await expect(carol.publish('user.carol', { x: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    subscription.unsubscribe();
    carol.close();
    expect(token.split('.')).toHaveLength(3);
  });

  it('keeps delivering across token refreshes and a server restart', async () => {
    const first = service!;
    const events: Tick[] = [];
    const states: string[] = [];
    const sub = startSubscriber({
      serviceUrl: first.url,
      userId: 'alice',
      onEvent: (event) => events.push(event as Tick),
      clientOptions: { reconnect: { minDelayMs: 50, maxDelayMs: 500 } },
    });
    client = sub.client;
    collectErrors(client);
    client.on('state', ({ to }) => states.push(to));
    await waitFor(() => events.length >= 3, 15_000, 'first events');

    const tokensAtStart = first.stats.tokensIssued;
    const startedAt = Date.now();
    await waitFor(() => first.stats.tokensIssued >= tokensAtStart + 2, 15_000, 'two token refreshes');
    await waitFor(() => Date.now() - startedAt > 4_000, 15_000, 'the first token to be long expired');
    const beforeCheck = events.length;
    await waitFor(() => events.length >= beforeCheck + 5, 15_000, 'events on the refreshed connection');
    expect(states).toEqual(['open']);

    const port = first.port;
    await first.close({ drainMs: 0 });
    service = await startService({ ...OPTIONS, port });
    const second = service;
    await waitFor(
      () => events.some((e) => e.instance === second.instance),
      15_000,
      'events from the restarted server',
    );
    expect(states).toEqual(['open', 'reconnecting', 'open']);
    expect(events.filter((e) => e.instance === first.instance).length).toBeGreaterThan(10);
  });
});
