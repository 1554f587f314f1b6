// Prints the minified and gzipped size of the browser bundle (dist/hubbub.browser.min.js),
// building it from src/browser.ts with esbuild when dist is missing.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const LIMIT_BYTES = 8 * 1024;
const TARGET_BYTES = 5 * 1024;
const root = fileURLToPath(new URL('..', import.meta.url));
const bundlePath = `${root}dist/hubbub.browser.min.js`;

async function bundle() {
  if (existsSync(bundlePath)) return readFileSync(bundlePath);
  const result = await build({
    entryPoints: [`${root}src/browser.ts`],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
  });
  return Buffer.from(result.outputFiles[0].contents);
}

const code = await bundle();
const gz = gzipSync(code, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
console.log(`hubbub.browser.min.js: ${kb(code.length)} min, ${kb(gz)} min+gz (${gz} bytes)`);
if (gz > LIMIT_BYTES) {
  console.error(`over the ${kb(LIMIT_BYTES)} limit`);
  process.exit(1);
}
if (gz > TARGET_BYTES) console.warn(`over the ${kb(TARGET_BYTES)} target`);
