#!/usr/bin/env node
/**
 * `npm start`: builds the packages when their dist is missing, then runs the chat example and
 * prints its URL. PORT, HOST and REDIS_URL are passed through (see examples/chat/server.mjs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const NEEDED = [
  'packages/protocol/dist/index.js',
  'packages/server/dist/index.js',
  'packages/client/dist/index.js',
  'packages/client/dist/hubbub.browser.min.js',
];

const missing = NEEDED.filter((file) => !existsSync(new URL(`../${file}`, import.meta.url)));
if (missing.length > 0) {
  console.log(`Building the packages (missing: ${missing.join(', ')})…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('npm run build failed; fix the errors above and run `npm start` again.');
    process.exit(build.status ?? 1);
  }
}

const { main } = await import('../examples/chat/server.mjs');
const chat = await main();
console.log(`Open ${chat.url} in two browser windows and chat.`);
