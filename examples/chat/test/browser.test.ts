/**
 * The chat in a real browser: two Chromium pages chat through the hub, lose their sockets, and
 * catch up with what was published while they were away, exactly once.
 *
 * Needs the client's browser bundle (packages/client/dist/hubbub.browser.min.js): CI runs
 * `npm run build` first; locally the suite builds protocol and client when the bundle is missing.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test/utils/chromium.js';
import { startChat } from '../server.mjs';
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

function items(page: Page): Promise<Item[]> {
  return page.$$eval('#messages li', (lis) =>
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
    (t) => Array.from(document.querySelectorAll('#messages .text')).some((el) => el.textContent === t),
    text,
    WAIT,
  );
}

function waitForStatus(page: Page, prefix: string): Promise<unknown> {
  return page.waitForFunction(
    (p) => document.getElementById('status')?.textContent?.startsWith(p),
    prefix,
    WAIT,
  );
}

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

  async function openAs(name: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.error(`[${name}] page error:`, err));
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
    mkdirSync(ARTIFACTS, { recursive: true });
    await bob.screenshot({ path: `${ARTIFACTS}chat-reconnecting.png` });
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
    await alice.screenshot({ path: `${ARTIFACTS}chat.png`, fullPage: true });
  });
});
