/**
 * A hub partitioned from Redis (issue 10, case 9): the hub↔Redis link freezes without a FIN, for
 * the connections open and any new one. The hub must notice within its health-check bound, go
 * unready (`stats().brokerReady`, `/readyz`), fail publishes fast with `UNAVAILABLE`, report a
 * publish in flight as outcome unknown, and never store later a publish it refused.
 */
import { type Client, createClient } from '@hubbub/client';
import { createPublisher, createRedisBroker, createServer, type Hub, type Publisher } from '@hubbub/server';
import { afterAll, describe, expect, it } from 'vitest';
import { collectErrors } from '../utils/errors.js';
import { startProxy, type TcpProxy } from '../utils/proxy.js';
import { type RedisHandle, startRedis } from '../utils/redis.js';
import { waitFor } from '../utils/wait.js';

const TOPIC = 'partition.stream';
const HEALTH = { intervalMs: 300, timeoutMs: 300 };
/** When the hub must be unready after the freeze: one interval, one timeout, and slack for a busy box. */
const BOUND_MS = HEALTH.intervalMs + HEALTH.timeoutMs + 1_000;
const FREEZE_MS = 4_000;

let redis: RedisHandle | undefined;
let proxy: TcpProxy | undefined;
let hub: Hub | undefined;
let other: Hub | undefined;
const clients: Client[] = [];
const publishers: Publisher[] = [];

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(publishers.map((p) => p.close()));
  await hub?.close({ drainMs: 0 });
  await other?.close({ drainMs: 0 });
  await proxy?.close();
  await redis?.stop();
});

async function readyz(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
}

/** Settles `promise` or gives up after `ms`: `hung` means no answer within it. */
async function within<T>(promise: Promise<T>, ms: number) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ hung: true }>((resolve) => {
    timer = setTimeout(() => resolve({ hung: true }), ms);
  });
  const outcome = await Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    timeout,
  ]);
  clearTimeout(timer);
  return { ...outcome, ms: Math.round(performance.now() - started) };
}

describe('a hub partitioned from Redis', () => {
  it('goes unready within the health-check bound, fails publishes fast and never stores them later', async () => {
    redis = await startRedis({ own: true });
    proxy = await startProxy(redis.port);
    const link = proxy;
    hub = createServer({
      port: 0,
      host: '127.0.0.1',
      broker: createRedisBroker(
        { url: `redis://127.0.0.1:${link.port}` },
        { healthCheck: HEALTH, onError: () => {} },
      ),
    });
    hub.on('error', () => {});
    await hub.ready;
    const port = hub.address().port;
    const client = createClient({ url: `ws://127.0.0.1:${port}` });
    collectErrors(client);
    clients.push(client);
    client.on('error', () => {});
    // A subscriber on the partitioned hub, and a hub that still reaches Redis.
    const watched: string[] = [];
    const watcher = createClient({ url: `ws://127.0.0.1:${port}` });
    collectErrors(watcher);
    clients.push(watcher);
    let watching = false;
    watcher
      .subscribe(TOPIC, (data) => watched.push((data as { n: string }).n))
      .on('subscribed', () => {
        watching = true;
      });
    other = createServer({ port: 0, host: '127.0.0.1', broker: createRedisBroker({ url: redis.url }) });
    await other.ready;
    await waitFor(() => watching, 5_000, 'the watcher to subscribe');
    await client.publish(TOPIC, { n: 'before' });
    expect(await readyz(port)).toBe(200);

    link.freeze('both', { newConnections: true });
    const frozenAt = performance.now();
    const inFlight = within(hub.publish(TOPIC, { n: 'in-flight' }, { key: 'in-flight' }), FREEZE_MS - 500);
    let unreadyAfterMs = -1;
    await waitFor(() => !hub!.stats().brokerReady, FREEZE_MS - 1_000, 'brokerReady to turn false').then(
      () => {
        unreadyAfterMs = Math.round(performance.now() - frozenAt);
      },
      () => {},
    );
    const readyzWhileFrozen = await readyz(port);
    const refused = [];
    for (let i = 0; i < 5; i++) {
      refused.push(
        await within(client.publish(TOPIC, { n: `refused-${i}` }, { key: `refused-${i}` }), 1_000),
      );
    }
    const fromHub = await within(hub.publish(TOPIC, { n: 'refused-hub' }, { key: 'refused-hub' }), 1_000);
    for (let i = 0; i < 3; i++) await other.publish(TOPIC, { n: `elsewhere-${i}` });
    const inFlightOutcome = await inFlight;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, frozenAt + FREEZE_MS - performance.now())),
    );

    link.thaw();
    await waitFor(() => hub!.stats().brokerReady, 15_000, 'brokerReady after the thaw');
    await waitFor(async () => (await readyz(port)) === 200, 5_000, '/readyz 200 after the thaw');
    // Anything held in the frozen link has reached Redis by now.
    await client.publish(TOPIC, { n: 'after' });
    const stored: string[] = [];
    const reader = createClient({ url: `ws://127.0.0.1:${port}` });
    collectErrors(reader);
    clients.push(reader);
    reader.subscribe(TOPIC, (data) => stored.push((data as { n: string }).n), { last: 1_000 });
    await waitFor(() => stored.includes('after'), 5_000, 'the history read');
    await waitFor(() => watched.includes('after'), 5_000, 'the watcher to get the message after the thaw');

    const definite = refused.filter((r) => 'error' in r);
    const figures = {
      unreadyAfterMs,
      readyzWhileFrozen,
      refusedFast: definite.filter((r) => r.ms < 500).length,
      refusedCodes: [...new Set(definite.map((r) => (r.error as { code?: string }).code))],
      hungPublishes: refused.filter((r) => 'hung' in r).length,
      hubPublish: 'error' in fromHub ? `rejected in ${fromHub.ms} ms` : 'hung' in fromHub ? 'hung' : 'acked',
      inFlight:
        'error' in inFlightOutcome
          ? {
              ms: inFlightOutcome.ms,
              outcomeUnknown: (inFlightOutcome.error as { outcomeUnknown?: boolean }).outcomeUnknown,
            }
          : 'hung' in inFlightOutcome
            ? 'hung'
            : 'acked',
      storedAfterRefusal: stored.filter((n) => n.startsWith('refused')),
      watched,
    };
    console.log(`partition figures ${JSON.stringify(figures)}`);
    expect(figures.unreadyAfterMs).toBeGreaterThanOrEqual(0);
    expect(figures.unreadyAfterMs).toBeLessThanOrEqual(BOUND_MS);
    expect(figures.readyzWhileFrozen).toBe(503);
    expect(figures.refusedFast).toBe(refused.length);
    expect(figures.refusedCodes).toEqual(['UNAVAILABLE']);
    expect(figures.hubPublish).toMatch(/^rejected/);
    expect(figures.inFlight).toMatchObject({ outcomeUnknown: true });
    expect(figures.storedAfterRefusal).toEqual([]);
    // What other hubs published meanwhile reaches the partitioned hub's subscriber after the thaw,
    // in order and once (the publish in flight may have been stored: its outcome was unknown).
    expect(watched.filter((n) => n !== 'in-flight')).toEqual([
      'before',
      'elsewhere-0',
      'elsewhere-1',
      'elsewhere-2',
      'after',
    ]);
    // Retried with their idempotency keys: the refused publish was never stored, so it is stored
    // now; the one whose outcome was unknown is stored once, whichever way it went.
    const inFlightStored = stored.filter((n) => n === 'in-flight').length;
    const retriedRefused = await hub.publish(TOPIC, { n: 'refused-hub' }, { key: 'refused-hub' });
    const retriedInFlight = await hub.publish(TOPIC, { n: 'in-flight' }, { key: 'in-flight' });
    expect(retriedRefused.duplicate).toBe(false);
    expect(inFlightStored).toBeLessThanOrEqual(1);
    expect(retriedInFlight.duplicate).toBe(inFlightStored === 1);
  }, 60_000);

  it('a publisher on a frozen link fails its publish in flight as outcome unknown, then fails fast', async () => {
    const own = await startProxy(redis!.port);
    try {
      const publisher = createPublisher({ url: `redis://127.0.0.1:${own.port}`, healthCheck: HEALTH });
      publishers.push(publisher);
      await publisher.publish('partition.publisher', 'before');
      own.freeze('both', { newConnections: true });
      const inFlight = await within(
        publisher.publish('partition.publisher', 'in-flight', { key: 'p-in-flight' }),
        3_000,
      );
      const next = await within(
        publisher.publish('partition.publisher', 'refused', { key: 'p-refused' }),
        1_000,
      );
      own.thaw();
      await waitFor(
        () =>
          publisher.publish('partition.publisher', 'after').then(
            () => true,
            () => false,
          ),
        10_000,
        'the publisher to publish again after the thaw',
      );
      const codeOf = (r: typeof next) =>
        'error' in r ? (r.error as { code?: string }).code : 'hung' in r ? 'hung' : 'acked';
      const figures = {
        inFlight: codeOf(inFlight),
        inFlightMs: inFlight.ms,
        next: codeOf(next),
        nextMs: next.ms,
      };
      console.log(`publisher partition figures ${JSON.stringify(figures)}`);
      expect(figures.inFlight).toBe('OUTCOME_UNKNOWN');
      expect(figures.inFlightMs).toBeLessThanOrEqual(BOUND_MS);
      expect(figures.next).toBe('UNAVAILABLE');
      expect(figures.nextMs).toBeLessThan(500);
    } finally {
      await own.close();
    }
  });
});
