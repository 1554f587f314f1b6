/**
 * Debian's Chromium for end-to-end tests, headless through playwright-core, and a loopback HTTP
 * server for the pages it loads.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** Launches headless Chromium with the project's flags, or throws naming what is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is required at ${CHROMIUM} for the browser tests (Debian: apt-get install chromium)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A file a {@link servePages} server answers with. */
export interface PageFile {
  readonly type: string;
  readonly body: string | Uint8Array;
}

/** A running page server. */
export interface PageServer {
  /** http://127.0.0.1:port/ */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `files` (URL path → content) on 127.0.0.1; `/` and unknown paths get `files['/']`, and a
 * tab's automatic /favicon.ico request gets 204, so pages log no errors.
 */
export async function servePages(files: Readonly<Record<string, PageFile>>): Promise<PageServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/favicon.ico' && !files[path]) return void res.writeHead(204).end();
    const file = files[path] ?? files['/'];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
