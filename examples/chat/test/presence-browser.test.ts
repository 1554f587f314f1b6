/**
 * Who is in the room, in a real browser: two Chromium pages in one room see each other in the
 * member list and a line when the other joins and leaves; a dropped socket that comes back within
 * the grace period shows no line at all.
 *
 * Needs the client's browser bundle (see browser.test.ts).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test/utils/chromium.js';
import { startChat } from '../server.mjs';
import { ensureClientBundle } from './utils/browser.js';

const WAIT = { timeout: 20_000 };

type Chat = Awaited<ReturnType<typeof startChat>>;

let browser: Browser;
let chat: Chat;

beforeAll(async () => {
  ensureClientBundle();
  chat = await startChat({ heartbeat: { intervalMs: 1_000, timeoutMs: 2_000 } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await chat?.close({ drainMs: 0 });
});

async function open(name: string): Promise<Page> {
  const context = await browser.newContext();
  await context.addInitScript((n) => localStorage.setItem('hubbub-name', n), name);
  const page = await context.newPage();
  await page.goto(`${chat.url}#random`);
  return page;
}

function waitForMembers(page: Page, n: number): Promise<unknown> {
  return page.waitForFunction((count) => document.querySelectorAll('#members li').length === count, n, WAIT);
}

const members = (page: Page) => page.$$eval('#members li .who', (l) => l.map((x) => x.textContent));
const lines = (page: Page) =>
  page.$$eval('#messages li[data-kind="presence"]', (l) => l.map((x) => x.textContent).reverse());

function waitForLine(page: Page, text: string): Promise<unknown> {
  return page.waitForFunction(
    (t) =>
      [...document.querySelectorAll('#messages li[data-kind="presence"]')].some((li) => li.textContent === t),
    text,
    WAIT,
  );
}

describe('chat presence in Chromium', () => {
  it('lists who is in the room and shows joined and left lines, but nothing for a reconnect', async () => {
    const ann = await open('Ann');
    await ann.waitForFunction(() => document.querySelectorAll('#members li').length === 1, undefined, WAIT);
    const bob = await open('Bob');
    await waitForLine(ann, 'Bob joined');
    expect(await members(ann)).toEqual(['Ann', 'Bob']);
    await bob.waitForFunction(() => document.querySelectorAll('#members li').length === 2, undefined, WAIT);
    // Every socket drops (as a network failure would); both pages reconnect within the grace period.
    for (const page of [ann, bob]) {
      await page.evaluate(() => {
        const w = window as unknown as {
          hubbub: { on(e: string, f: (c: { to: string }) => void): void };
          states: string[];
        };
        w.states = [];
        w.hubbub.on('state', (ctx) => w.states.push(ctx.to));
      });
    }
    expect(chat.dropAllSockets()).toBe(2);
    for (const page of [ann, bob]) {
      await page.waitForFunction(
        () => (window as unknown as { states: string[] }).states.join() === 'reconnecting,open',
        undefined,
        WAIT,
      );
    }
    await waitForMembers(bob, 2);
    await bob.close();
    await waitForLine(ann, 'Bob left');
    expect(await members(ann)).toEqual(['Ann']);
    expect(await lines(ann)).toEqual(['Ann joined', 'Bob joined', 'Bob left']);
  });
});
