import { gzipSync } from 'node:zlib';
import type { Client, createClient } from '@hubbub/client/browser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type PageServer, servePages } from '../../../test/utils/chromium.js';
import { closeHubs, startHub } from '../../../test/utils/hub.js';
import { buildBrowserBundle } from './utils/bundle.js';

/** A page that imports the bundle the way the README shows, with no bundler. */
const PAGE = `<!doctype html><title>hubbub</title><script type="module">
import { createClient } from '/hubbub.browser.min.js';
window.createClient = createClient;
</script>`;

type Page$ = { createClient: typeof createClient; client: Client };

let browser: Browser;
let page: Page;
let pages: PageServer;
let bundle: Awaited<ReturnType<typeof buildBrowserBundle>>;

beforeAll(async () => {
  bundle = await buildBrowserBundle();
  pages = await servePages({
    '/': { type: 'text/html', body: PAGE },
    '/hubbub.browser.min.js': { type: 'text/javascript', body: bundle.code },
  });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(pages.url);
  await page.waitForFunction(() => 'createClient' in window);
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await closeHubs();
});

describe('browser bundle', () => {
  it('pulls in no Node built-in and no ws, and stays under 8 KB min+gz', () => {
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs.filter((i) => /node_modules\/ws\/|^node:/.test(i))).toEqual([]);
    expect(bundle.code).not.toMatch(/from\s*["'](ws|node:[a-z]+)["']|require\(/);
    expect(gzipSync(bundle.code, { level: 9 }).length).toBeLessThan(8 * 1024);
  });

  it('a page imports it without a bundler, subscribes and publishes JSON and bytes', async () => {
    const { port } = await startHub();
    const result = await page.evaluate(async (url) => {
      const client = (window as unknown as Page$).createClient({ url });
      const got: unknown[] = [];
      const done = new Promise<void>((resolve) => {
        client
          .subscribe('web', (data) => {
            got.push(data instanceof Uint8Array ? { bytes: [...data] } : data);
            if (got.length === 2) resolve();
          })
          .on('subscribed', async () => {
            await client.publish('web', { hello: 'browser' });
            await client.publish('web', new Uint8Array([1, 2, 255]));
          });
      });
      await done;
      client.close();
      return { got, state: client.state };
    }, `ws://127.0.0.1:${port}`);
    expect(result).toEqual({ got: [{ hello: 'browser' }, { bytes: [1, 2, 255] }], state: 'closed' });
  });

  it("the browser's online event triggers a reconnect attempt at once", async () => {
    const { hub, port } = await startHub();
    await page.evaluate(async (url) => {
      const w = window as unknown as Page$;
      const client = w.createClient({
        url,
        reconnect: { minDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 },
      });
      w.client = client;
      await new Promise<void>((resolve) => client.on('state', (s) => s.to === 'open' && resolve()));
    }, `ws://127.0.0.1:${port}`);
    hub.terminateAll();
    const state = await page.evaluate(async () => {
      const client = (window as unknown as Page$).client;
      if (client.state !== 'reconnecting') {
        await new Promise<void>((resolve) => client.on('state', (s) => s.to === 'reconnecting' && resolve()));
      }
      const reopened = new Promise<void>((resolve) =>
        client.on('state', (s) => s.to === 'open' && resolve()),
      );
      window.dispatchEvent(new Event('online'));
      await Promise.race([reopened, new Promise((r) => setTimeout(r, 10_000))]);
      const now = client.state;
      client.close();
      return now;
    });
    expect(state).toBe('open');
  });
});
