import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts', 'src/browser.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
  },
  {
    // One file a web page can import without a bundler: dependencies inlined, minified.
    entry: { 'hubbub.browser.min': 'src/browser.ts' },
    format: ['esm'],
    outExtension: () => ({ js: '.js' }),
    platform: 'browser',
    target: 'es2022',
    noExternal: [/.*/],
    minify: true,
    treeshake: true,
    sourcemap: true,
    dts: false,
    clean: false,
  },
]);
