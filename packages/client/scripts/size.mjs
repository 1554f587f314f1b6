// Prints the minified and gzipped size of the single-file browser bundle, built from
// src/browser.ts with the options tsup.config.ts uses for dist/hubbub.browser.min.js.
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const LIMIT_BYTES = 8 * 1024;
const TARGET_BYTES = 5 * 1024;

const result = await build({
  entryPoints: [fileURLToPath(new URL('../src/browser.ts', import.meta.url))],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  mangleProps: /^_[a-z]/,
  write: false,
  metafile: true,
});
const code = result.outputFiles[0].contents;
const gz = gzipSync(code, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
console.log(`hubbub.browser.min.js: ${kb(code.length)} min, ${kb(gz)} min+gz (${gz} bytes)`);
if (process.argv.includes('--verbose')) {
  const inputs = Object.entries(result.metafile.outputs)[0][1].inputs;
  for (const [file, { bytesInOutput }] of Object.entries(inputs))
    console.log(`  ${file}: ${bytesInOutput} B min`);
}
if (gz > LIMIT_BYTES) {
  console.error(`over the ${kb(LIMIT_BYTES)} limit`);
  process.exit(1);
}
if (gz > TARGET_BYTES)
  console.log(`(over the ${kb(TARGET_BYTES)} target, under the ${kb(LIMIT_BYTES)} limit)`);
