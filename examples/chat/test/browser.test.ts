/**
 * The chat in a real browser: two Chromium pages chat through the hub, lose their sockets, and
 * catch up with what was published while they were away, exactly once.
 *
 * Needs the client's browser bundle (packages/client/dist/hubbub.browser.min.js): CI runs
 * `npm run build` first; locally the suite builds protocol and client when the bundle is missing.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@hubbub/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test/utils/chromium.js';
import { HISTORY_SIZE, startChat } from '../server.mjs';
import { ensureClientBundle } from './utils/browser.js';

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const WAIT = { timeout: 20_000 };

type Chat = Awaited<ReturnType<typeof startChat>>;

interface Item {
  offset: number;
  kind: string;
  who: string;
  text: string;
  bytes: string;
  history: boolean;
  replayed: boolean;
}

/** The messages in the list, newest first (not separators, not the user's own still pending). */
function items(page: Page): Promise<Item[]> {
  return page.$$eval('#messages li[data-offset]', (lis) =>
    lis.map((li) => ({
      offset: Number((li as HTMLElement).dataset.offset),
      kind: (li as HTMLElement).dataset.kind ?? '',
      who: li.querySelector('.who')?.textContent ?? '',
      text: li.querySelector('.text')?.textContent ?? '',
      bytes: li.querySelector('.bytes')?.textContent ?? '',
      history: (li as HTMLElement).dataset.history === 'true',
      replayed: (li as HTMLElement).dataset.replayed === 'true',
    })),
  );
}

function waitForText(page: Page, text: string): Promise<unknown> {
  return page.waitForFunction(
    (t) =>
      Array.from(document.querySelectorAll('#messages li[data-offset] .text')).some(
        (el) => el.textContent === t,
      ),
    text,
    WAIT,
  );
}

/** How many entries of the list (sent or pending) show `text`. */
function countText(page: Page, text: string): Promise<number> {
  return page.$$eval('#messages .text', (els, t) => els.filter((el) => el.textContent === t).length, text);
}

/** The notices on screen, by cause. */
function notices(page: Page): Promise<Record<string, string>> {
  return page.$$eval('#notices [data-notice]', (els) =>
    Object.fromEntries(els.map((el) => [(el as HTMLElement).dataset.notice, el.textContent ?? ''])),
  );
}

function screenshot(page: Page, name: string): Promise<Buffer> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return page.screenshot({ path: `${ARTIFACTS}${name}`, fullPage: true });
}

function waitForStatus(page: Page, prefix: string): Promise<unknown> {
  return page.waitForFunction(
    (p) => document.getElementById('status')?.textContent?.startsWith(p),
    prefix,
    WAIT,
  );
}

/**
 * Clicks "Retry now" whenever the page shows it, until `selector` is on the page (at most 20 s):
 * a page that failed several attempts in a row would otherwise wait out its backoff.
 */
async function retryUntil(page: Page, selector: string): Promise<void> {
  const deadline = Date.now() + WAIT.timeout;
  while (!(await page.$(selector))) {
    if (Date.now() > deadline) throw new Error(`"${selector}" did not appear within ${WAIT.timeout} ms`);
    if (await page.isVisible('#retry')) await page.click('#retry');
    await page.waitForSelector(selector, { timeout: 500 }).catch(() => undefined);
  }
}

const OPEN = '#status[data-state="open"]';

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.click('#send');
}

function expectExactlyOnce(list: Item[]): void {
  const offsets = list.map((i) => i.offset);
  expect(new Set(offsets).size).toBe(offsets.length);
  expect(offsets).toEqual([...offsets].sort((a, b) => b - a));
}

describe('chat in Chromium', () => {
  let chat: Chat;
  let browser: Browser;
  let alice: Page;
  let bob: Page;
  /** Console errors, page errors and failed requests, tagged with the page's name. */
  const problems: string[] = [];

  async function openAs(name: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (err) => problems.push(`[${name}] page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`[${name}] console: ${msg.text()} (${msg.location().url})`);
    });
    page.on(
      'response',
      (res) => res.status() >= 400 && problems.push(`[${name}] ${res.status()} ${res.url()}`),
    );
    await page.goto(`${chat.url}#lobby`);
    await page.fill('#name', name);
    await waitForStatus(page, 'open');
    return page;
  }

  beforeAll(async () => {
    ensureClientBundle();
    chat = await startChat();
    browser = await launchChromium();
    await chat.hub.publish('chat.lobby', { name: 'server', text: 'welcome to the lobby', at: Date.now() });
    await chat.hub.publish('chat.lobby', new Uint8Array([1, 2, 3]));
    alice = await openAs('alice');
    bob = await openAs('bob');
  });

  afterAll(async () => {
    await browser?.close();
    await chat?.close();
  });

  it('loads with its favicon and without a console error', async () => {
    const icon = await fetch(new URL('/favicon.svg', chat.url));
    expect([icon.status, icon.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
    expect(await alice.getAttribute('link[rel="icon"]', 'href')).toBe('/favicon.svg');
    expect(problems).toEqual([]);
    expect(await alice.isVisible('#retry')).toBe(false);
    expect(await alice.isVisible('#notices')).toBe(false);
  });

  it('shows the room history on join', async () => {
    for (const page of [alice, bob]) {
      await waitForText(page, 'welcome to the lobby');
      const list = await items(page);
      expect(list.map((i) => [i.offset, i.kind, i.history])).toEqual([
        [2, 'binary', true],
        [1, 'text', true],
      ]);
      expect(list[0]?.bytes).toBe('3 bytes');
    }
  });

  it('exchanges text messages between two pages, newest first', async () => {
    await say(alice, 'hi bob');
    await waitForText(bob, 'hi bob');
    await say(bob, 'hi alice');
    await waitForText(alice, 'hi alice');
    for (const page of [alice, bob]) {
      const [newest, older] = await items(page);
      expect([newest?.who, newest?.text]).toEqual(['bob', 'hi alice']);
      expect([older?.who, older?.text]).toEqual(['alice', 'hi bob']);
    }
  });

  it("finds the room's messages with the room.history.search call", async () => {
    await bob.fill('#search-text', 'HI BOB');
    await bob.click('#search button');
    await bob.waitForFunction(
      () => /hi bob/.test(document.getElementById('search-results')?.textContent ?? ''),
      undefined,
      WAIT,
    );
    const results = await bob.$$eval('#search-results li', (els) => els.map((el) => el.textContent));
    expect(results).toEqual([expect.stringMatching(/^#3 .*alice: hi bob$/)]);
    await bob.fill('#search-text', 'no such words');
    await bob.click('#search button');
    await bob.waitForFunction(
      () => /Nothing in this room/.test(document.getElementById('search-results')?.textContent ?? ''),
      undefined,
      WAIT,
    );
  });

  it('sends a binary attachment that both pages show as bytes', async () => {
    const payload = Buffer.from(Array.from({ length: 37 }, (_, i) => (i * 7) & 0xff));
    await alice.setInputFiles('#file', {
      name: 'blob.bin',
      mimeType: 'application/octet-stream',
      buffer: payload,
    });
    for (const page of [alice, bob]) {
      await page.waitForFunction(
        () => document.querySelector('#messages li')?.querySelector('.bytes')?.textContent === '37 bytes',
        undefined,
        WAIT,
      );
    }
  });

  it("shows the server's size limit as an error and keeps working", async () => {
    await say(alice, 'x'.repeat(5_000));
    await alice.waitForFunction(
      () => /TOO_BIG/.test(document.getElementById('error')?.textContent ?? ''),
      undefined,
      WAIT,
    );
    expect(await alice.isVisible('#error')).toBe(true);
    await waitForStatus(alice, 'open');
    await say(alice, 'still here');
    await waitForText(bob, 'still here');
    expect(await alice.isVisible('#error')).toBe(false);
  });

  it("shows the server's text length cap as an error", async () => {
    await say(alice, 'y'.repeat(501));
    await alice.waitForFunction(
      () => /longer than 500 characters/.test(document.getElementById('error')?.textContent ?? ''),
      undefined,
      WAIT,
    );
    await say(alice, 'y'.repeat(500));
    await waitForText(bob, 'y'.repeat(500));
  });

  it('reconnects after the server drops every socket and catches up exactly once', async () => {
    chat.setAcceptingSockets(false);
    expect(chat.dropAllSockets()).toBe(2);
    await Promise.all([waitForStatus(alice, 'reconnecting'), waitForStatus(bob, 'reconnecting')]);
    await screenshot(bob, 'chat-reconnecting.png');
    const missed = ['while away 1', 'while away 2', 'while away 3'];
    for (const text of missed) await chat.hub.publish('chat.lobby', { name: 'server', text, at: Date.now() });
    chat.setAcceptingSockets(true);
    for (const page of [alice, bob]) {
      await waitForStatus(page, 'open');
      for (const text of missed) await waitForText(page, text);
    }
    await say(bob, 'back online');
    await waitForText(alice, 'back online');
    const [a, b] = [await items(alice), await items(bob)];
    expectExactlyOnce(a);
    expectExactlyOnce(b);
    expect(a.map((i) => i.offset)).toEqual(b.map((i) => i.offset));
    const latest = a[0]!.offset;
    expect(a.map((i) => i.offset)).toEqual(Array.from({ length: latest }, (_, i) => latest - i));
    for (const list of [a, b]) {
      const caughtUp = list.filter((i) => missed.includes(i.text));
      expect(caughtUp.map((i) => [i.text, i.replayed, i.history])).toEqual(
        missed.map((t) => [t, true, false]).reverse(),
      );
    }
    await screenshot(alice, 'chat.png');
  });

  it('shows a message typed while disconnected as queued, sends it once, and "Retry now" reconnects at once', async () => {
    // When each page's next attempt is due, and when it opened again.
    const watch = () => {
      const w = window as unknown as ChatWindow;
      w.retryDue = [];
      w.hubbub.on('retry', ({ delayMs }) => w.retryDue.push({ delayMs, due: Date.now() + delayMs }));
      w.hubbub.on('state', ({ to }) => {
        if (to === 'open') w.openedAt = Date.now();
      });
    };
    await Promise.all([alice.evaluate(watch), bob.evaluate(watch)]);
    chat.setAcceptingSockets(false);
    chat.dropAllSockets();
    await Promise.all([waitForStatus(alice, 'reconnecting'), waitForStatus(bob, 'reconnecting')]);
    expect(await alice.isVisible('#retry')).toBe(true);

    await alice.fill('#text', 'typed while offline');
    await alice.click('#send');
    await alice.click('#send');
    await alice.waitForSelector('#messages li[data-pending="queued"]', WAIT);
    expect(
      await alice.$$eval('#messages li[data-pending]', (lis) => lis.map((li) => li.textContent)),
    ).toEqual(['queuedalicetyped while offline']);
    expect(await notices(alice)).toEqual({
      connection: 'Connection lost. Messages you send go out once it is back. 1 message is queued.',
    });
    expect(Object.keys(await notices(bob))).toEqual(['connection']);
    await screenshot(alice, 'chat-queued.png');

    // Wait until alice's next attempt is at least 1.5 s away, then let sockets in and click: she
    // must be back before that attempt was due.
    const due = await alice.waitForFunction(
      () => {
        const last = (window as unknown as ChatWindow).retryDue.at(-1);
        return last && last.delayMs >= 1_500 ? last.due : false;
      },
      undefined,
      WAIT,
    );
    chat.setAcceptingSockets(true);
    await alice.click('#retry');
    await waitForStatus(alice, 'open');
    const openedAt = await alice.evaluate(() => (window as unknown as ChatWindow).openedAt);
    expect(openedAt).toBeLessThan((await due.jsonValue()) as number);
    await retryUntil(bob, OPEN);

    for (const page of [alice, bob]) {
      await waitForText(page, 'typed while offline');
      await page.waitForFunction(
        () => !document.querySelector('#messages li[data-pending]'),
        undefined,
        WAIT,
      );
      expect(await countText(page, 'typed while offline')).toBe(1);
      expect(await notices(page)).toEqual({});
      expect(await page.isVisible('#notices')).toBe(false);
      expect(await page.isVisible('#retry')).toBe(false);
    }
    expectExactlyOnce(await items(alice));
  });

  it('marks messages that fell out of the history while away with a separator naming them', async () => {
    await alice.selectOption('#room', 'random');
    await alice.waitForFunction(() => location.hash === '#random', undefined, WAIT);
    await alice.waitForFunction(
      () => (window as unknown as ChatWindow).hubbub.state === 'open',
      undefined,
      WAIT,
    );
    await chat.hub.publish('chat.random', { name: 'server', text: 'seen before the drop', at: Date.now() });
    await waitForText(alice, 'seen before the drop');
    chat.setAcceptingSockets(false);
    chat.dropAllSockets();
    await waitForStatus(alice, 'reconnecting');
    // Five more than the room's history holds (200): #2–#6 are gone by the time alice is back.
    for (let i = 2; i <= HISTORY_SIZE + 6; i++) {
      await chat.hub.publish('chat.random', { name: 'server', text: `burst ${i}`, at: Date.now() });
    }
    chat.setAcceptingSockets(true);
    await retryUntil(alice, '#messages li[data-kind="separator"][data-reason="missed"]');
    expect(await alice.textContent('#messages li[data-kind="separator"]')).toBe(
      'Messages #2–#6 could not be recovered after the reconnect.',
    );
    await waitForText(alice, `burst ${HISTORY_SIZE + 6}`);
    const offsets = (await items(alice)).map((i) => i.offset);
    expect(offsets.at(-1)).toBe(1);
    expect(offsets.slice(0, -1)).toEqual(
      Array.from({ length: HISTORY_SIZE }, (_, i) => HISTORY_SIZE + 6 - i),
    );
    await retryUntil(bob, OPEN);

    await alice.selectOption('#room', 'lobby');
    await waitForText(alice, 'typed while offline');
  });

  it('marks the place where the room history was reset with a separator', async () => {
    const { port } = chat;
    await chat.close();
    chat = await startChat({ port });
    // The old hub asked them to wait up to 5 s before coming back; "Retry now" skips that.
    for (const page of [alice, bob]) {
      await retryUntil(page, '#messages li[data-kind="separator"][data-reason="reset"]');
      await waitForStatus(page, 'open');
    }
    await chat.hub.publish('chat.lobby', { name: 'server', text: 'after the restart', at: Date.now() });
    for (const page of [alice, bob]) {
      await waitForText(page, 'after the restart');
      // Messages and separators; the joined/left lines of presence may sit between them.
      const top = await page.$$eval('#messages li:is([data-offset], [data-kind="separator"])', (lis) =>
        lis
          .slice(0, 3)
          .map((li) => [(li as HTMLElement).dataset.kind, (li as HTMLElement).dataset.offset ?? '']),
      );
      expect(top).toEqual([
        ['text', '1'],
        ['separator', ''],
        ['text', expect.stringMatching(/^\d+$/)],
      ]);
      expect(await notices(page)).toEqual({});
    }
    await screenshot(bob, 'chat-history-reset.png');
  });

  it('logged nothing but the refused handshakes of the outages', () => {
    const refused = /WebSocket connection to 'ws:\/\/[^']+\/ws' failed/;
    expect(problems.filter((p) => !refused.test(p))).toEqual([]);
  });
});

/** What the tests read from the chat page's window. */
interface ChatWindow {
  hubbub: Client;
  retryDue: { delayMs: number; due: number }[];
  openedAt: number;
}
