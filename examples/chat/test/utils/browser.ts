/**
 * The client bundle the chat page loads. Chromium itself comes from test/utils/chromium.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
