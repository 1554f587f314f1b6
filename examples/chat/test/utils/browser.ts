/**
 * Real Chromium for end-to-end tests, and the client bundle the chat page loads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The client's single-file browser build, served by the chat at /hubbub.js. */
export const CLIENT_BUNDLE = fileURLToPath(
  new URL('../../../../packages/client/dist/hubbub.browser.min.js', import.meta.url),
);

/**
 * Makes sure the client's browser bundle exists, building protocol and client when it does not.
 * CI runs `npm run build` before the tests, so there the bundle is always fresh.
 */
export function ensureClientBundle(): string {
  if (existsSync(CLIENT_BUNDLE)) return CLIENT_BUNDLE;
  const build = spawnSync('npm', ['run', 'build', '-w', '@hubbub/protocol', '-w', '@hubbub/client'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (build.status !== 0 || !existsSync(CLIENT_BUNDLE)) {
    throw new Error(
      `could not build the client bundle (${CLIENT_BUNDLE}):\n${build.stdout}\n${build.stderr}`,
    );
  }
  return CLIENT_BUNDLE;
}

/** Launches headless Chromium, or throws naming what is missing. */
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
