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
    // Members named `_likeThis` are internal to the SDK (`@internal` members of exported classes,
    // fields of internal records): shortened here, where nothing outside the file can see them.
    // scripts/size.mjs and test/utils/bundle.ts build with the same options.
    esbuildOptions(options) {
      options.mangleProps = /^_[a-z]/;
    },
    // esbuild tree-shakes as it bundles; tsup's extra Rollup pass would only print the minified
    // code again, longer.
    treeshake: false,
    sourcemap: true,
    dts: false,
    clean: false,
  },
]);
