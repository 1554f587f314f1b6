// Prints the minified and gzipped size of @hubbub/react as an app's bundler would include it:
// built from src/index.ts with React external, once without the client (its own figure is in
// packages/client) and once with it.
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const at = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** @hubbub/* from source, with the client's browser entry (what bundlers pick for the web). */
const sources = {
  name: 'hubbub-sources',
  setup(b) {
    const paths = {
      '@hubbub/protocol': at('protocol/src/index.ts'),
      '@hubbub/client': at('client/src/browser.ts'),
    };
    b.onResolve({ filter: /^@hubbub\/(protocol|client)$/ }, (args) => ({ path: paths[args.path] }));
  },
};

async function measure(external) {
  const result = await build({
    entryPoints: [at('react/src/index.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    mangleProps: /^_[a-z]/,
    external,
    plugins: external.includes('@hubbub/client') ? [] : [sources],
    write: false,
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length };
}

const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
const own = await measure(['react', 'react-dom', '@hubbub/client']);
const all = await measure(['react', 'react-dom']);
console.log(`@hubbub/react: ${kb(own.min)} min, ${kb(own.gz)} min+gz (${own.gz} bytes)`);
console.log(`@hubbub/react with @hubbub/client: ${kb(all.min)} min, ${kb(all.gz)} min+gz (${all.gz} bytes)`);
