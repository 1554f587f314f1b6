/**
 * Client bundle: what a browser app downloads to talk to the server, minified and gzipped.
 * Hubbub: `packages/client/dist/hubbub.browser.min.js` when built, else its browser entry
 * bundled here; Socket.IO: `socket.io-client` bundled and minified with esbuild; raw ws: the
 * browser's native WebSocket (0 bytes). Gzip is zlib at level 9.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** Figures of this scenario, in table order. */
export const metrics = [
  { key: 'minBytes', label: 'min bytes', better: 'lower' },
  { key: 'gzBytes', label: 'min+gz bytes', better: 'lower' },
];

/** The cases one run measures. */
export function cases() {
  return [{ name: 'client bundle (esbuild minify, gzip -9)', params: {}, local: true }];
}

async function bundle(root, contents, resolveDir) {
  const out = await build({
    stdin: { contents, resolveDir, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  return out.outputFiles[0].contents;
}

async function hubbubCode(root) {
  const built = join(root, 'packages/client/dist/hubbub.browser.min.js');
  if (existsSync(built)) return { code: readFileSync(built), source: 'dist/hubbub.browser.min.js' };
  const src = join(root, 'packages/client/src');
  const entry = ['browser.ts', 'index.ts'].find((f) => existsSync(join(src, f)));
  if (!entry) throw new Error('no packages/client/src/browser.ts or index.ts to bundle');
  return {
    code: await bundle(root, `export * from './${entry.replace('.ts', '.js')}';`, src),
    source: `src/${entry}`,
  };
}

/** Measures one case for the context's target. */
export async function run(ctx) {
  let code;
  let source;
  if (ctx.target === 'socketio') {
    code = await bundle(ctx.root, "export { io } from 'socket.io-client';", ctx.root);
    source = 'socket.io-client';
  } else if (ctx.target === 'hubbub') {
    ({ code, source } = await hubbubCode(ctx.root));
  } else {
    return { minBytes: 0, gzBytes: 0, source: 'native WebSocket' };
  }
  return { minBytes: code.length, gzBytes: gzipSync(code, { level: 9 }).length, source };
}
