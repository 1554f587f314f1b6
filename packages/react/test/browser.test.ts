/**
 * The React bindings in real Chromium: a page bundled with esbuild (React's development build)
 * renders through a real hub. The server counts WebSocket upgrades, so "one socket" is what the
 * server saw, not what the page believes.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createClient } from '@hubbub/client';
import { RpcError, type ServerOptions } from '@hubbub/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type PageServer, servePages } from '../../../test/utils/chromium.js';
import { startHub, type TestHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';
import { buildTestPage } from './utils/page.js';

const WAIT = { timeout: 20_000 };
const PAGE = `<!doctype html><meta charset="utf-8"><title>hubbub react</title>
<div id="root"></div><script type="module" src="/app.js"></script>`;

/** A hub behind our own HTTP server, so upgrades can be counted and refused, and the port reused. */
interface CountedHub extends TestHub {
  /** WebSocket upgrades the server received. */
  upgrades(): number;
  /** While false, upgrades get HTTP 503, as from a server in maintenance. */
  accept(accepting: boolean): void;
  stop(): Promise<void>;
}

const running = new Set<CountedHub>();

async function serveHub(port = 0, options: Partial<ServerOptions> = {}): Promise<CountedHub> {
  let upgrades = 0;
  let accepting = true;
  const started = await startHub({
    noServer: true,
    history: { size: 100, ttlMs: 60_000 },
    goAwaySpreadMs: 50,
    ...options,
  });
  const http: Server = createHttpServer((_req, res) => res.writeHead(404).end());
  http.on('upgrade', (req, socket, head) => {
    upgrades++;
    if (accepting) started.hub.handleUpgrade(req, socket, head);
    else socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', resolve);
  });
  const bound = (http.address() as { port: number }).port;
  const test: CountedHub = {
    ...started,
    port: bound,
    url: `ws://127.0.0.1:${bound}`,
    upgrades: () => upgrades,
    accept: (on) => {
      accepting = on;
    },
    async stop() {
      running.delete(test);
      await started.hub.close({ drainMs: 0 });
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
  running.add(test);
  return test;
}

let browser: Browser;
let pages: PageServer;
let page: Page;
const pageErrors: string[] = [];

function mount(
  url: string,
  topic: string | null,
  strict = false,
  more: { token?: string } = {},
): Promise<void> {
  return page.evaluate((m) => window.hubbubTest.mount(m), { url, topic, strict, extras: true, ...more });
}

function waitForState(state: string): Promise<unknown> {
  return page.waitForFunction((s) => document.getElementById('state')?.textContent === s, state, WAIT);
}

function waitForFeed(attribute: string, value: string): Promise<unknown> {
  return page.waitForFunction(
    ([a, v]) => document.getElementById('feed')?.getAttribute(`data-${a}`) === v,
    [attribute, value] as const,
    WAIT,
  );
}

function waitForLine(text: string): Promise<unknown> {
  return page.waitForFunction(
    (t) => Array.from(document.querySelectorAll('#feed li')).some((li) => li.textContent === t),
    text,
    WAIT,
  );
}

function members(): Promise<string[]> {
  return page.$$eval('#members li', (lis) => lis.map((li) => li.textContent ?? ''));
}

function waitForMembers(expected: string[]): Promise<unknown> {
  return page.waitForFunction(
    (want) =>
      document.getElementById('members')?.dataset.status === 'ready' &&
      JSON.stringify(Array.from(document.querySelectorAll('#members li'), (li) => li.textContent)) ===
        JSON.stringify(want),
    expected,
    WAIT,
  );
}

function lines(): Promise<{ text: string; offset: number; replayed: boolean }[]> {
  return page.$$eval('#feed li', (lis) =>
    lis.map((li) => ({
      text: li.textContent ?? '',
      offset: Number((li as HTMLElement).dataset.offset),
      replayed: (li as HTMLElement).dataset.replayed === 'true',
    })),
  );
}

beforeAll(async () => {
  pages = await servePages({
    '/': { type: 'text/html', body: PAGE },
    '/app.js': { type: 'text/javascript', body: await buildTestPage(process.env.REACT_DIR) },
  });
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(pages.url);
  await page.waitForFunction(() => 'hubbubTest' in window, undefined, WAIT);
});

afterEach(async () => {
  await page.evaluate(() => window.hubbubTest.unmount());
  await Promise.all([...running].map((h) => h.stop()));
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  expect(pageErrors).toEqual([]);
});

describe('@hubbub/react in Chromium', () => {
  it('renders the connection state, the latest history, live messages and its own publishes', async () => {
    const server = await serveHub();
    for (const text of ['one', 'two', 'three']) await server.hub.publish('room.a', { text });
    await mount(server.url, 'room.a');
    await waitForState('open');
    await waitForFeed('state', 'subscribed');
    await waitForLine('three');
    expect(await lines()).toEqual([
      { text: 'two', offset: 2, replayed: true },
      { text: 'three', offset: 3, replayed: true },
    ]);

    await server.hub.publish('room.a', { text: 'four' });
    await waitForLine('four');
    await page.click('#publish');
    await page.waitForFunction(
      () => document.getElementById('publish')?.dataset.acked === '5',
      undefined,
      WAIT,
    );
    await waitForLine('from the page');
    for (const text of ['six', 'seven']) await server.hub.publish('room.a', { text });
    await waitForLine('seven');
    // keep: 5 holds the five latest, oldest first.
    expect((await lines()).map((l) => [l.text, l.offset, l.replayed])).toEqual([
      ['three', 3, true],
      ['four', 4, false],
      ['from the page', 5, false],
      ['six', 6, false],
      ['seven', 7, false],
    ]);
  });

  it('opens exactly one socket under StrictMode, and subscribes once', async () => {
    const server = await serveHub();
    await mount(server.url, 'room.strict', true);
    await waitForState('open');
    await waitForFeed('state', 'subscribed');
    await server.hub.publish('room.strict', { text: 'once' });
    await waitForLine('once');
    // A round trip after the mount: a second socket opened by the double mount would be here.
    await page.click('#publish');
    await waitForLine('from the page');
    expect(server.upgrades()).toBe(1);
    expect(server.hub.stats()).toMatchObject({ connections: 1, subscriptions: 1 });
    expect((await lines()).map((l) => l.text)).toEqual(['once', 'from the page']);
  });

  it('catches up after a dropped link: replayed messages once, and `recovered` set', async () => {
    const server = await serveHub();
    await mount(server.url, 'room.r');
    await waitForFeed('state', 'subscribed');
    await server.hub.publish('room.r', { text: 'before the drop' });
    await waitForLine('before the drop');
    expect(await page.getAttribute('#feed', 'data-recovered')).toBe('');

    server.accept(false);
    server.hub.terminateAll();
    await waitForState('reconnecting');
    await server.hub.publish('room.r', { text: 'while away' });
    server.accept(true);
    await waitForState('open');
    await waitForFeed('recovered', 'yes');
    await waitForLine('while away');
    expect((await lines()).map((l) => [l.text, l.offset, l.replayed])).toEqual([
      ['before the drop', 1, false],
      ['while away', 2, true],
    ]);
    expect(await page.getAttribute('#feed', 'data-gap')).toBe('');
  });

  it('reconnects after the server restarts on the same port and reports the reset history', async () => {
    const first = await serveHub();
    await mount(first.url, 'room.b', true);
    await waitForFeed('state', 'subscribed');
    await first.hub.publish('room.b', { text: 'before' });
    await waitForLine('before');

    await first.stop();
    await waitForState('reconnecting');
    await waitForFeed('state', 'subscribing');
    const second = await serveHub(first.port);
    await waitForState('open');
    await waitForFeed('state', 'subscribed');
    // The new hub's in-memory history is a new epoch: the page is told, never left guessing.
    await waitForFeed('gap', 'epoch');
    await second.hub.publish('room.b', { text: 'after' });
    await waitForLine('after');
    expect((await lines()).map((l) => [l.text, l.offset])).toEqual([
      ['before', 1],
      ['after', 1],
    ]);
    expect(second.upgrades()).toBe(1);
  });

  it('usePresence lists the members of a topic and follows joins and leaves', async () => {
    const server = await serveHub(0, {
      presence: true,
      presenceGraceMs: 0,
      authenticate: ({ token }) => ({ principal: token, userId: token }),
    });
    await mount(server.url, 'room.p', true, { token: 'page-user' });
    await waitForMembers(['page-user']);

    const other = createClient({ url: server.url, token: 'node-user' });
    try {
      const sub = other.subscribe('room.p', () => {});
      await waitForMembers(['page-user', 'node-user']);
      sub.unsubscribe();
      await waitForMembers(['page-user']);
    } finally {
      other.close();
    }
    // usePresence and useSubscription on one topic share one wire subscription: one member.
    expect(server.hub.stats().subscriptions).toBe(1);
    expect(await members()).toEqual(['page-user']);
  });

  it('usePresence says so on a topic without presence', async () => {
    const server = await serveHub();
    await mount(server.url, 'room.none');
    await page.waitForFunction(
      () => document.getElementById('members')?.dataset.status === 'off',
      undefined,
      WAIT,
    );
    expect(await members()).toEqual([]);
  });

  it('useCall calls a server handler and surfaces its RpcError', async () => {
    const server = await serveHub();
    server.hub.handle('add', (data) => {
      const { a, b } = data as { a: number; b: number };
      if (a < 0) throw new RpcError('NEGATIVE', 'no negative numbers');
      return a + b;
    });
    await mount(server.url, null);
    await waitForState('open');
    const answer = () =>
      page.waitForFunction(() => document.getElementById('call')?.dataset.answer || false, undefined, WAIT);
    await page.click('#call');
    expect(await (await answer()).jsonValue()).toBe('5');
    await page.click('#call-bad');
    await page.waitForFunction(
      () => document.getElementById('call')?.dataset.answer !== '5',
      undefined,
      WAIT,
    );
    expect(await (await answer()).jsonValue()).toBe('error NEGATIVE');
  });

  it('unsubscribes when the subscribing component unmounts, and closes the socket with the provider', async () => {
    const server = await serveHub();
    await mount(server.url, 'room.c', true);
    await waitForFeed('state', 'subscribed');
    expect(server.hub.stats()).toMatchObject({ connections: 1, subscriptions: 1 });

    await page.evaluate(() => window.hubbubTest.setTopic(null));
    await waitForFeed('state', 'unsubscribed');
    await waitFor(() => server.hub.stats().subscriptions === 0, 10_000, 'the server to see the unsub');
    expect(server.hub.stats().connections).toBe(1);

    await page.evaluate(() => window.hubbubTest.unmount());
    await waitFor(() => server.hub.stats().connections === 0, 10_000, 'the socket to close');
    expect(server.upgrades()).toBe(1);
  });
});
